import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isPapermailError } from '../../src/errors.js';
import { MIGRATIONS } from '../../src/subscribers/sqlite-schema.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { rejectionOf } from '../support/async.js';
import { canMakeFilesReadOnly, makeReadOnly } from '../support/read-only-file.js';
import { holdWriteLock, type HeldLock } from '../support/sqlite-lock.js';
import { collect, manualClock, useTemporaryStores } from './temporary-store.js';

const stores = useTemporaryStores();
const day = '2025-10-01';
const readOnlyFilesWork = await canMakeFilesReadOnly();

async function confirmed(store: SubscriberStore, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let index = 1; index <= count; index += 1) {
    ids.push((await store.upsert({ email: `reader${index}@example.com`, status: 'confirmed' })).subscriber.id);
  }
  return ids;
}

async function pendingIds(store: SubscriberStore, date = day, pageSize?: number): Promise<number[]> {
  return (await collect(store.pendingRecipients(date, pageSize))).map((subscriber) => subscriber.id);
}

describe('opening the SQLite store', () => {
  it('creates the parent directory and a file migrated to the latest schema', async () => {
    const path = stores.path('nested/deeper/papermail.db');
    const store = openSqliteStore(path);
    await store.close();
    expect(existsSync(path)).toBe(true);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = (raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(
        (row) => row.name,
      );
      expect(tables).toEqual(expect.arrayContaining(['deliveries', 'issues', 'send_locks', 'subscribers']));
    } finally {
      raw.close();
    }
  });

  it('keeps its data when reopened', async () => {
    const first = stores.open();
    await first.upsert({ email: 'ann@example.com', name: 'Ann', status: 'confirmed' });
    await first.markSent(day, 1, '<m1@example.com>');
    await first.close();
    const second = stores.open();
    expect(await second.findByEmail('ann@example.com')).toMatchObject({ name: 'Ann', status: 'confirmed' });
    expect(await second.ledgerCounts(day)).toMatchObject({ sent: 1 });
  });

  it('refuses a file written by a newer papermail, naming the file and both versions', async () => {
    const path = stores.path();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openSqliteStore(path)).toThrow(
      expect.objectContaining({
        code: 'ESTORE',
        message: expect.stringContaining(`${path} has schema version ${MIGRATIONS.length + 1}, newer than this papermail understands (${MIGRATIONS.length})`),
      }),
    );
  });

  it('reports a file that is not a database as ESTORE with its path', async () => {
    const path = stores.path('not-a-database.db');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, 'this is not SQLite, just text long enough to have a header page'.repeat(10));
    expect(() => openSqliteStore(path)).toThrow(
      expect.objectContaining({ code: 'ESTORE', message: expect.stringContaining(`opening the subscriber database ${path} failed`) }),
    );
  });

  it('reports use after close as ESTORE naming the operation', async () => {
    const store = stores.open();
    await store.close();
    await expect(store.countByStatus()).rejects.toMatchObject({ code: 'ESTORE', message: expect.stringMatching(/^counting subscribers failed/) });
  });
});

describe('subscribers', () => {
  it('adds a pending subscriber by default, with the address normalised', async () => {
    const store = stores.open(manualClock());
    const { subscriber, created } = await store.upsert({ email: '  Ann@Example.COM ', name: '  Ann   Smith ' });
    expect(created).toBe(true);
    expect(subscriber).toEqual({
      id: 1,
      email: 'Ann@example.com',
      name: 'Ann Smith',
      status: 'pending',
      topics: null,
      createdAt: '2025-10-01T08:00:00.000Z',
      confirmedAt: null,
      bounceCount: 0,
      statusVersion: 0,
    });
  });

  it('treats addresses that differ only in case as the same subscriber and updates them', async () => {
    const store = stores.open();
    await store.upsert({ email: 'Ann@example.com', name: 'Ann' });
    const { subscriber, created } = await store.upsert({ email: 'ANN@EXAMPLE.COM', topics: ['vision'] });
    expect(created).toBe(false);
    expect(subscriber).toMatchObject({ id: 1, email: 'Ann@example.com', name: 'Ann', topics: ['vision'] });
    expect(await store.findByEmail('ann@example.com')).toEqual(subscriber);
  });

  it('never turns a confirmed subscriber back into a pending one on a repeated sign-up', async () => {
    const store = stores.open();
    await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
    const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'pending' });
    expect(subscriber.status).toBe('confirmed');
    expect((await store.findById(subscriber.id))?.status).toBe('confirmed');
  });

  it('rejects an invalid address with EINPUT and stores nothing', async () => {
    const store = stores.open();
    await expect(store.upsert({ email: 'a@b.com\r\nBcc: x@y.com' })).rejects.toMatchObject({ code: 'EINPUT' });
    expect(await collect(store.all())).toEqual([]);
  });

  it('records when a subscriber confirmed and clears it when they are pending again', async () => {
    const clock = manualClock();
    const store = stores.open(clock);
    const { subscriber } = await store.upsert({ email: 'ann@example.com' });
    clock.advance(60_000);
    expect((await store.setStatus(subscriber.id, 'confirmed'))?.confirmedAt).toBe('2025-10-01T08:01:00.000Z');
    expect((await store.setStatus(subscriber.id, 'pending'))?.confirmedAt).toBeNull();
  });

  it('changes topics and reports a missing subscriber as undefined', async () => {
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'ann@example.com' });
    expect((await store.setTopics(subscriber.id, ['robotics', 'vision']))?.topics).toEqual(['robotics', 'vision']);
    expect((await store.setTopics(subscriber.id, null))?.topics).toBeNull();
    expect(await store.setTopics(999, ['vision'])).toBeUndefined();
    expect(await store.setStatus(999, 'confirmed')).toBeUndefined();
    expect(await store.findById(999)).toBeUndefined();
  });

  it('removes a subscriber with their ledger rows, and says whether there was one', async () => {
    const store = stores.open();
    const [id] = await confirmed(store, 1);
    await store.markSent(day, id!, '<m@example.com>');
    expect(await store.remove('READER1@example.com')).toBe(true);
    expect(await store.remove('reader1@example.com')).toBe(false);
    expect(await store.remove('not an address')).toBe(false);
    expect(await store.ledgerCounts(day)).toEqual({ sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 });
  });

  it('never hands a deleted subscriber’s id to someone new, so old links cannot reach them', async () => {
    const store = stores.open();
    await confirmed(store, 2);
    await store.remove('reader2@example.com');
    expect((await store.upsert({ email: 'new@example.com' })).subscriber.id).toBe(3);
  });

  it('counts subscribers by status, zero included', async () => {
    const store = stores.open();
    await confirmed(store, 2);
    await store.upsert({ email: 'pending@example.com' });
    expect(await store.countByStatus()).toEqual({ pending: 1, confirmed: 2, unsubscribed: 0, bounced: 0 });
  });

  it('streams every subscriber in id order across several pages', async () => {
    const store = stores.open();
    const rows = Array.from({ length: 1201 }, (_, index) => ({ line: index + 2, email: `reader${index}@example.com` }));
    await store.importSubscribers(rows);
    const ids = (await collect(store.all())).map((subscriber) => subscriber.id);
    expect(ids).toEqual(Array.from({ length: 1201 }, (_, index) => index + 1));
  });
});

describe('consent: status versions and confirmation', () => {
  it('moves the status version on with every status change, whoever makes it, and only then', async () => {
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'ann@example.com' });
    const versions = [subscriber.statusVersion];
    versions.push((await store.setStatus(subscriber.id, 'confirmed'))!.statusVersion);
    versions.push((await store.upsert({ email: 'ann@example.com', name: 'Ann', topics: ['vision'] })).subscriber.statusVersion);
    versions.push((await store.setTopics(subscriber.id, ['robotics']))!.statusVersion);
    await store.markFailed(day, subscriber.id, '550 no such user', 1);
    versions.push((await store.findById(subscriber.id))!.statusVersion);
    versions.push((await store.upsert({ email: 'ann@example.com', status: 'unsubscribed' })).subscriber.statusVersion);
    expect(versions).toEqual([0, 1, 1, 1, 2, 3]);
    expect((await store.findById(subscriber.id))?.statusVersion).toBe(3);
  });

  it('adds a new address as pending but returns an existing one exactly as stored', async () => {
    const store = stores.open();
    const { subscriber: ann } = await store.upsert({ email: 'ann@example.com', name: 'Ann', topics: ['vision'], status: 'unsubscribed' });
    const existing = await store.addIfNew({ email: 'ANN@example.com', name: 'URGENT: verify account at evil.example', topics: null, status: 'pending' });
    const added = await store.addIfNew({ email: 'bob@example.com', name: 'Bob', topics: ['robotics'], status: 'pending' });
    expect(existing).toEqual({ subscriber: ann, created: false });
    expect(await store.findById(ann.id)).toEqual(ann);
    expect(added).toMatchObject({ created: true, subscriber: { email: 'bob@example.com', name: 'Bob', topics: ['robotics'], status: 'pending' } });
  });

  it('confirms with the link’s name and topics while the status version still holds', async () => {
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'ann@example.com', name: 'Ann', topics: ['vision'], status: 'unsubscribed' });
    const outcome = await store.confirm(subscriber.id, { statusVersion: subscriber.statusVersion, name: 'Ann Smith', topics: ['robotics'] });
    expect(outcome).toMatchObject({ kind: 'confirmed', subscriber: { status: 'confirmed', name: 'Ann Smith', topics: ['robotics'] } });
    expect(await store.findById(subscriber.id)).toEqual(outcome.kind === 'confirmed' && outcome.subscriber);
  });

  it('keeps the stored name and topics when the link asks for none', async () => {
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'ann@example.com', name: 'Ann', topics: ['vision'] });
    await store.confirm(subscriber.id, { statusVersion: 0 });
    expect(await store.findById(subscriber.id)).toMatchObject({ status: 'confirmed', name: 'Ann', topics: ['vision'] });
  });

  it('refuses a link issued before the last status change, and changes nothing', async () => {
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'ann@example.com', name: 'Ann' });
    await store.setStatus(subscriber.id, 'confirmed');
    await store.setStatus(subscriber.id, 'unsubscribed');
    const before = await store.findById(subscriber.id);
    expect(await store.confirm(subscriber.id, { statusVersion: 0, name: 'Mallory', topics: ['robotics'] })).toEqual({ kind: 'stale' });
    expect(await store.findById(subscriber.id)).toEqual(before);
    expect(await store.confirm(999, { statusVersion: 0 })).toEqual({ kind: 'stale' });
  });

  it('leaves a confirmed subscriber as they are when a link is used again', async () => {
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'ann@example.com', name: 'Ann', status: 'confirmed' });
    const outcome = await store.confirm(subscriber.id, { statusVersion: subscriber.statusVersion, name: 'Mallory' });
    expect(outcome).toEqual({ kind: 'already-confirmed', subscriber });
  });

  it('upgrades a file from the first schema, keeping its subscribers at status version 0', async () => {
    const path = stores.path();
    const raw = new Database(path);
    raw.exec(MIGRATIONS[0]!);
    raw.pragma('user_version = 1');
    raw.prepare("INSERT INTO subscribers (email, status, created_at) VALUES ('ann@example.com', 'confirmed', '2025-01-01')").run();
    raw.close();
    const store = stores.open();
    const ann = await store.findByEmail('ann@example.com');
    expect(ann).toMatchObject({ status: 'confirmed', statusVersion: 0 });
    expect((await store.setStatus(ann!.id, 'unsubscribed'))?.statusVersion).toBe(1);
  });
});

describe('the send ledger', () => {
  it('lists only confirmed subscribers as recipients', async () => {
    const store = stores.open();
    await confirmed(store, 2);
    await store.upsert({ email: 'pending@example.com' });
    await store.upsert({ email: 'gone@example.com', status: 'unsubscribed' });
    expect(await pendingIds(store)).toEqual([1, 2]);
  });

  it('leaves out subscribers whose message was sent or failed, and keeps deferred and in-flight ones', async () => {
    const store = stores.open();
    const [sent, failed, deferred, sending, untouched] = (await confirmed(store, 5)) as [number, number, number, number, number];
    await store.markSent(day, sent, '<m@example.com>');
    await store.markFailed(day, failed, '550 no such user', 5);
    await store.markDeferred(day, deferred, '421 try later');
    await store.markSending(day, sending);
    expect(await pendingIds(store)).toEqual([deferred, sending, untouched]);
    expect(await store.ledgerCounts(day)).toEqual({ sending: 1, sent: 1, deferred: 1, failed: 1, skipped: 0 });
  });

  it('leaves out subscribers skipped because the issue had nothing in their topics', async () => {
    const store = stores.open();
    const [skipped, untouched] = (await confirmed(store, 2)) as [number, number];
    await store.markSkipped(day, skipped);
    expect(await pendingIds(store)).toEqual([untouched]);
    expect(await store.ledgerCounts(day)).toMatchObject({ skipped: 1 });
  });

  it('never turns a sent delivery into a skipped one', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await store.markSent(day, id, '<m@example.com>');
    await store.markSkipped(day, id);
    expect(await store.ledgerCounts(day)).toMatchObject({ sent: 1, skipped: 0 });
  });

  it('keeps each issue date’s ledger separate', async () => {
    const store = stores.open();
    const [id] = await confirmed(store, 1);
    await store.markSent(day, id!, '<m@example.com>');
    expect(await pendingIds(store, '2025-10-02')).toEqual([id]);
  });

  it('pages through recipients while the ledger is written during the iteration', async () => {
    const store = stores.open();
    const ids = await confirmed(store, 5);
    const seen: number[] = [];
    for await (const subscriber of store.pendingRecipients(day, 2)) {
      seen.push(subscriber.id);
      await store.markSending(day, subscriber.id);
      await store.markSent(day, subscriber.id, `<${subscriber.id}@example.com>`);
    }
    expect(seen).toEqual(ids);
    expect(await pendingIds(store)).toEqual([]);
    expect(await store.ledgerCounts(day)).toEqual({ sending: 0, sent: 5, deferred: 0, failed: 0, skipped: 0 });
  });

  it('never downgrades a sent message, whatever is recorded after it', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await store.markSending(day, id);
    await store.markSent(day, id, '<m@example.com>');
    await store.markSending(day, id);
    await store.markDeferred(day, id, '421 try later');
    await store.markFailed(day, id, '550 no such user', 1);
    expect(await store.ledgerCounts(day)).toEqual({ sending: 0, sent: 1, deferred: 0, failed: 0, skipped: 0 });
    expect(await store.findById(id)).toMatchObject({ status: 'confirmed', bounceCount: 0 });
  });

  it('ignores marks for a subscriber deleted during the run', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await store.remove('reader1@example.com');
    await store.markSending(day, id);
    await store.markSent(day, id, '<m@example.com>');
    expect(await store.ledgerCounts(day)).toEqual({ sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 });
  });

  it('suppresses a subscriber when their hard bounces reach the limit', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    expect(await store.markFailed('2025-10-01', id, '550 mailbox unavailable', 2)).toEqual({ suppressed: false });
    expect(await store.markFailed('2025-10-02', id, '550 mailbox unavailable', 2)).toEqual({ suppressed: true });
    expect(await store.findById(id)).toMatchObject({ status: 'bounced', bounceCount: 2 });
    expect(await pendingIds(store, '2025-10-03')).toEqual([]);
  });

  it('counts a bounce once when the same failure is recorded twice', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await store.markFailed(day, id, '550 mailbox unavailable', 2);
    expect(await store.markFailed(day, id, '550 mailbox unavailable', 2)).toEqual({ suppressed: false });
    expect((await store.findById(id))?.bounceCount).toBe(1);
  });

  it('counts consecutive bounces: a delivery in between starts the count again', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await store.markFailed('2025-10-01', id, '552 mailbox full', 2);
    await store.markSent('2025-10-02', id, '<m@example.com>');
    expect(await store.markFailed('2025-10-03', id, '552 mailbox full', 2)).toEqual({ suppressed: false });
    expect((await store.findById(id))?.bounceCount).toBe(1);
  });

  it('retries a deferred message and records it as sent once accepted', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await store.markSending(day, id);
    await store.markDeferred(day, id, '421 try later');
    await store.markSending(day, id);
    await store.markSent(day, id, '<m@example.com>');
    expect(await store.ledgerCounts(day)).toEqual({ sending: 0, sent: 1, deferred: 0, failed: 0, skipped: 0 });
  });
});

describe('whether an issue is complete', () => {
  it('is not complete before its send started', async () => {
    const store = stores.open();
    await confirmed(store, 1);
    expect(await store.isIssueComplete(day)).toBe(false);
  });

  it('is not complete while a confirmed subscriber is deferred or untouched', async () => {
    const store = stores.open();
    const [first, second] = (await confirmed(store, 3)) as [number, number, number];
    await store.markSent(day, first, '<m@example.com>');
    await store.markDeferred(day, second, '421 try later');
    expect(await store.isIssueComplete(day)).toBe(false);
  });

  it('is complete once every confirmed subscriber has a sent or failed row', async () => {
    const store = stores.open();
    const [first, second] = (await confirmed(store, 2)) as [number, number];
    await store.markSent(day, first, '<m@example.com>');
    await store.markFailed(day, second, '550 no such user', 2);
    expect(await store.isIssueComplete(day)).toBe(true);
  });

  it('stays complete when someone confirms after the send started', async () => {
    const clock = manualClock();
    const store = stores.open(clock);
    const [first] = (await confirmed(store, 1)) as [number];
    clock.advance(1_000);
    await store.markSent(day, first, '<m@example.com>');
    clock.advance(60_000);
    await store.upsert({ email: 'late@example.com', status: 'confirmed' });
    expect(await store.isIssueComplete(day)).toBe(true);
  });
});

describe('the issue archive', () => {
  it('saves, reads and lists issues, newest first', async () => {
    const store = stores.open(manualClock());
    await store.saveIssue({ date: '2025-09-30', subject: 'Papers of 30 September', html: '<p>a</p>', text: 'a' });
    await store.saveIssue({ date: '2025-10-01', subject: 'Papers of 1 October', html: '<p>b</p>', text: 'b' });
    expect(await store.getIssue('2025-09-30')).toEqual({
      date: '2025-09-30',
      subject: 'Papers of 30 September',
      html: '<p>a</p>',
      text: 'a',
      createdAt: '2025-10-01T08:00:00.000Z',
    });
    expect((await store.listIssues()).map((issue) => issue.date)).toEqual(['2025-10-01', '2025-09-30']);
    expect(await store.getIssue('2025-01-01')).toBeUndefined();
  });

  it('replaces the content of a re-rendered issue and keeps when it was first archived', async () => {
    const clock = manualClock();
    const store = stores.open(clock);
    await store.saveIssue({ date: day, subject: 'First', html: '<p>1</p>', text: '1' });
    clock.advance(3_600_000);
    await store.saveIssue({ date: day, subject: 'Second', html: '<p>2</p>', text: '2' });
    expect(await store.getIssue(day)).toMatchObject({ subject: 'Second', html: '<p>2</p>', createdAt: '2025-10-01T08:00:00.000Z' });
  });
});

describe('a large list', () => {
  it('streams 10,000 recipients in pages after a single-transaction import', async () => {
    const store = stores.open();
    const rows = Array.from({ length: 10_000 }, (_, index) => ({ line: index + 2, email: `reader${index}@example.com` }));
    expect((await store.importSubscribers(rows)).added).toBe(10_000);
    let count = 0;
    let lastId = 0;
    for await (const subscriber of store.pendingRecipients(day)) {
      expect(subscriber.id).toBeGreaterThan(lastId);
      lastId = subscriber.id;
      count += 1;
    }
    expect(count).toBe(10_000);
  });
});

describe('when another process holds the write lock', () => {
  const locks: HeldLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.release()));
  });

  async function lockedFor(holdMs: number): Promise<HeldLock> {
    const lock = await holdWriteLock(stores.path(), holdMs);
    locks.push(lock);
    return lock;
  }

  it('waits for the lock in every kind of write, reading-then-writing ones included, instead of failing', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await lockedFor(1_000);

    // upsert and setStatus read the row before writing it: a deferred transaction fails at once there.
    await store.upsert({ email: 'new@example.com', status: 'pending' });
    await store.setStatus(id, 'unsubscribed');
    expect(await store.markSending(day, id)).toBe(true);

    expect(await store.findByEmail('new@example.com')).toMatchObject({ status: 'pending' });
    expect(await store.findById(id)).toMatchObject({ status: 'unsubscribed' });
  });

  it('rejects with EBUSY, writing nothing, when the lock outlasts its wait', async () => {
    const store = stores.open({ busyTimeoutMs: 50 });
    await lockedFor(60_000);

    const error = await rejectionOf(store.upsert({ email: 'new@example.com' }));

    expect(isPapermailError(error, 'EBUSY')).toBe(true);
    expect(error.message).toMatch(/^saving a subscriber failed: the subscriber database is locked by another process/);
    expect(await store.findByEmail('new@example.com')).toBeUndefined();
  });
});

describe('claiming a delivery', () => {
  it('claims a row nobody finished, and never one another run recorded as sent, failed or skipped', async () => {
    const store = stores.open();
    const [fresh, deferred, crashed, sent, failed, skipped] = (await confirmed(store, 6)) as number[];
    await store.markDeferred(day, deferred!, '421 try later');
    await store.markSending(day, crashed!);
    await store.markSent(day, sent!, '<m@example.com>');
    await store.markFailed(day, failed!, '550 no such user', 5);
    await store.markSkipped(day, skipped!);

    const claims = await Promise.all([fresh, deferred, crashed, sent, failed, skipped].map((id) => store.markSending(day, id!)));

    expect(claims).toEqual([true, true, true, false, false, false]);
    expect(await store.ledgerCounts(day)).toEqual({ sending: 3, sent: 1, deferred: 0, failed: 1, skipped: 1 });
  });

  it('does not claim a delivery for a subscriber deleted during the run', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await store.remove('reader1@example.com');
    expect(await store.markSending(day, id)).toBe(false);
  });

  it('settles as skipped a delivery a crash left sending, so the day can complete', async () => {
    const store = stores.open();
    const [id] = (await confirmed(store, 1)) as [number];
    await store.markSending(day, id);

    await store.markSkipped(day, id);

    expect(await store.ledgerCounts(day)).toEqual({ sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 1 });
    expect(await store.isIssueComplete(day)).toBe(true);
  });
});

describe('the store’s health', () => {
  it('is ok for a store it can write', async () => {
    const store = stores.open();
    expect(await store.health()).toEqual({ ok: true });
  });

  it('reports a database file deleted while it was open, and refuses to write into the vanished file', async () => {
    const store = stores.open();
    await rm(stores.path());

    expect(await store.health()).toEqual({ ok: false, problem: expect.stringMatching(/papermail\.db was deleted while papermail had it open/) });
    const error = await rejectionOf(store.upsert({ email: 'new@example.com' }));
    expect(isPapermailError(error, 'ESTORE')).toBe(true);
    expect(error.message).toMatch(/was deleted/);
  });

  it('reports a database file replaced by another one while it was open', async () => {
    const store = stores.open();
    await stores.open({}, 'other.db').close();
    await rename(stores.path('other.db'), stores.path());

    expect(await store.health()).toEqual({ ok: false, problem: expect.stringMatching(/papermail\.db was replaced by another file/) });
  });

  describe.runIf(readOnlyFilesWork)('on a read-only file', () => {
    it('reports a file it cannot write', async () => {
      await stores.open().close();
      const undo = await makeReadOnly(stores.path());
      try {
        const store = stores.open();
        expect(await store.health()).toEqual({ ok: false, problem: expect.stringMatching(/papermail\.db is not writable/) });
      } finally {
        await undo();
      }
    });

    it('reports a store that was opened read-only even once its file is writable again', async () => {
      await stores.open().close();
      const undo = await makeReadOnly(stores.path());
      let store: SubscriberStore;
      try {
        store = stores.open();
      } finally {
        await undo();
      }
      expect(await store.health()).toEqual({ ok: false, problem: expect.stringMatching(/is read-only \(it was opened without write access\)/) });
    });
  });
});
