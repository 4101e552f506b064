import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { subscribersToCsv, subscribersWithSignals } from '../../src/subscribers/csv.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { importCsv, sample } from './store-contract.js';
import { collect, useTemporaryStores } from './temporary-store.js';

const stores = useTemporaryStores();
function comparable(store: SubscriberStore) {
  return collect(subscribersWithSignals(store)).then((all) => all.map(({ email, name, status, topics, interests }) => ({ email, name, status, topics, interests })));
}

// The rules of an import (refusals, updates, line numbers) are in the store contract (store-contract.ts), run against every store.
describe('importing subscribers into SQLite', () => {
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

  it('reimports an export into an empty store as the same list, interests included', async () => {
    const source = stores.open({}, 'source.db');
    await importCsv(source, await sample());
    await importCsv(source, 'email,name,status,topics\nann@example.com,"Smith, Ann",pending,robotics;vision\nzed@example.org,,unsubscribed,\n');
    const ann = (await source.findByEmail('ann@example.com'))!;
    await source.setInterests(ann.id, { text: 'diffusion, "distillation"', include: ['KV cache', 'MoE'], exclude: ['robotics'], follow: ['Meta'] });
    const exported = (await collect(subscribersToCsv(subscribersWithSignals(source)))).join('');
    const copy = stores.open({}, 'copy.db');
    const report = await importCsv(copy, exported);
    expect(report.skipped).toEqual([]);
    expect(await comparable(copy)).toEqual(await comparable(source));
    expect(await importCsv(source, exported)).toMatchObject({ added: 0, updated: 0, unchanged: 7 });
  });
});
