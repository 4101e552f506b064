/** Real SQLite files in a fresh temporary directory per test, closed and deleted afterwards. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openSqliteStore, type SqliteStoreOptions } from '../../src/subscribers/sqlite-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';

export interface TemporaryStores {
  /** A path inside this test's directory (the file need not exist). */
  path(name?: string): string;
  open(options?: SqliteStoreOptions, name?: string): SubscriberStore;
}

export function useTemporaryStores(): TemporaryStores {
  let directory = '';
  const opened: SubscriberStore[] = [];
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'papermail-store-'));
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(directory, { recursive: true, force: true });
  });
  const path = (name = 'papermail.db') => join(directory, name);
  return {
    path,
    open(options = {}, name) {
      const store = openSqliteStore(path(name), options);
      opened.push(store);
      return store;
    },
  };
}

/** A clock that only moves when told to, for lock expiry and "confirmed since" tests. */
export function manualClock(start = '2025-10-01T08:00:00.000Z') {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    advance(milliseconds: number) {
      current += milliseconds;
    },
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
