/**
 * The shipped topics.json against the expert-labelled dev set: a taxonomy edit that breaks
 * grouping fails here. The floors sit a little under what `npm run bench -- --only topics`
 * measured (held out: 96.4 % acceptable, 78.2 % primary, 1.8 % Other; all 120: 96.7 %, 85.0 %,
 * 1.7 %), so an edit that misfiles two or three more papers than today fails.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { primaryTopic } from '../../src/digest/classify.js';
import { loadTaxonomy, parseTaxonomy, type Taxonomy } from '../../src/digest/taxonomy.js';
import { labelledPapers, topicFigures, type LabelledPaper, type TopicFigures } from './topic-labels.js';

const FLOORS = {
  heldOut: { acceptable: 0.92, primary: 0.74, otherShare: 0.05 },
  all: { acceptable: 0.94, primary: 0.83, otherShare: 0.05 },
};

const labelled = labelledPapers();
const figuresOf = (taxonomy: Taxonomy, papers: readonly LabelledPaper[]): TopicFigures =>
  topicFigures(
    papers.map((item) => ({ labelled: item, filed: primaryTopic(item.paper, taxonomy).slug })),
    taxonomy.fallback.slug,
  );
const meetsFloors = (figures: TopicFigures, floors: (typeof FLOORS)['all']) =>
  figures.acceptable >= floors.acceptable && figures.primary >= floors.primary && figures.otherShare <= floors.otherShare;

let shipped: Taxonomy;
beforeAll(async () => {
  shipped = await loadTaxonomy('topics.json');
});

describe('the labelled dev set', () => {
  it('has 120 papers, each labelled with a primary topic among its acceptable ones, from the sample days', () => {
    expect(labelled).toHaveLength(120);
    for (const { label } of labelled) expect(label.acceptable).toContain(label.primary);
  });

  it('holds out about a third of its papers, fixed by their ids', () => {
    const heldOut = labelled.filter((item) => item.heldOut).length;
    expect(heldOut).toBeGreaterThanOrEqual(30);
    expect(heldOut).toBeLessThanOrEqual(60);
  });
});

describe('topics.json on the labelled dev set', () => {
  it('files the held-out papers where a reader expects them', () => {
    const figures = figuresOf(shipped, labelled.filter((item) => item.heldOut));
    expect(figures.acceptable).toBeGreaterThanOrEqual(FLOORS.heldOut.acceptable);
    expect(figures.primary).toBeGreaterThanOrEqual(FLOORS.heldOut.primary);
    expect(figures.otherShare).toBeLessThanOrEqual(FLOORS.heldOut.otherShare);
  });

  it('files all 120 papers where a reader expects them', () => {
    const figures = figuresOf(shipped, labelled);
    expect(figures.acceptable).toBeGreaterThanOrEqual(FLOORS.all.acceptable);
    expect(figures.primary).toBeGreaterThanOrEqual(FLOORS.all.primary);
    expect(figures.otherShare).toBeLessThanOrEqual(FLOORS.all.otherShare);
  });

  // The floors must bite: the same file with one topic's rules gone, or titles ignored, falls below them.
  it.each([
    ['without the benchmark-title rules', (json: TaxonomyJson) => {
      const topic = json.topics.find((entry) => entry.slug === 'datasets-benchmarks')!;
      topic.rules = topic.rules.filter((rule) => !(rule.fields ?? []).includes('title'));
    }],
    ['without the vision-language topic', (json: TaxonomyJson) => {
      json.topics = json.topics.filter((entry) => entry.slug !== 'vision-language');
    }],
    ['ignoring titles', (json: TaxonomyJson) => {
      json.fieldWeights.title = 0;
    }],
    ['ignoring the contribution phrase', (json: TaxonomyJson) => {
      json.fieldWeights.contribution = 0;
    }],
  ])('fails a taxonomy %s', (_name, degrade) => {
    const json = JSON.parse(readFileSync('topics.json', 'utf8')) as TaxonomyJson;
    degrade(json);
    const degraded = parseTaxonomy(json, 'degraded topics.json');
    expect(meetsFloors(figuresOf(degraded, labelled), FLOORS.all) && meetsFloors(figuresOf(degraded, labelled.filter((item) => item.heldOut)), FLOORS.heldOut)).toBe(false);
  });
});

interface TaxonomyJson {
  fieldWeights: { title: number; contribution: number };
  topics: { slug: string; rules: { fields?: string[] }[] }[];
}
