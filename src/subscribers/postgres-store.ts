/**
 * The SubscriberStore on PostgreSQL (node-postgres), for lists that outgrow one machine:
 * several senders and a web server on other hosts share one database. It follows the same
 * rules as the SQLite store (rules.ts), written as SQL in postgres-queries.ts.
 *
 * Concurrency: a transaction that may add subscribers first locks the subscribers table
 * against other such transactions (two sign-ups of one address cannot both insert); one
 * that changes a subscriber locks that row (SELECT … FOR UPDATE); ledger marks are single
 * INSERT … ON CONFLICT statements. A lock not granted within the lock timeout, a deadlock
 * or a serialization failure rolls the transaction back and becomes EBUSY: nothing was
 * written, so calling again is safe (busy-retry.ts), as with SQLite's busy timeout.
 *
 * Times (created, confirmed, ledger rows, lock expiry) are the database's clock, which
 * every machine shares; `now` replaces it in tests.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import { isOwnerDeadOnThisHost } from './lock-owner.js';
import { PapermailError } from '../errors.js';
import { displayDatabaseUrl } from './database-url.js';
import { ADVISORY_LOCK_CLASS, migratePostgres } from './postgres-schema.js';
import { POSTGRES_QUERIES as SQL } from './postgres-queries.js';
import { groupedBy, inBatches } from './write-batches.js';
import {
  afterDeliveryEvent,
  confirmDecision,
  issueDeliveryReport,
  smtpFailureEvent,
  type IssueCounts,
  mayRebuildIssue,
  rebuildRefused,
  slotSpacingMs,
  differs,
  IMPORT_DEFAULT_STATUS,
  importRefusal,
  newSubscriber,
  suppressedRowRefusal,
  toSubscriber,
  interestsChange,
  withFields,
  withStatus,
  type SubscriberChange,
  type SubscriberFields,
  type SubscriberRecord,
} from './rules.js';
import type { FrozenIssueRecord } from '../delivery/send-ledger.js';
import type { MatchedEvent, RecordedEvent, SuppressionReason, SuppressionRules } from '../feedback/event-store.js';
import { newestIssueFirst } from '../digest/issue-id.js';
import { cadenceOfIssue, parseCadence, type Cadence } from './cadence.js';
import { batches, type CopiedSubscriber, type CopyReport, type CopyTarget, type StoreExport } from './store-copy.js';
import type { ArchivedIssue, DeliveryState, ImportReport, LedgerCounts, NewSubscriber, StoreHealth, Subscriber, SubscriberStatus, SubscriberStore } from './store.js';
import {
  bracketedMessageId,
  checkedRules,
  lookupKey,
  parseStatus,
  readDeliveryEvent,
  readImportFields,
  positiveInteger,
  readFields,
  readInterests,
  readStoredReaderModel,
  readStoredVocabulary,
  readVote,
  shorten,
  storedInterests,
  storeFailure,
  topicsJson,
  unknownReader,
  validTopics,
} from './subscriber-input.js';
import { hasInterests, type Interests, type Vote } from '../personal/reader-signals.js';

export interface PostgresStoreOptions {
  /** A clock for every time the store records, instead of the database's (tests). */
  now?: () => Date;
  /** How long a statement waits for a lock another connection holds before EBUSY; 5 s by default. */
  lockTimeoutMs?: number;
  /** Connections in the pool; 4 by default. */
  maxConnections?: number;
}

const LOCK_TIMEOUT_MS = 5_000;
const DEFAULT_PAGE_SIZE = 500;
/** Import rows looked up and inserted per statement. */
const IMPORT_CHUNK = 1_000;
/** Ledger rows created per statement while preparing a day. */
const PREPARE_BATCH = 1_000;

interface SubscriberRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  /** jsonb, parsed by the driver. */
  topics: string[] | null;
  cadence: Cadence;
  created_at: Date;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
  bounce_count: number;
  status_version: number;
  suppression_reason: SuppressionReason | null;
  suppression_detail: string | null;
  suppressed_at: Date | null;
}

type IssueCountsRow = { issue_date: string } & Omit<IssueCounts, 'issueDate'>;

interface VoteRow {
  paper_id: string;
  vote: Vote['vote'];
  issue_id: string;
  title: string;
  at: Date;
}

/** jsonb, parsed by the driver. */
type InterestsRow = { interests: unknown };

function interestsOfRow(row: InterestsRow | undefined, subscriberId: number): Interests {
  return row === undefined ? readInterests({}) : storedInterests(row.interests, subscriberId);
}

type NewRecord = Omit<SubscriberRecord, 'id' | 'statusVersion'>;

interface IssueDayRow {
  issue_date: string;
  frozen_at: Date;
  digest: string | null;
  compiled: string | null;
  prepared_at: Date | null;
}

function toFrozenIssue(row: IssueDayRow): FrozenIssueRecord {
  return {
    issueDate: row.issue_date,
    digest: row.digest,
    compiled: row.compiled,
    frozenAt: row.frozen_at.toISOString(),
    preparedAt: row.prepared_at?.toISOString() ?? null,
  };
}

/** Claim marks kept (freshClaimedUpTo); forgetting them only makes the next claims look from the first id. */
const MAX_CLAIM_MARKS = 1_000;

/** Connects, migrates (waiting for another process that is migrating) and returns the store. */
/** The PostgreSQL store can also take a copy of a SQLite store (`db copy`). */
export type PostgresStore = SubscriberStore & CopyTarget;

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const where = `the PostgreSQL database ${displayDatabaseUrl(url)}`;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 4,
    lock_timeout: positiveInteger('lockTimeoutMs', options.lockTimeoutMs ?? LOCK_TIMEOUT_MS),
    application_name: 'papermail',
  });
  // A pooled connection that breaks while idle is dropped; the next query opens a new one.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client, where);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw storeFailure(`opening ${where}`, error, isBusy);
  }

  /** The caller's clock as text, or null: the SQL then uses the database's. */
  const clock = (): string | null => options.now?.().toISOString() ?? null;
  let closed = false;

  /** One statement; with a `name`, prepared once per connection, for the ledger's per-message statements: planned once, not per call. */
  async function query<Row extends object>(operation: string, text: string, values: unknown[] = [], name?: string) {
    try {
      return await pool.query<Row>(name === undefined ? { text, values } : { name, text, values });
    } catch (error) {
      throw storeFailure(operation, error, isBusy);
    }
  }

  /** Concurrent 'sent' marks, one statement per batch and issue date (write-batches.ts). */
  const recordSent = inBatches<{ issueDate: string; subscriberId: number; messageId: string; received: string | null }, void>(async (marks) => {
    for (const [issueDate, group] of groupedBy(marks, (mark) => mark.issueDate)) {
      // One mark per subscriber (the last), in id order: a statement may not touch a row twice.
      const last = new Map(group.map((mark) => [mark.subscriberId, mark]));
      const ids = [...last.keys()].sort((a, b) => a - b);
      const values = [issueDate, ids, ids.map((id) => last.get(id)!.messageId), clock(), ids.map((id) => last.get(id)!.received)];
      await query('recording a delivery', SQL.markSentBatch, values, 'papermail_mark_sent');
    }
    return marks.map(() => undefined);
  });

  /** Concurrent holds of claimed rows, one statement per batch and owner (write-batches.ts). */
  const holdClaims = inBatches<{ issueDate: string; owner: string; leaseMs: number; subscriberId: number }, boolean>(async (holds) => {
    const held = new Set<string>();
    for (const group of groupedBy(holds, (hold) => `${hold.issueDate}\n${hold.owner}\n${hold.leaseMs}`).values()) {
      const { issueDate, owner, leaseMs } = group[0]!;
      const ids = [...new Set(group.map((hold) => hold.subscriberId))].sort((a, b) => a - b);
      const at = clock();
      const { rows } = await query<{ subscriber_id: number; young: boolean | null; ours: boolean | null }>(
        'holding a claim',
        SQL.heldClaims,
        [issueDate, owner, at, leaseMs, ids],
        'papermail_held_claims',
      );
      const ours = rows.filter((row) => row.ours === true);
      // Rare: only a claim past half its lease needs a write, and a second round trip.
      const old = ours.filter((row) => row.young !== true).map((row) => row.subscriber_id);
      const renewed = old.length === 0 ? [] : (await query<{ subscriber_id: number }>('holding a claim', SQL.renewHeldClaims, [issueDate, owner, at, leaseMs, old])).rows;
      for (const row of [...ours.filter((row) => row.young === true), ...renewed]) held.add(`${issueDate}\n${owner}\n${leaseMs}\n${row.subscriber_id}`);
    }
    return holds.map((hold) => held.has(`${hold.issueDate}\n${hold.owner}\n${hold.leaseMs}\n${hold.subscriberId}`));
  });

  /**
   * Per issue date and owner, the highest id a claim took as a fresh row: the next claim looks
   * for fresh rows above it first (SQL.claim says why), and from the start only once none is left there.
   */
  const freshClaimedUpTo = new Map<string, number>();

  /** Runs `work` in one transaction on one connection: all of it or, on any error, none. */
  async function transaction<T>(operation: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw storeFailure(operation, error, isBusy);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw storeFailure(operation, error, isBusy);
    } finally {
      // A connection that could not even roll back is not handed out again.
      client.release(broken);
    }
  }

  /** The time to record now, inside a transaction: the caller's clock or the database's. */
  async function timestamp(client: PoolClient): Promise<string> {
    const { rows } = await client.query<{ at: Date }>(SQL.now, [clock()]);
    return rows[0]!.at.toISOString();
  }

  async function recordBy(client: PoolClient, text: string, key: string | number): Promise<SubscriberRecord | undefined> {
    const { rows } = await client.query<SubscriberRow>(text, [key]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  async function insertRecords(client: PoolClient, records: NewRecord[]): Promise<SubscriberRecord[]> {
    if (records.length === 0) return [];
    const column = <K extends keyof NewRecord>(key: K) => records.map((record) => record[key]);
    const { rows } = await client.query<SubscriberRow>(SQL.insertSubscribers, [
      column('email'),
      column('name'),
      records.map((record) => topicsJson(record.topics)),
      column('status'),
      column('createdAt'),
      column('confirmedAt'),
      column('unsubscribedAt'),
      records.map((record) => record.suppression?.reason ?? null),
      records.map((record) => record.suppression?.detail ?? null),
      records.map((record) => record.suppression?.at ?? null),
      column('cadence'),
    ]);
    return rows.map(toRecord);
  }

  async function insertSubscriber(client: PoolClient, fields: SubscriberFields, status: SubscriberStatus): Promise<Subscriber> {
    const [record] = await insertRecords(client, [newSubscriber(fields, status, await timestamp(client))]);
    return toSubscriber(record!);
  }

  /** Writes a change if there is one and returns the record as stored (the trigger may have moved status_version). */
  async function applyChange(client: PoolClient, current: SubscriberRecord, next: SubscriberChange): Promise<SubscriberRecord> {
    if (!differs(current, next)) return current;
    const { rows } = await client.query<SubscriberRow>(SQL.updateSubscriber, [
      current.id,
      next.name,
      topicsJson(next.topics),
      next.status,
      next.confirmedAt,
      next.unsubscribedAt,
      next.bounceCount,
      next.suppression?.reason ?? null,
      next.suppression?.detail ?? null,
      next.suppression?.at ?? null,
      next.cadence,
    ]);
    return toRecord(rows[0]!);
  }

  async function interestsIn(client: PoolClient, id: number): Promise<Interests> {
    const { rows } = await client.query<InterestsRow>(SQL.interestsOf, [id]);
    return interestsOfRow(rows[0], id);
  }

  /** No interests are no row: a reader who cleared them has nothing stored. */
  async function writeInterests(client: PoolClient, id: number, interests: Interests): Promise<void> {
    if (!hasInterests(interests)) {
      await client.query(SQL.clearInterests, [id]);
      return;
    }
    const { rowCount } = await client.query(SQL.setInterests, [id, JSON.stringify(interests), clock()]);
    if ((rowCount ?? 0) === 0) throw unknownReader(id);
  }

  /** Applies the interest fields given with a subscriber; true when that changed what is stored. */
  async function applyInterests(client: PoolClient, id: number, given: Partial<Interests> | undefined): Promise<boolean> {
    if (given === undefined) return false;
    const next = interestsChange(await interestsIn(client, id), given);
    if (next === undefined) return false;
    await writeInterests(client, id, next);
    return true;
  }

  /**
   * Records one event and applies the rules, inside the caller's transaction. The subscriber's
   * row is locked first, so two events about one subscriber are decided one after the other.
   */
  async function recordEventIn(client: PoolClient, event: MatchedEvent, rules: SuppressionRules): Promise<RecordedEvent> {
    const nothing: RecordedEvent = { recorded: false, suppressed: null };
    const current = await recordBy(client, SQL.byIdForUpdate, event.subscriberId);
    // A subscriber removed since the report was matched: nobody left to record it for.
    if (current === undefined) return nothing;
    if (((await client.query(SQL.eventExists, [event.source, event.key])).rowCount ?? 0) > 0) return nothing;
    const [deliveryBounces, latestHardBounce, softBounces] = await Promise.all([
      event.issueDate === null ? Promise.resolve([]) : client.query<{ type: 'hard' | 'soft' }>(SQL.deliveryBounces, [event.subscriberId, event.issueDate]).then(({ rows }) => rows.map((row) => row.type)),
      client.query<{ at: Date | null }>(SQL.latestHardBounce, [event.subscriberId]).then(({ rows }) => rows[0]?.at?.toISOString() ?? null),
      client
        .query<{ issue_date: string | null; occurred_at: Date }>(SQL.softBounces, [event.subscriberId, current.confirmedAt])
        .then(({ rows }) => rows.map((row) => ({ issueDate: row.issue_date, occurredAt: row.occurred_at.toISOString() }))),
    ]);
    const { rows } = await client.query<{ recorded_at: Date }>(SQL.insertEvent, [
      event.source,
      event.key,
      event.subscriberId,
      event.issueDate,
      event.kind,
      event.bounceType,
      event.status,
      event.diagnostic,
      event.recipient,
      event.occurredAt,
      clock(),
    ]);
    if (rows[0] === undefined) return nothing;
    const at = rows[0].recorded_at.toISOString();
    const decision = afterDeliveryEvent(current, event, { deliveryBounces, latestHardBounceAt: latestHardBounce, softBounces }, rules, at);
    if (decision.change !== undefined) await applyChange(client, current, decision.change);
    if (event.kind === 'bounce' && event.bounceType === 'hard') {
      await client.query(SQL.lastBounceReason, [current.id, event.diagnostic ?? event.status]);
    }
    return { recorded: true, suppressed: decision.suppressed };
  }

  async function* pages(fetch: (afterId: number) => Promise<SubscriberRow[]>): AsyncGenerator<Subscriber> {
    let afterId = 0;
    for (;;) {
      const page = await fetch(afterId);
      if (page.length === 0) return;
      for (const row of page) yield toSubscriber(toRecord(row));
      afterId = page[page.length - 1]!.id;
    }
  }

  /** One import in chunks: existing rows looked up (and locked) per chunk, new ones inserted per chunk. */
  async function importRows(client: PoolClient, rows: Array<NewSubscriber & { line: number }>): Promise<ImportReport> {
    const report: ImportReport = { added: 0, updated: 0, unchanged: 0, skipped: [] };
    const at = await timestamp(client);
    for (let start = 0; start < rows.length; start += IMPORT_CHUNK) {
      const chunk = rows.slice(start, start + IMPORT_CHUNK).map((row) => ({ line: row.line, ...readImportFields(row) }));
      const emails = chunk.flatMap((row) => ('fields' in row ? [row.fields.email] : []));
      const { rows: found } = await client.query<SubscriberRow>(SQL.byEmailsForUpdate, [emails]);
      const known = new Map(found.map((row) => [emailKey(row.email), toRecord(row)]));
      const inserts = new Map<string, NewRecord>();
      // New rows' interests wait for their ids.
      const insertedInterests = new Map<string, Partial<Interests>>();
      const flush = async () => {
        for (const record of await insertRecords(client, [...inserts.values()])) {
          const key = emailKey(record.email);
          known.set(key, record);
          await applyInterests(client, record.id, insertedInterests.get(key));
        }
        inserts.clear();
        insertedInterests.clear();
      };
      for (const row of chunk) {
        if (!('fields' in row)) {
          report.skipped.push({ line: row.line, reason: row.skipped });
          continue;
        }
        const key = emailKey(row.fields.email);
        // The same address twice in one file: the second row sees the first one's subscriber.
        if (inserts.has(key)) await flush();
        const status = row.fields.status ?? IMPORT_DEFAULT_STATUS;
        const contradiction = suppressedRowRefusal(row.fields, status);
        if (contradiction !== undefined) {
          report.skipped.push({ line: row.line, reason: contradiction });
          continue;
        }
        const current = known.get(key);
        if (current === undefined) {
          inserts.set(key, newSubscriber(row.fields, status, at));
          if (row.fields.interests !== undefined) insertedInterests.set(key, row.fields.interests);
          report.added += 1;
          continue;
        }
        const refusal = importRefusal(current, status);
        if (refusal !== undefined) {
          report.skipped.push({ line: row.line, reason: refusal });
          continue;
        }
        const next = withFields(current, row.fields, status, at);
        const changed = differs(current, next);
        if (changed) known.set(key, await applyChange(client, current, next));
        if ((await applyInterests(client, current.id, row.fields.interests)) || changed) report.updated += 1;
        else report.unchanged += 1;
      }
      await flush();
    }
    return report;
  }

  async function markDelivery(operation: string, text: string, issueDate: string, subscriberId: number, value?: string): Promise<boolean> {
    const values = value === undefined ? [issueDate, subscriberId, clock()] : [issueDate, subscriberId, clock(), value];
    return ((await query(operation, text, values)).rowCount ?? 0) > 0;
  }

  /** Copies one batch of subscribers; refuses one whose id or address is someone else's here. */
  async function copySubscribers(client: PoolClient, batch: CopiedSubscriber[]): Promise<number> {
    const { rows: clashes } = await client.query<{ id: number; email: string }>(SQL.copyClashes, [
      batch.map((subscriber) => subscriber.id),
      batch.map((subscriber) => subscriber.email),
    ]);
    const here = new Map(clashes.map((row) => [row.id, emailKey(row.email)]));
    const emailsHere = new Set(clashes.map((row) => emailKey(row.email)));
    for (const subscriber of batch) {
      const sameHere = here.get(subscriber.id) === emailKey(subscriber.email);
      if (!sameHere && (here.has(subscriber.id) || emailsHere.has(emailKey(subscriber.email)))) {
        throw new PapermailError(
          'ESTORE',
          `subscriber ${subscriber.id} (${subscriber.email}) clashes with a different subscriber in ${where}; ` +
            'db copy only copies into an empty database or one copied from the same store; nothing was copied',
        );
      }
    }
    const column = <K extends keyof CopiedSubscriber>(key: K) => batch.map((subscriber) => subscriber[key]);
    const result = await client.query(SQL.copySubscribers, [
      column('id'),
      column('email'),
      column('name'),
      column('status'),
      batch.map((subscriber) => topicsJson(subscriber.topics)),
      column('createdAt'),
      column('confirmedAt'),
      column('unsubscribedAt'),
      column('bounceCount'),
      column('lastBounceReason'),
      column('statusVersion'),
      batch.map((subscriber) => subscriber.suppression?.reason ?? null),
      batch.map((subscriber) => subscriber.suppression?.detail ?? null),
      batch.map((subscriber) => subscriber.suppression?.at ?? null),
      column('cadence'),
    ]);
    return result.rowCount ?? 0;
  }

  async function copyRows<T>(client: PoolClient, text: string, batch: T[], columns: Array<(row: T) => unknown>): Promise<number> {
    return (await client.query(text, columns.map((column) => batch.map(column)))).rowCount ?? 0;
  }

  async function receiveCopy(source: StoreExport): Promise<CopyReport> {
    const report: CopyReport = {
      subscribers: { copied: 0, alreadyThere: 0 },
      deliveries: { copied: 0, alreadyThere: 0 },
      events: { copied: 0, alreadyThere: 0 },
      issues: { copied: 0, alreadyThere: 0 },
      days: { copied: 0, alreadyThere: 0 },
      votes: { copied: 0, alreadyThere: 0 },
      interests: { copied: 0, alreadyThere: 0 },
      models: { copied: 0, alreadyThere: 0 },
      vocabulary: { copied: 0, alreadyThere: 0 },
    };
    const count = (kind: keyof CopyReport, size: number, copied: number) => {
      report[kind].copied += copied;
      report[kind].alreadyThere += size - copied;
    };
    return transaction('copying into PostgreSQL', async (client) => {
      await client.query(SQL.lockForNewSubscribers);
      for await (const batch of batches(source.exportSubscribers(), IMPORT_CHUNK)) {
        count('subscribers', batch.length, await copySubscribers(client, batch));
      }
      for await (const batch of batches(source.exportDeliveries(), IMPORT_CHUNK)) {
        const copied = await copyRows(client, SQL.copyDeliveries, batch, [
          (row) => row.issueDate,
          (row) => row.subscriberId,
          (row) => row.state,
          (row) => row.messageId,
          (row) => row.attempts,
          (row) => row.lastError,
          (row) => row.createdAt,
          (row) => row.updatedAt,
        ]);
        count('deliveries', batch.length, copied);
      }
      for await (const batch of batches(source.exportDeliveryEvents(), IMPORT_CHUNK)) {
        const copied = await copyRows(client, SQL.copyDeliveryEvents, batch, [
          (row) => row.source,
          (row) => row.key,
          (row) => row.subscriberId,
          (row) => row.issueDate,
          (row) => row.kind,
          (row) => row.bounceType,
          (row) => row.status,
          (row) => row.diagnostic,
          (row) => row.recipient,
          (row) => row.occurredAt,
          (row) => row.recordedAt,
        ]);
        count('events', batch.length, copied);
      }
      for await (const batch of batches(source.exportIssues(), IMPORT_CHUNK)) {
        const copied = await copyRows(client, SQL.copyIssues, batch, [
          (row) => row.date,
          (row) => row.subject,
          (row) => row.html,
          (row) => row.text,
          (row) => row.createdAt,
        ]);
        count('issues', batch.length, copied);
      }
      for await (const batch of batches(source.exportIssueDays(), IMPORT_CHUNK)) {
        const copied = await copyRows(client, SQL.copyIssueDays, batch, [
          (row) => row.issueDate,
          (row) => row.frozenAt,
          (row) => row.digest,
          (row) => row.compiled,
          (row) => row.preparedAt,
        ]);
        count('days', batch.length, copied);
      }
      for await (const batch of batches(source.exportVotes(), IMPORT_CHUNK)) {
        const copied = await copyRows(client, SQL.copyVotes, batch, [
          (row) => row.subscriberId,
          (row) => row.paperId,
          (row) => row.vote,
          (row) => row.issueId,
          (row) => row.title,
          (row) => row.at,
        ]);
        count('votes', batch.length, copied);
      }
      for await (const batch of batches(source.exportInterests(), IMPORT_CHUNK)) {
        const values = [batch.map((row) => row.subscriberId), batch.map((row) => JSON.stringify(row.interests)), clock()];
        count('interests', batch.length, (await client.query(SQL.copyInterests, values)).rowCount ?? 0);
      }
      for await (const batch of batches(source.exportReaderModels(), IMPORT_CHUNK)) {
        const copied = await copyRows(client, SQL.copyReaderModels, batch, [(row) => row.subscriberId, (row) => row.json, (row) => row.trainedAt]);
        count('models', batch.length, copied);
      }
      const vocabulary = await source.latestVocabulary();
      if (vocabulary !== null) count('vocabulary', 1, (await client.query(SQL.copyVocabulary, [vocabulary.json, vocabulary.fittedThrough])).rowCount ?? 0);
      // New subscribers here continue after every id the source ever handed out, deleted ones' included.
      const { rows } = await client.query<{ used: string }>(SQL.usedSubscriberIds);
      const highest = await source.highestSubscriberId();
      if (highest > Number(rows[0]!.used)) await client.query(SQL.continueSubscriberIds, [highest]);
      return report;
    });
  }

  const store: PostgresStore = {
    receiveCopy,

    async upsert(input) {
      const fields = readFields(input);
      return transaction('saving a subscriber', async (client) => {
        await client.query(SQL.lockForNewSubscribers);
        const existing = await recordBy(client, SQL.byEmailForUpdate, fields.email);
        const saved =
          existing === undefined
            ? { subscriber: await insertSubscriber(client, fields, fields.status ?? 'pending'), created: true }
            : { subscriber: toSubscriber(await applyChange(client, existing, withFields(existing, fields, fields.status ?? existing.status, await timestamp(client)))), created: false };
        await applyInterests(client, saved.subscriber.id, fields.interests);
        return saved;
      });
    },

    async addIfNew(input) {
      const fields = readFields(input);
      return transaction('adding a subscriber', async (client) => {
        await client.query(SQL.lockForNewSubscribers);
        const existing = await recordBy(client, SQL.byEmail, fields.email);
        if (existing !== undefined) return { subscriber: toSubscriber(existing), created: false };
        return { subscriber: await insertSubscriber(client, fields, fields.status ?? 'pending'), created: true };
      });
    },

    async confirm(id, request) {
      return transaction('confirming a subscriber', async (client) => {
        const current = await recordBy(client, SQL.byIdForUpdate, id);
        const decision = confirmDecision(current, request.statusVersion);
        if (decision === 'stale' || current === undefined) return { kind: 'stale' };
        if (decision === 'already-confirmed') return { kind: 'already-confirmed', subscriber: toSubscriber(current) };
        const fields = readFields({ email: current.email, name: request.name, topics: request.topics, cadence: request.cadence, status: 'confirmed' });
        const next = withFields(current, fields, 'confirmed', await timestamp(client));
        return { kind: 'confirmed', subscriber: toSubscriber(await applyChange(client, current, next)) };
      });
    },

    async findByEmail(email) {
      const key = lookupKey(email);
      if (key === undefined) return undefined;
      const { rows } = await query<SubscriberRow>('finding a subscriber by email', SQL.byEmail, [key]);
      return maybeSubscriber(rows[0]);
    },

    async findById(id) {
      const { rows } = await query<SubscriberRow>('finding a subscriber by id', SQL.byId, [id]);
      return maybeSubscriber(rows[0]);
    },

    async setStatus(id, status) {
      const wanted = parseStatus(status);
      return transaction('changing a subscriber status', async (client) => {
        const current = await recordBy(client, SQL.byIdForUpdate, id);
        if (current === undefined) return undefined;
        return toSubscriber(await applyChange(client, current, withStatus(current, wanted, await timestamp(client))));
      });
    },

    async setTopics(id, topics) {
      const encoded = topicsJson(validTopics(topics));
      const { rows } = await query<SubscriberRow>('changing a subscriber’s topics', SQL.setTopics, [id, encoded]);
      return maybeSubscriber(rows[0]);
    },

    async setCadence(id, cadence) {
      const { rows } = await query<SubscriberRow>('changing a subscriber’s cadence', SQL.setCadence, [id, parseCadence(cadence)]);
      return maybeSubscriber(rows[0]);
    },

    async remove(email) {
      const key = lookupKey(email);
      if (key === undefined) return false;
      return ((await query('removing a subscriber', SQL.removeByEmail, [key])).rowCount ?? 0) > 0;
    },

    all() {
      return pages(async (afterId) => {
        return (await query<SubscriberRow>('reading a page of subscribers', SQL.pageAll, [afterId, DEFAULT_PAGE_SIZE])).rows;
      });
    },

    async importSubscribers(rows) {
      return transaction('importing subscribers', async (client) => {
        await client.query(SQL.lockForNewSubscribers);
        return importRows(client, rows);
      });
    },

    async countByStatus() {
      const { rows } = await query<{ status: SubscriberStatus; count: number }>('counting subscribers', SQL.countByStatus);
      const counts: Record<SubscriberStatus, number> = { pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 };
      for (const { status, count } of rows) counts[status] = count;
      return counts;
    },

    pendingRecipients(issueDate, pageSize = DEFAULT_PAGE_SIZE) {
      const size = positiveInteger('pageSize', pageSize);
      return pages(async (afterId) => {
        return (await query<SubscriberRow>('reading a page of recipients', SQL.pagePending, [issueDate, afterId, size, cadenceOfIssue(issueDate)])).rows;
      });
    },

    async markSending(issueDate, subscriberId) {
      // No row written means the row is settled (another run finished it) or the subscriber is gone.
      return markDelivery('recording a send attempt', SQL.markSending, issueDate, subscriberId);
    },

    async markSent(issueDate, subscriberId, messageId, received = null) {
      await recordSent({ issueDate, subscriberId, messageId, received });
    },

    async copiesSentTo(subscriberId, issueDates) {
      if (issueDates.length === 0) return new Map();
      const { rows } = await query<{ issue_date: string; received: string | null }>('reading the copies sent to a subscriber', SQL.copiesSentTo, [subscriberId, issueDates]);
      return new Map(rows.map((row) => [row.issue_date, row.received]));
    },

    async *receivedPapers(issueDate, pageSize = DEFAULT_PAGE_SIZE) {
      const size = positiveInteger('pageSize', pageSize);
      for (let afterId = 0; ; ) {
        const { rows } = await query<{ subscriber_id: number; received: string }>('reading what an issue\'s copies held', SQL.pageReceived, [issueDate, afterId, size]);
        if (rows.length === 0) return;
        for (const row of rows) yield { subscriberId: row.subscriber_id, received: row.received };
        afterId = rows[rows.length - 1]!.subscriber_id;
      }
    },

    async markDeferred(issueDate, subscriberId, reason) {
      await markDelivery('recording a deferred delivery', SQL.markDeferred, issueDate, subscriberId, shorten(reason));
    },

    async markSkipped(issueDate, subscriberId) {
      await markDelivery('recording a skipped delivery', SQL.markSkipped, issueDate, subscriberId);
    },

    async markFailed(issueDate, subscriberId, reason, bounceLimit) {
      const limit = positiveInteger('bounceLimit', bounceLimit);
      const reasonText = shorten(reason);
      return transaction('recording a failed delivery', async (client) => {
        // A row the server accepted (or one failed already) is not failed again: nothing to count.
        const failed = ((await client.query(SQL.markFailed, [issueDate, subscriberId, clock(), reasonText])).rowCount ?? 0) > 0;
        const current = await recordBy(client, SQL.byId, subscriberId);
        if (current === undefined) return { suppressed: false };
        if (!failed) return { suppressed: current.status === 'bounced' };
        // Counted as a DSN of the same delivery would be: once, whichever arrives first.
        const event = smtpFailureEvent(issueDate, current, reason, await timestamp(client));
        await recordEventIn(client, event, { hardBounceLimit: limit, softBounceLimit: 1, softBounceWindowDays: 1 });
        return { suppressed: (await recordBy(client, SQL.byId, subscriberId))?.status === 'bounced' };
      });
    },

    async recordDeliveryEvent(event, rules) {
      const read = readDeliveryEvent(event);
      const checked = checkedRules(rules);
      return transaction('recording a delivery event', (client) => recordEventIn(client, read, checked));
    },

    async deliveryByMessageId(messageId) {
      const { rows } = await query<{ issue_date: string; subscriber_id: number }>('finding a delivery by Message-ID', SQL.deliveryByMessageId, [
        bracketedMessageId(messageId),
      ]);
      return rows[0] === undefined ? undefined : { issueDate: rows[0].issue_date, subscriberId: rows[0].subscriber_id };
    },

    async latestAcceptedIssue(subscriberId) {
      const { rows } = await query<{ issue_date: string | null }>('finding the latest accepted issue', SQL.latestAcceptedIssue, [subscriberId]);
      return rows[0]?.issue_date ?? undefined;
    },

    async deliveryReport(issueDate) {
      const { rows } = await (issueDate === undefined
        ? query<IssueCountsRow>('reading the delivery report', SQL.deliveryReportAll)
        : query<IssueCountsRow>('reading the delivery report', SQL.deliveryReportOf, [issueDate]));
      return rows.map(({ issue_date, ...counts }) => issueDeliveryReport({ issueDate: issue_date, ...counts }));
    },

    async ledgerCounts(issueDate) {
      const { rows } = await query<{ state: DeliveryState; count: number }>('counting the ledger', SQL.ledgerCounts, [issueDate]);
      const counts: LedgerCounts = { pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 };
      for (const { state, count } of rows) counts[state] = count;
      return counts;
    },

    async isIssueComplete(issueDate) {
      const { rows } = await query<{ complete: boolean }>('checking whether an issue is complete', SQL.issueComplete, [issueDate, cadenceOfIssue(issueDate)]);
      return rows[0]?.complete === true;
    },

    async freezeIssue(issue) {
      await query('freezing the issue', SQL.freezeIssue, [issue.issueDate, clock(), issue.digest, issue.compiled]);
      return (await store.frozenIssue(issue.issueDate))!;
    },

    async frozenIssueIds() {
      const { rows } = await query<{ issue_date: string }>('listing the frozen issues', SQL.frozenIssueIds);
      return rows.map((row) => row.issue_date);
    },

    async frozenIssue(issueDate) {
      const { rows } = await query<IssueDayRow>('reading the frozen issue', SQL.issueDay, [issueDate]);
      return rows[0] === undefined ? undefined : toFrozenIssue(rows[0]);
    },

    async rebuildFrozenIssue(issue) {
      return transaction('rebuilding the frozen issue', async (client) => {
        // The day's row locked first, so no run freezes or reads it half-rebuilt; a run that
        // accepts a message meanwhile is caught by counting after the lock.
        await client.query(SQL.issueDayForUpdate, [issue.issueDate]);
        const { rows: counts } = await client.query<{ state: DeliveryState; count: number }>(SQL.ledgerCounts, [issue.issueDate]);
        const sent = counts.find((row) => row.state === 'sent')?.count ?? 0;
        if (!mayRebuildIssue({ sent })) throw rebuildRefused(issue.issueDate, sent);
        await client.query(SQL.rebuildIssue, [issue.issueDate, clock(), issue.digest, issue.compiled]);
        await client.query(SQL.askAgainAfterRebuild, [issue.issueDate, clock()]);
        const { rows } = await client.query<IssueDayRow>(SQL.issueDay, [issue.issueDate]);
        return toFrozenIssue(rows[0]!);
      });
    },

    async prepareIssue(issueDate, batchSize = PREPARE_BATCH) {
      const limit = positiveInteger('batchSize', batchSize);
      await query('preparing the issue', SQL.openIssueDay, [issueDate, clock()]);
      let added = 0;
      for (let afterId = 0; ; ) {
        // One statement per batch: each commits on its own, so nothing is held for the whole list.
        const { rows } = await query<{ last: number | null; added: number }>('preparing the issue', SQL.prepareBatch, [issueDate, afterId, limit, clock(), cadenceOfIssue(issueDate)]);
        const batch = rows[0]!;
        if (batch.last === null) break;
        added += batch.added;
        afterId = batch.last;
      }
      await query('preparing the issue', SQL.markPrepared, [issueDate, clock()]);
      return { added };
    },

    async claimRecipients(issueDate, owner, limit, leaseMs) {
      const size = positiveInteger('limit', limit);
      const lease = positiveInteger('leaseMs', leaseMs);
      const { rows: holders } = await query<{ owner: string }>('claiming recipients', SQL.liveLeaseOwners, [issueDate, clock()], 'papermail_live_lease_owners');
      for (const { owner: holder } of holders) {
        if (holder !== owner && isOwnerDeadOnThisHost(holder)) await query('claiming recipients', SQL.endLeasesOf, [issueDate, holder]);
      }
      const key = `${issueDate}\n${owner}`;
      const claim = (after: number) =>
        query<SubscriberRow & { fresh: boolean }>('claiming recipients', SQL.claim, [issueDate, owner, size, clock(), lease, after], 'papermail_claim');
      const after = freshClaimedUpTo.get(key) ?? 0;
      let { rows } = await claim(after);
      // Nothing above the mark: rows below it may have become fresh again (given back by a run), so once more from the start.
      if (rows.length === 0 && after > 0) rows = (await claim(0)).rows;
      const fresh = rows.filter((row) => row.fresh).map((row) => row.id);
      if (rows.length === 0) freshClaimedUpTo.delete(key);
      else if (fresh.length > 0) {
        // A run's entry goes with its last, empty claim; one that was stopped leaves its own, so the map is kept small.
        if (freshClaimedUpTo.size >= MAX_CLAIM_MARKS && !freshClaimedUpTo.has(key)) freshClaimedUpTo.clear();
        freshClaimedUpTo.set(key, Math.max(...fresh));
      }
      return rows.map((row) => toSubscriber(toRecord(row))).sort((a, b) => a.id - b.id);
    },

    async holdClaim(issueDate, subscriberId, owner, leaseMs) {
      const lease = positiveInteger('leaseMs', leaseMs);
      return holdClaims({ issueDate, owner, leaseMs: lease, subscriberId });
    },

    async renewClaims(issueDate, owner, leaseMs) {
      const lease = positiveInteger('leaseMs', leaseMs);
      return (await query('renewing claims', SQL.renewClaims, [issueDate, owner, clock(), lease])).rowCount ?? 0;
    },

    async releaseClaims(issueDate, owner, subscriberIds) {
      if (subscriberIds.length === 0) return;
      await query('releasing claims', SQL.releaseClaims, [issueDate, owner, clock(), [...subscriberIds]]);
    },

    async reserveSendSlots(issueDate, count, perSecond) {
      const length = positiveInteger('count', count) * slotSpacingMs(positiveInteger('perSecond', perSecond));
      const { rows } = await query<{ first_slot_at: number; now: number }>('reserving send slots', SQL.reserveSendSlots, [issueDate, length, clock()]);
      const { first_slot_at: firstSlotAt, now } = rows[0]!;
      return { waitMs: Math.max(0, firstSlotAt - now), firstSlotAt };
    },

    async acquirePrepareLock(issueDate, owner, ttlMs) {
      const ttl = positiveInteger('ttlMs', ttlMs);
      return transaction('taking the prepare lock', async (client) => {
        await client.query(SQL.lockSendLockRow, [ADVISORY_LOCK_CLASS, issueDate]);
        const { rows } = await client.query<{ owner: string; expired: boolean }>(SQL.lockFor, [issueDate, clock()]);
        const held = rows[0];
        const free = held === undefined || held.owner === owner || held.expired || isOwnerDeadOnThisHost(held.owner);
        if (free) await client.query(SQL.takeLock, [issueDate, owner, clock(), ttl]);
        return free;
      });
    },

    async refreshPrepareLock(issueDate, owner, ttlMs) {
      const ttl = positiveInteger('ttlMs', ttlMs);
      return ((await query('refreshing the prepare lock', SQL.refreshLock, [issueDate, owner, clock(), ttl])).rowCount ?? 0) > 0;
    },

    async releasePrepareLock(issueDate, owner) {
      await query('releasing the prepare lock', SQL.releaseLock, [issueDate, owner]);
    },

    async saveIssue(issue) {
      await query('archiving an issue', SQL.saveIssue, [issue.date, issue.subject, issue.html, issue.text, clock()]);
    },

    async getIssue(date) {
      const { rows } = await query<Omit<ArchivedIssue, 'createdAt'> & { created_at: Date }>('reading an archived issue', SQL.issue, [date]);
      const row = rows[0];
      if (row === undefined) return undefined;
      return { date: row.date, subject: row.subject, html: row.html, text: row.text, createdAt: row.created_at.toISOString() };
    },

    async listIssues() {
      const { rows } = await query<{ date: string; subject: string; created_at: Date }>('listing archived issues', SQL.issues);
      return rows.map((row) => ({ date: row.date, subject: row.subject, createdAt: row.created_at.toISOString() })).sort(newestIssueFirst);
    },

    async recordVote(subscriberId, vote) {
      const read = readVote(vote);
      const { rows } = await query<{ at: Date }>('recording a vote', SQL.recordVote, [subscriberId, read.paperId, read.vote, read.issueId, read.title, clock()]);
      if (rows[0] === undefined) throw unknownReader(subscriberId);
      return { ...read, at: rows[0].at.toISOString() };
    },

    async removeVote(subscriberId, paperId) {
      return ((await query('removing a vote', SQL.removeVote, [subscriberId, paperId])).rowCount ?? 0) > 0;
    },

    async clearVotes(subscriberId) {
      return (await query('clearing votes', SQL.clearVotes, [subscriberId])).rowCount ?? 0;
    },

    async setInterests(subscriberId, interests) {
      const read = readInterests(interests);
      await transaction('saving interests', (client) => writeInterests(client, subscriberId, read));
    },

    async readerSignals(subscriberId) {
      const operation = 'reading a reader’s votes and interests';
      const [votes, interests] = await Promise.all([
        query<VoteRow>(operation, SQL.votesOf, [subscriberId]),
        query<InterestsRow>(operation, SQL.interestsOf, [subscriberId]),
      ]);
      return {
        votes: votes.rows.map((row) => ({ paperId: row.paper_id, vote: row.vote, issueId: row.issue_id, title: row.title, at: row.at.toISOString() })),
        interests: interestsOfRow(interests.rows[0], subscriberId),
      };
    },

    async saveReaderModel(model) {
      const read = readStoredReaderModel(model);
      const { rowCount } = await query('saving a reader model', SQL.saveReaderModel, [read.subscriberId, read.json, read.trainedAt]);
      if ((rowCount ?? 0) === 0) throw unknownReader(read.subscriberId);
    },

    async readerModels(subscriberIds) {
      if (subscriberIds.length === 0) return new Map();
      const { rows } = await query<{ subscriber_id: number; model: string; trained_at: string }>('reading reader models', SQL.readerModels, [[...subscriberIds]]);
      return new Map(rows.map((row) => [row.subscriber_id, { subscriberId: row.subscriber_id, json: row.model, trainedAt: row.trained_at }]));
    },

    async saveVocabulary(vocabulary) {
      const read = readStoredVocabulary(vocabulary);
      await query('saving the vocabulary', SQL.saveVocabulary, [read.json, read.fittedThrough]);
    },

    async latestVocabulary() {
      const { rows } = await query<{ vocabulary: string; fitted_through: string }>('reading the vocabulary', SQL.latestVocabulary);
      return rows[0] === undefined ? null : { json: rows[0].vocabulary, fittedThrough: rows[0].fitted_through };
    },

    async health() {
      try {
        await pool.query('SELECT 1');
      } catch (error) {
        return { ok: false, problem: `${where} cannot be reached: ${messageOf(error)}` };
      }
      return (await probeWrite()) ?? { ok: true };
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  /**
   * A write that changes nothing, rolled back: the only way to learn whether the database
   * (a read-only replica, a read-only role or setting) takes writes. A lock held by someone
   * else says nothing about writability, so it counts as fine.
   */
  async function probeWrite(): Promise<StoreHealth | undefined> {
    const client = await pool.connect().catch((error: unknown) => error as Error);
    if (client instanceof Error) return { ok: false, problem: `${where} cannot be reached: ${client.message}` };
    try {
      await client.query('BEGIN');
      await client.query(SQL.probeWrite);
      return undefined;
    } catch (error) {
      return isBusy(error) ? undefined : { ok: false, problem: `${where} cannot be written: ${messageOf(error)}` };
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
  return store;
}

/** Lock timeouts, deadlocks and serialization failures: the transaction was rolled back, and may simply be run again. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === '55P03' || code === '40P01' || code === '40001';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How the unique index tells addresses apart (lower(email)). */
function emailKey(email: string): string {
  return email.toLowerCase();
}

function toRecord(row: SubscriberRow): SubscriberRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    topics: row.topics,
    cadence: row.cadence,
    createdAt: row.created_at.toISOString(),
    confirmedAt: row.confirmed_at?.toISOString() ?? null,
    unsubscribedAt: row.unsubscribed_at?.toISOString() ?? null,
    bounceCount: row.bounce_count,
    statusVersion: row.status_version,
    suppression:
      row.suppression_reason === null
        ? null
        : { reason: row.suppression_reason, detail: row.suppression_detail, at: (row.suppressed_at ?? row.created_at).toISOString() },
  };
}


function maybeSubscriber(row: SubscriberRow | undefined): Subscriber | undefined {
  return row === undefined ? undefined : toSubscriber(toRecord(row));
}
