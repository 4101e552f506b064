/**
 * Never the same paper twice (src/delivery/paper-history.ts): a reader's copy leaves out the
 * papers the same reader was sent in an earlier issue of the last DEDUPE_DAYS. Two days sent
 * one after the other through the real pipeline: sample files, a real SQLite store, a real
 * SMTP sink.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { frozenDigest } from '../../src/delivery/frozen-issue.js';
import { papersAlreadySent } from '../../src/delivery/paper-history.js';
import { runIssue, type IssueOutcome } from '../../src/delivery/run-issue.js';
import { arxivIdWithoutVersion, type Digest } from '../../src/digest/paper.js';
import { paperSetOf } from '../../src/digest/paper-set.js';
import { silentLogger } from '../../src/logger.js';
import { rankedPapers } from '../../src/render/issue-view.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { sampleDay } from '../render/sample-days.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';
import { addConfirmed, deliveryConfig, noSleep, useMailPeers } from './fixtures.js';

const stores = useTemporaryStores();
const peers = useMailPeers();

const DAY_ONE = 'samples/2025-09-30.json';

/** A sample file's entries (the API's answer for a day). */
async function entries(file: string): Promise<Array<{ paper: { id: string } }>> {
  return JSON.parse(await readFile(file, 'utf8')) as Array<{ paper: { id: string } }>;
}

/** Writes a day's file from entries; named after its day, as `--source` reads it. */
async function dayFile(day: string, items: unknown[]): Promise<string> {
  const path = stores.path(`${day}.json`);
  await writeFile(path, JSON.stringify(items));
  return path;
}

async function scenario(environment: Record<string, string> = {}, storeName?: string) {
  const sink = await peers.sink();
  const config = deliveryConfig({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CACHE_DIR: stores.path('cache'), ...environment });
  const store = stores.open({}, storeName);
  const transport = peers.transport(config);
  const run = async (source: string, day: string): Promise<IssueOutcome> => {
    const outcome = await runIssue({ source }, { config, store, transport, logger: silentLogger, sleep: noSleep, now: () => new Date(`${day}T08:00:00Z`) });
    expect(outcome.kind).toBe('sent');
    return outcome;
  };
  return { sink, store, run };
}

function topicOf(digest: Digest, paperId: string): string {
  return digest.sections.find((section) => section.papers.some((paper) => paper.id === paperId))!.slug;
}

async function frozen(store: SubscriberStore, day: string): Promise<Digest> {
  return frozenDigest((await store.frozenIssue(day))!)!;
}

/** The messages the sink took for one address on one issue day, in order. */
function mailTo(mails: ParsedMail[], address: string, day: string): ParsedMail[] {
  return mails.filter((mail) => mail.to !== undefined && JSON.stringify(mail.to).includes(address) && String(mail.text).includes(`/archive/${day}`));
}

/** The arXiv ids (without version) a message's text part lists. */
function papersIn(mail: ParsedMail): Set<string> {
  return new Set([...String(mail.text).matchAll(/huggingface\.co\/papers\/([0-9.]+?)(?:v\d+)?(?=[\s"<]|$)/gm)].map((match) => match[1]!));
}

describe('never the same paper twice', () => {
  it('a paper listed again the next day, even as a new arXiv version, is left out of the copies of readers who got it, and only it', async () => {
    const { sink, store, run } = await scenario();
    const dayOne = await entries(DAY_ONE);
    const [ada, bob] = await addConfirmed(store, ['ada@example.net', 'bob@example.net']);
    await run(DAY_ONE, '2025-09-30');
    const repeated = rankedPapers(await frozen(store, '2025-09-30'))[0]!;

    // Day two: another day's papers and, again, day one's top paper, as a new arXiv version (the same paper).
    const listed = dayOne.find((entry) => entry.paper.id === repeated.id)!;
    const again = { ...listed, paper: { ...listed.paper, id: `${arxivIdWithoutVersion(listed.paper.id)}v2` } };
    const otherDay = await entries('samples/2026-08-21.json');
    const dayTwo = await dayFile('2025-10-01', [again, ...otherDay]);
    await run(dayTwo, '2025-10-01');

    const mails = await sink.parsed();
    const adaFirst = mailTo(mails, ada!.email, '2025-09-30');
    const adaSecond = mailTo(mails, ada!.email, '2025-10-01');
    expect(adaFirst).toHaveLength(1);
    expect(adaSecond).toHaveLength(1);
    const id = arxivIdWithoutVersion(repeated.id);
    expect(papersIn(adaFirst[0]!)).toContain(id);
    // Ada got it on day one: her day-two copy leaves it out, in both parts, and keeps the rest.
    expect(papersIn(adaSecond[0]!)).not.toContain(id);
    expect(String(adaSecond[0]!.html)).not.toContain(`papers/${id}`);
    const second = await frozen(store, '2025-10-01');
    expect(papersIn(adaSecond[0]!).size).toBe(second.total - 1);
    expect(second.sections.flatMap((section) => section.papers).map((paper) => paper.id)).toContain(`${id}v2`);
    // Bob got day one too, and so the same paper is left out of his copy as well.
    expect(papersIn(mailTo(mails, bob!.email, '2025-10-01')[0]!)).not.toContain(id);
  });

  it('keeps the repeated paper for a reader whose day-one copy did not hold it (another topic then)', async () => {
    const { sink, store, run } = await scenario();
    const dayOne = await entries(DAY_ONE);
    const expected = await sampleDay('2025-09-30');
    const repeated = rankedPapers(expected)[0]!;
    const repeatedTopic = topicOf(expected, repeated.id);
    const otherTopic = expected.sections.find((section) => section.slug !== repeatedTopic)!.slug;
    const [carol, dan] = await addConfirmed(store, [
      { email: 'carol@example.net', topics: [otherTopic] },
      { email: 'dan@example.net', topics: [repeatedTopic] },
    ]);
    await run(DAY_ONE, '2025-09-30');
    expect(topicOf(await frozen(store, '2025-09-30'), repeated.id)).toBe(repeatedTopic);
    // Carol now wants the repeated paper's topic too.
    await store.setTopics(carol!.id, [otherTopic, repeatedTopic]);
    const again = dayOne.find((entry) => entry.paper.id === repeated.id)!;
    await run(await dayFile('2025-10-01', [again, ...(await entries('samples/2026-08-21.json'))]), '2025-10-01');

    const mails = await sink.parsed();
    const id = arxivIdWithoutVersion(repeated.id);
    expect(papersIn(mailTo(mails, carol!.email, '2025-09-30')[0]!)).not.toContain(id);
    expect(papersIn(mailTo(mails, carol!.email, '2025-10-01')[0]!)).toContain(id);
    expect(papersIn(mailTo(mails, dan!.email, '2025-09-30')[0]!)).toContain(id);
    // Dan's day-two copy, if his topic had anything else that day, is without it.
    for (const mail of mailTo(mails, dan!.email, '2025-10-01')) expect(papersIn(mail)).not.toContain(id);
  });

  it('sends no email to a reader whose whole copy would be repeats, and the ledger says skipped', async () => {
    const { sink, store, run } = await scenario();
    const [ada] = await addConfirmed(store, ['ada@example.net']);
    await run(DAY_ONE, '2025-09-30');
    // The same papers listed again the next day; a reader who joins in between gets them all.
    const [newcomer] = await addConfirmed(store, ['newcomer@example.net']);
    const outcome = await run(await dayFile('2025-10-01', await entries(DAY_ONE)), '2025-10-01');

    expect(outcome.kind === 'sent' && outcome.summary).toMatchObject({ sent: 1, skippedNoTopics: 1 });
    expect(await store.ledgerCounts('2025-10-01')).toMatchObject({ sent: 1, skipped: 1 });
    const mails = await sink.parsed();
    expect(mailTo(mails, ada!.email, '2025-10-01')).toHaveLength(0);
    const theirs = mailTo(mails, newcomer!.email, '2025-10-01');
    expect(theirs).toHaveLength(1);
    expect(papersIn(theirs[0]!).size).toBe((await frozen(store, '2025-10-01')).total);
  });

  it('looks back DEDUPE_DAYS and no further, and not at all with DEDUPE_DAYS=0', async () => {
    for (const [setting, day, leftOut] of [
      ['1', '2025-10-01', true],
      ['1', '2025-10-02', false],
      ['0', '2025-10-01', false],
    ] as const) {
      const { sink, store, run } = await scenario({ DEDUPE_DAYS: setting }, `dedupe-${setting}-${day}.db`);
      const [ada] = await addConfirmed(store, ['ada@example.net']);
      await run(DAY_ONE, '2025-09-30');
      await run(await dayFile(day, await entries(DAY_ONE)), day);
      const second = mailTo(await sink.parsed(), ada!.email, day);
      expect(second, `DEDUPE_DAYS=${setting}, ${day}`).toHaveLength(leftOut ? 0 : 1);
      expect((await store.ledgerCounts(day))[leftOut ? 'skipped' : 'sent'], `DEDUPE_DAYS=${setting}, ${day}`).toBe(1);
    }
  });

  it('asks the ledger only about earlier issues that share a paper with today, once each, not per reader', async () => {
    const { store, run } = await scenario();
    const [ada, bob] = await addConfirmed(store, ['ada@example.net', 'bob@example.net']);
    await run(DAY_ONE, '2025-09-30');
    const ids = rankedPapers(await frozen(store, '2025-09-30')).map((paper) => arxivIdWithoutVersion(paper.id));
    const asked: string[] = [];
    const watched = {
      frozenIssueIds: () => store.frozenIssueIds(),
      frozenIssue: (id: string) => store.frozenIssue(id),
      receivedPapers: (id: string) => {
        asked.push(id);
        return store.receivedPapers(id);
      },
    };
    // Today's papers (only they matter here): one of its own, then day one's third.
    const leaveOut = await papersAlreadySent(watched, { id: '2025-10-01', papers: ['9999.00001', ids[2]!] }, 30);
    expect(asked).toEqual(['2025-09-30']);
    expect([...leaveOut]).toEqual([
      [ada!.id, paperSetOf([1])],
      [bob!.id, paperSetOf([1])],
    ]);
    expect(await papersAlreadySent(watched, { id: '2025-10-01', papers: ['9999.00001'] }, 30)).toEqual(new Map());
    expect(asked).toEqual(['2025-09-30']);
  });
  it('leaves out what a reader got in any earlier issue of the window, several of them together', async () => {
    const { store, run } = await scenario();
    const [ada] = await addConfirmed(store, ['ada@example.net']);
    await run(DAY_ONE, '2025-09-30');
    await run(await dayFile('2025-10-01', await entries('samples/2026-08-21.json')), '2025-10-01');
    const fromDayOne = arxivIdWithoutVersion(rankedPapers(await frozen(store, '2025-09-30'))[4]!.id);
    const fromDayTwo = arxivIdWithoutVersion(rankedPapers(await frozen(store, '2025-10-01'))[0]!.id);
    const today = { id: '2025-10-02', papers: [fromDayTwo, '9999.00001', fromDayOne] };
    expect(await papersAlreadySent(store, today, 30)).toEqual(new Map([[ada!.id, paperSetOf([0, 2])]]));
    // A window of one day reaches back to 1 October only.
    expect(await papersAlreadySent(store, today, 1)).toEqual(new Map([[ada!.id, paperSetOf([0])]]));
  });
});
