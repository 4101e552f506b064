/**
 * The PostgreSQL schema as an ordered list of migrations, recorded in schema_migrations
 * (one row per applied version). Each runs in its own transaction; opening the store runs
 * what is missing under an advisory lock, so two processes starting at once never both
 * migrate: the second waits, then finds nothing left to do. Append, never edit.
 *
 * The tables mirror the SQLite store's (sqlite-schema.ts), in PostgreSQL's own types:
 * timestamptz for times, jsonb for topics, and a unique index on lower(email) for
 * addresses that differ only in case.
 */
import type { ClientBase } from 'pg';
import { PapermailError } from '../errors.js';

export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 1: subscribers (with the status version of SQLite's migration 2), the send ledger,
  // send locks and the issue archive.
  `
  CREATE TABLE subscribers (
    -- An identity is never handed out again, which keeps old links (tokens carry the id)
    -- from ever pointing at someone else.
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored normalised (domain lower-cased, local part as typed).
    email text NOT NULL,
    name text,
    status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),
    -- An array of topic slugs; NULL means every topic.
    topics jsonb CHECK (topics IS NULL OR jsonb_typeof(topics) = 'array'),
    created_at timestamptz NOT NULL,
    confirmed_at timestamptz,
    unsubscribed_at timestamptz,
    -- Consecutive hard bounces: a delivery resets it.
    bounce_count integer NOT NULL DEFAULT 0 CHECK (bounce_count >= 0),
    last_bounce_reason text,
    status_version integer NOT NULL DEFAULT 0
  );
  -- Ann@example.com and ann@example.com are one subscriber, as every real mailbox treats them.
  CREATE UNIQUE INDEX subscribers_by_email ON subscribers (lower(email));
  CREATE INDEX subscribers_by_status ON subscribers (status, id);

  -- Every status change moves the version on, so a confirm link issued before it stays
  -- dead. A trigger rather than application code: no path that changes a status can forget it.
  CREATE FUNCTION subscribers_next_status_version() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.status_version := OLD.status_version + 1;
    RETURN NEW;
  END
  $$;
  CREATE TRIGGER subscribers_status_version BEFORE UPDATE OF status ON subscribers
  FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status) EXECUTE FUNCTION subscribers_next_status_version();

  CREATE TABLE deliveries (
    issue_date text NOT NULL,
    subscriber_id integer NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    state text NOT NULL CHECK (state IN ('sending', 'sent', 'deferred', 'failed', 'skipped')),
    message_id text,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    -- When the row was first written: the earliest one for a date is when its send started.
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (issue_date, subscriber_id)
  );
  CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id);

  CREATE TABLE send_locks (
    issue_date text PRIMARY KEY,
    owner text NOT NULL,
    acquired_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );

  CREATE TABLE issues (
    date text PRIMARY KEY,
    subject text NOT NULL,
    html text NOT NULL,
    text text NOT NULL,
    created_at timestamptz NOT NULL
  );
  `,
  // 2: frozen issues and the ledger as a queue (SQLite's migration 3): a 'pending' state for
  // prepared rows, a lease on claimed ones (by the database's clock), and the days.
  `
  ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
  ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'skipped'));
  ALTER TABLE deliveries ADD COLUMN lease_owner text, ADD COLUMN lease_expires_at timestamptz;
  -- What claims and lease renewals look for: a day's rows in one state, in id order.
  CREATE INDEX deliveries_queue ON deliveries (issue_date, state, subscriber_id);

  CREATE TABLE issue_days (
    issue_date text PRIMARY KEY,
    frozen_at timestamptz NOT NULL,
    -- JSON text (src/delivery/frozen-issue.ts); NULL for a day prepared without a frozen issue.
    digest text,
    compiled text,
    prepared_at timestamptz
  );
  `,
  // 3: the whole-issue send lock becomes the lock of preparing a day (SQLite's migration 4).
  `
  ALTER TABLE send_locks RENAME TO prepare_locks;
  `,
  // 4: the day-wide send rate (SQLite's migration 5): each day's next free send slot.
  `
  CREATE TABLE send_slots (
    issue_date text PRIMARY KEY,
    next_slot_at timestamptz NOT NULL
  );
  `,
  // 5: delivery events and the subscribers' suppression (SQLite's migration 6).
  `
  CREATE TABLE delivery_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL,
    -- The idempotency key: the provider's event id, or a hash of the report.
    event_key text NOT NULL,
    subscriber_id integer NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    -- NULL: the report names only the address, not an issue.
    issue_date text,
    kind text NOT NULL CHECK (kind IN ('delivered', 'bounce', 'complaint', 'unsubscribe')),
    bounce_type text CHECK (bounce_type IN ('hard', 'soft')),
    status text,
    diagnostic text,
    recipient text,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    UNIQUE (source, event_key)
  );
  -- The rules: a subscriber's bounces of one kind, by time.
  CREATE INDEX delivery_events_by_subscriber ON delivery_events (subscriber_id, kind, occurred_at);
  -- The report: an issue's events.
  CREATE INDEX delivery_events_by_issue ON delivery_events (issue_date, subscriber_id);
  -- Finding the delivery a report quotes the Message-ID of.
  CREATE INDEX deliveries_by_message_id ON deliveries (message_id) WHERE message_id IS NOT NULL;

  ALTER TABLE subscribers
    ADD COLUMN suppression_reason text CHECK (suppression_reason IN ('hard-bounce', 'soft-bounce', 'complaint')),
    ADD COLUMN suppression_detail text,
    ADD COLUMN suppressed_at timestamptz;
  `,
  // 6: which of the papers a 'sent' copy held (SQLite's migration 7).
  `
  ALTER TABLE deliveries ADD COLUMN received text;
  `,
  // 7: how often a subscriber is sent an issue (SQLite's migration 8): everyone there was
  // before weekly issues gets the dailies, as they did.
  `
  ALTER TABLE subscribers ADD COLUMN cadence text NOT NULL DEFAULT 'daily' CHECK (cadence IN ('daily', 'weekly'));
  `,
  // 8: what a reader told papermail about their taste (SQLite's migration 9): their latest
  // vote per paper, their written interests, the model trained on them, and the shared
  // TF-IDF vocabulary. All of a reader's rows go with them when they are deleted.
  `
  CREATE TABLE reader_votes (
    subscriber_id integer NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    -- An arXiv id without its version: a new vote on the same paper replaces the row.
    paper_id text NOT NULL,
    vote text NOT NULL CHECK (vote IN ('up', 'down')),
    issue_id text NOT NULL,
    title text NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (subscriber_id, paper_id)
  );
  CREATE INDEX reader_votes_newest ON reader_votes (subscriber_id, at);

  CREATE TABLE reader_interests (
    subscriber_id integer PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
    -- InterestsSchema as JSON: read through the schema, never trusted as stored.
    interests jsonb NOT NULL,
    updated_at timestamptz NOT NULL
  );

  CREATE TABLE reader_models (
    subscriber_id integer PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
    -- Opaque to the store (src/personal reads it), kept as the text it was given.
    model text NOT NULL,
    trained_at text NOT NULL
  );

  -- One vocabulary, replaced when refitted: every reader's model is over the same features.
  CREATE TABLE reader_vocabulary (
    id integer PRIMARY KEY CHECK (id = 1),
    vocabulary text NOT NULL,
    fitted_through text NOT NULL
  );
  `,
];

/** The first key of every advisory lock papermail takes, so they cannot collide with another application's. */
export const ADVISORY_LOCK_CLASS = 0x70617065; // "pape"
const MIGRATION_LOCK = 1;

/** Brings the database up to the latest schema; `where` names it in errors. */
export async function migratePostgres(client: ClientBase, where: string): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1, $2)', [ADVISORY_LOCK_CLASS, MIGRATION_LOCK]);
  try {
    // Created only when missing: a migrated database then opens even read-only (its health says so).
    const { rows } = await client.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    if (rows[0]?.present !== true) {
      await client.query(`
      CREATE TABLE schema_migrations (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT statement_timestamp()
      )`);
    }
    const known = POSTGRES_MIGRATIONS.length;
    const current = await schemaVersion(client);
    if (current > known) {
      throw new PapermailError('ESTORE', `${where} has schema version ${current}, newer than this papermail understands (${known}); upgrade papermail`);
    }
    for (let version = current + 1; version <= known; version += 1) {
      await client.query('BEGIN');
      try {
        await client.query(POSTGRES_MIGRATIONS[version - 1]!);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    // A connection that broke has released its session's locks already.
    await client.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_LOCK_CLASS, MIGRATION_LOCK]).catch(() => undefined);
  }
}

async function schemaVersion(client: ClientBase): Promise<number> {
  const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return rows[0]?.version ?? 0;
}
