/**
 * The subscriber store: subscribers, the send ledger, suppression, prepare locks and the
 * issue archive. It is split into narrow interfaces, each named for the code that uses it:
 * SubscriberDirectory (the web server and the CLI's subscriber commands), SendLedger (the
 * send loop, src/delivery/send-ledger.ts), IssueArchive (the daily run and the archive
 * pages). One store object implements them all: SQLite (sqlite-store.ts, the embedded
 * default) or PostgreSQL (postgres-store.ts, for several machines); open-store.ts picks one
 * from the settings. The rules both follow are in rules.ts. Every method is async.
 *
 * Any method may reject with EBUSY when another process holds a lock for longer than the
 * store waits for it. Nothing was written then, so calling again is safe: the web side and
 * the send loop do, with backoff (src/subscribers/busy-retry.ts).
 */
import type { FrozenIssues, SendLedger } from '../delivery/send-ledger.js';
import type { DeliveryEventStore, SuppressionReason } from '../feedback/event-store.js';
import type { Interests, ReaderSignalStore } from '../personal/reader-signals.js';
import type { Cadence } from './cadence.js';

export { hasComplained, hasWithdrawnConsent } from './rules.js';

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed' | 'bounced';

export interface Subscriber {
  id: number;
  /** Normalised: trimmed, domain lower-cased. */
  email: string;
  name: string | null;
  status: SubscriberStatus;
  /** Topic slugs the subscriber wants; null means every topic (the default). */
  topics: string[] | null;
  /** Which issues they are sent: every daily one (the default), or only the weekly one (src/subscribers/cadence.ts). */
  cadence: Cadence;
  createdAt: string;
  confirmedAt: string | null;
  /**
   * Hard bounces counted towards HARD_BOUNCE_LIMIT, across issues, at most one per delivery:
   * a 5xx during the SMTP conversation and any later report of one (a DSN, a provider's
   * webhook). A relay accepting a message proves nothing and leaves it alone; only a
   * 'delivered' report with no bounce of that delivery, or the subscriber confirming again,
   * starts it at 0.
   */
  bounceCount: number;
  /**
   * Why the address gets no more mail although nobody clicked "unsubscribe" (a complaint also
   * unsubscribes); null when it is not suppressed. Set only while the status is 'unsubscribed'
   * or 'bounced'; confirming again (or an operator's `add --force`) clears it.
   */
  suppression: Suppression | null;
  /**
   * Moves on with every change of `status` (confirming, unsubscribing, bouncing, an
   * operator's change). A confirm link carries the version it was issued for and works
   * only while the subscriber is still at it.
   */
  statusVersion: number;
}

/** A suppression: the rule that applied (src/subscribers/rules.ts), what the report said, and when (the store's clock). */
export interface Suppression {
  reason: SuppressionReason;
  /** The report's words: the status code and diagnostic of the last bounce, or who reported the complaint. */
  detail: string | null;
  at: string;
}

/** What a confirm link asks for besides the status: the name and topics of the request it answers. */
export interface ConfirmRequest {
  /** The subscriber's status version when the link was issued. */
  statusVersion: number;
  /** undefined keeps the stored value. */
  name?: string | null;
  topics?: string[] | null;
  cadence?: Cadence;
}

export type ConfirmOutcome =
  /** The subscriber is confirmed now, with the link's name and topics. */
  | { kind: 'confirmed'; subscriber: Subscriber }
  /** They were confirmed already; nothing was changed. */
  | { kind: 'already-confirmed'; subscriber: Subscriber }
  /** The link no longer applies: the status changed since it was issued, or the subscriber is gone. */
  | { kind: 'stale' };

export interface NewSubscriber {
  email: string;
  name?: string | null;
  topics?: string[] | null;
  /** undefined: 'daily' for a new subscriber, kept for an existing one. */
  cadence?: Cadence;
  status?: SubscriberStatus;
  /**
   * A suppression an imported list carries (an export's `suppression` column, another tool's
   * suppression list): kept only with a status that gets no mail, and never replacing one the
   * store has. undefined: none given.
   */
  suppression?: SuppressionReason;
  /**
   * Interests an operator gives (`subscribers add --interests/--include/--exclude/--follow`, an
   * import's interest columns), written with the subscriber by upsert and importSubscribers; a
   * field not given keeps what is stored. undefined: none given.
   */
  interests?: Partial<Interests>;
}

export interface ImportReport {
  added: number;
  updated: number;
  unchanged: number;
  skipped: Array<{ line: number; reason: string }>;
}

/** Where one (issue date, subscriber) delivery stands. */
export type DeliveryState =
  | 'pending' // prepared: the subscriber was confirmed when the issue was frozen; not yet claimed
  | 'sending' // claimed by a run, under a lease; not yet accepted (a crash leaves these until the lease ends)
  | 'sent' // the server accepted it: never sent again
  | 'deferred' // temporary failure (4xx, dropped connection) after the run's retries: retried next run
  | 'failed' // permanent failure (5xx): never retried
  | 'skipped'; // none of the subscriber's topics had papers in this issue: nothing was owed

export interface LedgerCounts {
  pending: number;
  sending: number;
  sent: number;
  deferred: number;
  failed: number;
  skipped: number;
}

/** Whether the store can take writes right now; `problem` says what is wrong when it cannot. */
export type StoreHealth = { ok: true } | { ok: false; problem: string };

export interface ArchivedIssue {
  date: string;
  subject: string;
  /** The issue as shown in a browser: no subscriber's links in it. */
  html: string;
  text: string;
  createdAt: string;
}

/** Subscribers: what the web server and the CLI's subscriber commands read and change. */
export interface SubscriberDirectory {
  /**
   * Adds a subscriber (status 'pending' unless given) or updates name/topics/status of the
   * existing one with that email (matched case-insensitively); fields left undefined keep
   * their value. A confirmed subscriber is never moved back to 'pending'.
   */
  upsert(input: NewSubscriber): Promise<{ subscriber: Subscriber; created: boolean }>;
  /**
   * Adds a subscriber (status 'pending' unless given) when no one has that email; an
   * existing subscriber is returned exactly as stored, nothing changed. This is what an
   * anonymous sign-up may do: create a new pending row, never touch someone else's.
   */
  addIfNew(input: NewSubscriber): Promise<{ subscriber: Subscriber; created: boolean }>;
  /**
   * Applies a confirm link in one transaction: when the subscriber is still at the link's
   * status version, they become 'confirmed' with the link's name and topics. A confirmed
   * subscriber is left as they are; any other version (or a missing subscriber) is 'stale'.
   */
  confirm(id: number, request: ConfirmRequest): Promise<ConfirmOutcome>;
  findByEmail(email: string): Promise<Subscriber | undefined>;
  findById(id: number): Promise<Subscriber | undefined>;
  setStatus(id: number, status: SubscriberStatus): Promise<Subscriber | undefined>;
  setTopics(id: number, topics: string[] | null): Promise<Subscriber | undefined>;
  /** Takes effect with the next issue prepared: an issue already prepared keeps its rows. */
  setCadence(id: number, cadence: Cadence): Promise<Subscriber | undefined>;
  /** Deletes the subscriber with their ledger rows, votes, interests and model; false when there was none. */
  remove(email: string): Promise<boolean>;
  /** Every subscriber in id order, streamed. */
  all(): AsyncIterable<Subscriber>;
  /**
   * Applies validated import rows in one transaction: all or nothing on a store error.
   * A row without status means 'confirmed' (the CLI fills in `import --status` first). A row never resubscribes an 'unsubscribed'
   * or 'bounced' address (reported in `skipped` with its line, saying when it was a complaint), nor demotes 'confirmed'.
   */
  importSubscribers(rows: Array<NewSubscriber & { line: number }>): Promise<ImportReport>;
  countByStatus(): Promise<Record<SubscriberStatus, number>>;
}

/** The browser versions of sent issues: saved by the daily run, read by the archive pages. */
export interface IssueArchive {
  saveIssue(issue: Omit<ArchivedIssue, 'createdAt'>): Promise<void>;
  getIssue(date: string): Promise<ArchivedIssue | undefined>;
  /** Newest first, weekly issues among the days by the last day they cover (src/digest/issue-id.ts). */
  listIssues(): Promise<Array<Pick<ArchivedIssue, 'date' | 'subject' | 'createdAt'>>>;
}

export interface StoreLifecycle {
  /**
   * Whether the store can still take writes: for a file, that it is still the file opened
   * at start (not deleted or replaced) and that it and its folder are writable, and that
   * the connection itself can write; for a server, that it answers and takes a write.
   * Reports problems in `problem`; does not throw for them.
   */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** Everything one store implements; code that needs only part of it types against the narrow interface. */
export interface SubscriberStore extends SubscriberDirectory, SendLedger, FrozenIssues, IssueArchive, DeliveryEventStore, ReaderSignalStore, StoreLifecycle {}
