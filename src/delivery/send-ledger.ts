/**
 * What the send loop needs from the store: the ledger of who has been sent which issue,
 * and the lock of preparing a day. Times the store records (when a row was written, when a
 * lock expires) are the store's to decide, never the caller's: on PostgreSQL that is the
 * database's clock, shared by every machine that sends.
 */
import type { LedgerCounts, Subscriber } from '../subscribers/store.js';

/**
 * A day's issue as the first run froze it, as the store keeps it: the digest and the compiled
 * issue as JSON text (src/delivery/frozen-issue.ts reads and writes them). `digest` and
 * `compiled` are null for a day prepared without a frozen issue (sendIssue called on its own).
 */
export interface FrozenIssueRecord {
  issueDate: string;
  digest: string | null;
  compiled: string | null;
  /** When it was frozen, by the store's clock: who was confirmed by then is that day's list. */
  frozenAt: string;
  /** When its ledger rows were all created; null until then. */
  preparedAt: string | null;
}

/** The frozen issues: written by the first run of a day, read by every later one. */
export interface FrozenIssues {
  /**
   * Freezes the day's issue unless it is frozen already (the first run wins) and returns what
   * is stored: a later run sends that, never what it loaded itself.
   */
  freezeIssue(issue: { issueDate: string; digest: string; compiled: string }): Promise<FrozenIssueRecord>;
  frozenIssue(issueDate: string): Promise<FrozenIssueRecord | undefined>;
  /** The ids of every frozen issue (one row per issue: a few hundred a year), in order. */
  frozenIssueIds(): Promise<string[]>;
  /**
   * Replaces the day's frozen issue (`send --rebuild`) and asks again about rows skipped for
   * the old content; refused with EFROZEN once any message of the day was accepted.
   */
  rebuildFrozenIssue(issue: { issueDate: string; digest: string; compiled: string }): Promise<FrozenIssueRecord>;
}

/** Send slots a run reserved: the first is `waitMs` from now, at `firstSlotAt` (ms since the epoch, the store's clock). */
export interface SendSlots {
  waitMs: number;
  firstSlotAt: number;
}

export interface SendLedger {
  /**
   * Confirmed subscribers with no 'sent', 'failed' or 'skipped' ledger row for this issue date,
   * streamed in id order in pages, so memory stays flat however long the list. The
   * caller may write the ledger while iterating.
   */
  pendingRecipients(issueDate: string, pageSize?: number): AsyncIterable<Subscriber>;
  /**
   * Claims the delivery before the message is handed to the transport: true when this run
   * claimed it (no row yet, or one left 'deferred' or 'sending' by an earlier run); false
   * when a run already recorded it 'sent', 'failed' or 'skipped', or the subscriber is gone.
   * Send only after a true: a run that paused past its lock must not send again what
   * another run has meanwhile finished.
   */
  markSending(issueDate: string, subscriberId: number): Promise<boolean>;
  /**
   * Records that the server accepted the message. Only that: a relay accepts everything, so
   * acceptance says nothing about the address and leaves its bounce count alone (a delivery
   * event 'delivered' resets it, src/feedback/event-store.ts).
   */
  markSent(issueDate: string, subscriberId: number, messageId: string, received?: string | null): Promise<void>;
  /**
   * `received` above, as recorded: what each 'sent' copy of the issue held (a paper set of the
   * issue, src/delivery/paper-history.ts), in subscriber id order, streamed in pages. Copies
   * recorded without it (sent before it was kept) are left out.
   */
  receivedPapers(issueDate: string, pageSize?: number): AsyncIterable<{ subscriberId: number; received: string }>;
  /**
   * Which of `issueDates` the subscriber was sent (a 'sent' row), each with what its copy held
   * as recorded (`received`; null for a copy sent before that was kept). Issues they were not
   * sent are absent. Their private feed shows exactly this.
   */
  copiesSentTo(subscriberId: number, issueDates: readonly string[]): Promise<Map<string, string | null>>;
  markDeferred(issueDate: string, subscriberId: number, reason: string): Promise<void>;
  /**
   * Records that the issue had nothing in the subscriber's topics (or nothing they were not sent
   * before, src/delivery/paper-history.ts), so the issue is complete
   * without them. Also settles a 'sending' row a crash left for someone who has since changed
   * topics; never touches a 'sent' or 'failed' one.
   */
  markSkipped(issueDate: string, subscriberId: number): Promise<void>;
  /**
   * Records a permanent failure (a 5xx during the conversation) and, in the same transaction,
   * a hard-bounce delivery event (source 'smtp', key `smtp:<issueDate>:<subscriberId>`) that
   * counts through the same rule as a DSN or webhook would: once per delivery, so a 5xx and a
   * later report of the same delivery count once. When the count reaches `bounceLimit` the
   * subscriber becomes 'bounced' (suppression 'hard-bounce'). Returns whether they are now.
   */
  markFailed(issueDate: string, subscriberId: number, reason: string, bounceLimit: number): Promise<{ suppressed: boolean }>;
  ledgerCounts(issueDate: string): Promise<LedgerCounts>;
  /**
   * For a prepared day: true when no row is left to send to a subscriber still confirmed.
   * Otherwise true when the issue was started (it has a ledger row) and every subscriber confirmed
   * by the time it started has a 'sent' or 'failed' row. Someone confirming later begins
   * with the next issue and does not make a finished day unfinished again.
   */
  isIssueComplete(issueDate: string): Promise<boolean>;

  /**
   * Creates one 'pending' ledger row per subscriber confirmed when the day was frozen (a day
   * not frozen yet is frozen, without content, now), in batches of `batchSize`, streaming;
   * then records the day as prepared. Idempotent: rows that exist are left as they are.
   * Returns how many rows it created.
   */
  prepareIssue(issueDate: string, batchSize?: number): Promise<{ added: number }>;
  /**
   * Claims up to `limit` rows of the day for `owner`: 'pending' ones, 'deferred' ones another
   * run deferred, and 'sending' ones whose lease ended (or whose owner is a dead process on
   * this host), of subscribers still confirmed; they become 'sending' under a lease of
   * `leaseMs` by the store's clock. Two callers never get the same row while its lease holds.
   */
  claimRecipients(issueDate: string, owner: string, limit: number, leaseMs: number): Promise<Subscriber[]>;
  /** Extends the lease of one claimed row just before its message is handed over; false when it is no longer `owner`'s. */
  holdClaim(issueDate: string, subscriberId: number, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends the lease of every row `owner` holds for the day; returns how many. */
  renewClaims(issueDate: string, owner: string, leaseMs: number): Promise<number>;
  /** Gives back claimed rows whose message was never handed over: 'pending' again, for any run. */
  releaseClaims(issueDate: string, owner: string, subscriberIds: readonly number[]): Promise<void>;

  /**
   * Reserves `count` consecutive send slots of the day at `perSecond` messages a second, the
   * rate of the whole day across every run (SMTP_RATE_PER_SECOND), by the store's clock:
   * they start at the day's next free slot, or now if that has passed, and the next free slot
   * moves on past them, atomically. Returns how long the caller waits before its first slot
   * (its slots follow every 1000 / perSecond ms) and when that is, in ms by the store's clock.
   */
  reserveSendSlots(issueDate: string, count: number, perSecond: number): Promise<SendSlots>;

  /**
   * Takes the lock of preparing a day: who holds it freezes and prepares the day while every
   * other run of that day waits for `preparedAt` and then claims rows beside it (sending
   * itself needs no lock: the claims keep runs apart). Fails (false) while another live
   * holder has it; a lock whose holder died (expired by the store's clock, or a dead process
   * on this host) is taken over.
   */
  acquirePrepareLock(issueDate: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a held lock; false if it is no longer ours. */
  refreshPrepareLock(issueDate: string, owner: string, ttlMs: number): Promise<boolean>;
  releasePrepareLock(issueDate: string, owner: string): Promise<void>;
}
