/**
 * The one place that picks the store from the settings: PostgreSQL when DATABASE_URL is
 * set, else the SQLite file at DATABASE_PATH (the embedded default: no server needed).
 * Every command and the server open their store here.
 */
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { displayDatabaseUrl } from './database-url.js';
import { openSqliteStore } from './sqlite-store.js';
import type { SubscriberStore } from './store.js';

export type StoreSettings = Pick<Config, 'DATABASE_PATH' | 'DATABASE_URL'>;

/** Opens and migrates the configured store. The PostgreSQL driver is loaded only when it is the one configured. */
export async function openStore(config: StoreSettings): Promise<SubscriberStore> {
  if (config.DATABASE_URL === undefined) return openSqliteStore(config.DATABASE_PATH);
  const { openPostgresStore } = await import('./postgres-store.js');
  return openPostgresStore(config.DATABASE_URL);
}

/** Which store the settings select, for people: "SQLite /path/papermail.db" or "PostgreSQL postgres://user@host/db" (no password). */
export function describeStoreLocation(config: StoreSettings): string {
  return config.DATABASE_URL === undefined ? `SQLite ${resolve(config.DATABASE_PATH)}` : `PostgreSQL ${displayDatabaseUrl(config.DATABASE_URL)}`;
}
