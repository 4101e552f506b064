import { describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { DigestSchema } from '../../src/digest/paper.js';
import { paper } from '../builders.js';
import { taxonomyOf, threeTopics, threeTopicSpecs } from './taxonomies.js';

const options = { date: '2025-09-30', taxonomy: threeTopics, topN: 50, minUpvotes: 0, highlights: 2 };
const agent = (upvotes: number, id?: string) => paper({ title: `Agent ${upvotes}`, upvotes, ...(id ? { id } : {}) });
const speech = (upvotes: number) => paper({ title: `Speech ${upvotes}`, upvotes });
const robot = (upvotes: number) => paper({ title: `Robot ${upvotes}`, upvotes });
const plain = (upvotes: number) => paper({ title: `Untitled ${upvotes}`, abstract: 'Nothing to see.', upvotes });

describe('buildDigest', () => {
  it('produces a digest that satisfies the Digest schema', () => {
    const digest = buildDigest([agent(3), speech(2), plain(1)], options);
    expect(DigestSchema.parse(digest)).toEqual(digest);
  });

  it('groups each paper under its one primary topic', () => {
    const digest = buildDigest([agent(3), speech(2), agent(1)], options);
    expect(digest.sections.map((section) => [section.slug, section.papers.length])).toEqual([
      ['agents', 2],
      ['speech', 1],
    ]);
  });

  it('orders sections by their total upvotes, most first', () => {
    const digest = buildDigest([agent(5), speech(4), speech(4), robot(1)], options);
    expect(digest.sections.map((section) => [section.slug, section.upvotes])).toEqual([
      ['speech', 8],
      ['agents', 5],
      ['robotics', 1],
    ]);
  });

  it('orders sections with equal upvotes by topic priority', () => {
    const digest = buildDigest([robot(4), speech(4)], options);
    expect(digest.sections.map((section) => section.slug)).toEqual(['speech', 'robotics']);
  });

  it('puts the Other section last even when it has the most upvotes', () => {
    const digest = buildDigest([plain(90), agent(1)], options);
    expect(digest.sections.map((section) => section.slug)).toEqual(['agents', 'other']);
  });

  it('keeps papers in ranked order inside a section', () => {
    const digest = buildDigest([agent(1), agent(7), agent(3)], options);
    expect(digest.sections[0]!.papers.map((item) => item.upvotes)).toEqual([7, 3, 1]);
  });

  it('omits topics that have no papers', () => {
    const digest = buildDigest([agent(1)], options);
    expect(digest.sections.map((section) => section.slug)).toEqual(['agents']);
  });

  it('features the top papers overall as highlights, which stay in their sections too', () => {
    const digest = buildDigest([agent(1), speech(9), robot(5)], options);
    expect(digest.highlights.map((item) => item.upvotes)).toEqual([9, 5]);
    expect(digest.sections.flatMap((section) => section.papers).map((item) => item.upvotes)).toContain(9);
  });

  it('applies topN and minUpvotes before grouping', () => {
    const digest = buildDigest([agent(9), speech(5), robot(3), agent(0)], { ...options, topN: 2, minUpvotes: 1 });
    expect(digest.sections.flatMap((section) => section.papers).map((item) => item.upvotes)).toEqual([9, 5]);
  });

  it('counts the papers kept as total and the papers given as listed', () => {
    const digest = buildDigest([agent(9), speech(5), robot(0)], { ...options, minUpvotes: 1 });
    expect({ total: digest.total, listed: digest.listed }).toEqual({ total: 2, listed: 3 });
  });

  it('gives an empty digest for an empty day', () => {
    expect(buildDigest([], options)).toEqual({ date: '2025-09-30', total: 0, listed: 0, highlights: [], sections: [] });
  });

  describe('secondary topics', () => {
    const close = taxonomyOf(threeTopicSpecs, { secondaryShare: 0.5 });
    // agents 3 × title 2; speech 3 × abstract 1, half of it.
    const both = () => paper({ title: 'Agent with ears', abstract: 'It hears speech.', upvotes: 5 });

    it('keeps a paper in one section and names its runner-up when it scores within secondaryShare of the best', () => {
      const digest = buildDigest([both(), speech(2)], { ...options, taxonomy: close });
      expect(digest.sections.map((section) => [section.slug, section.papers.map((item) => [item.title, item.secondaryTopic])])).toEqual([
        ['agents', [['Agent with ears', 'speech']]],
        ['speech', [['Speech 2', undefined]]],
      ]);
      // The highlight is the same paper, secondary topic and all.
      expect(digest.highlights[0]).toBe(digest.sections[0]!.papers[0]);
    });

    it('names none when the runner-up is further behind, and replaces one a paper brought from an earlier grouping', () => {
      const regrouped = buildDigest([{ ...both(), secondaryTopic: 'robotics' }], options);
      expect(regrouped.sections[0]!.papers[0]!.secondaryTopic).toBeUndefined();
    });

    it('reads a digest frozen before secondary topics existed (no paper has one)', () => {
      const { secondaryTopic: _none, ...old } = buildDigest([both()], { ...options, taxonomy: close }).sections[0]!.papers[0]!;
      const frozen = { date: '2025-09-30', total: 1, listed: 1, highlights: [old], sections: [{ slug: 'agents', topic: 'Agents', upvotes: 5, papers: [old] }] };
      expect(DigestSchema.parse(JSON.parse(JSON.stringify(frozen)))).toEqual(frozen);
    });
  });
});
