/** A subscriber list of any length on a fresh SQLite file, through the store's own import (one transaction). */
import { openSqliteStore } from '../src/subscribers/sqlite-store.js';
import type { NewSubscriber } from '../src/subscribers/store.js';

/** The address of the n-th (1-based) bench subscriber; the sink and the soak's accounting use the same names. */
export function subscriberAddress(index: number): string {
  return `reader${index}@bench.example.net`;
}

/** Seeds `count` confirmed subscribers (every third with a name, all topics) and returns their addresses. */
export async function seedSubscribers(databasePath: string, count: number): Promise<string[]> {
  const rows: Array<NewSubscriber & { line: number }> = [];
  for (let index = 1; index <= count; index += 1) {
    rows.push({ email: subscriberAddress(index), name: index % 3 === 0 ? `Reader Number ${index}` : null, status: 'confirmed', line: index });
  }
  const store = openSqliteStore(databasePath);
  try {
    const report = await store.importSubscribers(rows);
    if (report.added !== count) {
      throw new Error(`seeding ${databasePath}: expected ${count} new subscribers, added ${report.added} (${report.skipped.length} skipped)`);
    }
  } finally {
    // Closing checkpoints the WAL, so the file alone can be copied for each run.
    await store.close();
  }
  return rows.map((row) => row.email);
}
