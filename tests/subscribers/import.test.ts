import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseSubscriberCsv, subscribersToCsv } from '../../src/subscribers/csv.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { collect, useTemporaryStores } from './temporary-store.js';

const stores = useTemporaryStores();
const knownTopics = ['llm-reasoning', 'agents', 'vision', 'robotics'];

async function importCsv(store: SubscriberStore, text: string) {
  const parsed = parseSubscriberCsv(text, { origin: 'list.csv', knownTopics });
  const report = await store.importSubscribers(parsed.rows);
  return { ...report, skipped: [...parsed.skipped, ...report.skipped].sort((a, b) => a.line - b.line) };
}

async function sample(): Promise<string> {
  return readFile(new URL('../../subscribers/sample.csv', import.meta.url), 'utf8');
}

function comparable(store: SubscriberStore) {
  return collect(store.all()).then((all) => all.map(({ email, name, status, topics }) => ({ email, name, status, topics })));
}

describe('importing subscribers', () => {
  it('adds the sample list as confirmed subscribers', async () => {
    const store = stores.open();
    expect(await importCsv(store, await sample())).toEqual({ added: 5, updated: 0, unchanged: 0, skipped: [] });
    expect(await store.countByStatus()).toMatchObject({ confirmed: 5 });
  });

  it('changes nothing when the same file is imported again', async () => {
    const store = stores.open();
    await importCsv(store, await sample());
    const before = await collect(store.all());
    expect(await importCsv(store, await sample())).toEqual({ added: 0, updated: 0, unchanged: 5, skipped: [] });
    expect(await collect(store.all())).toEqual(before);
  });

  it('updates the name and topics of subscribers already on the list', async () => {
    const store = stores.open();
    await importCsv(store, 'email,name,topics\nann@example.com,Ann,\nbob@example.com,Bob,\n');
    expect(await importCsv(store, 'email,name,topics\nann@example.com,Ann Smith,vision\nbob@example.com,Bob,\n')).toMatchObject({
      updated: 1,
      unchanged: 1,
    });
    expect(await store.findByEmail('ann@example.com')).toMatchObject({ name: 'Ann Smith', topics: ['vision'] });
  });

  it('leaves fields alone whose column the file does not have', async () => {
    const store = stores.open();
    await importCsv(store, 'email,name,topics\nann@example.com,Ann,vision\n');
    expect(await importCsv(store, 'email\nann@example.com\n')).toMatchObject({ unchanged: 1 });
    expect(await store.findByEmail('ann@example.com')).toMatchObject({ name: 'Ann', topics: ['vision'] });
  });

  it('reports invalid rows by line number and imports the valid ones', async () => {
    const store = stores.open();
    const report = await importCsv(store, 'email,name\nann@example.com,Ann\nnot-an-email,Nobody\n\nbob@example.com,Bob\n');
    expect(report).toEqual({
      added: 2,
      updated: 0,
      unchanged: 0,
      skipped: [{ line: 3, reason: 'email "not-an-email" is not a valid address (needs one "@" between a name and a domain)' }],
    });
  });

  it('never resubscribes someone who unsubscribed, and says why on their line', async () => {
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
    await store.setStatus(subscriber.id, 'unsubscribed');
    const report = await importCsv(store, 'email,name,status\nbob@example.com,Bob,\nann@example.com,Ann,confirmed\n');
    expect(report.added).toBe(1);
    expect(report.skipped).toEqual([
      { line: 3, reason: expect.stringMatching(/^ann@example\.com unsubscribed on \d{4}-\d{2}-\d{2}; an import never subscribes them again/) },
    ]);
    expect(await store.findById(subscriber.id)).toMatchObject({ status: 'unsubscribed', name: null });
  });

  it('does not re-enable an address suppressed for bouncing', async () => {
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
    await store.markFailed('2025-10-01', subscriber.id, '550 no such user', 1);
    const report = await importCsv(store, 'email\nann@example.com\n');
    expect(report.skipped).toEqual([{ line: 2, reason: expect.stringContaining('suppressed after 1 hard bounce(s)') }]);
    expect((await store.findById(subscriber.id))?.status).toBe('bounced');
  });

  it('can unsubscribe people, as importing another tool’s suppression list does', async () => {
    const store = stores.open();
    await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
    expect(await importCsv(store, 'email,status\nann@example.com,unsubscribed\n')).toMatchObject({ updated: 1 });
    expect((await store.findByEmail('ann@example.com'))?.status).toBe('unsubscribed');
  });

  it('keeps a confirmed subscriber confirmed when the file says pending', async () => {
    const store = stores.open();
    await store.upsert({ email: 'ann@example.com', status: 'confirmed' });
    expect(await importCsv(store, 'email,status\nann@example.com,pending\n')).toMatchObject({ unchanged: 1 });
    expect((await store.findByEmail('ann@example.com'))?.status).toBe('confirmed');
  });

  it('writes nothing at all when the store fails part-way through', async () => {
    const path = stores.path();
    const store = stores.open();
    // A real database failure on the third row, raised by SQLite itself.
    const raw = new Database(path);
    raw.exec(`CREATE TRIGGER fail_third BEFORE INSERT ON subscribers WHEN NEW.email = 'third@example.com'
              BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`);
    raw.close();
    const rows = ['first', 'second', 'third', 'fourth'].map((name, index) => ({ line: index + 2, email: `${name}@example.com` }));
    await expect(store.importSubscribers(rows)).rejects.toMatchObject({
      code: 'ESTORE',
      message: 'importing subscribers failed: disk trouble',
    });
    expect(await store.countByStatus()).toEqual({ pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 });
  });

  it('reimports an export into an empty store as the same list', async () => {
    const source = stores.open({}, 'source.db');
    await importCsv(source, await sample());
    await importCsv(source, 'email,name,status,topics\nann@example.com,"Smith, Ann",pending,robotics;vision\nzed@example.org,,unsubscribed,\n');
    const exported = (await collect(subscribersToCsv(source.all()))).join('');
    const copy = stores.open({}, 'copy.db');
    const report = await importCsv(copy, exported);
    expect(report.skipped).toEqual([]);
    expect(await comparable(copy)).toEqual(await comparable(source));
    expect(await importCsv(source, exported)).toMatchObject({ added: 0, updated: 0, unchanged: 7 });
  });
});
