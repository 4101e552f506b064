/** The store's pure rules for delivery events, apart from any database (the stores' side is in store-contract.ts). */
import { describe, expect, it } from 'vitest';
import {
  afterDeliveryEvent,
  enhancedStatusIn,
  interestsChange,
  issueDeliveryReport,
  smtpFailureEvent,
  softBounceLimitReached,
  type EventHistory,
  type RuledEvent,
  type SubscriberRecord,
} from '../../src/subscribers/rules.js';
import { ReportedEventSchema } from '../../src/feedback/delivery-event.js';

const rules = { softBounceLimit: 3, softBounceWindowDays: 15 };
const at = (date: string) => ({ issueDate: date, occurredAt: `${date}T09:00:00.000Z` });

describe('softBounceLimitReached', () => {
  it('is reached by as many soft-bounced deliveries as the limit within the window', () => {
    const bounces = [at('2025-10-01'), at('2025-10-08'), at('2025-10-16')];
    expect(softBounceLimitReached(bounces, at('2025-10-16'), rules)).toBe(true);
  });

  it('is not reached when they spread over more than the window', () => {
    const bounces = [at('2025-10-01'), at('2025-10-08'), at('2025-10-17')];
    expect(softBounceLimitReached(bounces, at('2025-10-17'), rules)).toBe(false);
  });

  it('counts a window around a bounce reported late, not only the one ending with it', () => {
    const bounces = [at('2025-10-01'), at('2025-10-14'), at('2025-10-05')];
    expect(softBounceLimitReached(bounces, at('2025-10-05'), rules)).toBe(true);
  });

  it('counts several reports of one delivery once, and each report naming no issue on its own', () => {
    const sameDelivery = [at('2025-10-01'), { issueDate: '2025-10-01', occurredAt: '2025-10-02T09:00:00.000Z' }, at('2025-10-03')];
    expect(softBounceLimitReached(sameDelivery, at('2025-10-03'), rules)).toBe(false);
    const noIssue = [{ issueDate: null, occurredAt: '2025-10-01T09:00:00.000Z' }, { issueDate: null, occurredAt: '2025-10-02T09:00:00.000Z' }, at('2025-10-03')];
    expect(softBounceLimitReached(noIssue, at('2025-10-03'), rules)).toBe(true);
  });
});

describe('enhancedStatusIn', () => {
  it.each([
    ['550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown', '5.1.1'],
    ['550-5.1.1 The email account that you tried to reach does not exist.', '5.1.1'],
    ['552 5.2.2 Mailbox full', '5.2.2'],
    ['550 Requested action not taken: mailbox unavailable', null],
    ['554 Transaction failed version 2.3.4.5', null],
  ])('reads %j as %j', (reply, status) => {
    expect(enhancedStatusIn(reply)).toBe(status);
  });
});

describe('smtpFailureEvent', () => {
  it('is a valid report, keyed by the delivery whatever the reply says', () => {
    const event = smtpFailureEvent('2025-10-01', { id: 7, email: 'ann@example.com' }, `550 5.1.1 ${'x'.repeat(2000)}`, '2025-10-01T08:00:00.000Z');
    const { subscriberId, issueDate, ...reported } = event;
    expect(ReportedEventSchema.safeParse(reported).success).toBe(true);
    expect({ key: event.key, subscriberId, issueDate, status: event.status }).toEqual({ key: 'smtp:2025-10-01:7', subscriberId: 7, issueDate: '2025-10-01', status: '5.1.1' });
  });
});

describe('issueDeliveryReport', () => {
  const counts = { issueDate: '2025-10-01', accepted: 0, deferred: 0, failed: 0, hard: 0, soft: 0, delivered: 0, complained: 0, unsubscribed: 0 };

  it('takes bounce rates over everything handed over (5xx included) and complaint rates over what was accepted', () => {
    const report = issueDeliveryReport({ ...counts, accepted: 998, failed: 2, hard: 4, soft: 1, complained: 3 });
    expect(report).toMatchObject({ bounced: { hard: 4, soft: 1 }, bounceRate: 5 / 1000, complaintRate: 3 / 998 });
  });

  it('gives rates of 0 when nothing was handed over', () => {
    expect(issueDeliveryReport({ ...counts, deferred: 4 })).toMatchObject({ deferred: 4, bounceRate: 0, complaintRate: 0 });
  });
});

describe('afterDeliveryEvent', () => {
  const now = '2025-10-05T08:00:00.000Z';
  const limits = { hardBounceLimit: 2, softBounceLimit: 2, softBounceWindowDays: 15 };
  const reader: SubscriberRecord = {
    id: 1,
    email: 'ann@example.com',
    name: null,
    status: 'confirmed',
    topics: null,
    cadence: 'daily',
    createdAt: '2025-09-01T08:00:00.000Z',
    confirmedAt: '2025-09-01T08:00:00.000Z',
    unsubscribedAt: null,
    bounceCount: 0,
    statusVersion: 1,
    suppression: null,
  };
  const none: EventHistory = { deliveryBounces: [], latestHardBounceAt: null, softBounces: [] };
  const event = (overrides: Partial<RuledEvent>): RuledEvent => ({
    kind: 'bounce',
    bounceType: 'soft',
    status: null,
    diagnostic: null,
    source: 'mailbox',
    issueDate: '2025-10-04',
    occurredAt: '2025-10-04T09:00:00.000Z',
    ...overrides,
  });

  it('does not count a soft report of a delivery that bounced hard already', () => {
    const earlierSoft = { issueDate: '2025-10-01', occurredAt: '2025-10-01T09:00:00.000Z' };
    const history = { ...none, deliveryBounces: ['hard' as const], softBounces: [earlierSoft] };
    expect(afterDeliveryEvent(reader, event({}), history, limits, now)).toEqual({ change: undefined, suppressed: null });
    expect(afterDeliveryEvent(reader, event({}), { ...none, softBounces: [earlierSoft] }, limits, now)).toMatchObject({ suppressed: 'soft-bounce' });
  });

  it('marks a bounced address that complains, without calling it a new suppression', () => {
    const bounced = { ...reader, status: 'bounced' as const, suppression: { reason: 'hard-bounce' as const, detail: null, at: now } };
    const decision = afterDeliveryEvent(bounced, event({ kind: 'complaint', bounceType: null }), none, limits, now);
    expect(decision).toEqual({ change: expect.objectContaining({ status: 'bounced', suppression: expect.objectContaining({ reason: 'complaint' }) }), suppressed: null });
  });

  it('counts a hard bounce naming no issue every time: there is no delivery to count it against', () => {
    const once = { ...reader, bounceCount: 1 };
    const decision = afterDeliveryEvent(once, event({ bounceType: 'hard', issueDate: null }), { ...none, deliveryBounces: [] }, limits, now);
    expect(decision).toMatchObject({ change: { status: 'bounced', bounceCount: 2 }, suppressed: 'hard-bounce' });
  });
});

describe('interests an operator gives with a subscriber', () => {
  const stored = { text: 'agents', include: ['tool use'], exclude: [], follow: ['Meta'] };

  it('replace only the fields given', () => {
    expect(interestsChange(stored, { exclude: ['robotics'] })).toEqual({ ...stored, exclude: ['robotics'] });
    expect(interestsChange(stored, { text: '', follow: [] })).toEqual({ text: '', include: ['tool use'], exclude: [], follow: [] });
  });

  it('are no change when they say what is stored, entry by entry', () => {
    expect(interestsChange(stored, { text: 'agents', follow: ['Meta'] })).toBeUndefined();
    expect(interestsChange(stored, {})).toBeUndefined();
    expect(interestsChange({ ...stored, include: ['a', 'b'] }, { include: ['a\nb'] })).toEqual({ ...stored, include: ['a\nb'] });
  });
});
