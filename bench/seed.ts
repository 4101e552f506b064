/** A subscriber list of any length in a fresh store (a SQLite file or a PostgreSQL database), through the store's own import. */
import { benchConfig } from './workspace.js';
import { loadTaxonomy, topicCatalogue } from '../src/digest/taxonomy.js';
import { openStore } from '../src/subscribers/open-store.js';
import type { NewSubscriber } from '../src/subscribers/store.js';

/** The address of the n-th (1-based) bench subscriber; the sink and the soak's accounting use the same names. */
export function subscriberAddress(index: number): string {
  return `reader${index}@bench.example.net`;
}

export interface SeedOptions {
  /** Each subscriber picks 2-6 of the bundled topics (seeded, the same every run) instead of taking all. */
  variedTopics?: boolean;
}

/** The store settings for a location: a postgres:// URL, else a SQLite file path. */
export function storeAt(location: string): { DATABASE_PATH: string; DATABASE_URL?: string } {
  return /^postgres(ql)?:\/\//.test(location) ? { DATABASE_PATH: '', DATABASE_URL: location } : { DATABASE_PATH: location };
}

/**
 * Seeds `count` confirmed subscribers (every third with a name; all topics, or varied ones)
 * into the store at `location` (a SQLite file path or a postgres:// URL) and returns their addresses.
 */
export async function seedSubscribers(location: string, count: number, options: SeedOptions = {}): Promise<string[]> {
  const pick = options.variedTopics ? await topicPicker() : () => null;
  const rows: Array<NewSubscriber & { line: number }> = [];
  for (let index = 1; index <= count; index += 1) {
    rows.push({ email: subscriberAddress(index), name: index % 3 === 0 ? `Reader Number ${index}` : null, status: 'confirmed', topics: pick(), line: index });
  }
  const store = await openStore(storeAt(location));
  try {
    const report = await store.importSubscribers(rows);
    if (report.added !== count) {
      throw new Error(`seeding ${location}: expected ${count} new subscribers, added ${report.added} (${report.skipped.length} skipped)`);
    }
  } finally {
    // Closing checkpoints SQLite's WAL, so the file alone can be copied for each run (and leaves a PostgreSQL database free to copy).
    await store.close();
  }
  return rows.map((row) => row.email);
}

/**
 * A realistic preferences page: 2-6 of the 16 bundled topics per subscriber, from a seeded
 * generator (a 32-bit LCG), so every run and every list size draws the same choices.
 */
export async function topicPicker(): Promise<() => string[]> {
  const slugs = topicCatalogue(await loadTaxonomy(benchConfig().TOPICS_FILE)).map((topic) => topic.slug);
  let state = 0x5eed;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  return () => {
    const pool = [...slugs];
    const count = 2 + Math.floor(next() * 5);
    return Array.from({ length: count }, () => pool.splice(Math.floor(next() * pool.length), 1)[0]!);
  };
}
