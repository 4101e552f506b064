/**
 * The PostgreSQL store: the store contract against a throwaway cluster (one per file, a fresh
 * schema per test), then what only PostgreSQL has: migrations under an advisory lock,
 * lock timeouts as EBUSY, and health on a server.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPapermailError } from '../../src/errors.js';
import { POSTGRES_MIGRATIONS } from '../../src/subscribers/postgres-schema.js';
import { openPostgresStore, type PostgresStoreOptions } from '../../src/subscribers/postgres-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { rejectionOf } from '../support/async.js';
import { usePostgresCluster } from '../support/postgres-cluster.js';
import { describeStoreContract } from './store-contract.js';

const postgres = usePostgresCluster();
let url = '';
const opened: SubscriberStore[] = [];

beforeEach(async () => {
  url = await postgres.cluster().newSchema();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

async function open(options?: PostgresStoreOptions): Promise<SubscriberStore> {
  const store = await openPostgresStore(url, options);
  opened.push(store);
  return store;
}

/** A plain connection to this test's database, for what the store itself never does. */
async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describeStoreContract('PostgreSQL', { open });

describe('opening the PostgreSQL store', () => {
  it('creates the tables in an empty database and records each migration once', async () => {
    await open();
    const { versions, tables } = await withClient(async (client) => ({
      versions: (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((row) => row.version),
      tables: (await client.query<{ name: string }>('SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1')).rows.map(
        (row) => row.name,
      ),
    }));
    expect(versions).toEqual(POSTGRES_MIGRATIONS.map((_, index) => index + 1));
    expect(tables).toEqual([
      'deliveries',
      'delivery_events',
      'issue_days',
      'issues',
      'prepare_locks',
      'reader_interests',
      'reader_models',
      'reader_vocabulary',
      'reader_votes',
      'schema_migrations',
      'send_slots',
      'subscribers',
    ]);
  });

  it('upgrades a database from the first schema, keeping its ledger, and prepares and claims on it', async () => {
    await withClient(async (client) => {
      await client.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT statement_timestamp())');
      await client.query(POSTGRES_MIGRATIONS[0]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES (1)');
      await client.query(
        "INSERT INTO subscribers (email, status, created_at, confirmed_at) VALUES ('ann@example.com', 'confirmed', now(), now()), ('bob@example.com', 'confirmed', now(), now())",
      );
      await client.query(
        "INSERT INTO deliveries (issue_date, subscriber_id, state, attempts, created_at, updated_at) VALUES ('2025-10-01', 1, 'sent', 1, now(), now())",
      );
    });
    const store = await open();
    expect(await store.ledgerCounts('2025-10-01')).toMatchObject({ sent: 1 });
    expect(await store.prepareIssue('2025-10-01')).toEqual({ added: 1 });
    expect((await store.claimRecipients('2025-10-01', 'run-a', 10, 60_000)).map((subscriber) => subscriber.email)).toEqual(['bob@example.com']);
  });

  it('migrates once when several processes open a new database at the same moment', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => open()));
    const versions = await withClient(async (client) => (await client.query('SELECT version FROM schema_migrations')).rowCount);
    expect(versions).toBe(POSTGRES_MIGRATIONS.length);
    await stores[0]!.upsert({ email: 'ann@example.com' });
    expect(await stores[3]!.findByEmail('ann@example.com')).toMatchObject({ status: 'pending' });
  });

  it('refuses a database written by a newer papermail, naming it and both versions', async () => {
    await (await open()).close();
    const newer = POSTGRES_MIGRATIONS.length + 1;
    await withClient((client) => client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [newer]));
    const error = await rejectionOf(openPostgresStore(url));
    expect(isPapermailError(error, 'ESTORE')).toBe(true);
    expect(error.message).toContain(
      `the PostgreSQL database ${url.split('?')[0]} has schema version ${newer}, newer than this papermail understands (${POSTGRES_MIGRATIONS.length})`,
    );
  });

  it('reports a server it cannot reach as ESTORE naming the database, without its password', async () => {
    const unreachable = 'postgres://papermail:s3cret@127.0.0.1:1/papermail';
    const error = await rejectionOf(openPostgresStore(unreachable));
    expect(isPapermailError(error, 'ESTORE')).toBe(true);
    expect(error.message).toMatch(/^opening the PostgreSQL database postgres:\/\/papermail@127\.0\.0\.1:1\/papermail failed/);
    expect(error.message).not.toContain('s3cret');
  });
});

describe('importing into PostgreSQL', () => {
  it('writes nothing at all when the database fails part-way through', async () => {
    const store = await open();
    // A real database failure on the third row, raised by PostgreSQL itself.
    await withClient((client) =>
      client.query(`
        CREATE FUNCTION fail_third() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.email = 'third@example.com' THEN RAISE EXCEPTION 'disk trouble'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER fail_third BEFORE INSERT ON subscribers FOR EACH ROW EXECUTE FUNCTION fail_third()`),
    );
    const rows = ['first', 'second', 'third', 'fourth'].map((name, index) => ({ line: index + 2, email: `${name}@example.com` }));
    await expect(store.importSubscribers(rows)).rejects.toMatchObject({ code: 'ESTORE', message: 'importing subscribers failed: disk trouble' });
    expect(await store.countByStatus()).toEqual({ pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 });
  });
});

describe('when another connection holds a lock', () => {
  it('rejects with EBUSY, writing nothing, when the lock outlasts the lock timeout', async () => {
    const store = await open({ lockTimeoutMs: 100 });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE subscribers IN ACCESS EXCLUSIVE MODE');
      const error = await rejectionOf(store.upsert({ email: 'new@example.com' }));
      expect(isPapermailError(error, 'EBUSY')).toBe(true);
      expect(error.message).toMatch(/^saving a subscriber failed: the subscriber database is locked by another process/);
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect(await store.findByEmail('new@example.com')).toBeUndefined();
  });

  it('waits for a lock held for less than the lock timeout instead of failing', async () => {
    const store = await open();
    const [id] = [(await store.upsert({ email: 'ann@example.com', status: 'confirmed' })).subscriber.id];
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM subscribers WHERE id = $1 FOR UPDATE', [id]);
      const change = store.setStatus(id, 'unsubscribed');
      setTimeout(() => void holder.query('COMMIT'), 300);
      expect(await change).toMatchObject({ status: 'unsubscribed' });
    } finally {
      await holder.end();
    }
  });
});

describe('the PostgreSQL store’s health', () => {
  it('reports a database that no longer takes writes', async () => {
    url = await postgres.cluster().newDatabase();
    const store = await open();
    const name = new URL(url).pathname.slice(1);
    await postgres.cluster().admin(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    // Settings apply to new sessions: the pool's connections are new ones after a restart of the store.
    await store.close();
    const reopened = await openPostgresStore(url).catch((error: unknown) => error);
    // Opening needs no write once migrated, so the store opens; its health says what is wrong.
    expect(reopened).not.toBeInstanceOf(Error);
    const readOnly = reopened as SubscriberStore;
    opened.push(readOnly);
    expect(await readOnly.health()).toEqual({
      ok: false,
      problem: expect.stringMatching(/^the PostgreSQL database postgres:\/\/\S+ cannot be written: cannot execute UPDATE in a read-only transaction/),
    });
  });

  it('reports a server that stopped answering', async () => {
    url = await postgres.cluster().newDatabase();
    const store = await open();
    const name = new URL(url).pathname.slice(1);
    await postgres.cluster().admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
    await postgres.cluster().admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    expect(await store.health()).toEqual({ ok: false, problem: expect.stringMatching(/^the PostgreSQL database \S+ cannot be reached: /) });
  });
});
