/**
 * ISO 8601 weeks ("2025-W40": Monday 29 September to Sunday 5 October 2025), the unit of a weekly
 * issue. Week 1 is the week with the year's first Thursday, so a week belongs to the year of its
 * Thursday: 2026-W01 starts on Monday 29 December 2025, and some years have a week 53.
 */
import { z } from 'zod';
import { PapermailError } from '../errors.js';
import { addDays, dayInTimeZone } from './dates.js';

export interface IsoWeek {
  /** "2025-W40" */
  id: string;
  year: number;
  /** 1 to 52, or 53 in a long year. */
  week: number;
  /** Its Monday, YYYY-MM-DD. */
  from: string;
  /** Its Sunday, YYYY-MM-DD. */
  to: string;
}

const WEEK_FORMAT = /^(\d{4})-W(\d{2})$/;

/** A week as written, checked to exist in its year; messages read after "must be". */
export const IsoWeekSchema = z
  .string()
  .regex(WEEK_FORMAT, 'an ISO week as YYYY-Www, such as 2025-W40')
  .superRefine((value, context) => {
    const match = WEEK_FORMAT.exec(value);
    if (match === null) return; // the format's own message stands
    const [, year, week] = match;
    const weeks = weeksInYear(Number(year));
    if (Number(week) < 1 || Number(week) > weeks) {
      context.addIssue({ code: 'custom', message: `a week of its year: ${year} has weeks W01 to W${weeks}` });
    }
  })
  .transform((value) => {
    const [, year, week] = WEEK_FORMAT.exec(value)!;
    return isoWeek(Number(year), Number(week));
  });

/** Validates a user-given week, naming where it came from: `--week must be … (got "2025-W53")`. */
export function parseIsoWeek(value: string, where = '--week'): IsoWeek {
  const result = IsoWeekSchema.safeParse(value);
  if (result.success) return result.data;
  throw new PapermailError('EUSAGE', `${where} must be ${result.error.issues[0]!.message} (got ${JSON.stringify(value)})`);
}

/** The ISO week a YYYY-MM-DD day falls in. */
export function isoWeekOf(day: string): IsoWeek {
  const thursday = addDays(day, 3 - weekdayIndex(day));
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor(daysBetween(`${thursday.slice(0, 4)}-01-01`, thursday) / 7) + 1;
  return isoWeek(year, week);
}

/** 52, or 53 when 28 December (always in the year's last week) is in week 53. */
export function weeksInYear(year: number): number {
  return isoWeekOf(`${String(year).padStart(4, '0')}-12-28`).week;
}

/** Its seven days, Monday first. */
export function daysOfWeek(week: IsoWeek): string[] {
  return Array.from({ length: 7 }, (_, index) => addDays(week.from, index));
}

/** The days of a week by name, Monday first (ISO weeks start on Monday): WEEKLY_DAY is one of them. */
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "monday" for 2025-10-06. */
export function weekdayOf(day: string): Weekday {
  return WEEKDAYS[weekdayIndex(day)]!;
}

/** Monday to Friday: the days Hugging Face lists papers on (weekends have none). */
export function isWeekday(day: string): boolean {
  return weekdayIndex(day) < 5;
}

/**
 * The week a weekly issue built now covers: the last whole week that ended before today in the
 * configured zone (built on Monday 6 October 2025, or any day up to Sunday 12 October: 2025-W40).
 */
export function weekEndedBefore(now: Date, timeZone: string): IsoWeek {
  return isoWeekOf(addDays(dayInTimeZone(now, timeZone), -7));
}

function isoWeek(year: number, week: number): IsoWeek {
  const yearText = String(year).padStart(4, '0');
  // 4 January is always in week 1.
  const january4 = `${yearText}-01-04`;
  const from = addDays(january4, (week - 1) * 7 - weekdayIndex(january4));
  return { id: `${yearText}-W${String(week).padStart(2, '0')}`, year, week, from, to: addDays(from, 6) };
}

/** 0 for Monday … 6 for Sunday. */
function weekdayIndex(day: string): number {
  return (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
