import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/subscribers/postgres-store.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { usePostgresCluster } from '../support/postgres-cluster.js';
import { collect } from '../subscribers/temporary-store.js';
import { useCliSandboxes, type CliResult, type CliSandbox } from './run-cli.js';

const sandboxes = useCliSandboxes();
const postgres = usePostgresCluster();
const day = '2025-09-30';

async function withStore<T>(open: () => Promise<SubscriberStore> | SubscriberStore, work: (store: SubscriberStore) => Promise<T>): Promise<T> {
  const store = await open();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Everything a store holds that a copy must carry over. */
async function contents(store: SubscriberStore) {
  const subscribers = await collect(store.all());
  const ids = subscribers.map((subscriber) => subscriber.id);
  return {
    subscribers,
    signals: await Promise.all(ids.map((id) => store.readerSignals(id))),
    models: await store.readerModels(ids),
    vocabulary: await store.latestVocabulary(),
    ledger: await store.ledgerCounts(day),
    issue: await store.getIssue(day),
    frozen: await store.frozenIssue(day),
    report: await store.deliveryReport(),
  };
}

describe('papermail db copy --to postgres://…', () => {
  let sandbox: CliSandbox;
  let databasePath: string;
  let url: string;
  let first: CliResult;
  let again: CliResult;
  let outboxAfterFirstSend: number;
  let sendAfterMove: CliResult;

  beforeAll(async () => {
    sandbox = await sandboxes.create();
    databasePath = sandbox.path('papermail.db');
    url = await postgres.cluster().newDatabase();
    const csv = sandbox.path('list.csv');
    await writeFile(
      csv,
      'email,name,status,topics,cadence\nada@example.com,Ada,confirmed,,\nbob@example.com,Bob,pending,agents,weekly\ncy@example.com,Cy,confirmed,,\n',
    );
    await sandbox.run(['subscribers', 'import', csv]);
    await sandbox.run(['subscribers', 'remove', 'cy@example.com']);
    await sandbox.run(['send', '--source', `samples/${day}.json`]);
    outboxAfterFirstSend = (await sandbox.outboxFiles()).length;
    // Ada marks the issue as spam: a delivery event, and Ada suppressed.
    await withStore(
      () => openSqliteStore(databasePath),
      async (store) => {
        const ada = (await store.findByEmail('ada@example.com'))!;
        const complaint = { key: 'arf-1', source: 'mailbox', kind: 'complaint', bounceType: null, status: null, diagnostic: 'abuse', recipient: ada.email } as const;
        const where = { occurredAt: `${day}T12:00:00+02:00`, returnPath: null, messageId: null, subscriberId: ada.id, issueDate: day };
        await store.recordDeliveryEvent({ ...complaint, ...where }, { hardBounceLimit: 2, softBounceLimit: 3, softBounceWindowDays: 15 });
        // Bob has told papermail what he likes.
        const bob = (await store.findByEmail('bob@example.com'))!;
        await store.recordVote(bob.id, { paperId: '2509.25541', vote: 'up', issueId: day, title: 'A paper Bob liked' });
        await store.recordVote(bob.id, { paperId: '2509.24006', vote: 'down', issueId: day, title: 'A paper Bob did not' });
        await store.setInterests(bob.id, { text: 'agents that use tools', include: ['tool use'], exclude: ['robotics'], follow: ['Meta'] });
        await store.saveReaderModel({ subscriberId: bob.id, json: '{"weights":[0.5]}', trainedAt: day });
        await store.saveVocabulary({ json: '{"terms":["agent"],"idf":[1.5],"documents":3}', fittedThrough: day });
      },
    );
    first = await sandbox.run(['db', 'copy', '--to', url]);
    again = await sandbox.run(['db', 'copy', '--to', url]);
    sendAfterMove = await sandbox.run(['send', '--source', `samples/${day}.json`], { env: { DATABASE_URL: url } });
  });

  it('copies the subscribers, the ledger, the delivery events, the archive, the frozen issue and what readers told papermail, and says what it copied', () => {
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      `copied ${databasePath} to ${url}: 2 subscribers, 1 ledger row, 1 delivery event, 1 archived issue, 1 frozen issue, 2 votes, 1 reader's interests, 1 reader model, 1 vocabulary\n`,
    );
  });

  it('copies nothing twice when run again, and says what was already there', () => {
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      `copied ${databasePath} to ${url}: 0 subscribers (2 already there), 0 ledger rows (1 already there), 0 delivery events (1 already there), 0 archived issues (1 already there), 0 frozen issues (1 already there), 0 votes (2 already there), 0 readers' interests (1 already there), 0 reader models (1 already there), 0 vocabularies (1 already there)\n`,
    );
  });

  it('keeps ids, statuses, topics, cadences, times, status versions, suppressions, votes, interests, models, the delivery report and the day\'s frozen issue, so links in mail already sent still work', async () => {
    const inSqlite = await withStore(() => openSqliteStore(databasePath), contents);
    const inPostgres = await withStore(() => openPostgresStore(url), contents);
    expect(inSqlite.subscribers.map((subscriber) => subscriber.email)).toEqual(['ada@example.com', 'bob@example.com']);
    expect(inSqlite.subscribers[0]).toMatchObject({ status: 'unsubscribed', cadence: 'daily', suppression: { reason: 'complaint' } });
    expect(inSqlite.subscribers[1]).toMatchObject({ status: 'pending', cadence: 'weekly' });
    expect(inSqlite.report).toEqual([expect.objectContaining({ issueDate: day, accepted: 1, complained: 1 })]);
    expect(inSqlite.signals[1]!.votes.map((vote) => vote.vote)).toEqual(['down', 'up']);
    expect(inSqlite.signals[1]!.interests).toMatchObject({ include: ['tool use'] });
    expect(inSqlite.models.size).toBe(1);
    expect(inSqlite.vocabulary).toMatchObject({ fittedThrough: day });
    expect(inSqlite.frozen).toMatchObject({ issueDate: day, digest: expect.any(String), compiled: expect.any(String), preparedAt: expect.any(String) });
    expect(inPostgres).toEqual(inSqlite);
  });

  it('sends nothing again after the move: the ledger came along', async () => {
    expect(sendAfterMove.code).toBe(0);
    expect((await sandbox.outboxFiles()).length).toBe(outboxAfterFirstSend);
  });

  it('never hands out again the id of a subscriber deleted before the copy', async () => {
    const added = await withStore(() => openPostgresStore(url), (store) => store.upsert({ email: 'dee@example.com' }));
    expect(added.subscriber.id).toBe(4);
  });
});

describe('papermail db copy into a database with other subscribers', () => {
  let copy: CliResult;
  let url: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    url = await postgres.cluster().newDatabase();
    await withStore(() => openPostgresStore(url), (store) => store.upsert({ email: 'zed@example.com', status: 'confirmed' }));
    await sandbox.run(['subscribers', 'add', 'ada@example.com']);
    copy = await sandbox.run(['db', 'copy', '--to', url]);
  });

  it('refuses, naming the subscriber that clashes, and copies nothing', async () => {
    expect(copy.code).toBe(1);
    expect(copy.stderr).toMatch(/subscriber 1 \(ada@example\.com\) clashes with a different subscriber in the PostgreSQL database .*nothing was copied/);
    const emails = await withStore(() => openPostgresStore(url), async (store) => (await collect(store.all())).map((subscriber) => subscriber.email));
    expect(emails).toEqual(['zed@example.com']);
  });
});

describe('papermail db copy with a bad --to', () => {
  it('refuses a URL that is not postgres, without echoing it', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run(['db', 'copy', '--to', 'mysql://papermail:s3cret@db.example.org/papermail']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--to must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(result.stderr).not.toContain('s3cret');
  });
});
