import { describe, expect, it } from 'vitest';
import { addDays, dayInTimeZone, issueDayFor, parseIssueDay } from '../../src/digest/dates.js';

describe('issue days', () => {
  it('takes the calendar day in the configured time zone', () => {
    const instant = new Date('2025-09-30T23:30:00Z');
    expect(dayInTimeZone(instant, 'UTC')).toBe('2025-09-30');
    expect(dayInTimeZone(instant, 'Europe/Berlin')).toBe('2025-10-01');
  });

  it('covers yesterday by default because a day fills up during that day', () => {
    expect(issueDayFor(new Date('2025-10-01T08:00:00Z'), 'UTC', 1)).toBe('2025-09-30');
  });

  it('crosses month and year boundaries', () => {
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });

  it('rejects a date that does not exist with the option name', () => {
    expect(() => parseIssueDay('2025-02-30')).toThrow(/--date must be a real date as YYYY-MM-DD \(got "2025-02-30"\)/);
    expect(() => parseIssueDay('30/09/2025')).toThrow(/--date/);
  });
});
