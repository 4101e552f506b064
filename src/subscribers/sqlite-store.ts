/**
 * The SubscriberStore on one SQLite file (better-sqlite3). WAL mode lets the cron run,
 * a manual send and the web server share the file: readers never wait for the writer,
 * and writers queue for up to BUSY_TIMEOUT_MS instead of failing at once. That wait only
 * applies to a transaction that asks for the write lock up front: a deferred one that reads
 * first and then writes gets SQLITE_BUSY at once if another process holds the lock, so every
 * transaction here is BEGIN IMMEDIATE. A lock held longer than the wait becomes EBUSY.
 *
 * better-sqlite3 is synchronous; the async interface is for other implementations. One
 * rule shapes the reading code: while an `.iterate()` cursor is open the connection
 * cannot run any other statement, and the sender writes ledger rows between recipients.
 * So long lists are read in keyset pages (`WHERE id > ? ORDER BY id LIMIT ?`) with
 * `.all()`, never through an open cursor.
 */
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { isPapermailError, PapermailError } from '../errors.js';
import { normaliseEmail, normaliseName } from './email.js';
import { isOwnerDeadOnThisHost } from './lock-owner.js';
import { migrate } from './sqlite-schema.js';
import type {
  ArchivedIssue,
  ConfirmOutcome,
  ConfirmRequest,
  DeliveryState,
  ImportReport,
  LedgerCounts,
  NewSubscriber,
  Subscriber,
  StoreHealth,
  SubscriberStatus,
  SubscriberStore,
} from './store.js';

export { lockOwnerId } from './lock-owner.js';

export interface SqliteStoreOptions {
  /** The clock for timestamps and lock expiry. */
  now?: () => Date;
  /** How long a write waits for another process's write lock before EBUSY; 5 s by default. */
  busyTimeoutMs?: number;
}

const BUSY_TIMEOUT_MS = 5_000;
const DEFAULT_PAGE_SIZE = 500;
/** Long SMTP replies are cut: the ledger needs the gist, not a transcript. */
const MAX_REASON_LENGTH = 1_000;

const STATUSES = ['pending', 'confirmed', 'unsubscribed', 'bounced'] as const satisfies readonly SubscriberStatus[];
const StatusSchema = z.enum(STATUSES);
const TopicsSchema = z.array(z.string().min(1)).nullable();

interface SubscriberRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  topics: string | null;
  created_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  bounce_count: number;
  /** Moved on by a trigger (migration 2) whenever status changes. */
  status_version: number;
}

/** What an update writes back: the row's mutable columns. */
type SubscriberChange = Pick<SubscriberRow, 'name' | 'topics' | 'status' | 'confirmed_at' | 'unsubscribed_at' | 'bounce_count'>;

/** Opens (creating the directory and file if needed) and migrates the store at `path`. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SubscriberStore {
  const now = options.now ?? (() => new Date());
  const db = openDatabase(path, options.busyTimeoutMs ?? BUSY_TIMEOUT_MS);
  const file = fileIdentity(path);
  const sql = prepareStatements(db, () => file?.assertUnchanged());
  /** Set once a write probe succeeded: a connection that could write once always can. */
  let connectionWritable = false;
  const timestamp = () => now().toISOString();

  function readSubscriber(row: SubscriberRow | undefined): Subscriber | undefined {
    return row === undefined ? undefined : toSubscriber(row);
  }

  /** Keyset pages as an async generator: no cursor is open while the consumer runs. */
  async function* pages<Row>(fetch: (afterId: number) => Row[], idOf: (row: Row) => number): AsyncGenerator<Row> {
    let afterId = 0;
    for (;;) {
      const page = guard('reading a page of subscribers', () => fetch(afterId));
      if (page.length === 0) return;
      for (const row of page) yield row;
      afterId = idOf(page[page.length - 1]!);
    }
  }

  function upsertRow(input: NewSubscriber): { subscriber: Subscriber; created: boolean } {
    const fields = readFields(input);
    const existing = sql.byEmail.get(fields.email) as SubscriberRow | undefined;
    if (existing === undefined) {
      return { subscriber: toSubscriber(insertSubscriber(fields, fields.status ?? 'pending')), created: true };
    }
    const next = changed(existing, fields, fields.status ?? existing.status);
    return { subscriber: applyChange(existing, next), created: false };
  }

  /** Writes a change if there is one and returns the row as stored (the trigger may have moved status_version). */
  function applyChange(row: SubscriberRow, next: SubscriberChange): Subscriber {
    if (!differs(row, next)) return toSubscriber(row);
    sql.updateSubscriber.run({ ...next, id: row.id });
    return toSubscriber(sql.byId.get(row.id) as SubscriberRow);
  }

  function addRowIfNew(input: NewSubscriber): { subscriber: Subscriber; created: boolean } {
    const fields = readFields(input);
    const existing = sql.byEmail.get(fields.email) as SubscriberRow | undefined;
    if (existing !== undefined) return { subscriber: toSubscriber(existing), created: false };
    return { subscriber: toSubscriber(insertSubscriber(fields, fields.status ?? 'pending')), created: true };
  }

  function confirmRow(id: number, request: ConfirmRequest): ConfirmOutcome {
    const row = sql.byId.get(id) as SubscriberRow | undefined;
    if (row === undefined) return { kind: 'stale' };
    if (row.status === 'confirmed') return { kind: 'already-confirmed', subscriber: toSubscriber(row) };
    if (row.status_version !== request.statusVersion) return { kind: 'stale' };
    const fields = readFields({ email: row.email, name: request.name, topics: request.topics, status: 'confirmed' });
    return { kind: 'confirmed', subscriber: applyChange(row, changed(row, fields, 'confirmed')) };
  }

  function importRow(row: NewSubscriber & { line: number }): 'added' | 'updated' | 'unchanged' | { skipped: string } {
    let fields: SubscriberFields;
    try {
      fields = readFields(row);
    } catch (error) {
      if (isPapermailError(error, 'EINPUT')) return { skipped: error.message };
      throw error;
    }
    // An operator importing a list they already had: those people already agreed.
    const status = fields.status ?? 'confirmed';
    const existing = sql.byEmail.get(fields.email) as SubscriberRow | undefined;
    if (existing === undefined) {
      insertSubscriber(fields, status);
      return 'added';
    }
    const refusal = resubscriptionRefusal(existing, status);
    if (refusal !== undefined) return { skipped: refusal };
    const next = changed(existing, fields, status);
    if (!differs(existing, next)) return 'unchanged';
    sql.updateSubscriber.run({ ...next, id: existing.id });
    return 'updated';
  }

  function insertSubscriber(fields: SubscriberFields, status: SubscriberStatus): SubscriberRow {
    const at = timestamp();
    const row = {
      email: fields.email,
      name: fields.name ?? null,
      topics: fields.topics ?? null,
      status,
      created_at: at,
      confirmed_at: status === 'confirmed' ? at : null,
      unsubscribed_at: status === 'unsubscribed' ? at : null,
      bounce_count: 0,
    };
    const id = Number(sql.insertSubscriber.run(row).lastInsertRowid);
    return { ...row, id, status_version: 0 };
  }

  /** An existing row with the given fields applied; undefined fields keep their value. */
  function changed(row: SubscriberRow, fields: SubscriberFields, requested: SubscriberStatus): SubscriberChange {
    // Someone typing a confirmed subscriber's address into the subscribe form (or a list
    // saying "pending") must not be able to switch their mail off.
    const status = requested === 'pending' && row.status === 'confirmed' ? 'confirmed' : requested;
    return {
      ...withStatus(row, status),
      name: fields.name === undefined ? row.name : fields.name,
      topics: fields.topics === undefined ? row.topics : fields.topics,
    };
  }

  /** The columns a status change touches, so "confirmed since" and bounce counts stay true. */
  function withStatus(row: SubscriberRow, status: SubscriberStatus): SubscriberChange {
    const { name, topics, confirmed_at, unsubscribed_at, bounce_count } = row;
    const unchanged = { name, topics, status, confirmed_at, unsubscribed_at, bounce_count };
    if (status === row.status) return unchanged;
    const at = timestamp();
    switch (status) {
      case 'confirmed':
        // Re-enabling a bounced or unsubscribed address starts its bounce count afresh.
        return { ...unchanged, confirmed_at: at, unsubscribed_at: null, bounce_count: 0 };
      case 'pending':
        return { ...unchanged, confirmed_at: null };
      case 'unsubscribed':
        return { ...unchanged, unsubscribed_at: at };
      case 'bounced':
        return unchanged;
    }
  }

  const store: SubscriberStore = {
    async upsert(input) {
      return guard('saving a subscriber', () => sql.transaction(() => upsertRow(input)));
    },

    async addIfNew(input) {
      return guard('adding a subscriber', () => sql.immediate(() => addRowIfNew(input)));
    },

    async confirm(id, request) {
      return guard('confirming a subscriber', () => sql.immediate(() => confirmRow(id, request)));
    },

    async findByEmail(email) {
      const key = lookupKey(email);
      if (key === undefined) return undefined;
      return guard('finding a subscriber by email', () => readSubscriber(sql.byEmail.get(key) as SubscriberRow | undefined));
    },

    async findById(id) {
      return guard('finding a subscriber by id', () => readSubscriber(sql.byId.get(id) as SubscriberRow | undefined));
    },

    async setStatus(id, status) {
      const wanted = parseStatus(status);
      return guard('changing a subscriber status', () =>
        sql.transaction(() => {
          const row = sql.byId.get(id) as SubscriberRow | undefined;
          if (row === undefined) return undefined;
          return applyChange(row, withStatus(row, wanted));
        }),
      );
    },

    async setTopics(id, topics) {
      const encoded = encodeTopics(topics);
      return guard('changing a subscriber’s topics', () =>
        sql.transaction(() => {
          sql.setTopics.run(encoded, id);
          return readSubscriber(sql.byId.get(id) as SubscriberRow | undefined);
        }),
      );
    },

    async remove(email) {
      const key = lookupKey(email);
      if (key === undefined) return false;
      return guard('removing a subscriber', () => sql.removeByEmail.run(key).changes > 0);
    },

    all() {
      return mapAsync(
        pages((afterId) => sql.pageAll.all(afterId, DEFAULT_PAGE_SIZE) as SubscriberRow[], (row) => row.id),
        toSubscriber,
      );
    },

    async importSubscribers(rows) {
      return guard('importing subscribers', () =>
        sql.transaction(() => {
          const report: ImportReport = { added: 0, updated: 0, unchanged: 0, skipped: [] };
          for (const row of rows) {
            const outcome = importRow(row);
            if (typeof outcome === 'string') report[outcome] += 1;
            else report.skipped.push({ line: row.line, reason: outcome.skipped });
          }
          return report;
        }),
      );
    },

    async countByStatus() {
      return guard('counting subscribers', () => {
        const counts: Record<SubscriberStatus, number> = { pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 };
        for (const { status, count } of sql.countByStatus.all() as Array<{ status: SubscriberStatus; count: number }>) {
          counts[status] = count;
        }
        return counts;
      });
    },

    pendingRecipients(issueDate, pageSize = DEFAULT_PAGE_SIZE) {
      const size = positiveInteger('pageSize', pageSize);
      return mapAsync(
        pages((afterId) => sql.pagePending.all({ issueDate, afterId, limit: size }) as SubscriberRow[], (row) => row.id),
        toSubscriber,
      );
    },

    async markSending(issueDate, subscriberId) {
      const at = timestamp();
      // No change means the row is final (another run finished it) or the subscriber is gone.
      return guard('recording a send attempt', () => sql.markSending.run({ issueDate, subscriberId, at }).changes > 0);
    },

    async markSent(issueDate, subscriberId, messageId) {
      const at = timestamp();
      guard('recording a delivery', () =>
        sql.transaction(() => {
          sql.markSent.run({ issueDate, subscriberId, messageId, at });
          sql.resetBounces.run(subscriberId);
        }),
      );
    },

    async markDeferred(issueDate, subscriberId, reason) {
      const at = timestamp();
      guard('recording a deferred delivery', () =>
        sql.markDeferred.run({ issueDate, subscriberId, reason: shorten(reason), at }),
      );
    },

    async markSkipped(issueDate, subscriberId) {
      const at = timestamp();
      guard('recording a skipped delivery', () => sql.markSkipped.run({ issueDate, subscriberId, at }));
    },

    async markFailed(issueDate, subscriberId, reason, bounceLimit) {
      const at = timestamp();
      const limit = positiveInteger('bounceLimit', bounceLimit);
      return guard('recording a failed delivery', () =>
        sql.transaction(() => {
          const reasonText = shorten(reason);
          // A repeated call for the same issue must not count the same bounce twice.
          const recorded = sql.markFailed.run({ issueDate, subscriberId, reason: reasonText, at }).changes > 0;
          if (recorded) sql.countBounce.run({ subscriberId, reason: reasonText, limit });
          const row = sql.byId.get(subscriberId) as SubscriberRow | undefined;
          return { suppressed: row?.status === 'bounced' };
        }),
      );
    },

    async ledgerCounts(issueDate) {
      return guard('counting the ledger', () => {
        const counts: LedgerCounts = { sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 };
        for (const { state, count } of sql.ledgerCounts.all(issueDate) as Array<{ state: DeliveryState; count: number }>) {
          counts[state] = count;
        }
        return counts;
      });
    },

    async isIssueComplete(issueDate) {
      return guard('checking whether an issue is complete', () => {
        const row = sql.issueComplete.get({ issueDate }) as { complete: number };
        return row.complete === 1;
      });
    },

    async acquireSendLock(issueDate, owner, ttlMs) {
      const ttl = positiveInteger('ttlMs', ttlMs);
      return guard('taking the send lock', () =>
        sql.immediate(() => {
          const nowMs = now().getTime();
          const held = sql.lockFor.get(issueDate) as { owner: string; expires_at: number } | undefined;
          const free =
            held === undefined || held.owner === owner || held.expires_at <= nowMs || isOwnerDeadOnThisHost(held.owner);
          if (free) sql.takeLock.run({ issueDate, owner, acquiredAt: new Date(nowMs).toISOString(), expiresAt: nowMs + ttl });
          return free;
        }),
      );
    },

    async refreshSendLock(issueDate, owner, ttlMs) {
      const ttl = positiveInteger('ttlMs', ttlMs);
      return guard('refreshing the send lock', () => {
        return sql.refreshLock.run({ issueDate, owner, expiresAt: now().getTime() + ttl }).changes > 0;
      });
    },

    async releaseSendLock(issueDate, owner) {
      guard('releasing the send lock', () => sql.releaseLock.run({ issueDate, owner }));
    },

    async saveIssue(issue) {
      const at = timestamp();
      guard('archiving an issue', () => sql.saveIssue.run({ ...issue, createdAt: at }));
    },

    async getIssue(date) {
      return guard('reading an archived issue', () => {
        const row = sql.issue.get(date) as (Omit<ArchivedIssue, 'createdAt'> & { created_at: string }) | undefined;
        if (row === undefined) return undefined;
        return { date: row.date, subject: row.subject, html: row.html, text: row.text, createdAt: row.created_at };
      });
    },

    async listIssues() {
      return guard('listing archived issues', () =>
        (sql.issues.all() as Array<{ date: string; subject: string; created_at: string }>).map((row) => ({
          date: row.date,
          subject: row.subject,
          createdAt: row.created_at,
        })),
      );
    },

    async health() {
      const problem = file?.problem() ?? probeConnection();
      return problem === undefined ? { ok: true } : { ok: false, problem };
    },

    async close() {
      if (db.open) db.close();
    },
  };

  /**
   * A write that is rolled back: the only way to learn whether SQLite opened the file
   * read-only (it does so silently when it cannot open it for writing, even for root on an
   * immutable file). A busy lock says nothing about writability, so it counts as fine.
   */
  function probeConnection(): string | undefined {
    if (connectionWritable) return undefined;
    try {
      sql.probeWrite();
      connectionWritable = true;
      return undefined;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (isBusy(error)) return undefined;
      if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) {
        return `the subscriber database ${path} is read-only (it was opened without write access); make it writable and restart`;
      }
      return `the subscriber database ${path} cannot be written: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return store;
}

function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  return guard(`opening the subscriber database ${path}`, () => {
    if (isPlainFile(path)) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      // The timeout first, so that switching to WAL waits for another process too.
      db.pragma(`busy_timeout = ${positiveInteger('busyTimeoutMs', busyTimeoutMs)}`);
      db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL is durable against process crashes; only power loss can drop the last commits.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

function isPlainFile(path: string): boolean {
  return path !== ':memory:' && path !== '' && !path.startsWith('file:');
}

/**
 * The device and inode of the file as opened. SQLite keeps writing to the file it opened,
 * so a database deleted or replaced underneath a running server would swallow every write
 * (subscriptions, unsubscribes) into a file nobody will ever open again.
 */
function fileIdentity(path: string) {
  if (!isPlainFile(path)) return undefined;
  const opened = statSync(path);
  const sameFile = (now: Stats) => now.dev === opened.dev && now.ino === opened.ino;

  function problem(): string | undefined {
    let current: Stats;
    try {
      current = statSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return `the subscriber database ${path} was deleted while papermail had it open; restore it (or restart to start an empty one)`;
      }
      return `the subscriber database ${path} cannot be checked: ${(error as Error).message}`;
    }
    if (!sameFile(current)) {
      return `the subscriber database ${path} was replaced by another file while papermail had it open; restart papermail to use the new one`;
    }
    for (const [what, target] of [['file', path], ['folder', dirname(path)]] as const) {
      try {
        // W_OK also fails for root on an immutable (chattr +i) file.
        accessSync(target, constants.W_OK);
      } catch (error) {
        return `the subscriber database ${what} ${target} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'}); papermail must be able to write it`;
      }
    }
    return undefined;
  }

  return {
    problem,
    /** Refuses a transaction on a file that is no longer the store's: better nothing than a lost write. */
    assertUnchanged() {
      const current = (() => {
        try {
          return statSync(path);
        } catch {
          return undefined;
        }
      })();
      if (current === undefined || !sameFile(current)) {
        throw new PapermailError('ESTORE', problem() ?? `the subscriber database ${path} changed while papermail had it open`);
      }
    },
  };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function prepareStatements(db: Database.Database, beforeTransaction: () => void) {
  const upsertDelivery = (state: DeliveryState, set: string, allowedFrom: DeliveryState[], values = 'NULL, NULL') => `
    INSERT INTO deliveries (issue_date, subscriber_id, state, message_id, last_error, attempts, created_at, updated_at)
    -- Selecting from subscribers makes a mark for a subscriber deleted mid-run a no-op.
    SELECT @issueDate, id, '${state}', ${values}, 1, @at, @at FROM subscribers WHERE id = @subscriberId
    ON CONFLICT (issue_date, subscriber_id) DO UPDATE SET ${set}, updated_at = excluded.updated_at
    WHERE deliveries.state IN (${allowedFrom.map((from) => `'${from}'`).join(', ')})`;

  // One transaction wrapper, created once, that runs whatever work it is handed.
  const inTransaction = db.transaction((work: () => unknown) => work());
  const probe = db.transaction(() => {
    // Writing the version it already has, then rolling back: a write that changes nothing.
    db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`);
    throw new RolledBack();
  });

  /** Every transaction takes the write lock up front, so the busy timeout applies to it. */
  const immediate = <T>(work: () => T): T => {
    beforeTransaction();
    return inTransaction.immediate(work) as T;
  };

  return {
    transaction: immediate,
    immediate,
    probeWrite(): void {
      try {
        probe.immediate();
      } catch (error) {
        if (!(error instanceof RolledBack)) throw error;
      }
    },

    byEmail: db.prepare('SELECT * FROM subscribers WHERE email = ?'),
    byId: db.prepare('SELECT * FROM subscribers WHERE id = ?'),
    insertSubscriber: db.prepare(`
      INSERT INTO subscribers (email, name, topics, status, created_at, confirmed_at, unsubscribed_at, bounce_count)
      VALUES (@email, @name, @topics, @status, @created_at, @confirmed_at, @unsubscribed_at, @bounce_count)`),
    updateSubscriber: db.prepare(`
      UPDATE subscribers SET name = @name, topics = @topics, status = @status, confirmed_at = @confirmed_at,
        unsubscribed_at = @unsubscribed_at, bounce_count = @bounce_count
      WHERE id = @id`),
    setTopics: db.prepare('UPDATE subscribers SET topics = ? WHERE id = ?'),
    removeByEmail: db.prepare('DELETE FROM subscribers WHERE email = ?'),
    pageAll: db.prepare('SELECT * FROM subscribers WHERE id > ? ORDER BY id LIMIT ?'),
    countByStatus: db.prepare('SELECT status, COUNT(*) AS count FROM subscribers GROUP BY status'),

    pagePending: db.prepare(`
      SELECT s.* FROM subscribers AS s
      WHERE s.status = 'confirmed' AND s.id > @afterId
        AND NOT EXISTS (
          SELECT 1 FROM deliveries AS d
          WHERE d.issue_date = @issueDate AND d.subscriber_id = s.id AND d.state IN ('sent', 'failed', 'skipped'))
      ORDER BY s.id LIMIT @limit`),
    // 'sent' is final; 'failed' is final for this issue.
    markSending: db.prepare(upsertDelivery('sending', "state = 'sending', attempts = attempts + 1", ['sending', 'deferred'])),
    // A message accepted after all overrides an earlier 'failed': the server's word wins.
    markSent: db.prepare(
      upsertDelivery(
        'sent',
        "state = 'sent', message_id = excluded.message_id, last_error = NULL",
        ['sending', 'deferred', 'failed'],
        '@messageId, NULL',
      ),
    ),
    markDeferred: db.prepare(
      upsertDelivery('deferred', "state = 'deferred', last_error = excluded.last_error", ['sending', 'deferred'], 'NULL, @reason'),
    ),
    // Nothing in their topics today: a row not yet final becomes 'skipped', including a
    // 'sending' one a crash left for someone who has since changed topics.
    markSkipped: db.prepare(upsertDelivery('skipped', "state = 'skipped'", ['sending', 'deferred'])),
    markFailed: db.prepare(
      upsertDelivery('failed', "state = 'failed', last_error = excluded.last_error", ['sending', 'deferred'], 'NULL, @reason'),
    ),
    resetBounces: db.prepare('UPDATE subscribers SET bounce_count = 0 WHERE id = ? AND bounce_count > 0'),
    countBounce: db.prepare(`
      UPDATE subscribers SET
        bounce_count = bounce_count + 1,
        last_bounce_reason = @reason,
        status = CASE WHEN bounce_count + 1 >= @limit AND status IN ('confirmed', 'pending') THEN 'bounced' ELSE status END
      WHERE id = @subscriberId`),
    ledgerCounts: db.prepare('SELECT state, COUNT(*) AS count FROM deliveries WHERE issue_date = ? GROUP BY state'),
    // Started (a ledger row exists) and every subscriber confirmed by the time the send
    // started has a final row. People who confirm later begin with the next issue, so
    // they never turn a finished day back into an unfinished one.
    issueComplete: db.prepare(`
      WITH run AS (SELECT MIN(created_at) AS started_at FROM deliveries WHERE issue_date = @issueDate)
      SELECT (SELECT started_at FROM run) IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM subscribers AS s
        WHERE s.status = 'confirmed' AND s.confirmed_at <= (SELECT started_at FROM run)
          AND NOT EXISTS (
            SELECT 1 FROM deliveries AS d
            WHERE d.issue_date = @issueDate AND d.subscriber_id = s.id AND d.state IN ('sent', 'failed', 'skipped'))
      ) AS complete`),

    lockFor: db.prepare('SELECT owner, expires_at FROM send_locks WHERE issue_date = ?'),
    takeLock: db.prepare(`
      INSERT INTO send_locks (issue_date, owner, acquired_at, expires_at) VALUES (@issueDate, @owner, @acquiredAt, @expiresAt)
      ON CONFLICT (issue_date) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`),
    refreshLock: db.prepare('UPDATE send_locks SET expires_at = @expiresAt WHERE issue_date = @issueDate AND owner = @owner'),
    releaseLock: db.prepare('DELETE FROM send_locks WHERE issue_date = @issueDate AND owner = @owner'),

    saveIssue: db.prepare(`
      INSERT INTO issues (date, subject, html, text, created_at) VALUES (@date, @subject, @html, @text, @createdAt)
      ON CONFLICT (date) DO UPDATE SET subject = excluded.subject, html = excluded.html, text = excluded.text`),
    issue: db.prepare('SELECT * FROM issues WHERE date = ?'),
    issues: db.prepare('SELECT date, subject, created_at FROM issues ORDER BY date DESC'),
  };
}

/** A subscriber's input, validated; undefined means "not given, keep what is stored". */
interface SubscriberFields {
  email: string;
  name: string | null | undefined;
  topics: string | null | undefined;
  status: SubscriberStatus | undefined;
}

/** Normalises and validates input fields; throws EINPUT naming the bad one. */
function readFields(input: NewSubscriber): SubscriberFields {
  return {
    email: normaliseEmail(input.email),
    name: input.name === undefined ? undefined : normaliseName(input.name),
    topics: input.topics === undefined ? undefined : encodeTopics(input.topics),
    status: input.status === undefined ? undefined : parseStatus(input.status),
  };
}

/**
 * Why an import must not apply a row, if it must not: a list never brings back someone
 * who unsubscribed (consent was withdrawn) or an address suppressed for bouncing.
 */
function resubscriptionRefusal(row: SubscriberRow, status: SubscriberStatus): string | undefined {
  const wantsMail = status === 'confirmed' || status === 'pending';
  if (!wantsMail) return undefined;
  if (row.status === 'unsubscribed') {
    const since = row.unsubscribed_at ? ` on ${row.unsubscribed_at.slice(0, 10)}` : '';
    return `${row.email} unsubscribed${since}; an import never subscribes them again (they can subscribe themselves)`;
  }
  if (row.status === 'bounced') {
    return `${row.email} is suppressed after ${row.bounce_count} hard bounce(s); an import does not re-enable it`;
  }
  return undefined;
}

/** Runs one store operation; any database failure becomes ESTORE naming the operation. */
function guard<T>(operation: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (isPapermailError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (isBusy(error)) {
      throw new PapermailError('EBUSY', `${operation} failed: the subscriber database is locked by another process (${message}); nothing was written`, {
        cause: error,
      });
    }
    throw new PapermailError('ESTORE', `${operation} failed: ${message}`, { cause: error });
  }
}

/** Thrown inside the write probe so that better-sqlite3 rolls its transaction back. */
class RolledBack extends Error {}

function toSubscriber(row: SubscriberRow): Subscriber {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    topics: row.topics === null ? null : (JSON.parse(row.topics) as string[]),
    createdAt: row.created_at,
    confirmedAt: row.confirmed_at,
    bounceCount: row.bounce_count,
    statusVersion: row.status_version,
  };
}

function differs(row: SubscriberRow, next: SubscriberChange): boolean {
  return (Object.keys(next) as Array<keyof SubscriberChange>).some((column) => row[column] !== next[column]);
}

function parseStatus(status: unknown): SubscriberStatus {
  const result = StatusSchema.safeParse(status);
  if (!result.success) {
    throw new PapermailError('EINPUT', `status ${JSON.stringify(status)} must be one of ${STATUSES.join(', ')}`);
  }
  return result.data;
}

function encodeTopics(topics: string[] | null): string | null {
  const result = TopicsSchema.safeParse(topics);
  if (!result.success) throw new PapermailError('EINPUT', 'topics must be a list of topic slugs or null (every topic)');
  return result.data === null ? null : JSON.stringify(result.data);
}

/** An address that cannot be normalised cannot be stored, so looking it up finds nothing. */
function lookupKey(email: string): string | undefined {
  try {
    return normaliseEmail(email);
  } catch (error) {
    if (isPapermailError(error, 'EINPUT')) return undefined;
    throw error;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new PapermailError('EINPUT', `${name} must be a positive whole number (got ${String(value)})`);
  }
  return value;
}

function shorten(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason;
}

async function* mapAsync<From, To>(source: AsyncIterable<From>, map: (item: From) => To): AsyncGenerator<To> {
  for await (const item of source) yield map(item);
}
