/**
 * What src/feedback needs from the store: delivery events recorded once per key, the rules
 * that suppress an address applied in the same transaction, the look-ups that find the
 * delivery a report is about, and the per-issue delivery report. Both stores implement it
 * (the contract suite in tests/subscribers/store-contract.ts); the rules themselves are pure,
 * in src/subscribers/rules.ts.
 */
import type { DeliveryRef, ReportedEvent } from './delivery-event.js';

/** The suppression rules, from config (HARD_BOUNCE_LIMIT, SOFT_BOUNCE_LIMIT, SOFT_BOUNCE_WINDOW_DAYS). */
export interface SuppressionRules {
  /** Hard bounces, counted across issues, after which an address is suppressed ('bounced'). */
  hardBounceLimit: number;
  /** Soft bounces within `softBounceWindowDays` after which an address is suppressed ('bounced'). */
  softBounceLimit: number;
  softBounceWindowDays: number;
}

/** Why an address gets no more mail although nobody clicked "unsubscribe" (shown by `subscribers list`, kept by export). */
export const SUPPRESSION_REASONS = ['hard-bounce', 'soft-bounce', 'complaint'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** A reported event with the delivery it was matched to (src/feedback/record.ts). */
export interface MatchedEvent extends ReportedEvent {
  subscriberId: number;
  /** The issue it is about; null when the report names only the address (the subscriber's mail in general). */
  issueDate: string | null;
}

export interface RecordedEvent {
  /** false: an event with this source and key was recorded before, and nothing changed now. */
  recorded: boolean;
  /** Set when this event suppressed the subscriber (they were mailable before it). */
  suppressed: SuppressionReason | null;
}

/** One issue's outcome, as `papermail report` and GET /admin/report show it. */
export interface IssueDeliveryReport {
  issueDate: string;
  /** Ledger rows 'sent': the relay accepted them. Not the same as delivered. */
  accepted: number;
  /** Deliveries a provider reported delivered (with no bounce reported for them). */
  delivered: number;
  /** Deliveries with a bounce reported (the SMTP server's 5xx included), by the worst type reported. */
  bounced: { hard: number; soft: number };
  complained: number;
  unsubscribed: number;
  /** Ledger rows still 'deferred' (a temporary failure, retried by the next run). */
  deferred: number;
  /**
   * (hard + soft) / (accepted + the ledger's 'failed' rows: everything handed over, as a 5xx
   * counts among the hard bounces but was never accepted), and complained / accepted; 0 when
   * there is nothing to divide by.
   */
  bounceRate: number;
  complaintRate: number;
}

export interface DeliveryEventStore {
  /**
   * Records the event unless one with the same source and key exists, and applies the rules
   * in the same transaction: a complaint unsubscribes at once (suppression 'complaint'); a hard
   * bounce counts towards `hardBounceLimit`, a soft one towards `softBounceLimit` within the
   * window; a 'delivered' resets the hard-bounce count unless a bounce of the same delivery
   * was reported (order does not matter: a late "delivered" never undoes a bounce).
   * A bounce of one delivery (subscriber + issue) counts once however many reports of it
   * arrive under different keys (the SMTP server's 5xx, recorded by markFailed as source
   * 'smtp', key `smtp:<issueDate>:<subscriberId>`, among them). Only a mailable subscriber
   * (pending, confirmed) is moved; for anyone else the event is just recorded, except that a
   * complaint still marks them 'complaint' so no import or `subscribers add` brings them back.
   * The event is validated as ReportedEventSchema (EINPUT naming the field) and its time
   * kept as an instant. A subscriber removed since the match records nothing (recorded: false).
   */
  recordDeliveryEvent(event: MatchedEvent, rules: SuppressionRules): Promise<RecordedEvent>;
  /** The delivery whose ledger row carries this Message-ID (`<…>` as sent; quoted without the brackets it is found too), if any. */
  deliveryByMessageId(messageId: string): Promise<DeliveryRef | undefined>;
  /** The latest issue the subscriber's ledger says was accepted for them, if any. */
  latestAcceptedIssue(subscriberId: number): Promise<string | undefined>;
  /** One report per issue with a ledger, newest first; only `issueDate`'s when given. */
  deliveryReport(issueDate?: string): Promise<IssueDeliveryReport[]>;
}
