import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest/paper.js';
import { createIssueRenderer, mjmlCompilations } from '../../src/render/index.js';
import { digestOf, paper } from '../builders.js';
import { OPTIONS, recipient } from './fixtures.js';

const digest: Digest = {
  ...digestOf([]),
  total: 3,
  sections: [
    { slug: 'llm', topic: 'LLM reasoning', upvotes: 9, papers: [paper({ upvotes: 9, title: 'Reasoning paper' }), paper({ upvotes: 2, title: 'Second reasoning paper' })] },
    { slug: 'video', topic: 'Video generation', upvotes: 4, papers: [paper({ upvotes: 4, title: 'Video paper' })] },
  ],
};

describe('createIssueRenderer', () => {
  it('compiles MJML once for the issue, whatever selections and callers ask, concurrently or not', async () => {
    const before = mjmlCompilations();
    const renderer = createIssueRenderer(digest, OPTIONS);
    const [a, b] = await Promise.all([renderer.parts(), renderer.parts()]);
    expect(a).toBe(b);
    for (const topics of [null, ['video', 'llm'], ['llm'], ['video'], ['robotics', 'video']]) await renderer.forTopics(topics);
    expect(mjmlCompilations() - before).toBe(1);
  });

  it('gives the same copy for the same selection in any order, with duplicates', async () => {
    const renderer = createIssueRenderer(digest, OPTIONS);
    const first = (await renderer.forTopics(['video', 'llm']))!.personalise(recipient('a'));
    const second = (await renderer.forTopics(['llm', 'video', 'llm']))!.personalise(recipient('a'));
    expect(second).toEqual(first);
  });

  it('puts only the selected topics in a copy', async () => {
    const issue = await createIssueRenderer(digest, OPTIONS).forTopics(['video']);
    const { html, text } = issue!.personalise(recipient('a'));
    expect(html).toContain('Video paper');
    expect(html).not.toContain('Reasoning paper');
    expect(text).not.toContain('Reasoning paper');
  });

  it('returns null when the selection has no papers today', async () => {
    expect(await createIssueRenderer(digest, OPTIONS).forTopics(['robotics'])).toBeNull();
  });
});
