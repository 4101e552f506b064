/**
 * An issue's id, as the ledger, frozen issues, the archive, the outbox and Message-IDs name
 * it: the date of a daily issue ("2025-09-30"), the ISO week of a weekly one ("2025-W40").
 * The two forms never overlap, so the id alone says which kind of issue it is.
 */
import { PapermailError } from '../errors.js';
import { parseIssueDay } from './dates.js';
import { IsoWeekSchema, parseIsoWeek } from './week.js';

const DAY_FORMAT = /^\d{4}-\d{2}-\d{2}$/;
const WEEK_FORMAT = /^\d{4}-W\d{2}$/;

/** True for the id of a weekly issue ("2025-W40"), by its shape. */
export function isWeekIssueId(id: string): boolean {
  return WEEK_FORMAT.test(id);
}

/** True for either shape of issue id (a real date, or a week that exists). */
export function isIssueId(value: string): boolean {
  if (DAY_FORMAT.test(value)) {
    try {
      parseIssueDay(value);
      return true;
    } catch {
      return false;
    }
  }
  return IsoWeekSchema.safeParse(value).success;
}

/** Validates a user-given issue id, naming where it came from: EUSAGE otherwise. */
export function parseIssueId(value: string, where: string): string {
  if (!isIssueId(value)) {
    throw new PapermailError('EUSAGE', `${where} must be an issue: a real date as YYYY-MM-DD, or an ISO week as YYYY-Www (got ${JSON.stringify(value)})`);
  }
  return value;
}

/**
 * Newest first, by the last day each issue covers (a week by its Sunday, after that Sunday's
 * daily, as it is sent the day after): as text a week's id would sort above every day of its year.
 */
export function newestIssueFirst(a: { date: string }, b: { date: string }): number {
  const key = (id: string) => (isWeekIssueId(id) ? `${parseIsoWeek(id, 'an archived issue').to}~` : id);
  const [ka, kb] = [key(a.date), key(b.date)];
  return ka < kb ? 1 : ka > kb ? -1 : 0;
}
