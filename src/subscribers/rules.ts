/**
 * The store's rules, apart from any database: how a subscriber's status may change (and
 * what a change also touches), what an import refuses, which ledger state may follow
 * which, and when hard bounces suppress an address. Both stores (SQLite and PostgreSQL)
 * read the current row, ask these functions, and write what they return (or turn the
 * ledger table into SQL), so the two cannot drift apart.
 */
import { PapermailError } from '../errors.js';
import type { IssueDeliveryReport, MatchedEvent, SuppressionReason, SuppressionRules } from '../feedback/event-store.js';
import type { Interests } from '../personal/reader-signals.js';
import { DEFAULT_CADENCE, type Cadence } from './cadence.js';
import type { DeliveryState, LedgerCounts, Subscriber, SubscriberStatus, Suppression } from './store.js';

/** A subscriber as the rules see them (each store maps its rows to and from this): also when they unsubscribed. */
export type SubscriberRecord = Subscriber & { unsubscribedAt: string | null };

/** The subscriber as the store's users see them. */
export function toSubscriber({ unsubscribedAt: _unsubscribedAt, ...subscriber }: SubscriberRecord): Subscriber {
  return subscriber;
}

/** What an update writes back: the record's mutable fields. */
export type SubscriberChange = Pick<SubscriberRecord, 'name' | 'topics' | 'cadence' | 'status' | 'confirmedAt' | 'unsubscribedAt' | 'bounceCount' | 'suppression'>;

/** Validated input fields; undefined means "not given, keep what is stored". */
export interface SubscriberFields {
  email: string;
  name: string | null | undefined;
  topics: string[] | null | undefined;
  cadence: Cadence | undefined;
  status: SubscriberStatus | undefined;
  suppression: SuppressionReason | undefined;
  /** Interests given with the subscriber (`add --interests`, CSV columns); a field not given keeps what is stored. */
  interests?: Partial<Interests>;
}

/**
 * Statuses that stand for withdrawn or failed consent (today 'unsubscribed' and 'bounced';
 * any status added later, such as a complaint, counts too unless listed here). Nobody but
 * the person, by confirming again, or an operator who says so explicitly (`add --force`),
 * brings them back.
 */
export function hasWithdrawnConsent(status: SubscriberStatus): boolean {
  return status !== 'pending' && status !== 'confirmed';
}

/** The fields of a new subscriber at `at`. */
export function newSubscriber(fields: SubscriberFields, status: SubscriberStatus, at: string): Omit<SubscriberRecord, 'id' | 'statusVersion'> {
  return {
    email: fields.email,
    name: fields.name ?? null,
    topics: fields.topics ?? null,
    cadence: fields.cadence ?? DEFAULT_CADENCE,
    status,
    createdAt: at,
    confirmedAt: status === 'confirmed' ? at : null,
    unsubscribedAt: status === 'unsubscribed' ? at : null,
    bounceCount: 0,
    suppression: fields.suppression !== undefined && hasWithdrawnConsent(status) ? importedSuppression(fields.suppression, at) : null,
  };
}

/** The detail of a suppression that came in with an imported list. */
const IMPORTED = 'from an imported list';

function importedSuppression(reason: SuppressionReason, at: string): Suppression {
  return { reason, detail: IMPORTED, at };
}

/** The fields a status change touches, so "confirmed since", bounce counts and suppressions stay true. */
export function withStatus(current: SubscriberRecord, status: SubscriberStatus, at: string): SubscriberChange {
  const { name, topics, cadence, confirmedAt, unsubscribedAt, bounceCount, suppression } = current;
  const unchanged = { name, topics, cadence, status, confirmedAt, unsubscribedAt, bounceCount, suppression };
  if (status === current.status) return unchanged;
  switch (status) {
    case 'confirmed':
      // Re-enabling a bounced or unsubscribed address starts its bounce count afresh, and it is
      // no longer suppressed: the person confirmed again (or an operator said they asked to).
      return { ...unchanged, confirmedAt: at, unsubscribedAt: null, bounceCount: 0, suppression: null };
    case 'pending':
      // A suppression is kept only while no mail goes out (see Subscriber.suppression).
      return { ...unchanged, confirmedAt: null, suppression: null };
    case 'unsubscribed':
      return { ...unchanged, unsubscribedAt: at };
    case 'bounced':
      return unchanged;
  }
}

/** An existing record with the given fields applied; undefined fields keep their value. */
export function withFields(current: SubscriberRecord, fields: SubscriberFields, requested: SubscriberStatus, at: string): SubscriberChange {
  // Someone typing a confirmed subscriber's address into the subscribe form (or a list
  // saying "pending") must not be able to switch their mail off.
  const status = requested === 'pending' && current.status === 'confirmed' ? 'confirmed' : requested;
  const next = withStatus(current, status, at);
  // A list's suppression is the weaker evidence: it never replaces the store's own.
  const suppression =
    fields.suppression !== undefined && next.suppression === null && hasWithdrawnConsent(next.status) ? importedSuppression(fields.suppression, at) : next.suppression;
  return {
    ...next,
    name: fields.name === undefined ? current.name : fields.name,
    topics: fields.topics === undefined ? current.topics : fields.topics,
    cadence: fields.cadence === undefined ? current.cadence : fields.cadence,
    suppression,
  };
}

/**
 * A reader's interests with the fields an operator gave replaced (`add --include`, an import's
 * columns), or undefined when that changes nothing.
 */
export function interestsChange(stored: Interests, given: Partial<Interests>): Interests | undefined {
  const next = { ...stored, ...given };
  return sameInterests(stored, next) ? undefined : next;
}

/** Whether two readers' interests say the same (both as InterestsSchema reads them). */
export function sameInterests(a: Interests, b: Interests): boolean {
  const sameList = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((entry, index) => entry === y[index]);
  return a.text === b.text && sameList(a.include, b.include) && sameList(a.exclude, b.exclude) && sameList(a.follow, b.follow);
}

/** True when writing `next` would change the stored record. */
export function differs(current: SubscriberRecord, next: SubscriberChange): boolean {
  return (Object.keys(next) as Array<keyof SubscriberChange>).some((field) =>
    field === 'topics' || field === 'suppression' ? JSON.stringify(current[field]) !== JSON.stringify(next[field]) : current[field] !== next[field],
  );
}

/** What a confirm link does to the subscriber it names. */
export type ConfirmDecision = 'confirm' | 'already-confirmed' | 'stale';

/** A confirmed subscriber stays as they are; otherwise the link works only at the version it was issued for. */
export function confirmDecision(current: SubscriberRecord | undefined, statusVersion: number): ConfirmDecision {
  if (current === undefined) return 'stale';
  if (current.status === 'confirmed') return 'already-confirmed';
  return current.statusVersion === statusVersion ? 'confirm' : 'stale';
}

/**
 * Why an import must not apply a row, if it must not: a list never brings back someone
 * who unsubscribed (consent was withdrawn), who complained, or an address suppressed for bouncing.
 */
export function importRefusal(current: SubscriberRecord, status: SubscriberStatus): string | undefined {
  const wantsMail = status === 'confirmed' || status === 'pending';
  if (!wantsMail) return undefined;
  if (current.suppression?.reason === 'complaint') {
    return `${current.email} complained (marked an issue as spam) on ${current.suppression.at.slice(0, 10)}; an import never subscribes them again (they can subscribe themselves)`;
  }
  if (current.status === 'bounced' && current.suppression?.reason === 'soft-bounce') {
    return `${current.email} is suppressed after repeated soft bounces; an import does not re-enable it`;
  }
  if (current.status === 'unsubscribed') {
    const since = current.unsubscribedAt ? ` on ${current.unsubscribedAt.slice(0, 10)}` : '';
    return `${current.email} unsubscribed${since}; an import never subscribes them again (they can subscribe themselves)`;
  }
  if (current.status === 'bounced') {
    return `${current.email} is suppressed after ${current.bounceCount} hard bounce(s); an import does not re-enable it`;
  }
  return undefined;
}

/** Why an import must not apply a row whatever is stored: it says the address is suppressed, yet asks for mail. */
export function suppressedRowRefusal(fields: Pick<SubscriberFields, 'email' | 'suppression'>, status: SubscriberStatus): string | undefined {
  if (fields.suppression === undefined || hasWithdrawnConsent(status)) return undefined;
  return `${fields.email} is suppressed (${fields.suppression}) in the file but has status ${status}; a suppressed address is imported as unsubscribed or bounced only`;
}

/** An import row without a status: an operator importing a list they already had, whose people already agreed. */
export const IMPORT_DEFAULT_STATUS: SubscriberStatus = 'confirmed';

/** Whether `add` (even with --force) must refuse the address: only the person, confirming again, brings a complainer back. */
export function hasComplained(subscriber: Pick<Subscriber, 'suppression'>): boolean {
  return subscriber.suppression?.reason === 'complaint';
}

// --- delivery events: what a reported bounce, complaint, delivery or unsubscribe does ----

/**
 * What the store read about the subscriber's earlier events before recording a new one
 * (the new one not among them). "The same delivery" is the same subscriber and issue; an
 * event naming no issue is a delivery of its own.
 */
export interface EventHistory {
  /** Bounce types already reported for the same delivery. */
  deliveryBounces: Array<'hard' | 'soft'>;
  /** The latest occurred_at (UTC ISO) of any hard bounce of the subscriber, or null. */
  latestHardBounceAt: string | null;
  /** Soft bounces of the subscriber recorded since they last confirmed: one entry per event. */
  softBounces: Array<{ issueDate: string | null; occurredAt: string }>;
}

/** The event as the rules read it. `occurredAt` is UTC ISO (the stores normalise it first). */
export type RuledEvent = Pick<MatchedEvent, 'kind' | 'bounceType' | 'status' | 'diagnostic' | 'source' | 'issueDate' | 'occurredAt'>;

export interface EventDecision {
  /** What to write to the subscriber; undefined when the event changes nothing. */
  change: SubscriberChange | undefined;
  /** Set when the event suppressed a subscriber who was mailable before it. */
  suppressed: SuppressionReason | null;
}

const DAY_MS = 86_400_000;

/**
 * What recording `event` does to the subscriber. Only a mailable subscriber (pending,
 * confirmed) is moved; an unsubscribed or bounced one is left as they are (the event is
 * still recorded), except that a complaint marks them so nothing re-adds them.
 * - complaint: 'unsubscribed' at once, suppression 'complaint';
 * - unsubscribe: 'unsubscribed';
 * - hard bounce: one more towards `hardBounceLimit`, unless this delivery's hard bounce was
 *   counted already (a 5xx and a DSN, or two providers' reports, are one bounce); at the
 *   limit 'bounced', suppression 'hard-bounce';
 * - soft bounce: 'bounced' (suppression 'soft-bounce') once `softBounceLimit` deliveries
 *   soft-bounced within `softBounceWindowDays` of each other, this one among them (a
 *   delivery that bounced hard already counts as that, not again as soft);
 * - delivered: the hard-bounce count starts again, unless a bounce of this same delivery
 *   was reported, or a hard bounce that happened later than this delivery: a late
 *   "delivered" never undoes a bounce, and a bounce after a "delivered" still counts.
 */
export function afterDeliveryEvent(
  current: SubscriberRecord,
  event: RuledEvent,
  history: EventHistory,
  rules: SuppressionRules,
  at: string,
): EventDecision {
  const unchanged: EventDecision = { change: undefined, suppressed: null };
  const base = withStatus(current, current.status, at);
  const mailable = !hasWithdrawnConsent(current.status);
  const suppression = (reason: SuppressionReason, detail: string | null): Suppression => ({ reason, detail, at });
  switch (event.kind) {
    case 'complaint': {
      const marked = suppression('complaint', describeReport(event, `a complaint reported by ${event.source}`));
      if (!mailable) return current.suppression?.reason === 'complaint' ? unchanged : { change: { ...base, suppression: marked }, suppressed: null };
      return { change: { ...withStatus(current, 'unsubscribed', at), suppression: marked }, suppressed: 'complaint' };
    }
    case 'unsubscribe':
      return mailable ? { change: withStatus(current, 'unsubscribed', at), suppressed: null } : unchanged;
    case 'delivered': {
      if (!mailable || current.bounceCount === 0 || history.deliveryBounces.length > 0) return unchanged;
      if (history.latestHardBounceAt !== null && history.latestHardBounceAt > event.occurredAt) return unchanged;
      return { change: { ...base, bounceCount: 0 }, suppressed: null };
    }
    case 'bounce':
      if (!mailable) return unchanged;
      if (event.bounceType === 'hard') {
        if (event.issueDate !== null && history.deliveryBounces.includes('hard')) return unchanged;
        const bounceCount = current.bounceCount + 1;
        if (bounceCount < rules.hardBounceLimit) return { change: { ...base, bounceCount }, suppressed: null };
        const detail = describeReport(event, `${bounceCount} hard bounce(s)`);
        return { change: { ...withStatus(current, 'bounced', at), bounceCount, suppression: suppression('hard-bounce', detail) }, suppressed: 'hard-bounce' };
      }
      // A delivery that bounced hard has been counted as that; a soft report of it adds nothing.
      if (event.issueDate !== null && history.deliveryBounces.includes('hard')) return unchanged;
      if (!softBounceLimitReached([...history.softBounces, event], event, rules)) return unchanged;
      return {
        change: { ...withStatus(current, 'bounced', at), suppression: suppression('soft-bounce', describeReport(event, `${rules.softBounceLimit} soft bounces within ${rules.softBounceWindowDays} days`)) },
        suppressed: 'soft-bounce',
      };
  }
}

/**
 * Whether some window of `softBounceWindowDays` holding `latest` holds `softBounceLimit`
 * soft-bounced deliveries (one per issue, whatever the number of reports; a report naming no
 * issue counts on its own). Any window, not only the one ending now, so the order reports
 * arrive in does not matter.
 */
export function softBounceLimitReached(
  bounces: ReadonlyArray<{ issueDate: string | null; occurredAt: string }>,
  latest: { occurredAt: string },
  rules: Pick<SuppressionRules, 'softBounceLimit' | 'softBounceWindowDays'>,
): boolean {
  const earliestPerDelivery = new Map<string, number>();
  bounces.forEach((bounce, index) => {
    const key = bounce.issueDate ?? `report ${index}`;
    const time = Date.parse(bounce.occurredAt);
    earliestPerDelivery.set(key, Math.min(time, earliestPerDelivery.get(key) ?? Infinity));
  });
  const times = [...earliestPerDelivery.values()].sort((a, b) => a - b);
  const anchor = Date.parse(latest.occurredAt);
  const window = rules.softBounceWindowDays * DAY_MS;
  // Every window containing `anchor` starts somewhere in [anchor - window, anchor]: trying each bounce in there as the start covers them all.
  return times.some((start) => start <= anchor && start >= anchor - window && times.filter((time) => time >= start && time <= start + window).length >= rules.softBounceLimit);
}

/** "5.1.1 user unknown", or `fallback` when the report says nothing. */
function describeReport(event: Pick<RuledEvent, 'status' | 'diagnostic'>, fallback: string): string {
  // A 5xx reply already quotes its status code: "550 5.1.1 user unknown", not "5.1.1 550 5.1.1 …".
  const status = event.status !== null && event.diagnostic?.includes(event.status) ? null : event.status;
  const words = [status, event.diagnostic].filter((part): part is string => part !== null && part !== '').join(' ');
  return words === '' ? fallback : `${fallback}: ${words}`.slice(0, 1000);
}

/** The enhanced status code (RFC 3463) in an SMTP reply such as "550 5.1.1 <x>: user unknown", or null. */
export function enhancedStatusIn(reply: string): string | null {
  return /(?:^|[\s-])([245]\.\d{1,3}\.\d{1,3})(?=\s|$|[;:,)]|\.(?:\s|$))/.exec(reply)?.[1] ?? null;
}

/** The key of the delivery event a synchronous 5xx records: one per delivery, whatever the reply. */
export function smtpFailureKey(issueDate: string, subscriberId: number): string {
  return `smtp:${issueDate}:${subscriberId}`;
}

/** The hard bounce a 5xx during the SMTP conversation is (markFailed records it), at `at`. */
export function smtpFailureEvent(issueDate: string, subscriber: Pick<Subscriber, 'id' | 'email'>, reply: string, at: string): MatchedEvent {
  return {
    key: smtpFailureKey(issueDate, subscriber.id),
    source: 'smtp',
    kind: 'bounce',
    bounceType: 'hard',
    status: enhancedStatusIn(reply),
    diagnostic: reply.slice(0, 1000),
    recipient: subscriber.email,
    occurredAt: at,
    returnPath: null,
    messageId: null,
    subscriberId: subscriber.id,
    issueDate,
  };
}

/** One issue's counts as the stores read them (each delivery counted once per line). */
export interface IssueCounts {
  issueDate: string;
  accepted: number;
  deferred: number;
  /** Ledger rows 'failed' (a 5xx): handed over, and refused. */
  failed: number;
  hard: number;
  soft: number;
  delivered: number;
  complained: number;
  unsubscribed: number;
}

/** The report of one issue: the counts and the rates. */
export function issueDeliveryReport(counts: IssueCounts): IssueDeliveryReport {
  const { issueDate, accepted, deferred, failed, hard, soft, delivered, complained, unsubscribed } = counts;
  // Bounces include the 5xx replies, which were never accepted: their share is of everything handed over.
  const handedOver = accepted + failed;
  return {
    issueDate,
    accepted,
    delivered,
    bounced: { hard, soft },
    complained,
    unsubscribed,
    deferred,
    bounceRate: handedOver === 0 ? 0 : (hard + soft) / handedOver,
    complaintRate: accepted === 0 ? 0 : complained / accepted,
  };
}

// --- the send ledger ---------------------------------------------------------

/**
 * Which state each ledger mark writes, and from which states it may: a mark on a row in
 * any other state changes nothing (a missing row is created in the mark's state).
 * 'sent' is final; 'failed' and 'skipped' are final for the issue, except that a message
 * accepted after all overrides an earlier 'failed' (the server's word wins). 'skipped'
 * also settles a 'sending' row a crash left for someone who has since changed topics.
 */
export const LEDGER_TRANSITIONS = {
  // Prepare creates 'pending' rows; a rebuilt issue asks again about rows skipped for the old content.
  pending: ['skipped'],
  sending: ['pending', 'sending', 'deferred'],
  sent: ['pending', 'sending', 'deferred', 'failed'],
  deferred: ['pending', 'sending', 'deferred'],
  skipped: ['pending', 'sending', 'deferred'],
  failed: ['pending', 'sending', 'deferred'],
} as const satisfies Record<DeliveryState, readonly DeliveryState[]>;

/** States after which a subscriber is owed nothing more for that issue: not a recipient again. */
export const SETTLED_STATES = ['sent', 'failed', 'skipped'] as const satisfies readonly DeliveryState[];

/** States in which a row still owes its subscriber the issue. */
export const UNSETTLED_STATES = ['pending', 'sending', 'deferred'] as const satisfies readonly DeliveryState[];

/**
 * Who may claim which ledger row (the ledger is the queue). A row is claimable, for a
 * subscriber still confirmed, when it is
 * - `fresh`: prepared and never claimed;
 * - `retry`: deferred by a run other than the claimer (a run does not retry within itself
 *   what it deferred: the next run does);
 * - `leased`: claimed, but its lease ended (by the store's clock) or it has none (a row a
 *   crash of an older papermail left): its run died or stalled.
 * Claiming makes it 'sending' under the claimer's lease. The stores turn this into SQL.
 */
export const CLAIMABLE = {
  fresh: 'pending',
  retry: 'deferred',
  leased: 'sending',
} as const satisfies Record<string, DeliveryState>;

// --- the day-wide send rate ----------------------------------------------------

/** The milliseconds between two send slots at `perSecond` messages a second. */
export function slotSpacingMs(perSecond: number): number {
  return 1000 / perSecond;
}

/**
 * Reserving `count` send slots of a day: they start at the day's next free slot, or now when
 * that has passed (an idle rate is not saved up for a burst), and the next free slot moves on
 * past them. Both stores do this atomically, by their own clock.
 */
export function reserveSlots(nextFreeMs: number | undefined, nowMs: number, count: number, perSecond: number): { firstSlotMs: number; nextFreeMs: number } {
  const firstSlotMs = Math.max(nextFreeMs ?? nowMs, nowMs);
  return { firstSlotMs, nextFreeMs: firstSlotMs + count * slotSpacingMs(perSecond) };
}

/** A frozen issue can be rebuilt only while no message of the day has been accepted. */
export function mayRebuildIssue(counts: Pick<LedgerCounts, 'sent'>): boolean {
  return counts.sent === 0;
}

/** The one-line refusal of `send --rebuild` once a message of the day was accepted. */
export function rebuildRefused(issueDate: string, sent: number): PapermailError {
  return new PapermailError(
    'EFROZEN',
    `the issue of ${issueDate} cannot be rebuilt: ${sent} message(s) of it were already accepted, and every reader of a day gets the same issue`,
  );
}

/** `'a', 'b'` for SQL `IN (…)`: the states are fixed words, never input. */
export function sqlStateList(states: readonly DeliveryState[]): string {
  return states.map((state) => `'${state}'`).join(', ');
}
