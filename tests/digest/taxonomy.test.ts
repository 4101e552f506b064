import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTaxonomy, parseTaxonomy, SECONDARY_SHARE, topicCatalogue } from '../../src/digest/taxonomy.js';
import { isPapermailError } from '../../src/errors.js';

const valid = () => ({
  topics: [
    { slug: 'agents', name: 'Agents', priority: 2, rules: [{ match: 'agent', weight: 3 }] },
    { slug: 'speech', name: 'Speech', description: 'Speech and audio', priority: 1, rules: [{ match: 'speech', weight: 3 }] },
  ],
  fallback: { slug: 'other', name: 'Other' },
  minimumScore: 2,
});

function parseError(json: unknown): Error {
  try {
    parseTaxonomy(json, 'topics.json');
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseTaxonomy to throw');
}

describe('parseTaxonomy', () => {
  it('reads a valid taxonomy and normalises its rules once', () => {
    const taxonomy = parseTaxonomy(valid(), 'topics.json');
    expect(taxonomy.topics[0]!.rules[0]!.pattern).toEqual({ words: 'agent', prefix: false, suffix: false, needle: ' agent ', firstWord: 'agent' });
  });

  it('defaults the field weights to title 2, keywords 1, abstract 1', () => {
    expect(parseTaxonomy(valid(), 'topics.json').fieldWeights).toEqual({ title: 2, keywords: 1, abstract: 1, contribution: 0 });
  });

  it('rejects a bad value with an ECONFIG error naming the file, the field path and the value', () => {
    const json = valid();
    (json.topics[1]!.rules[0] as { weight: unknown }).weight = 'high';
    const error = parseError(json);
    expect(isPapermailError(error, 'ECONFIG')).toBe(true);
    expect(error.message).toMatch(/^topics\.json: topics\[1\]\.rules\[0\]\.weight .*\(got "high"\)$/);
  });

  it('rejects a rule field that is not title, keywords or abstract, naming the rule', () => {
    const json = valid();
    (json.topics[0]!.rules[0] as { fields?: unknown }).fields = ['summary'];
    expect(parseError(json).message).toMatch(/^topics\.json: topics\[0\]\.rules\[0\]\.fields\[0\] .*\(got "summary"\)$/);
  });

  it('defaults secondaryShare to SECONDARY_SHARE and refuses one above 1', () => {
    expect(parseTaxonomy(valid(), 'topics.json').secondaryShare).toBe(SECONDARY_SHARE);
    expect(parseError({ ...valid(), secondaryShare: 1.5 }).message).toMatch(/^topics\.json: secondaryShare .*\(got 1\.5\)$/);
  });

  it('rejects a misspelt key, naming it', () => {
    const json = { ...valid(), minimumscore: 3 };
    expect(parseError(json).message).toMatch(/^topics\.json: minimumscore /);
  });

  it('rejects a missing field, saying it is missing', () => {
    const { fallback: _fallback, ...json } = valid();
    expect(parseError(json).message).toMatch(/^topics\.json: fallback .*\(missing\)$/);
  });

  it('rejects two topics with the same slug', () => {
    const json = valid();
    json.topics[1]!.slug = 'agents';
    expect(parseError(json).message).toMatch(/^topics\.json: topics\[1\]\.slug repeats the slug "agents"/);
  });

  it('rejects a fallback slug that is also a topic slug', () => {
    const json = valid();
    json.fallback.slug = 'speech';
    expect(parseError(json).message).toMatch(/^topics\.json: fallback\.slug /);
  });

  it('rejects a rule with nothing to match after normalisation', () => {
    const json = valid();
    json.topics[0]!.rules[0]!.match = '--';
    expect(parseError(json).message).toMatch(/^topics\.json: topics\[0\]\.rules\[0\]\.match must contain a letter or a digit/);
  });

  it('rejects a weight of 0, which would be a rule that does nothing', () => {
    const json = valid();
    json.topics[0]!.rules[0]!.weight = 0;
    expect(parseError(json).message).toMatch(/topics\[0\]\.rules\[0\]\.weight must not be 0/);
  });
});

describe('loadTaxonomy', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'papermail-taxonomy-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads a taxonomy file from disk', async () => {
    const path = join(directory, 'good.json');
    await writeFile(path, JSON.stringify(valid()));
    expect((await loadTaxonomy(path)).topics.map((topic) => topic.slug)).toEqual(['agents', 'speech']);
  });

  it('names the file when it is not valid JSON', async () => {
    const path = join(directory, 'broken.json');
    await writeFile(path, '{ "topics": [');
    await expect(loadTaxonomy(path)).rejects.toThrow(`${path}: not valid JSON`);
  });

  it('names the file and the field when a value is invalid', async () => {
    const path = join(directory, 'bad-slug.json');
    const json = valid();
    json.topics[0]!.slug = 'Agents!';
    await writeFile(path, JSON.stringify(json));
    await expect(loadTaxonomy(path)).rejects.toThrow(`${path}: topics[0].slug must be lower-case words joined by hyphens`);
  });

  it('names the file when it cannot be read', async () => {
    const path = join(directory, 'missing.json');
    await expect(loadTaxonomy(path)).rejects.toMatchObject({ code: 'ECONFIG', message: expect.stringContaining(path) });
  });

  it('accepts the project topics.json', async () => {
    const taxonomy = await loadTaxonomy('topics.json');
    expect(taxonomy.topics.length).toBeGreaterThanOrEqual(12);
  });
});

describe('topicCatalogue', () => {
  it('lists every topic in taxonomy order with the fallback last, for the preferences form', () => {
    expect(topicCatalogue(parseTaxonomy(valid(), 'topics.json'))).toEqual([
      { slug: 'agents', name: 'Agents' },
      { slug: 'speech', name: 'Speech', description: 'Speech and audio' },
      { slug: 'other', name: 'Other' },
    ]);
  });
});
