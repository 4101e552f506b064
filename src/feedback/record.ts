/**
 * From a reported event to a recorded one: find the delivery it is about, then let the store
 * record it (once per key) and apply the suppression rules. Used by the webhooks, the bounce
 * mailbox and `papermail bounces scan --record`; `bounces scan` without --record only matches.
 *
 * Matching, best evidence first:
 * 1. the return path the report was sent to, when it carries one of our signed VERP tags
 *    (a tag that does not verify is ignored and logged, never trusted);
 * 2. the Message-ID of the original message, which the ledger keeps;
 * 3. the recipient's address alone: that subscriber's latest accepted issue.
 * A report that matches no subscriber is counted and dropped: there is nobody to suppress.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { SubscriberDirectory } from '../subscribers/store.js';
import type { DeliveryRef, ReportedEvent } from './delivery-event.js';
import type { DeliveryEventStore, MatchedEvent, RecordedEvent, SuppressionRules } from './event-store.js';
import { readReturnPath } from './return-path.js';

export type FeedbackSettings = Pick<Config, 'BOUNCE_ADDRESS' | 'secret' | 'HARD_BOUNCE_LIMIT' | 'SOFT_BOUNCE_LIMIT' | 'SOFT_BOUNCE_WINDOW_DAYS'>;

export interface FeedbackContext {
  store: DeliveryEventStore & Pick<SubscriberDirectory, 'findByEmail' | 'findById'>;
  config: FeedbackSettings;
  logger: Logger;
}

/** How a report was matched to a delivery, for logs and `bounces scan`. */
export type MatchedBy = 'return-path' | 'message-id' | 'recipient';

export interface EventMatch {
  subscriberId: number;
  issueDate: string | null;
  by: MatchedBy;
}

export type EventOutcome =
  | ({ kind: 'recorded' | 'duplicate' } & EventMatch & Pick<RecordedEvent, 'suppressed'>)
  | { kind: 'unmatched' };

export function suppressionRules(config: FeedbackSettings): SuppressionRules {
  return { hardBounceLimit: config.HARD_BOUNCE_LIMIT, softBounceLimit: config.SOFT_BOUNCE_LIMIT, softBounceWindowDays: config.SOFT_BOUNCE_WINDOW_DAYS };
}

/** The delivery (or at least the subscriber) `event` is about; undefined when it names nobody we know. Reads only. */
export async function matchEvent(context: FeedbackContext, event: ReportedEvent): Promise<EventMatch | undefined> {
  const byReturnPath = returnPathDelivery(context, event);
  if (byReturnPath && (await context.store.findById(byReturnPath.subscriberId))) return { ...byReturnPath, by: 'return-path' };
  if (event.messageId) {
    const byMessageId = await context.store.deliveryByMessageId(event.messageId);
    if (byMessageId) return { ...byMessageId, by: 'message-id' };
  }
  if (event.recipient) {
    const subscriber = await context.store.findByEmail(event.recipient);
    if (subscriber) return { subscriberId: subscriber.id, issueDate: (await context.store.latestAcceptedIssue(subscriber.id)) ?? null, by: 'recipient' };
  }
  return undefined;
}

/** Matches and records each event in turn; the same event twice is recorded once. */
export async function recordReportedEvents(context: FeedbackContext, events: readonly ReportedEvent[]): Promise<EventOutcome[]> {
  const rules = suppressionRules(context.config);
  const outcomes: EventOutcome[] = [];
  for (const event of events) {
    const match = await matchEvent(context, event);
    if (match === undefined) {
      context.logger.info(`${event.source}: a ${event.kind} report matched no subscriber (${event.recipient ?? 'no recipient named'}); dropped`);
      outcomes.push({ kind: 'unmatched' });
      continue;
    }
    const matched: MatchedEvent = { ...event, subscriberId: match.subscriberId, issueDate: match.issueDate };
    const recorded = await context.store.recordDeliveryEvent(matched, rules);
    if (recorded.suppressed) {
      context.logger.info(`${event.source}: subscriber ${match.subscriberId} suppressed (${recorded.suppressed}) after a ${event.kind} report`);
    }
    outcomes.push({ kind: recorded.recorded ? 'recorded' : 'duplicate', ...match, suppressed: recorded.suppressed });
  }
  return outcomes;
}

function returnPathDelivery(context: FeedbackContext, event: ReportedEvent): DeliveryRef | undefined {
  const bounceAddress = context.config.BOUNCE_ADDRESS;
  if (!bounceAddress || !event.returnPath) return undefined;
  const reading = readReturnPath(event.returnPath, bounceAddress, context.config.secret);
  if (reading.kind === 'forged') {
    context.logger.warn(`${event.source}: a report to ${bounceAddress} carries a tag that does not verify ("${reading.tag}"); the tag is ignored`);
  }
  return reading.kind === 'delivery' ? reading.delivery : undefined;
}
