import { describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { digestToJson } from '../../src/digest/digest-json.js';
import { paper } from '../builders.js';
import { threeTopics } from './taxonomies.js';

const options = { date: '2025-09-30', taxonomy: threeTopics, topN: 50, minUpvotes: 0, highlights: 1 };

describe('digestToJson', () => {
  it('prints date, total and sections with compact papers', () => {
    const item = paper({
      id: '2509.00001',
      title: 'Agent Zero',
      upvotes: 4,
      comments: 2,
      authors: ['Ada Lovelace'],
      organization: 'Analytical Engines',
      githubRepo: 'https://github.com/example/agent-zero',
      githubStars: 12,
      aiSummary: 'An agent.',
    });
    expect(digestToJson(buildDigest([item], options))).toEqual({
      date: '2025-09-30',
      total: 1,
      sections: [
        {
          topic: 'Agents',
          slug: 'agents',
          upvotes: 4,
          papers: [
            {
              id: '2509.00001',
              title: 'Agent Zero',
              upvotes: 4,
              comments: 2,
              url: 'https://huggingface.co/papers/2509.00001',
              authors: ['Ada Lovelace'],
              organization: 'Analytical Engines',
              githubRepo: 'https://github.com/example/agent-zero',
              githubStars: 12,
              summary: 'An agent.',
            },
          ],
        },
      ],
    });
  });

  it('uses the abstract as summary when there is no AI summary, and null for missing optional values', () => {
    const item = paper({ title: 'Agent One', abstract: 'The abstract.' });
    const [json] = digestToJson(buildDigest([item], options)).sections[0]!.papers;
    expect(json).toMatchObject({ summary: 'The abstract.', organization: null, githubRepo: null, githubStars: null });
  });

  it('lists papers in ranked order', () => {
    const papers = [paper({ title: 'Agent low', upvotes: 1 }), paper({ title: 'Agent high', upvotes: 8 })];
    const json = digestToJson(buildDigest(papers, options));
    expect(json.sections[0]!.papers.map((item) => item.title)).toEqual(['Agent high', 'Agent low']);
  });
});
