/**
 * The store's rules, apart from any database: how a subscriber's status may change (and
 * what a change also touches), what an import refuses, which ledger state may follow
 * which, and when hard bounces suppress an address. Both stores (SQLite and PostgreSQL)
 * read the current row, ask these functions, and write what they return (or turn the
 * ledger table into SQL), so the two cannot drift apart.
 */
import { PapermailError } from '../errors.js';
import type { DeliveryState, LedgerCounts, Subscriber, SubscriberStatus } from './store.js';

/** A subscriber as the rules see them (each store maps its rows to and from this): also when they unsubscribed. */
export type SubscriberRecord = Subscriber & { unsubscribedAt: string | null };

/** The subscriber as the store's users see them. */
export function toSubscriber({ unsubscribedAt: _unsubscribedAt, ...subscriber }: SubscriberRecord): Subscriber {
  return subscriber;
}

/** What an update writes back: the record's mutable fields. */
export type SubscriberChange = Pick<SubscriberRecord, 'name' | 'topics' | 'status' | 'confirmedAt' | 'unsubscribedAt' | 'bounceCount'>;

/** Validated input fields; undefined means "not given, keep what is stored". */
export interface SubscriberFields {
  email: string;
  name: string | null | undefined;
  topics: string[] | null | undefined;
  status: SubscriberStatus | undefined;
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
    status,
    createdAt: at,
    confirmedAt: status === 'confirmed' ? at : null,
    unsubscribedAt: status === 'unsubscribed' ? at : null,
    bounceCount: 0,
  };
}

/** The fields a status change touches, so "confirmed since" and bounce counts stay true. */
export function withStatus(current: SubscriberRecord, status: SubscriberStatus, at: string): SubscriberChange {
  const { name, topics, confirmedAt, unsubscribedAt, bounceCount } = current;
  const unchanged = { name, topics, status, confirmedAt, unsubscribedAt, bounceCount };
  if (status === current.status) return unchanged;
  switch (status) {
    case 'confirmed':
      // Re-enabling a bounced or unsubscribed address starts its bounce count afresh.
      return { ...unchanged, confirmedAt: at, unsubscribedAt: null, bounceCount: 0 };
    case 'pending':
      return { ...unchanged, confirmedAt: null };
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
  return {
    ...withStatus(current, status, at),
    name: fields.name === undefined ? current.name : fields.name,
    topics: fields.topics === undefined ? current.topics : fields.topics,
  };
}

/** True when writing `next` would change the stored record. */
export function differs(current: SubscriberRecord, next: SubscriberChange): boolean {
  return (Object.keys(next) as Array<keyof SubscriberChange>).some((field) =>
    field === 'topics' ? JSON.stringify(current.topics) !== JSON.stringify(next.topics) : current[field] !== next[field],
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
 * who unsubscribed (consent was withdrawn) or an address suppressed for bouncing.
 */
export function importRefusal(current: SubscriberRecord, status: SubscriberStatus): string | undefined {
  const wantsMail = status === 'confirmed' || status === 'pending';
  if (!wantsMail) return undefined;
  if (current.status === 'unsubscribed') {
    const since = current.unsubscribedAt ? ` on ${current.unsubscribedAt.slice(0, 10)}` : '';
    return `${current.email} unsubscribed${since}; an import never subscribes them again (they can subscribe themselves)`;
  }
  if (current.status === 'bounced') {
    return `${current.email} is suppressed after ${current.bounceCount} hard bounce(s); an import does not re-enable it`;
  }
  return undefined;
}

/** An import row without a status: an operator importing a list they already had, whose people already agreed. */
export const IMPORT_DEFAULT_STATUS: SubscriberStatus = 'confirmed';

/**
 * One more consecutive hard bounce: at `limit` a subscriber who still gets mail becomes
 * 'bounced' (suppressed); one who unsubscribed keeps that status.
 */
export function afterHardBounce(current: Pick<SubscriberRecord, 'status' | 'bounceCount'>, limit: number): Pick<SubscriberRecord, 'status' | 'bounceCount'> {
  const bounceCount = current.bounceCount + 1;
  const suppressed = bounceCount >= limit && !hasWithdrawnConsent(current.status);
  return { bounceCount, status: suppressed ? 'bounced' : current.status };
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
