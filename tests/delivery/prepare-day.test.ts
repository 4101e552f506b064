/**
 * prepareDayOnce: of the runs that start a day together, one prepares it and the others join.
 * The interleavings are made exact with a real SQLite store whose reads are held back.
 */
import { describe, expect, it } from 'vitest';
import { prepareDayOnce, type PrepareStore } from '../../src/delivery/prepare-day.js';
import { silentLogger } from '../../src/logger.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';
import { addConfirmed, ISSUE_DATE } from './fixtures.js';

const stores = useTemporaryStores();

describe('prepareDayOnce', () => {
  it('joins, without preparing again, a day another run prepared between its look and its taking the lock', async () => {
    const store = stores.open();
    await addConfirmed(store, ['ada@example.org', 'bob@example.org']);
    // The other run: it prepared the day and let go of the lock.
    const first = await prepareDayOnce({ store, issueDate: ISSUE_DATE, owner: 'host:1:first', logger: silentLogger }, () => store.prepareIssue(ISSUE_DATE));
    expect(first.role).toBe('preparer');

    // This run's first look was taken before that: it saw the day unprepared.
    let looks = 0;
    const late: PrepareStore = {
      frozenIssue: async (day) => {
        const record = await store.frozenIssue(day);
        looks += 1;
        return looks === 1 && record ? { ...record, preparedAt: null } : record;
      },
      prepareIssue: (day, batch) => store.prepareIssue(day, batch),
      acquirePrepareLock: (day, owner, ttl) => store.acquirePrepareLock(day, owner, ttl),
      refreshPrepareLock: (day, owner, ttl) => store.refreshPrepareLock(day, owner, ttl),
      releasePrepareLock: (day, owner) => store.releasePrepareLock(day, owner),
    };
    let prepared = 0;
    const second = await prepareDayOnce({ store: late, issueDate: ISSUE_DATE, owner: 'host:2:second', logger: silentLogger }, async () => {
      prepared += 1;
    });

    expect(second.role).toBe('joined');
    expect(prepared).toBe(0);
    // And it gave the lock back: a third run could take it at once.
    expect(await store.acquirePrepareLock(ISSUE_DATE, 'host:3:third', 60_000)).toBe(true);
    await store.close();
  });
});
