import { PapermailError } from '../errors.js';
import { IsoDaySchema } from './paper.js';

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function dayInTimeZone(instant: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** Adds whole days to a YYYY-MM-DD day (negative to go back). */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The day an issue sent now covers: `offsetDays` before today in the configured zone. */
export function issueDayFor(now: Date, timeZone: string, offsetDays: number): string {
  return addDays(dayInTimeZone(now, timeZone), -offsetDays);
}

/** Validates a user-given day, naming where it came from in the error. */
export function parseIssueDay(value: string, where = '--date'): string {
  const result = IsoDaySchema.safeParse(value);
  if (!result.success || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || addDays(value, 0) !== value) {
    throw new PapermailError('EUSAGE', `${where} must be a real date as YYYY-MM-DD (got ${JSON.stringify(value)})`);
  }
  return value;
}
