import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest/paper.js';
import { createIssueRenderer } from '../../src/render/index.js';
import { digestOf, paper } from '../builders.js';
import { OPTIONS, recipient } from './fixtures.js';

const digest: Digest = {
  ...digestOf([]),
  total: 2,
  sections: [
    { slug: 'llm', topic: 'LLM reasoning', upvotes: 9, papers: [paper({ upvotes: 9, title: 'Reasoning paper' })] },
    { slug: 'video', topic: 'Video generation', upvotes: 4, papers: [paper({ upvotes: 4, title: 'Video paper' })] },
  ],
};

/** A real (tiny) topic filter with a call log, standing in for src/digest's filterDigestByTopics. */
function recordingFilter() {
  const calls: (string[] | null)[] = [];
  const filter = (input: Digest, topics: string[] | null): Digest | null => {
    calls.push(topics);
    if (topics === null) return input;
    const sections = input.sections.filter((section) => topics.includes(section.slug));
    if (sections.length === 0) return null;
    const total = sections.reduce((sum, section) => sum + section.papers.length, 0);
    return { ...input, sections, total, highlights: [] };
  };
  return { filter, calls };
}

describe('createIssueRenderer', () => {
  it('compiles one issue per distinct topic selection, whatever the order of topics', async () => {
    const { filter, calls } = recordingFilter();
    const renderer = createIssueRenderer(digest, OPTIONS, filter);
    const first = await renderer.forTopics(['video', 'llm']);
    const second = await renderer.forTopics(['llm', 'video', 'llm']);
    expect(second).toBe(first);
    expect(calls).toHaveLength(1);
  });

  it('shares the all-topics issue between callers', async () => {
    const { filter, calls } = recordingFilter();
    const renderer = createIssueRenderer(digest, OPTIONS, filter);
    const [a, b] = await Promise.all([renderer.forTopics(null), renderer.forTopics(null)]);
    expect(a).toBe(b);
    expect(calls).toEqual([null]);
  });

  it('renders only the selected topics', async () => {
    const { filter } = recordingFilter();
    const issue = await createIssueRenderer(digest, OPTIONS, filter).forTopics(['video']);
    const { html } = issue!.personalise(recipient('a'));
    expect(html).toContain('Video paper');
    expect(html).not.toContain('Reasoning paper');
  });

  it('returns null when the selection has no papers today', async () => {
    const { filter } = recordingFilter();
    expect(await createIssueRenderer(digest, OPTIONS, filter).forTopics(['robotics'])).toBeNull();
  });
});
