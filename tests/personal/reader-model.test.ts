/**
 * A reader's model (src/personal/reader-model.ts), trained on the real sample days: their 👍/👎
 * and interests in, a compact, deterministic model out.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { termKey } from '../../src/digest/text-features.js';
import { isPapermailError } from '../../src/errors.js';
import { MAX_FEATURES, parseReaderModel, storedReaderModel } from '../../src/personal/reader-model.js';
import { modelOf, sampleArchive, videoVotes as videoVotesOf, vote, weightOf, type Archive } from './fixtures.js';

let archive: Archive;
const paper = (id: string) => archive.byId.get(id)!;
const videoVotes = () => videoVotesOf(archive);

beforeAll(async () => {
  archive = await sampleArchive();
});

describe('a reader model', () => {
  it('is trained only for a reader with votes or interests: without either there is no model', () => {
    expect(modelOf(archive, [])).toBeNull();
    expect(modelOf(archive, [], { text: 'video generation' })).not.toBeNull();
    expect(modelOf(archive, [], { exclude: ['benchmark'] })).not.toBeNull();
  });

  it('is the same model, to the byte, for the same signals in any order', () => {
    const votes = videoVotes();
    const first = JSON.stringify(modelOf(archive, votes, { text: 'long video, world models' }));
    const again = JSON.stringify(modelOf(archive, [...votes].reverse(), { text: 'long video, world models' }));
    expect(again).toBe(first);
    expect(JSON.stringify(modelOf(archive, votes.slice(1), { text: 'long video, world models' }))).not.toBe(first);
  });

  it('learns the words of the papers the reader liked as positive and those they passed over as negative', () => {
    const model = modelOf(archive, videoVotes())!;
    expect(Math.max(...model.weights)).toBe(weightOf(model, 'video'));
    // The 👎 papers were about executable software-engineering tasks.
    expect(weightOf(model, 'executable')).toBeLessThan(0);
    expect(model.typical).toBeGreaterThan(0);
  });

  it('keeps only the strongest weights, keyed by their terms, so a stored model stays a few KB', () => {
    const model = modelOf(archive, videoVotes(), { text: 'long video generation, world models, video diffusion' })!;
    expect(model.keys.length).toBeLessThanOrEqual(MAX_FEATURES);
    expect(model.weights).toHaveLength(model.keys.length);
    const vocabularyKeys = new Set(archive.vectoriser.vocabulary.terms.map(termKey));
    expect(model.keys.every((key) => vocabularyKeys.has(key))).toBe(true);
    expect(storedReaderModel(7, model, new Date()).json.length).toBeLessThan(2_500);
  });

  it('keeps the rules the reader wrote, normalised as topic rules are, with their own wording for reasons', () => {
    const model = modelOf(archive, [], { include: ['KV-Cache'], exclude: ['Quantiz*'], follow: ['Tencent'], text: 'speculative decoding; long context' })!;
    expect(model.include).toEqual([{ phrase: 'KV-Cache', words: 'kv cache', prefix: false }]);
    expect(model.exclude).toEqual([{ phrase: 'Quantiz*', words: 'quantiz', prefix: true }]);
    expect(model.follow.map((rule) => rule.words)).toEqual(['tencent']);
    expect(model.interests.map((rule) => rule.phrase)).toEqual(['speculative decoding', 'long context']);
  });

  it('has no learned part for a reader whose only signals are 👎 (nothing liked yet): only their rules act', () => {
    const model = modelOf(archive, [vote(paper('2608.19880'), 'down')], { exclude: ['agent'] })!;
    expect(model.typical).toBe(0);
    expect(model.keys).toEqual([]);
    expect(model.exclude).toHaveLength(1);
  });

  it('reads back what it stored, and "no model" (a reader who cleared everything) as null', () => {
    const model = modelOf(archive, videoVotes())!;
    expect(parseReaderModel(storedReaderModel(3, model, new Date('2025-10-01T00:00:00Z')))).toEqual(model);
    expect(parseReaderModel(storedReaderModel(3, null, new Date()))).toBeNull();
  });

  it('refuses a stored model that is not one, naming the subscriber and the field', () => {
    const broken = (json: string) => {
      try {
        parseReaderModel({ subscriberId: 12, json, trainedAt: '2025-10-01T00:00:00.000Z' });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const notJson = broken('{');
    expect(isPapermailError(notJson) && notJson.code).toBe('ESTORE');
    expect((notJson as Error).message).toContain('subscriber #12');
    const wrongField = broken(JSON.stringify({ ...modelOf(archive, videoVotes()), typical: 'high' }));
    expect((wrongField as Error).message).toMatch(/subscriber #12.*typical/);
  });
});
