import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isPapermailError } from '../../src/errors.js';
import { SQLITE_QUERIES } from '../../src/subscribers/sqlite-queries.js';
import { MIGRATIONS } from '../../src/subscribers/sqlite-schema.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { rejectionOf } from '../support/async.js';
import { canMakeFilesReadOnly, makeReadOnly } from '../support/read-only-file.js';
import { holdWriteLock, type HeldLock } from '../support/sqlite-lock.js';
import { describeStoreContract } from './store-contract.js';
import { useTemporaryStores } from './temporary-store.js';

const stores = useTemporaryStores();
const day = '2025-10-01';
const readOnlyFilesWork = await canMakeFilesReadOnly();

describeStoreContract('SQLite', { open: async (options) => stores.open(options) });

async function confirmed(store: SubscriberStore, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let index = 1; index <= count; index += 1) {
    ids.push((await store.upsert({ email: `reader${index}@example.com`, status: 'confirmed' })).subscriber.id);
  }
  return ids;
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
      expect(tables).toEqual(expect.arrayContaining(['deliveries', 'issues', 'prepare_locks', 'subscribers']));
    } finally {
      raw.close();
    }
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
});

describe('upgrading an older SQLite file', () => {
  it('upgrades a file from the second schema, keeping its ledger, and prepares and claims on it', async () => {
    const path = stores.path();
    const raw = new Database(path);
    raw.exec(MIGRATIONS[0]!);
    raw.exec(MIGRATIONS[1]!);
    raw.pragma('user_version = 2');
    raw.prepare("INSERT INTO subscribers (email, status, created_at, confirmed_at) VALUES ('ann@example.com', 'confirmed', '2025-01-01', '2025-01-01')").run();
    raw.prepare("INSERT INTO subscribers (email, status, created_at, confirmed_at) VALUES ('bob@example.com', 'confirmed', '2025-01-01', '2025-01-01')").run();
    raw
      .prepare("INSERT INTO deliveries (issue_date, subscriber_id, state, message_id, attempts, created_at, updated_at) VALUES ('2025-10-01', 1, 'sent', '<m@x>', 1, '2025-10-01', '2025-10-01')")
      .run();
    raw.close();
    const store = stores.open();
    expect(await store.ledgerCounts(day)).toMatchObject({ sent: 1 });
    expect(await store.prepareIssue(day)).toEqual({ added: 1 });
    expect((await store.claimRecipients(day, 'run-a', 10, 60_000)).map((subscriber) => subscriber.email)).toEqual(['bob@example.com']);
  });

  it('upgrades a file from before delivery events: bounce counts and failed rows kept, nobody suppressed, events recorded on top', async () => {
    const path = stores.path();
    const raw = new Database(path);
    MIGRATIONS.slice(0, 5).forEach((migration) => raw.exec(migration));
    raw.pragma('user_version = 5');
    raw.prepare("INSERT INTO subscribers (email, status, created_at, confirmed_at, bounce_count) VALUES ('ann@example.com', 'confirmed', '2025-01-01', '2025-01-01', 1)").run();
    raw.prepare("INSERT INTO deliveries (issue_date, subscriber_id, state, last_error, attempts, created_at, updated_at) VALUES ('2025-09-30', 1, 'failed', '550 5.1.1', 1, '2025-09-30', '2025-09-30')").run();
    raw.close();
    const store = stores.open();
    expect(await store.findByEmail('ann@example.com')).toMatchObject({ status: 'confirmed', bounceCount: 1, suppression: null });
    // The old 5xx still counts in the report, and towards the limit.
    expect((await store.deliveryReport())[0]).toMatchObject({ issueDate: '2025-09-30', bounced: { hard: 1, soft: 0 } });
    expect(await store.markFailed(day, 1, '550 5.1.1 user unknown', 2)).toEqual({ suppressed: true });
  });

  it('upgrades a file from before cadences: everyone is daily, still owed the daily issue and not the weekly one', async () => {
    const path = stores.path();
    const raw = new Database(path);
    MIGRATIONS.slice(0, 7).forEach((migration) => raw.exec(migration));
    raw.pragma('user_version = 7');
    raw.prepare("INSERT INTO subscribers (email, status, created_at, confirmed_at) VALUES ('ann@example.com', 'confirmed', '2025-01-01', '2025-01-01')").run();
    raw.close();
    const store = stores.open();
    expect(await store.findByEmail('ann@example.com')).toMatchObject({ status: 'confirmed', cadence: 'daily' });
    expect(await store.prepareIssue(day)).toEqual({ added: 1 });
    expect(await store.prepareIssue('2025-W40')).toEqual({ added: 0 });
  });

  it('finds a delivery by Message-ID, the rules’ history and one issue’s report through indexes', async () => {
    const store = stores.open();
    await store.close();
    const raw = new Database(stores.path());
    const plan = (sql: string, parameters: unknown) =>
      (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(parameters) as Array<{ detail: string }>).map((row) => row.detail).join('; ');
    expect(plan(SQLITE_QUERIES.deliveryByMessageId, '<m@x>')).toContain('deliveries_by_message_id');
    const subscriber = { subscriberId: 1, issueDate: day, confirmedAt: null };
    expect(plan(SQLITE_QUERIES.latestHardBounce, subscriber)).toContain('delivery_events_by_subscriber');
    expect(plan(SQLITE_QUERIES.softBounces, subscriber)).toContain('delivery_events_by_subscriber');
    expect(plan(SQLITE_QUERIES.deliveryBounces, subscriber)).toContain('delivery_events_by_issue');
    // One issue's report reads that issue's rows only, never the whole ledger.
    const report = plan(SQLITE_QUERIES.deliveryReportOf, { issueDate: day });
    expect(report).toContain('delivery_events_by_issue');
    expect(report).not.toMatch(/SCAN (deliveries|delivery_events)\b/);
    raw.close();
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

describe('the SQLite store’s health', () => {
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
