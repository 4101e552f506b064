import { describe, expect, it } from 'vitest';
import { daysOfWeek, isoWeekOf, isWeekday, parseIsoWeek, weekEndedBefore, weeksInYear } from '../../src/digest/week.js';
import { isPapermailError, type PapermailError } from '../../src/errors.js';

function weekError(value: string, where?: string): PapermailError {
  try {
    parseIsoWeek(value, where);
  } catch (error) {
    if (isPapermailError(error)) return error;
    throw error;
  }
  throw new Error(`expected ${value} to be refused`);
}

describe('parseIsoWeek', () => {
  it('reads 2025-W40 as Monday 29 September to Sunday 5 October 2025', () => {
    expect(parseIsoWeek('2025-W40')).toEqual({ id: '2025-W40', year: 2025, week: 40, from: '2025-09-29', to: '2025-10-05' });
  });

  it('puts week 1 in the year of its Thursday, even when it starts in December (2026-W01 starts 29 December 2025)', () => {
    expect(parseIsoWeek('2026-W01')).toMatchObject({ from: '2025-12-29', to: '2026-01-04' });
    expect(parseIsoWeek('2021-W01')).toMatchObject({ from: '2021-01-04', to: '2021-01-10' });
  });

  it('accepts week 53 in a long year and lets it run into January (2026-W53 ends 3 January 2027)', () => {
    expect(parseIsoWeek('2026-W53')).toMatchObject({ from: '2026-12-28', to: '2027-01-03' });
    expect(parseIsoWeek('2020-W53')).toMatchObject({ from: '2020-12-28', to: '2021-01-03' });
  });

  it.each([
    ['2025-W53', '--week must be a week of its year: 2025 has weeks W01 to W52 (got "2025-W53")'],
    ['2025-W00', '--week must be a week of its year: 2025 has weeks W01 to W52 (got "2025-W00")'],
    ['2026-W54', '--week must be a week of its year: 2026 has weeks W01 to W53 (got "2026-W54")'],
    ['2025-40', '--week must be an ISO week as YYYY-Www, such as 2025-W40 (got "2025-40")'],
    ['2025W40', '--week must be an ISO week as YYYY-Www, such as 2025-W40 (got "2025W40")'],
    ['2025-W4', '--week must be an ISO week as YYYY-Www, such as 2025-W40 (got "2025-W4")'],
    ['2025-09-29', '--week must be an ISO week as YYYY-Www, such as 2025-W40 (got "2025-09-29")'],
    ['', '--week must be an ISO week as YYYY-Www, such as 2025-W40 (got "")'],
  ])('refuses %j in one line naming the value, as a usage error', (value, message) => {
    const error = weekError(value);
    expect(error.code).toBe('EUSAGE');
    expect(error.message).toBe(message);
  });

  it('names where the week came from when told', () => {
    expect(weekError('2025-W99', 'the folder name').message).toMatch(/^the folder name must be a week of its year/);
  });
});

describe('isoWeekOf and weeksInYear', () => {
  it('gives every day of a week the same week, Monday to Sunday', () => {
    for (const day of daysOfWeek(parseIsoWeek('2025-W40'))) expect(isoWeekOf(day).id).toBe('2025-W40');
    expect(isoWeekOf('2025-09-28').id).toBe('2025-W39');
    expect(isoWeekOf('2025-10-06').id).toBe('2025-W41');
  });

  it('crosses year boundaries the ISO way: 1 January 2027 is in 2026-W53, 31 December 2024 in 2025-W01', () => {
    expect(isoWeekOf('2027-01-01').id).toBe('2026-W53');
    expect(isoWeekOf('2024-12-31').id).toBe('2025-W01');
    expect(isoWeekOf('2021-01-03').id).toBe('2020-W53');
  });

  it('counts 53 weeks in years that have them and 52 in the others', () => {
    expect([2015, 2020, 2026, 2032].map(weeksInYear)).toEqual([53, 53, 53, 53]);
    expect([2021, 2024, 2025, 2027].map(weeksInYear)).toEqual([52, 52, 52, 52]);
  });

  it('lists a week Monday first and counts Monday to Friday as weekdays', () => {
    const days = daysOfWeek(parseIsoWeek('2025-W40'));
    expect(days).toEqual(['2025-09-29', '2025-09-30', '2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05']);
    expect(days.map(isWeekday)).toEqual([true, true, true, true, true, false, false]);
  });
});

describe('weekEndedBefore (the default week of a weekly issue)', () => {
  it('is the week just over on Monday, and still that week until Sunday', () => {
    expect(weekEndedBefore(new Date('2025-10-06T08:00:00Z'), 'UTC').id).toBe('2025-W40');
    expect(weekEndedBefore(new Date('2025-10-12T23:00:00Z'), 'UTC').id).toBe('2025-W40');
  });

  it('never is the week still running: on Sunday it is the week before', () => {
    expect(weekEndedBefore(new Date('2025-10-05T12:00:00Z'), 'UTC').id).toBe('2025-W39');
  });

  it('reads today in the configured zone (Sunday 23:30 UTC is already Monday in Berlin)', () => {
    const instant = new Date('2025-10-05T23:30:00Z');
    expect(weekEndedBefore(instant, 'UTC').id).toBe('2025-W39');
    expect(weekEndedBefore(instant, 'Europe/Berlin').id).toBe('2025-W40');
  });

  it('goes back across New Year: on Monday 4 January 2027 it is 2026-W53', () => {
    expect(weekEndedBefore(new Date('2027-01-04T08:00:00Z'), 'UTC').id).toBe('2026-W53');
  });
});
