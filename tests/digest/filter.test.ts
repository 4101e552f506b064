import { describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { filterDigestByTopics } from '../../src/digest/filter.js';
import { paper } from '../builders.js';
import { threeTopics } from './taxonomies.js';

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
});
