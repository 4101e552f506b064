/**
 * What the send loop needs from the store: the ledger of who has been sent which issue,
 * and the per-issue send lock. Times the store records (when a row was written, when a
 * lock expires) are the store's to decide, never the caller's: on PostgreSQL that is the
 * database's clock, shared by every machine that sends.
 */
import type { LedgerCounts, Subscriber } from '../subscribers/store.js';

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
  markSent(issueDate: string, subscriberId: number, messageId: string): Promise<void>;
  markDeferred(issueDate: string, subscriberId: number, reason: string): Promise<void>;
  /**
   * Records that the issue had nothing in the subscriber's topics, so the issue is complete
   * without them. Also settles a 'sending' row a crash left for someone who has since changed
   * topics; never touches a 'sent' or 'failed' one.
   */
  markSkipped(issueDate: string, subscriberId: number): Promise<void>;
  /**
   * Records a permanent failure and a hard bounce; when the subscriber's bounce count
   * reaches `bounceLimit` they become 'bounced' (suppressed). Returns whether they were.
   */
  markFailed(issueDate: string, subscriberId: number, reason: string, bounceLimit: number): Promise<{ suppressed: boolean }>;
  ledgerCounts(issueDate: string): Promise<LedgerCounts>;
  /**
   * True when the issue was started (it has a ledger row) and every subscriber confirmed
   * by the time it started has a 'sent' or 'failed' row. Someone confirming later begins
   * with the next issue and does not make a finished day unfinished again.
   */
  isIssueComplete(issueDate: string): Promise<boolean>;

  /**
   * Takes the send lock for an issue date. Fails (false) while another live holder has
   * it; a lock whose holder died (expired, or a dead process on this host) is taken over.
   */
  acquireSendLock(issueDate: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a held lock; false if it is no longer ours. */
  refreshSendLock(issueDate: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseSendLock(issueDate: string, owner: string): Promise<void>;
}
