import { describe, expect, it } from 'vitest';
import { decideTopics, primaryTopic, scoreTopics } from '../../src/digest/classify.js';
import { paper } from '../builders.js';
import { parseTaxonomy } from '../../src/digest/taxonomy.js';
import { taxonomyOf, threeTopics, threeTopicSpecs } from './taxonomies.js';

const neutral = { title: 'A Study', abstract: 'We report results.' };

describe('primaryTopic', () => {
  it('reads the abstract beside the AI keywords, each by its own field weight', () => {
    const taxonomy = taxonomyOf(
      [
        { slug: 'agents', rules: { agent: 3 } },
        { slug: 'speech', rules: { speech: 3 } },
        { slug: 'robotics', rules: { robot: 3 } },
      ],
      { fieldWeights: { title: 2, keywords: 1, abstract: 0.5 } },
    );
    // Keywords name agents (3 × 1); the abstract speech (3 × 0.5).
    expect(primaryTopic(paper({ ...neutral, abstract: 'Unlike speech systems, ...', aiKeywords: ['LLM agents'] }), taxonomy).slug).toBe('agents');
    // Keywords that name no topic: the abstract still does.
    expect(primaryTopic(paper({ ...neutral, abstract: 'A robot arm folds towels.', aiKeywords: ['towel folding'] }), taxonomy).slug).toBe('robotics');
  });

  it('counts a rule only in the fields it names', () => {
    const taxonomy = parseTaxonomy(
      {
        topics: [
          { slug: 'datasets-benchmarks', name: 'Benchmarks', priority: 0, rules: [{ match: '*bench', weight: 3, fields: ['title'] }] },
          { slug: 'code', name: 'Code', priority: 0, rules: [{ match: 'code', weight: 1 }] },
        ],
        fallback: { slug: 'other', name: 'Other' },
        minimumScore: 1,
      },
      'test taxonomy',
    );
    expect(primaryTopic(paper({ title: 'CodeBench: Judging Code', abstract: 'code' }), taxonomy).slug).toBe('datasets-benchmarks');
    // "bench" in the abstract only: the paper was evaluated on one, it is not one.
    expect(primaryTopic(paper({ title: 'Faster Code', abstract: 'Results on SWE-bench and HumanEval-Bench.' }), taxonomy).slug).toBe('code');
  });

  it('counts a rule in the contribution phrase by its field weight, and not for a word elsewhere in the abstract', () => {
    const withContribution = (contribution: number) =>
      parseTaxonomy(
        {
          topics: [
            { slug: 'datasets-benchmarks', name: 'Benchmarks', priority: 0, rules: [{ match: 'benchmark*', weight: 3, fields: ['title', 'contribution'] }] },
            { slug: 'code', name: 'Code', priority: 0, rules: [{ match: 'code', weight: 1 }] },
          ],
          fallback: { slug: 'other', name: 'Other' },
          minimumScore: 1,
          fieldWeights: { title: 2, keywords: 1, abstract: 1, contribution },
        },
        'test taxonomy',
      );
    const taxonomy = withContribution(2);
    const named = paper({ title: 'Judging Code', abstract: 'We introduce CodeJudge, a benchmark of code review tasks.' });
    expect(scoreTopics(named, taxonomy).find((entry) => entry.topic.slug === 'datasets-benchmarks')?.matched).toEqual([
      { match: 'benchmark*', weight: 3, fields: ['contribution'], points: 6 },
    ]);
    expect(primaryTopic(named, taxonomy).slug).toBe('datasets-benchmarks');
    // A method evaluated on a benchmark: the word is in the abstract, not in what the paper is.
    expect(primaryTopic(paper({ title: 'Judging Code', abstract: 'We propose a reviewer model, tested on a code benchmark.' }), taxonomy).slug).toBe('code');
    // With the contribution's field weight at 0 the phrase counts for nothing.
    expect(primaryTopic(named, withContribution(0)).slug).toBe('code');
  });

  it('uses title and abstract when the paper has no keywords', () => {
    const item = paper({ ...neutral, abstract: 'A robot arm learns to fold towels.' });
    expect(primaryTopic(item, threeTopics).slug).toBe('robotics');
  });

  it('counts the title more than the abstract', () => {
    const item = paper({ title: 'Robot Hands', abstract: 'We collect speech commands.' });
    expect(primaryTopic(item, threeTopics).slug).toBe('robotics');
  });

  it('still counts the title when the paper has keywords', () => {
    const item = paper({ title: 'Scaling Generalist Agents', aiKeywords: ['speech'] });
    expect(primaryTopic(item, threeTopics).slug).toBe('agents');
  });

  it('matches plurals and hyphenated forms of a rule', () => {
    const taxonomy = taxonomyOf([{ slug: 'image-generation', rules: { 'text to image diffusion model': 3 } }]);
    const item = paper({ ...neutral, aiKeywords: ['Text-to-Image Diffusion Models'] });
    expect(primaryTopic(item, taxonomy).slug).toBe('image-generation');
  });

  it('gives a score tie to the topic with the higher priority', () => {
    const item = paper({ ...neutral, aiKeywords: ['speech', 'robot'] });
    expect(primaryTopic(item, threeTopics).slug).toBe('speech');
  });

  it('gives a tie between equal priorities to the topic listed first', () => {
    const taxonomy = taxonomyOf([
      { slug: 'first', rules: { alpha: 1 } },
      { slug: 'second', rules: { beta: 1 } },
    ]);
    expect(primaryTopic(paper({ ...neutral, aiKeywords: ['beta', 'alpha'] }), taxonomy).slug).toBe('first');
  });

  it('falls back to Other when no topic reaches the minimum score', () => {
    const taxonomy = taxonomyOf([{ slug: 'agents', rules: { agent: 1 } }], { minimumScore: 2 });
    const topic = primaryTopic(paper({ ...neutral, aiKeywords: ['agent'] }), taxonomy);
    expect(topic).toEqual({ slug: 'other', name: 'Other' });
  });

  it('lets a negative rule cancel a broad one', () => {
    const taxonomy = taxonomyOf([
      { slug: 'image-generation', rules: { diffusion: 2, 'diffusion language model': -2 } },
      { slug: 'language-models', rules: { 'language model': 1 } },
    ]);
    const item = paper({ ...neutral, aiKeywords: ['diffusion language models'] });
    expect(primaryTopic(item, taxonomy).slug).toBe('language-models');
  });
});

describe('scoreTopics', () => {
  it('counts a rule once per field however often it occurs there', () => {
    const item = paper({ title: 'Agent', abstract: 'agent agent agent' });
    const agents = scoreTopics(item, threeTopics).find((entry) => entry.topic.slug === 'agents');
    // weight 3 × (title 2 + abstract 1)
    expect(agents?.score).toBe(9);
  });
});

describe('decideTopics', () => {
  const close = (minimumScore = 1) => taxonomyOf(threeTopicSpecs, { secondaryShare: 0.5, minimumScore });

  it('names the runner-up as secondary topic when it scores at least secondaryShare of the best', () => {
    // agents 3 × title 2 = 6, speech 3 × abstract 1 = 3.
    const decision = decideTopics(paper({ title: 'Agent', abstract: 'It hears speech.' }), close());
    expect([decision.primary.slug, decision.secondary?.slug]).toEqual(['agents', 'speech']);
    expect(decision.scores.map((entry) => [entry.topic.slug, entry.score])).toEqual([['agents', 6], ['speech', 3], ['robotics', 0]]);
  });

  it('names none when the runner-up is below the minimum score, however close', () => {
    const decision = decideTopics(paper({ title: 'Agent', abstract: 'It hears speech.' }), close(4));
    expect(decision.primary.slug).toBe('agents');
    expect(decision.secondary).toBeUndefined();
  });

  it('gives a paper in the fallback topic no secondary topic', () => {
    const decision = decideTopics(paper({ title: 'Agent', abstract: 'It hears speech.' }), close(7));
    expect(decision.primary.slug).toBe('other');
    expect(decision.secondary).toBeUndefined();
  });

  it('says which rules matched, in which fields, for how many points', () => {
    const decision = decideTopics(paper({ title: 'Agent', abstract: 'An agent.' }), close());
    expect(decision.scores[0]!.matched).toEqual([{ match: 'agent', weight: 3, fields: ['title', 'abstract'], points: 9 }]);
  });
});
