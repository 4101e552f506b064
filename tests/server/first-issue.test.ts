import { describe, expect, it } from 'vitest';
import { describeSendTime, firstIssueTime, nextScheduledSend } from '../../src/server/first-issue.js';

const at = (iso: string) => new Date(iso);

describe('nextScheduledSend', () => {
  it.each([
    ['0 8 * * *', 'UTC', '2025-10-01T07:59:00Z', '2025-10-01T08:00:00.000Z'],
    ['0 8 * * *', 'UTC', '2025-10-01T08:00:00Z', '2025-10-02T08:00:00.000Z'],
    ['0 8 * * *', 'Europe/Berlin', '2025-10-01T09:00:00Z', '2025-10-02T06:00:00.000Z'],
    ['30 7 * * *', 'Asia/Tokyo', '2025-10-01T09:00:00Z', '2025-10-01T22:30:00.000Z'],
    ['0 8 * * 1-5', 'UTC', '2025-10-03T09:00:00Z', '2025-10-06T08:00:00.000Z'],
    ['15 30 6 * * *', 'UTC', '2025-10-01T09:00:00Z', '2025-10-02T06:30:15.000Z'],
    ['0 8 29 2 *', 'UTC', '2025-10-01T09:00:00Z', '2028-02-29T08:00:00.000Z'],
  ])('%s in %s after %s is %s', (expression, timeZone, after, expected) => {
    expect(nextScheduledSend(expression, timeZone, at(after))?.toISOString()).toBe(expected);
  });

  it('skips a time the spring-forward removes, and takes the earlier of a time the fall-back repeats', () => {
    expect(nextScheduledSend('30 2 * * *', 'Europe/Berlin', at('2026-03-28T03:00:00Z'))?.toISOString()).toBe('2026-03-30T00:30:00.000Z');
    expect(nextScheduledSend('30 2 * * *', 'Europe/Berlin', at('2026-10-24T03:00:00Z'))?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it.each(['0 8 L * *', 'every morning'])('cannot tell for %j', (expression) => {
    expect(nextScheduledSend(expression, 'UTC', at('2025-10-01T09:00:00Z'))).toBeNull();
  });
});

describe('describeSendTime', () => {
  const now = at('2025-10-01T09:00:00Z'); // a Wednesday

  it.each([
    ['2025-10-01T10:00:00Z', 'UTC', 'today around 10:00 UTC'],
    ['2025-10-02T08:00:00Z', 'UTC', 'tomorrow around 08:00 UTC'],
    ['2025-10-04T08:00:00Z', 'UTC', 'on Saturday around 08:00 UTC'],
    ['2025-10-20T08:00:00Z', 'UTC', 'on Monday, 20 October 2025 around 08:00 UTC'],
    ['2025-10-02T06:00:00Z', 'Europe/Berlin', 'tomorrow around 08:00 (Europe/Berlin time)'],
    // 22:30 UTC on the 1st is already the 2nd in Tokyo.
    ['2025-10-01T22:30:00Z', 'Asia/Tokyo', 'tomorrow around 07:30 (Asia/Tokyo time)'],
  ])('says %s in %s as "%s"', (when, timeZone, expected) => {
    expect(describeSendTime(at(when), now, timeZone)).toBe(expected);
  });
});

describe('firstIssueTime', () => {
  it('reads CRON_SCHEDULE and TZ with the clock it is given', () => {
    expect(firstIssueTime({ CRON_SCHEDULE: '0 8 * * *', TZ: 'UTC' }, at('2025-10-01T08:00:00Z'))).toBe('tomorrow around 08:00 UTC');
    expect(firstIssueTime({ CRON_SCHEDULE: '0 18 * * *', TZ: 'UTC' }, at('2025-10-01T08:00:00Z'))).toBe('today around 18:00 UTC');
  });

  it('gives a weekly subscriber the next fire on WEEKLY_DAY, in TZ', () => {
    // Wednesday 1 October 2025.
    const schedule = { CRON_SCHEDULE: '0 8 * * *', TZ: 'UTC', WEEKLY_DAY: 'monday' as const };
    expect(firstIssueTime(schedule, at('2025-10-01T09:00:00Z'), 'weekly')).toBe('on Monday around 08:00 UTC');
    expect(firstIssueTime({ ...schedule, WEEKLY_DAY: 'thursday' }, at('2025-10-01T09:00:00Z'), 'weekly')).toBe('tomorrow around 08:00 UTC');
    expect(firstIssueTime(schedule, at('2025-10-01T09:00:00Z'), 'daily')).toBe('tomorrow around 08:00 UTC');
    // A schedule that never fires on the weekly day cannot say.
    expect(firstIssueTime({ ...schedule, CRON_SCHEDULE: '0 8 * * 2-5' }, at('2025-10-01T09:00:00Z'), 'weekly')).toBeNull();
  });
});
