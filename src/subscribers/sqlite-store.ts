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
 *
 * What may change how is decided in rules.ts, shared with the PostgreSQL store; the SQL is
 * in sqlite-queries.ts.
 */
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { PapermailError } from '../errors.js';
import { isOwnerDeadOnThisHost } from './lock-owner.js';
import {
  afterDeliveryEvent,
  confirmDecision,
  issueDeliveryReport,
  smtpFailureEvent,
  type EventHistory,
  type IssueCounts,
  mayRebuildIssue,
  rebuildRefused,
  reserveSlots,
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
import { SQLITE_QUERIES } from './sqlite-queries.js';
import type { CopiedDelivery, CopiedDeliveryEvent, StoreExport } from './store-copy.js';
import type { FrozenIssueRecord } from '../delivery/send-ledger.js';
import type { EventKind } from '../feedback/delivery-event.js';
import type { MatchedEvent, RecordedEvent, SuppressionReason, SuppressionRules } from '../feedback/event-store.js';
import { migrate } from './sqlite-schema.js';
import { groupedBy, inBatches } from './write-batches.js';
import {
  bracketedMessageId,
  checkedRules,
  lookupKey,
  mapAsync,
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
import type { ArchivedIssue, ConfirmOutcome, ConfirmRequest, DeliveryState, ImportReport, LedgerCounts, NewSubscriber, Subscriber, SubscriberStatus, SubscriberStore } from './store.js';

import { newestIssueFirst } from '../digest/issue-id.js';
import { cadenceOfIssue, parseCadence, type Cadence } from './cadence.js';

export { lockOwnerId } from './lock-owner.js';

export interface SqliteStoreOptions {
  /** The clock for timestamps and lock expiry. */
  now?: () => Date;
  /** How long a write waits for another process's write lock before EBUSY; 5 s by default. */
  busyTimeoutMs?: number;
}

const BUSY_TIMEOUT_MS = 5_000;
const DEFAULT_PAGE_SIZE = 500;
/** Ledger rows created per transaction while preparing a day. */
const PREPARE_BATCH = 1_000;

interface SubscriberRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  /** A JSON array of topic slugs; NULL means every topic. */
  topics: string | null;
  cadence: Cadence;
  created_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  bounce_count: number;
  last_bounce_reason: string | null;
  /** Moved on by a trigger (migration 2) whenever status changes. */
  status_version: number;
  suppression_reason: SuppressionReason | null;
  suppression_detail: string | null;
  suppressed_at: string | null;
}

interface DeliveryEventRow {
  id: number;
  source: MatchedEvent['source'];
  event_key: string;
  subscriber_id: number;
  issue_date: string | null;
  kind: EventKind;
  bounce_type: 'hard' | 'soft' | null;
  status: string | null;
  diagnostic: string | null;
  recipient: string | null;
  occurred_at: string;
  recorded_at: string;
}

type IssueCountsRow = { issue_date: string } & Omit<IssueCounts, 'issueDate'>;

interface DeliveryRow {
  issue_date: string;
  subscriber_id: number;
  state: DeliveryState;
  message_id: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

type IssueRow = Omit<ArchivedIssue, 'createdAt'> & { created_at: string };

interface VoteRow {
  subscriber_id: number;
  paper_id: string;
  vote: Vote['vote'];
  issue_id: string;
  title: string;
  at: string;
}

function toVote(row: VoteRow): Vote {
  return { paperId: row.paper_id, vote: row.vote, issueId: row.issue_id, title: row.title, at: row.at };
}

interface ReaderModelRow {
  subscriber_id: number;
  model: string;
  trained_at: string;
}

interface IssueDayRow {
  issue_date: string;
  frozen_at: string;
  digest: string | null;
  compiled: string | null;
  prepared_at: string | null;
}

function toFrozenIssue(row: IssueDayRow): FrozenIssueRecord {
  return { issueDate: row.issue_date, digest: row.digest, compiled: row.compiled, frozenAt: row.frozen_at, preparedAt: row.prepared_at };
}

/** The SQLite store can also be read row by row, to copy it into PostgreSQL (`db copy`). */
export type SqliteStore = SubscriberStore & StoreExport;

/** Opens (creating the directory and file if needed) and migrates the store at `path`. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const now = options.now ?? (() => new Date());
  const db = openDatabase(path, options.busyTimeoutMs ?? BUSY_TIMEOUT_MS);
  const file = fileIdentity(path);
  const sql = prepareStatements(db, () => file?.assertUnchanged());
  /** Set once a write probe succeeded: a connection that could write once always can. */
  let connectionWritable = false;
  const timestamp = () => now().toISOString();

  /**
   * Concurrent holds of claimed rows, one read per batch and owner (write-batches.ts): a claim
   * with more than half its lease left is held as it is, the others get a full lease again in
   * one statement. Each read outside a transaction takes and drops WAL read locks, and a read
   * per message cost a tenth of a sender's CPU: answering the holds together made 30,000-row
   * sends of a prepared day about 10 % faster (6.0–6.2 s against 6.5–6.9 s, three runs each).
   */
  const holdClaims = inBatches<{ issueDate: string; owner: string; leaseMs: number; subscriberId: number }, boolean>((holds) =>
    guard('holding a claim', () => {
      const nowMs = now().getTime();
      const held = new Set<string>();
      const keyOf = (issueDate: string, owner: string, leaseMs: number, id: number) => `${issueDate}\n${owner}\n${leaseMs}\n${id}`;
      for (const group of groupedBy(holds, (hold) => `${hold.issueDate}\n${hold.owner}\n${hold.leaseMs}`).values()) {
        const { issueDate, owner, leaseMs } = group[0]!;
        const ids = [...new Set(group.map((hold) => hold.subscriberId))];
        const young = new Set(idsOf(sql.claimsHeld.all({ issueDate, owner, ids: JSON.stringify(ids), until: nowMs + leaseMs / 2 })));
        const old = ids.filter((id) => !young.has(id));
        const renewed = old.length === 0 ? [] : idsOf(sql.holdClaims.all({ issueDate, owner, ids: JSON.stringify(old), expiresAt: nowMs + leaseMs }));
        for (const id of [...young, ...renewed]) held.add(keyOf(issueDate, owner, leaseMs, id));
      }
      return holds.map((hold) => held.has(keyOf(hold.issueDate, hold.owner, hold.leaseMs, hold.subscriberId)));
    }),
  );

  /** Concurrent 'sent' marks, one transaction (one commit) per batch (write-batches.ts). */
  const recordSent = inBatches<{ issueDate: string; subscriberId: number; messageId: string; received: string | null; at: string }, void>((marks) =>
    guard('recording a delivery', () =>
      sql.transaction(() =>
        marks.map((mark) => {
          // Acceptance only: the bounce count is left alone (a relay accepts every address).
          if (sql.markSentExisting.run(mark).changes === 0 && sql.markSent.run(mark).changes > 0) sql.markReceived.run(mark);
        }),
      ),
    ),
  );

  const byEmail = (email: string) => readRecord(sql.byEmail.get(email) as SubscriberRow | undefined);
  const byId = (id: number) => readRecord(sql.byId.get(id) as SubscriberRow | undefined);

  /** Keyset pages as an async generator: no cursor is open while the consumer runs. */
  async function* pages<Row, Key = number>(fetch: (after: Key) => Row[], keyOf: (row: Row) => Key, first: Key): AsyncGenerator<Row> {
    let after = first;
    for (;;) {
      const page = guard('reading a page of subscribers', () => fetch(after));
      if (page.length === 0) return;
      for (const row of page) yield row;
      after = keyOf(page[page.length - 1]!);
    }
  }

  function upsertRow(input: NewSubscriber): { subscriber: Subscriber; created: boolean } {
    const fields = readFields(input);
    const existing = byEmail(fields.email);
    const saved =
      existing === undefined
        ? { subscriber: insertSubscriber(fields, fields.status ?? 'pending'), created: true }
        : { subscriber: applyChange(existing, withFields(existing, fields, fields.status ?? existing.status, timestamp())), created: false };
    applyInterests(saved.subscriber.id, fields.interests);
    return saved;
  }

  const interestsOf = (id: number): Interests => {
    const row = sql.interestsOf.get(id) as { interests: string } | undefined;
    return row === undefined ? readInterests({}) : storedInterests(row.interests, id);
  };

  /** No interests are no row: a reader who cleared them has nothing stored. */
  function writeInterests(id: number, interests: Interests): void {
    if (!hasInterests(interests)) sql.clearInterests.run(id);
    else if (sql.setInterests.run({ subscriberId: id, interests: JSON.stringify(interests), at: timestamp() }).changes === 0) throw unknownReader(id);
  }

  /** Applies the interest fields given with a subscriber; true when that changed what is stored. */
  function applyInterests(id: number, given: Partial<Interests> | undefined): boolean {
    if (given === undefined) return false;
    const next = interestsChange(interestsOf(id), given);
    if (next === undefined) return false;
    writeInterests(id, next);
    return true;
  }

  /** Writes a change if there is one and returns the subscriber as stored (the trigger may have moved status_version). */
  function applyChange(current: SubscriberRecord, next: SubscriberChange): Subscriber {
    if (!differs(current, next)) return toSubscriber(current);
    sql.updateSubscriber.run(changeRow(current.id, next));
    return toSubscriber(byId(current.id)!);
  }

  function addRowIfNew(input: NewSubscriber): { subscriber: Subscriber; created: boolean } {
    const fields = readFields(input);
    const existing = byEmail(fields.email);
    if (existing !== undefined) return { subscriber: toSubscriber(existing), created: false };
    return { subscriber: insertSubscriber(fields, fields.status ?? 'pending'), created: true };
  }

  function confirmRow(id: number, request: ConfirmRequest): ConfirmOutcome {
    const current = byId(id);
    const decision = confirmDecision(current, request.statusVersion);
    if (decision === 'stale' || current === undefined) return { kind: 'stale' };
    if (decision === 'already-confirmed') return { kind: 'already-confirmed', subscriber: toSubscriber(current) };
    const fields = readFields({ email: current.email, name: request.name, topics: request.topics, cadence: request.cadence, status: 'confirmed' });
    return { kind: 'confirmed', subscriber: applyChange(current, withFields(current, fields, 'confirmed', timestamp())) };
  }

  function importRow(row: NewSubscriber & { line: number }): 'added' | 'updated' | 'unchanged' | { skipped: string } {
    const read = readImportFields(row);
    if (!('fields' in read)) return read;
    const { fields } = read;
    const status = fields.status ?? IMPORT_DEFAULT_STATUS;
    const contradiction = suppressedRowRefusal(fields, status);
    if (contradiction !== undefined) return { skipped: contradiction };
    const existing = byEmail(fields.email);
    if (existing === undefined) {
      applyInterests(insertSubscriber(fields, status).id, fields.interests);
      return 'added';
    }
    const refusal = importRefusal(existing, status);
    if (refusal !== undefined) return { skipped: refusal };
    const next = withFields(existing, fields, status, timestamp());
    const changed = differs(existing, next);
    if (changed) sql.updateSubscriber.run(changeRow(existing.id, next));
    return applyInterests(existing.id, fields.interests) || changed ? 'updated' : 'unchanged';
  }

  /**
   * Records one event and applies the rules, inside the caller's transaction: the history is
   * read before the insert, so it never holds the event itself.
   */
  function recordEventRow(event: MatchedEvent, rules: SuppressionRules): RecordedEvent {
    const nothing: RecordedEvent = { recorded: false, suppressed: null };
    if (sql.eventExists.get(event) !== undefined) return nothing;
    const current = byId(event.subscriberId);
    // A subscriber removed since the report was matched: nobody left to record it for.
    if (current === undefined) return nothing;
    const at = timestamp();
    const history = eventHistory(current);
    const deliveryBounces = event.issueDate === null ? [] : (sql.deliveryBounces.all(event) as Array<{ type: 'hard' | 'soft' }>).map((row) => row.type);
    if (sql.insertEvent.run({ ...event, recordedAt: at }).changes === 0) return nothing;
    const decision = afterDeliveryEvent(current, event, { ...history, deliveryBounces }, rules, at);
    if (decision.change !== undefined) applyChange(current, decision.change);
    if (event.kind === 'bounce' && event.bounceType === 'hard') {
      sql.lastBounceReason.run({ id: current.id, reason: event.diagnostic ?? event.status });
    }
    return { recorded: true, suppressed: decision.suppressed };
  }

  function eventHistory(current: SubscriberRecord): Omit<EventHistory, 'deliveryBounces'> {
    const subscriberId = current.id;
    return {
      latestHardBounceAt: (sql.latestHardBounce.get({ subscriberId }) as { at: string | null }).at,
      softBounces: (sql.softBounces.all({ subscriberId, confirmedAt: current.confirmedAt }) as Array<{ issue_date: string | null; occurred_at: string }>).map(
        (row) => ({ issueDate: row.issue_date, occurredAt: row.occurred_at }),
      ),
    };
  }

  function insertSubscriber(fields: SubscriberFields, status: SubscriberStatus): Subscriber {
    const record = newSubscriber(fields, status, timestamp());
    const id = Number(sql.insertSubscriber.run(insertRow(record)).lastInsertRowid);
    return toSubscriber({ ...record, id, statusVersion: 0 });
  }

  const store: SqliteStore = {
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
      return guard('finding a subscriber by email', () => maybeSubscriber(byEmail(key)));
    },

    async findById(id) {
      return guard('finding a subscriber by id', () => maybeSubscriber(byId(id)));
    },

    async setStatus(id, status) {
      const wanted = parseStatus(status);
      return guard('changing a subscriber status', () =>
        sql.transaction(() => {
          const current = byId(id);
          if (current === undefined) return undefined;
          return applyChange(current, withStatus(current, wanted, timestamp()));
        }),
      );
    },

    async setTopics(id, topics) {
      const encoded = topicsJson(validTopics(topics));
      return guard('changing a subscriber’s topics', () =>
        sql.transaction(() => {
          sql.setTopics.run(encoded, id);
          return maybeSubscriber(byId(id));
        }),
      );
    },

    async setCadence(id, cadence) {
      const wanted = parseCadence(cadence);
      return guard('changing a subscriber’s cadence', () =>
        sql.transaction(() => {
          sql.setCadence.run(wanted, id);
          return maybeSubscriber(byId(id));
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
        pages((afterId) => sql.pageAll.all(afterId, DEFAULT_PAGE_SIZE) as SubscriberRow[], (row) => row.id, 0),
        (row) => toSubscriber(toRecord(row)),
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
        pages((afterId) => sql.pagePending.all({ issueDate, cadence: cadenceOfIssue(issueDate), afterId, limit: size }) as SubscriberRow[], (row) => row.id, 0),
        (row) => toSubscriber(toRecord(row)),
      );
    },

    async markSending(issueDate, subscriberId) {
      const at = timestamp();
      // No change means the row is final (another run finished it) or the subscriber is gone.
      return guard('recording a send attempt', () => sql.markSending.run({ issueDate, subscriberId, at }).changes > 0);
    },

    async markSent(issueDate, subscriberId, messageId, received = null) {
      await recordSent({ issueDate, subscriberId, messageId, received, at: timestamp() });
    },

    async copiesSentTo(subscriberId, issueDates) {
      if (issueDates.length === 0) return new Map();
      type Row = { issue_date: string; received: string | null };
      const rows = guard('reading the copies sent to a subscriber', () => sql.copiesSentTo.all({ subscriberId, ids: JSON.stringify(issueDates) }) as Row[]);
      return new Map(rows.map((row) => [row.issue_date, row.received]));
    },

    receivedPapers(issueDate, pageSize = DEFAULT_PAGE_SIZE) {
      const size = positiveInteger('pageSize', pageSize);
      type Row = { subscriber_id: number; received: string };
      return mapAsync(
        pages((afterId) => sql.pageReceived.all({ issueDate, afterId, limit: size }) as Row[], (row) => row.subscriber_id, 0),
        (row) => ({ subscriberId: row.subscriber_id, received: row.received }),
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
          // A row the server accepted (or one failed already) is not failed again: nothing to count.
          const failed = sql.markFailed.run({ issueDate, subscriberId, reason: reasonText, at }).changes > 0;
          const current = byId(subscriberId);
          if (current === undefined) return { suppressed: false };
          if (!failed) return { suppressed: current.status === 'bounced' };
          // Counted as a DSN of the same delivery would be: once, whichever arrives first.
          recordEventRow(smtpFailureEvent(issueDate, current, reason, at), { hardBounceLimit: limit, softBounceLimit: 1, softBounceWindowDays: 1 });
          return { suppressed: byId(subscriberId)?.status === 'bounced' };
        }),
      );
    },

    async recordDeliveryEvent(event, rules) {
      const read = readDeliveryEvent(event);
      const checked = checkedRules(rules);
      return guard('recording a delivery event', () => sql.immediate(() => recordEventRow(read, checked)));
    },

    async deliveryByMessageId(messageId) {
      return guard('finding a delivery by Message-ID', () => {
        const row = sql.deliveryByMessageId.get(bracketedMessageId(messageId)) as { issue_date: string; subscriber_id: number } | undefined;
        return row === undefined ? undefined : { issueDate: row.issue_date, subscriberId: row.subscriber_id };
      });
    },

    async latestAcceptedIssue(subscriberId) {
      return guard('finding the latest accepted issue', () => (sql.latestAcceptedIssue.get(subscriberId) as { issue_date: string | null }).issue_date ?? undefined);
    },

    async deliveryReport(issueDate) {
      return guard('reading the delivery report', () =>
        ((issueDate === undefined ? sql.deliveryReportAll.all() : sql.deliveryReportOf.all({ issueDate })) as IssueCountsRow[]).map(({ issue_date, ...counts }) =>
          issueDeliveryReport({ issueDate: issue_date, ...counts }),
        ),
      );
    },

    async ledgerCounts(issueDate) {
      return guard('counting the ledger', () => {
        const counts: LedgerCounts = { pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 };
        for (const { state, count } of sql.ledgerCounts.all(issueDate) as Array<{ state: DeliveryState; count: number }>) {
          counts[state] = count;
        }
        return counts;
      });
    },

    async isIssueComplete(issueDate) {
      return guard('checking whether an issue is complete', () => {
        const row = sql.issueComplete.get({ issueDate, cadence: cadenceOfIssue(issueDate) }) as { complete: number };
        return row.complete === 1;
      });
    },

    async freezeIssue(issue) {
      const at = timestamp();
      return guard('freezing the issue', () =>
        sql.immediate(() => {
          sql.freezeIssue.run({ ...issue, at });
          return toFrozenIssue(sql.issueDay.get(issue.issueDate) as IssueDayRow);
        }),
      );
    },

    async frozenIssueIds() {
      return guard('listing the frozen issues', () => (sql.frozenIssueIds.all() as Array<{ issue_date: string }>).map((row) => row.issue_date));
    },

    async frozenIssue(issueDate) {
      return guard('reading the frozen issue', () => {
        const row = sql.issueDay.get(issueDate) as IssueDayRow | undefined;
        return row === undefined ? undefined : toFrozenIssue(row);
      });
    },

    async rebuildFrozenIssue(issue) {
      const at = timestamp();
      return guard('rebuilding the frozen issue', () =>
        sql.immediate(() => {
          const sent = (sql.ledgerCounts.all(issue.issueDate) as Array<{ state: DeliveryState; count: number }>).find((row) => row.state === 'sent')?.count ?? 0;
          if (!mayRebuildIssue({ sent })) throw rebuildRefused(issue.issueDate, sent);
          sql.rebuildIssue.run({ ...issue, at });
          sql.askAgainAfterRebuild.run({ issueDate: issue.issueDate, at });
          return toFrozenIssue(sql.issueDay.get(issue.issueDate) as IssueDayRow);
        }),
      );
    },

    async prepareIssue(issueDate, batchSize = PREPARE_BATCH) {
      const limit = positiveInteger('batchSize', batchSize);
      // A weekly issue is owed to weekly subscribers, a daily one to daily subscribers.
      const cadence = cadenceOfIssue(issueDate);
      guard('preparing the issue', () => sql.immediate(() => sql.openIssueDay.run({ issueDate, at: timestamp() })));
      let added = 0;
      for (let afterId = 0; ; ) {
        // One short transaction per batch: the web server's writes wait for one batch at most.
        const batch = guard('preparing the issue', () =>
          sql.immediate(() => {
            const lastId = (sql.prepareBatchEnd.get({ issueDate, cadence, afterId, limit }) as { last: number | null }).last;
            if (lastId === null) {
              sql.markPrepared.run({ issueDate, at: timestamp() });
              return undefined;
            }
            return { lastId, added: sql.prepareBatch.run({ issueDate, cadence, afterId, lastId, at: timestamp() }).changes };
          }),
        );
        if (batch === undefined) return { added };
        added += batch.added;
        afterId = batch.lastId;
      }
    },

    async claimRecipients(issueDate, owner, limit, leaseMs) {
      const size = positiveInteger('limit', limit);
      const lease = positiveInteger('leaseMs', leaseMs);
      return guard('claiming recipients', () =>
        sql.immediate(() => {
          const nowMs = now().getTime();
          for (const { owner: holder } of sql.liveLeaseOwners.all({ issueDate, nowMs }) as Array<{ owner: string }>) {
            if (holder !== owner && isOwnerDeadOnThisHost(holder)) sql.endLeasesOf.run({ issueDate, owner: holder });
          }
          const rows: SubscriberRow[] = [];
          for (const claimable of [sql.claimableFresh, sql.claimableRetry, sql.claimableExpired]) {
            if (rows.length === size) break;
            rows.push(...(claimable.all({ issueDate, owner, nowMs, limit: size - rows.length }) as SubscriberRow[]));
          }
          rows.sort((a, b) => a.id - b.id);
          if (rows.length === 0) return [];
          sql.claim.run({ issueDate, owner, expiresAt: nowMs + lease, at: new Date(nowMs).toISOString(), ids: JSON.stringify(rows.map((row) => row.id)) });
          return rows.map((row) => toSubscriber(toRecord(row)));
        }),
      );
    },

    async holdClaim(issueDate, subscriberId, owner, leaseMs) {
      return holdClaims({ issueDate, owner, leaseMs: positiveInteger('leaseMs', leaseMs), subscriberId });
    },

    async renewClaims(issueDate, owner, leaseMs) {
      const lease = positiveInteger('leaseMs', leaseMs);
      return guard('renewing claims', () => sql.renewClaims.run({ issueDate, owner, expiresAt: now().getTime() + lease }).changes);
    },

    async releaseClaims(issueDate, owner, subscriberIds) {
      if (subscriberIds.length === 0) return;
      guard('releasing claims', () => sql.releaseClaims.run({ issueDate, owner, at: timestamp(), ids: JSON.stringify(subscriberIds) }));
    },

    async reserveSendSlots(issueDate, count, perSecond) {
      const slots = positiveInteger('count', count);
      const rate = positiveInteger('perSecond', perSecond);
      return guard('reserving send slots', () =>
        sql.immediate(() => {
          const nowMs = now().getTime();
          const stored = sql.nextSendSlot.get(issueDate) as { next: number } | undefined;
          const { firstSlotMs, nextFreeMs } = reserveSlots(stored?.next, nowMs, slots, rate);
          sql.moveSendSlot.run({ issueDate, next: nextFreeMs });
          return { waitMs: firstSlotMs - nowMs, firstSlotAt: firstSlotMs };
        }),
      );
    },

    async acquirePrepareLock(issueDate, owner, ttlMs) {
      const ttl = positiveInteger('ttlMs', ttlMs);
      return guard('taking the prepare lock', () =>
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

    async refreshPrepareLock(issueDate, owner, ttlMs) {
      const ttl = positiveInteger('ttlMs', ttlMs);
      return guard('refreshing the prepare lock', () => {
        return sql.refreshLock.run({ issueDate, owner, expiresAt: now().getTime() + ttl }).changes > 0;
      });
    },

    async releasePrepareLock(issueDate, owner) {
      guard('releasing the prepare lock', () => sql.releaseLock.run({ issueDate, owner }));
    },

    async saveIssue(issue) {
      const at = timestamp();
      guard('archiving an issue', () => sql.saveIssue.run({ ...issue, createdAt: at }));
    },

    async getIssue(date) {
      return guard('reading an archived issue', () => {
        const row = sql.issue.get(date) as IssueRow | undefined;
        if (row === undefined) return undefined;
        return { date: row.date, subject: row.subject, html: row.html, text: row.text, createdAt: row.created_at };
      });
    },

    async listIssues() {
      return guard('listing archived issues', () =>
        (sql.issues.all() as Array<{ date: string; subject: string; created_at: string }>)
          .map((row) => ({ date: row.date, subject: row.subject, createdAt: row.created_at }))
          .sort(newestIssueFirst),
      );
    },

    async recordVote(subscriberId, vote) {
      const read = readVote(vote);
      return guard('recording a vote', () =>
        sql.immediate(() => {
          const at = timestamp();
          if (sql.recordVote.run({ subscriberId, ...read, at }).changes === 0) throw unknownReader(subscriberId);
          return { ...read, at };
        }),
      );
    },

    async removeVote(subscriberId, paperId) {
      return guard('removing a vote', () => sql.removeVote.run(subscriberId, paperId).changes > 0);
    },

    async clearVotes(subscriberId) {
      return guard('clearing votes', () => sql.clearVotes.run(subscriberId).changes);
    },

    async setInterests(subscriberId, interests) {
      const read = readInterests(interests);
      guard('saving interests', () => sql.immediate(() => writeInterests(subscriberId, read)));
    },

    async readerSignals(subscriberId) {
      return guard('reading a reader’s votes and interests', () => ({
        votes: (sql.votesOf.all(subscriberId) as VoteRow[]).map(toVote),
        interests: interestsOf(subscriberId),
      }));
    },

    async saveReaderModel(model) {
      const read = readStoredReaderModel(model);
      guard('saving a reader model', () => {
        if (sql.saveReaderModel.run(read).changes === 0) throw unknownReader(read.subscriberId);
      });
    },

    async readerModels(subscriberIds) {
      if (subscriberIds.length === 0) return new Map();
      const rows = guard('reading reader models', () => sql.readerModels.all({ ids: JSON.stringify(subscriberIds) }) as ReaderModelRow[]);
      return new Map(rows.map((row) => [row.subscriber_id, { subscriberId: row.subscriber_id, json: row.model, trainedAt: row.trained_at }]));
    },

    async saveVocabulary(vocabulary) {
      const read = readStoredVocabulary(vocabulary);
      guard('saving the vocabulary', () => sql.saveVocabulary.run(read));
    },

    async latestVocabulary() {
      return guard('reading the vocabulary', () => {
        const row = sql.latestVocabulary.get() as { vocabulary: string; fitted_through: string } | undefined;
        return row === undefined ? null : { json: row.vocabulary, fittedThrough: row.fitted_through };
      });
    },

    exportSubscribers() {
      return mapAsync(
        pages((afterId) => sql.pageAll.all(afterId, DEFAULT_PAGE_SIZE) as SubscriberRow[], (row) => row.id, 0),
        (row) => ({ ...toRecord(row), lastBounceReason: row.last_bounce_reason }),
      );
    },

    exportDeliveries() {
      const first = { issueDate: '', subscriberId: 0 };
      return mapAsync(
        pages(
          (after) => sql.pageDeliveries.all({ ...after, limit: DEFAULT_PAGE_SIZE }) as DeliveryRow[],
          (row) => ({ issueDate: row.issue_date, subscriberId: row.subscriber_id }),
          first,
        ),
        (row): CopiedDelivery => ({
          issueDate: row.issue_date,
          subscriberId: row.subscriber_id,
          state: row.state,
          messageId: row.message_id,
          attempts: row.attempts,
          lastError: row.last_error,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        }),
      );
    },

    exportDeliveryEvents() {
      return mapAsync(
        pages((afterId) => sql.pageDeliveryEvents.all(afterId, DEFAULT_PAGE_SIZE) as DeliveryEventRow[], (row) => row.id, 0),
        (row): CopiedDeliveryEvent => ({
          source: row.source,
          key: row.event_key,
          subscriberId: row.subscriber_id,
          issueDate: row.issue_date,
          kind: row.kind,
          bounceType: row.bounce_type,
          status: row.status,
          diagnostic: row.diagnostic,
          recipient: row.recipient,
          occurredAt: row.occurred_at,
          recordedAt: row.recorded_at,
        }),
      );
    },

    exportIssues() {
      return mapAsync(
        pages((afterDate) => sql.pageIssues.all(afterDate, DEFAULT_PAGE_SIZE) as IssueRow[], (row) => row.date, ''),
        (row) => ({ date: row.date, subject: row.subject, html: row.html, text: row.text, createdAt: row.created_at }),
      );
    },

    exportIssueDays() {
      return mapAsync(
        pages((afterDate) => sql.pageIssueDays.all(afterDate, DEFAULT_PAGE_SIZE) as IssueDayRow[], (row) => row.issue_date, ''),
        toFrozenIssue,
      );
    },

    exportVotes() {
      const first = { subscriberId: 0, paperId: '' };
      return mapAsync(
        pages(
          (after) => sql.pageVotes.all({ ...after, limit: DEFAULT_PAGE_SIZE }) as VoteRow[],
          (row) => ({ subscriberId: row.subscriber_id, paperId: row.paper_id }),
          first,
        ),
        (row) => ({ subscriberId: row.subscriber_id, ...toVote(row) }),
      );
    },

    exportInterests() {
      type Row = { subscriber_id: number; interests: string };
      return mapAsync(
        pages((afterId) => sql.pageInterests.all(afterId, DEFAULT_PAGE_SIZE) as Row[], (row) => row.subscriber_id, 0),
        (row) => ({ subscriberId: row.subscriber_id, interests: storedInterests(row.interests, row.subscriber_id) }),
      );
    },

    exportReaderModels() {
      return mapAsync(
        pages((afterId) => sql.pageReaderModels.all(afterId, DEFAULT_PAGE_SIZE) as ReaderModelRow[], (row) => row.subscriber_id, 0),
        (row) => ({ subscriberId: row.subscriber_id, json: row.model, trainedAt: row.trained_at }),
      );
    },

    async highestSubscriberId() {
      return guard('reading the highest subscriber id', () => (sql.highestSubscriberId.get() as { id: number }).id);
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

/** The page cache of each connection, in KiB (see openDatabase). */
const SQLITE_CACHE_KIB = 2_000;

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
      // SQLite's own default page cache (2 MiB), not better-sqlite3's build default of 16 MiB
      // (deps/defines.gypi): preparing a 100,000-recipient day filled those 16 MiB, which then
      // stayed resident for the whole send. The hot statements are index range reads that
      // need few pages; README "Where a sender's memory goes" has the figures.
      db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
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
  const statements = Object.fromEntries(Object.entries(SQLITE_QUERIES).map(([name, text]) => [name, db.prepare(text)])) as Record<
    keyof typeof SQLITE_QUERIES,
    Database.Statement
  >;

  return {
    ...statements,
    transaction: immediate,
    immediate,
    probeWrite(): void {
      try {
        probe.immediate();
      } catch (error) {
        if (!(error instanceof RolledBack)) throw error;
      }
    },
  };
}

/** Runs one store operation; any database failure becomes ESTORE (or EBUSY) naming the operation. */
function guard<T>(operation: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw storeFailure(operation, error, isBusy);
  }
}

/** Thrown inside the write probe so that better-sqlite3 rolls its transaction back. */
class RolledBack extends Error {}

function idsOf(rows: unknown[]): number[] {
  return (rows as Array<{ id: number }>).map((row) => row.id);
}

function readRecord(row: SubscriberRow | undefined): SubscriberRecord | undefined {
  return row === undefined ? undefined : toRecord(row);
}

function toRecord(row: SubscriberRow): SubscriberRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    topics: row.topics === null ? null : (JSON.parse(row.topics) as string[]),
    cadence: row.cadence,
    createdAt: row.created_at,
    confirmedAt: row.confirmed_at,
    unsubscribedAt: row.unsubscribed_at,
    bounceCount: row.bounce_count,
    statusVersion: row.status_version,
    suppression:
      row.suppression_reason === null ? null : { reason: row.suppression_reason, detail: row.suppression_detail, at: row.suppressed_at ?? row.created_at },
  };
}


function maybeSubscriber(record: SubscriberRecord | undefined): Subscriber | undefined {
  return record === undefined ? undefined : toSubscriber(record);
}

function insertRow(record: Omit<SubscriberRecord, 'id' | 'statusVersion'>) {
  return {
    email: record.email,
    name: record.name,
    topics: topicsJson(record.topics),
    cadence: record.cadence,
    status: record.status,
    created_at: record.createdAt,
    confirmed_at: record.confirmedAt,
    unsubscribed_at: record.unsubscribedAt,
    bounce_count: record.bounceCount,
    suppression_reason: record.suppression?.reason ?? null,
    suppression_detail: record.suppression?.detail ?? null,
    suppressed_at: record.suppression?.at ?? null,
  };
}

function changeRow(id: number, change: SubscriberChange) {
  return {
    id,
    name: change.name,
    topics: topicsJson(change.topics),
    cadence: change.cadence,
    status: change.status,
    confirmed_at: change.confirmedAt,
    unsubscribed_at: change.unsubscribedAt,
    bounce_count: change.bounceCount,
    suppression_reason: change.suppression?.reason ?? null,
    suppression_detail: change.suppression?.detail ?? null,
    suppressed_at: change.suppression?.at ?? null,
  };
}
