/**
 * The SQLite schema as an ordered list of migrations. The database's PRAGMA user_version
 * is the number of migrations applied; each new one runs in its own transaction, so a
 * crash mid-migration leaves the previous version intact. Append, never edit: a
 * released migration has already run on someone's file.
 */
import type { Database } from 'better-sqlite3';
import { PapermailError } from '../errors.js';

export const MIGRATIONS: readonly string[] = [
  // 1: subscribers, the send ledger, send locks and the issue archive.
  `
  CREATE TABLE subscribers (
    -- AUTOINCREMENT: a deleted subscriber's id is never handed out again, which keeps
    -- old links (tokens carry the id) from ever pointing at someone else.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Stored normalised (domain lower-cased, local part as typed); NOCASE makes
    -- Ann@example.com and ann@example.com one subscriber, as every real mailbox treats them.
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),
    -- A JSON array of topic slugs; NULL means every topic.
    topics TEXT CHECK (topics IS NULL OR (json_valid(topics) AND json_type(topics) = 'array')),
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    unsubscribed_at TEXT,
    -- Consecutive hard bounces: a delivery resets it.
    bounce_count INTEGER NOT NULL DEFAULT 0 CHECK (bounce_count >= 0),
    last_bounce_reason TEXT
  );
  CREATE INDEX subscribers_by_status ON subscribers (status, id);

  CREATE TABLE deliveries (
    issue_date TEXT NOT NULL,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'deferred', 'failed', 'skipped')),
    message_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    -- When the row was first written: the earliest one for a date is when its send started.
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (issue_date, subscriber_id)
  ) WITHOUT ROWID;
  CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id);

  CREATE TABLE send_locks (
    issue_date TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    -- Milliseconds since the epoch, compared with the store's clock.
    expires_at INTEGER NOT NULL
  );

  CREATE TABLE issues (
    date TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  // 2: a per-subscriber status version. Confirm links carry it, and every status change
  // moves it on, so a link issued before an unsubscribe (or any other change) stays dead.
  // A trigger rather than application code: no path that changes a status can forget it.
  `
  ALTER TABLE subscribers ADD COLUMN status_version INTEGER NOT NULL DEFAULT 0;
  CREATE TRIGGER subscribers_status_version AFTER UPDATE OF status ON subscribers
  FOR EACH ROW WHEN NEW.status IS NOT OLD.status
  BEGIN
    UPDATE subscribers SET status_version = OLD.status_version + 1 WHERE id = NEW.id;
  END;
  `,
  // 3: frozen issues and the ledger as a queue. A day's first run freezes its issue
  // (issue_days) and prepares one 'pending' row per subscriber confirmed by then; runs claim
  // rows under a lease (lease_owner, lease_expires_at in ms by the store's clock). SQLite
  // cannot change a CHECK constraint in place, so the ledger is rebuilt with the new state.
  `
  CREATE TABLE deliveries_next (
    issue_date TEXT NOT NULL,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'deferred', 'failed', 'skipped')),
    message_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    PRIMARY KEY (issue_date, subscriber_id)
  ) WITHOUT ROWID;
  INSERT INTO deliveries_next (issue_date, subscriber_id, state, message_id, attempts, last_error, created_at, updated_at)
    SELECT issue_date, subscriber_id, state, message_id, attempts, last_error, created_at, updated_at FROM deliveries;
  DROP TABLE deliveries;
  ALTER TABLE deliveries_next RENAME TO deliveries;
  CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id);
  -- What claims and lease renewals look for: a day's rows in one state, in id order.
  CREATE INDEX deliveries_queue ON deliveries (issue_date, state, subscriber_id);

  CREATE TABLE issue_days (
    issue_date TEXT PRIMARY KEY,
    frozen_at TEXT NOT NULL,
    -- JSON text (src/delivery/frozen-issue.ts); NULL for a day prepared without a frozen issue.
    digest TEXT,
    compiled TEXT,
    prepared_at TEXT
  );
  `,
  // 4: the whole-issue send lock becomes the lock of preparing a day: runs of one day send
  // side by side (the claims keep them apart), and only freezing and preparing is one at a time.
  `
  ALTER TABLE send_locks RENAME TO prepare_locks;
  `,
  // 5: the day-wide send rate: each day's next free send slot (ms by the store's clock), which
  // every run of the day reserves its slots from (SMTP_RATE_PER_SECOND across all workers).
  `
  CREATE TABLE send_slots (
    issue_date TEXT PRIMARY KEY,
    next_slot_at REAL NOT NULL
  );
  `,
  // 6: what happened after the relay accepted a message (src/feedback): delivery events, one
  // per (source, key) however often a provider retries, and a visible suppression on the
  // subscriber. The ledger keeps saying what papermail did; the events say what happened after.
  `
  CREATE TABLE delivery_events (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    -- The idempotency key: the provider's event id, or a hash of the report.
    event_key TEXT NOT NULL,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    -- NULL: the report names only the address, not an issue.
    issue_date TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('delivered', 'bounce', 'complaint', 'unsubscribe')),
    bounce_type TEXT CHECK (bounce_type IN ('hard', 'soft')),
    status TEXT,
    diagnostic TEXT,
    recipient TEXT,
    -- When it happened as the report says, and when it was recorded (the store's clock), as UTC ISO text.
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (source, event_key)
  );
  -- The rules: a subscriber's bounces of one kind, by time.
  CREATE INDEX delivery_events_by_subscriber ON delivery_events (subscriber_id, kind, occurred_at);
  -- The report: an issue's events.
  CREATE INDEX delivery_events_by_issue ON delivery_events (issue_date, subscriber_id);
  -- Finding the delivery a report quotes the Message-ID of.
  CREATE INDEX deliveries_by_message_id ON deliveries (message_id) WHERE message_id IS NOT NULL;

  ALTER TABLE subscribers ADD COLUMN suppression_reason TEXT CHECK (suppression_reason IN ('hard-bounce', 'soft-bounce', 'complaint'));
  ALTER TABLE subscribers ADD COLUMN suppression_detail TEXT;
  ALTER TABLE subscribers ADD COLUMN suppressed_at TEXT;
  `,
  // 7: which of the papers a 'sent' copy held (src/delivery/paper-history.ts), so a
  // later issue can leave out what a reader already got; NULL for copies sent before.
  `
  ALTER TABLE deliveries ADD COLUMN received TEXT;
  `,
  // 8: how often a subscriber is sent an issue (src/subscribers/cadence.ts): everyone there
  // was before weekly issues gets the dailies, as they did.
  `
  ALTER TABLE subscribers ADD COLUMN cadence TEXT NOT NULL DEFAULT 'daily' CHECK (cadence IN ('daily', 'weekly'));
  `,
  // 9: what a reader told papermail about their taste (src/personal/reader-signals.ts): their
  // latest vote per paper and their written interests, the model trained on them, and the
  // TF-IDF vocabulary the models share. All of a reader's rows go with them when they are deleted.
  `
  CREATE TABLE reader_votes (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    -- An arXiv id without its version: a new vote on the same paper replaces the row.
    paper_id TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    issue_id TEXT NOT NULL,
    title TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, paper_id)
  ) WITHOUT ROWID;
  CREATE INDEX reader_votes_newest ON reader_votes (subscriber_id, at);

  CREATE TABLE reader_interests (
    subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
    -- InterestsSchema as JSON: read through the schema, never trusted as stored.
    interests TEXT NOT NULL CHECK (json_valid(interests)),
    updated_at TEXT NOT NULL
  );

  CREATE TABLE reader_models (
    subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    trained_at TEXT NOT NULL
  );

  -- One vocabulary, replaced when refitted: every reader's model is over the same features.
  CREATE TABLE reader_vocabulary (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    vocabulary TEXT NOT NULL,
    fitted_through TEXT NOT NULL
  );
  `,
];

/** Brings the file up to the latest schema; safe when two processes open a new file at once. */
export function migrate(db: Database, path: string): void {
  const known = MIGRATIONS.length;
  const current = schemaVersion(db);
  if (current > known) {
    throw new PapermailError(
      'ESTORE',
      `${path} has schema version ${current}, newer than this papermail understands (${known}); upgrade papermail`,
    );
  }
  for (let version = current + 1; version <= known; version += 1) {
    const apply = db.transaction(() => {
      // Another process may have applied it while we waited for the write lock.
      if (schemaVersion(db) >= version) return;
      db.exec(MIGRATIONS[version - 1]!);
      db.pragma(`user_version = ${version}`);
    });
    apply.immediate();
  }
}

function schemaVersion(db: Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}
