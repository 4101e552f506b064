import { describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { digestToJson } from '../../src/digest/digest-json.js';
import { paper } from '../builders.js';
import { taxonomyOf, threeTopics, threeTopicSpecs } from './taxonomies.js';

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
              secondaryTopic: null,
            },
          ],
        },
      ],
    });
  });

  it('uses the abstract as summary when there is no AI summary, and null for missing optional values', () => {
    const item = paper({ title: 'Agent One', abstract: 'The abstract.' });
    const [json] = digestToJson(buildDigest([item], options)).sections[0]!.papers;
    expect(json).toMatchObject({ summary: 'The abstract.', organization: null, githubRepo: null, githubStars: null, secondaryTopic: null });
  });

  it('names the secondary topic of a paper that scores close to a second topic', () => {
    const taxonomy = taxonomyOf(threeTopicSpecs, { secondaryShare: 0.5 });
    // agents 3 × title 2, speech 3 × abstract 1: half the best score.
    const item = paper({ title: 'Agent One', abstract: 'It listens to speech.' });
    const [json] = digestToJson(buildDigest([item], { ...options, taxonomy })).sections[0]!.papers;
    expect(json).toMatchObject({ title: 'Agent One', secondaryTopic: 'speech' });
  });

  it('names none when the runner-up scores below the share', () => {
    const taxonomy = taxonomyOf(threeTopicSpecs, { secondaryShare: 0.75 });
    const item = paper({ title: 'Agent One', abstract: 'It listens to speech.' });
    expect(digestToJson(buildDigest([item], { ...options, taxonomy })).sections[0]!.papers[0]!.secondaryTopic).toBeNull();
  });

  it('lists papers in ranked order', () => {
    const papers = [paper({ title: 'Agent low', upvotes: 1 }), paper({ title: 'Agent high', upvotes: 8 })];
    const json = digestToJson(buildDigest(papers, options));
    expect(json.sections[0]!.papers.map((item) => item.title)).toEqual(['Agent high', 'Agent low']);
  });
});
