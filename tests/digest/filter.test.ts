import { describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { filterDigestByTopics } from '../../src/digest/filter.js';
import { paper } from '../builders.js';
import { taxonomyOf, threeTopics, threeTopicSpecs } from './taxonomies.js';

const digest = buildDigest(
  [
    paper({ title: 'Agent A', upvotes: 9 }),
    paper({ title: 'Speech A', upvotes: 7 }),
    paper({ title: 'Robot A', upvotes: 5 }),
    paper({ title: 'Robot B', upvotes: 4 }),
    paper({ title: 'Speech B', upvotes: 1 }),
  ],
  { date: '2025-09-30', taxonomy: threeTopics, topN: 50, minUpvotes: 0, highlights: 2 },
);

describe('filterDigestByTopics', () => {
  it('returns the whole digest when the subscriber chose no topics (everything)', () => {
    expect(filterDigestByTopics(digest, null)).toBe(digest);
  });

  it('keeps only the sections the subscriber chose, in the issue order', () => {
    const filtered = filterDigestByTopics(digest, ['robotics', 'speech']);
    expect(filtered?.sections.map((section) => section.slug)).toEqual(['robotics', 'speech']);
  });

  it('recomputes the highlights as the top of the remaining papers', () => {
    const filtered = filterDigestByTopics(digest, ['robotics', 'speech']);
    expect(filtered?.highlights.map((item) => item.title)).toEqual(['Speech A', 'Robot A']);
  });

  it('counts only the remaining papers in total', () => {
    expect(filterDigestByTopics(digest, ['robotics'])?.total).toBe(2);
  });

  it('returns null when none of the chosen topics has a paper that day', () => {
    expect(filterDigestByTopics(digest, ['code'])).toBeNull();
  });

  it('returns null for an empty topic list', () => {
    expect(filterDigestByTopics(digest, [])).toBeNull();
  });

  describe('secondary topics', () => {
    const close = buildDigest(
      [
        paper({ title: 'Agent A', upvotes: 9 }),
        // agents 3 × 2 (title) and speech 3 × 1 (abstract), within secondaryShare (0.5) of each other.
        paper({ title: 'Agent B', abstract: 'It listens to speech.', upvotes: 6 }),
        paper({ title: 'Speech A', upvotes: 3 }),
      ],
      { date: '2025-09-30', taxonomy: taxonomyOf(threeTopicSpecs, { secondaryShare: 0.5 }), topN: 50, minUpvotes: 0, highlights: 2 },
    );

    it('gives a reader of only the secondary topic that paper, in its primary topic\'s section', () => {
      const filtered = filterDigestByTopics(close, ['speech']);
      expect(filtered?.sections.map((section) => [section.slug, section.papers.map((item) => item.title)])).toEqual([
        ['agents', ['Agent B']],
        ['speech', ['Speech A']],
      ]);
      expect(filtered?.total).toBe(2);
    });

    it('lists the paper once for a reader of both topics', () => {
      const filtered = filterDigestByTopics(close, ['speech', 'agents']);
      expect(filtered?.sections.flatMap((section) => section.papers.map((item) => item.title)).sort()).toEqual(['Agent A', 'Agent B', 'Speech A']);
    });

    it('brings nothing to a reader whose topic is no paper\'s secondary topic', () => {
      expect(filterDigestByTopics(close, ['robotics'])).toBeNull();
    });
  });
});
