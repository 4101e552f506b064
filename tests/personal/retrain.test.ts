/**
 * Retraining after a reader's votes or interests changed (src/personal/retrain.ts) and the
 * stored vocabulary (src/personal/vocabulary.ts), against the real SQLite store and the
 * frozen sample days as the archive.

 */
import { beforeAll, describe, expect, it } from 'vitest';
import { frozenContent } from '../../src/delivery/frozen-issue.js';
import type { Digest } from '../../src/digest/paper.js';
import { parseReaderModel } from '../../src/personal/reader-model.js';
import { createReaderTrainer } from '../../src/personal/retrain.js';
import { currentVectoriser } from '../../src/personal/vocabulary.js';
import { silentLogger } from '../../src/logger.js';
import { createIssueRenderer, issueOptionsFrom } from '../../src/render/index.js';
import { rankedPapers } from '../../src/render/issue-view.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';
import { sampleConfig, sampleDay } from '../render/sample-days.js';
import { weightOf } from './fixtures.js';

const stores = useTemporaryStores();
const days = new Map<string, { digest: Digest; frozen: ReturnType<typeof frozenContent> }>();

beforeAll(async () => {
  for (const day of ['2024-05-27', '2026-08-21']) {
    const digest = await sampleDay(day);
    days.set(day, { digest, frozen: frozenContent(digest, await createIssueRenderer(digest, issueOptionsFrom(sampleConfig())).parts()) });
  }
}, 60_000);

type Store = SubscriberStore;

async function archiveOf(store: Store, ...ids: string[]): Promise<void> {
  for (const id of ids) await store.freezeIssue(days.get(id)!.frozen);
}

const paperOf = (day: string, position: number) => rankedPapers(days.get(day)!.digest)[position]!;

describe('retraining a reader', () => {
  it("trains and saves the reader's model from their votes, the same model for the same votes", async () => {
    const store = stores.open();
    await archiveOf(store, '2024-05-27', '2026-08-21');
    const { subscriber } = await store.upsert({ email: 'ada@example.org', status: 'confirmed' });
    const liked = paperOf('2024-05-27', 9);
    await store.recordVote(subscriber.id, { paperId: liked.id, vote: 'up', issueId: '2024-05-27', title: liked.title });
    const retrain = createReaderTrainer({ store, now: () => new Date('2026-08-22T08:00:00Z') });
    await retrain(subscriber.id);
    const stored = (await store.readerModels([subscriber.id])).get(subscriber.id)!;
    expect(stored.trainedAt).toBe('2026-08-22T08:00:00.000Z');
    expect(weightOf(parseReaderModel(stored)!, 'video')).toBeGreaterThan(0);
    await createReaderTrainer({ store, now: () => new Date('2026-08-22T08:00:00Z') })(subscriber.id);
    expect((await store.readerModels([subscriber.id])).get(subscriber.id)!.json).toBe(stored.json);
  });

  it('leaves "no model" once the reader cleared every vote and interest, and stores nothing for a reader who never had one', async () => {
    const store = stores.open();
    await archiveOf(store, '2024-05-27');
    const { subscriber: ada } = await store.upsert({ email: 'ada@example.org', status: 'confirmed' });
    const { subscriber: bob } = await store.upsert({ email: 'bob@example.org', status: 'confirmed' });
    const liked = paperOf('2024-05-27', 0);
    await store.recordVote(ada.id, { paperId: liked.id, vote: 'up', issueId: '2024-05-27', title: liked.title });
    const retrain = createReaderTrainer({ store });
    await retrain(ada.id);
    await store.clearVotes(ada.id);
    await retrain(ada.id);
    await retrain(bob.id);
    const models = await store.readerModels([ada.id, bob.id]);
    expect(parseReaderModel(models.get(ada.id)!)).toBeNull();
    expect(models.has(bob.id)).toBe(false);
  });
});

describe('the stored vocabulary', () => {
  it('is fitted on the archive and the issue being sent, kept while the archive stays, and fitted again when it grows', async () => {
    const store = stores.open();
    await archiveOf(store, '2024-05-27');
    const today = await sampleDay('2025-09-30');
    const first = await currentVectoriser(store, { id: '2025-09-30', digest: today });
    expect((await store.latestVocabulary())!.fittedThrough).toBe('2025-09-30');
    expect(first.vocabulary.documents).toBe(rankedPapers(days.get('2024-05-27')!.digest).length + rankedPapers(today).length);
    // Read again (a vote, the next worker): the same vocabulary, not fitted again.
    expect(await currentVectoriser(store, undefined)).toBe(first);
    await archiveOf(store, '2026-08-21');
    const grown = await currentVectoriser(store, undefined);
    expect(grown).not.toBe(first);
    expect((await store.latestVocabulary())!.fittedThrough).toBe('2026-08-21');
  });

  it('is fitted again, with a warning, when the stored one cannot be read, so a send or a vote still works', async () => {
    const store = stores.open();
    await archiveOf(store, '2024-05-27');
    await store.saveVocabulary({ json: '{"terms":["agent"]}', fittedThrough: '2024-05-27' });
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (line: string) => void warnings.push(line) };
    const vectoriser = await currentVectoriser(store, undefined, logger);
    expect(vectoriser.vocabulary.documents).toBe(rankedPapers(days.get('2024-05-27')!.digest).length);
    expect(warnings).toEqual([expect.stringMatching(/stored vocabulary .*fitting the vocabulary again/)]);
    expect(JSON.parse((await store.latestVocabulary())!.json)).toMatchObject({ documents: vectoriser.vocabulary.documents });
  });
});
