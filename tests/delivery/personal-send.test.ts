/**
 * The send loop with personal ranking (src/personal/issue-personalisation.ts): the real send
 * loop, a real SQLite ledger and a real SMTP sink, the real sample day 2025-09-30. Reader models
 * are trained by the real trainer's pure core and handed over as the store's readerModels
 * returns them (StoredReaderModel); once the store implements ReaderSignalStore, runIssue reads
 * them from it (IssueServices.readerSignals).
 */
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { runIssue } from '../../src/delivery/run-issue.js';
import { sendIssue, type SendIssueRequest } from '../../src/delivery/send-issue.js';
import type { Digest } from '../../src/digest/paper.js';
import { paperSetPositions } from '../../src/digest/paper-set.js';
import { silentLogger } from '../../src/logger.js';
import { dayFeatures } from '../../src/personal/for-you.js';
import { personalisationOf } from '../../src/personal/issue-personalisation.js';
import { storedReaderModel, type ReaderModel } from '../../src/personal/reader-model.js';
import type { StoredReaderModel } from '../../src/personal/reader-signals.js';
import { createIssueRenderer, issueOptionsFrom } from '../../src/render/index.js';
import { rankedPapers } from '../../src/render/issue-view.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';
import { modelOf, sampleArchive, videoVotes, type Archive } from '../personal/fixtures.js';
import { sampleDay } from '../render/sample-days.js';
import { addConfirmed, deliveryConfig, noSleep, useMailPeers } from './fixtures.js';

const stores = useTemporaryStores();
const peers = useMailPeers();
const DAY = '2025-09-30';
let digest: Digest;
let archive: Archive;
let videoReader: ReaderModel;
let noVideo: ReaderModel;

beforeAll(async () => {
  digest = await sampleDay(DAY);
  archive = await sampleArchive();
  videoReader = modelOf(archive, videoVotes(archive))!;
  noVideo = modelOf(archive, [], { exclude: ['video'] })!;
}, 60_000);

/** One send of the day to Ada (likes video, reads agents), Bob (never video) and Cy (no model). */
async function sendDay(withModels: boolean, claimBatch = 2) {
  const sink = await peers.sink();
  const config = deliveryConfig({ SMTP_URL: sink.url });
  // Each send its own store file: two sends in a test are two lists, not one list sent twice.
  const store = stores.open({}, `${withModels ? 'personal' : 'plain'}.db`);
  const [ada, bob, cy] = await addConfirmed(store, [
    { email: 'ada@example.net', topics: ['agents'] },
    { email: 'bob@example.net' },
    { email: 'cy@example.net' },
  ]);
  const models = new Map<number, StoredReaderModel>([
    [ada!.id, storedReaderModel(ada!.id, videoReader, new Date())],
    [bob!.id, storedReaderModel(bob!.id, noVideo, new Date())],
  ]);
  const asked: number[][] = [];
  const readModels = async (ids: readonly number[]) => {
    asked.push([...ids]);
    return new Map([...models].filter(([id]) => ids.includes(id)));
  };
  const day = dayFeatures(rankedPapers(digest), archive.vectoriser);
  const request: SendIssueRequest = {
    issueDate: DAY,
    renderer: createIssueRenderer(digest, issueOptionsFrom(config)),
    store,
    transport: peers.transport(config),
    config,
    sleep: noSleep,
    claimBatch,
    ...(withModels ? { personal: personalisationOf(day, readModels, silentLogger) } : {}),
  };
  await sendIssue(request);
  const mail = async (address: string) => simpleParser(sink.deliveredTo(address)[0]!.raw);
  const body = (address: string) => {
    const raw = sink.deliveredTo(address)[0]!.raw.toString('latin1');
    return raw.slice(raw.indexOf('\r\n\r\n'));
  };
  return { store, mail, body, asked, ids: { ada: ada!.id, bob: bob!.id, cy: cy!.id } };
}

const isVideo = (title: string) => /video/i.test(title);

describe('a send with personal ranking', () => {
  it('gives a reader with a model their "For you" block, in both parts, and records its papers as sent to them', async () => {
    const { mail, store, ids } = await sendDay(true);
    const ada = await mail('ada@example.net');
    const block = /<div class="pm-foryou"[\s\S]*?<\/h2>([\s\S]*?)<\/div>\s*<\/div>\s*<\/td>/.exec(ada.html as string)![1]!;
    const titles = [...block.matchAll(/class="pm-title"[^>]*>([^<]+)<\/a>/g)].map((match) => match[1]!);
    expect(titles.length).toBeGreaterThanOrEqual(3);
    expect(titles.filter(isVideo).length).toBeGreaterThanOrEqual(2);
    expect(ada.text).toContain('FOR YOU');
    expect(ada.text).toContain('like papers you 👍');
    // The block's papers are outside Ada's topics, yet she was sent them: never the same paper twice.
    const ranked = rankedPapers(digest);
    let received: string | undefined;
    for await (const row of store.receivedPapers(DAY)) if (row.subscriberId === ids.ada) received = row.received;
    const sent = paperSetPositions(received!).map((position) => ranked[position]!.title);
    for (const title of titles) expect(sent).toContain(title.replace(/&amp;/g, '&'));
  });

  it("leaves what a reader's rules exclude out of their copy", async () => {
    const { mail } = await sendDay(true);
    const bob = await mail('bob@example.net');
    const videoTitles = rankedPapers(digest).filter((paper) => isVideo([paper.title, paper.abstract, ...paper.aiKeywords].join(' '))).map((paper) => paper.title);
    expect(videoTitles.length).toBeGreaterThan(2);
    for (const title of videoTitles) expect(bob.text).not.toContain(title.slice(0, 40));
    expect(bob.text).toContain(rankedPapers(digest).find((paper) => !isVideo(paper.title + paper.abstract + paper.aiKeywords.join(' ')))!.title.slice(0, 30));
  });

  it('sends a reader without a model the very bytes of a send without personal ranking', async () => {
    const personal = await sendDay(true);
    const plain = await sendDay(false);
    expect(personal.body('cy@example.net')).toBe(plain.body('cy@example.net'));
    expect(personal.body('ada@example.net')).not.toBe(plain.body('ada@example.net'));
  });

  it('reads the models once per claimed batch, for that batch only', async () => {
    const { asked, ids } = await sendDay(true, 2);
    expect(asked).toEqual([[ids.ada, ids.bob], [ids.cy]]);
  });
});

describe('runIssue with reader models in the store', () => {
  it('fits the vocabulary once for the issue and sends a reader whose model the store keeps their block', async () => {
    const store = stores.open({}, 'run.db');
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url, CACHE_DIR: stores.path('cache') });
    const [ada] = await addConfirmed(store, ['ada@example.net', 'cy@example.net']);
    await store.saveReaderModel(storedReaderModel(ada!.id, videoReader, new Date()));
    const outcome = await runIssue({ day: DAY, source: 'samples/2025-09-30.json' }, { config, store, transport: peers.transport(config), logger: silentLogger, sleep: noSleep, readerSignals: store });
    expect(outcome).toMatchObject({ kind: 'sent', summary: { sent: 2 } });
    expect((await store.latestVocabulary())?.fittedThrough).toBe(DAY);
    const [toAda, toCy] = await Promise.all(['ada@example.net', 'cy@example.net'].map((address) => simpleParser(sink.deliveredTo(address)[0]!.raw)));
    expect(toAda!.text).toContain('FOR YOU');
    expect(toCy!.text).not.toContain('FOR YOU');
  });
});
