/**
 * When a new subscriber's first issue comes: the schedule's next fire after the moment
 * they confirmed, worked out from CRON_SCHEDULE's fields as node-cron reads them (in TZ,
 * day of month AND day of week), with the clock passed in — node-cron's own
 * getNextRun() reads the wall clock and needs a running task.
 */
import cron from 'node-cron';
import { addDays, dayInTimeZone } from '../digest/dates.js';
import { weekdayOf, type Weekday } from '../digest/week.js';
import { humanDate } from '../render/format.js';
import type { Cadence } from '../subscribers/cadence.js';

/** Far enough for "29 February only" schedules, still cheap: only matching days cost anything. */
const MAX_DAYS_AHEAD = 8 * 366;
const HALF_DAY_MS = 12 * 60 * 60 * 1000;

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The first instant after `after` at which `expression` fires in `timeZone`, or null when
 * it cannot say: an invalid expression, one using L, W or # (rare for a daily newsletter),
 * or no fire within eight years.
 */
export function nextScheduledSend(expression: string, timeZone: string, after: Date): Date | null {
  let fields: ReturnType<typeof cron.parse>;
  try {
    fields = cron.parse(expression);
  } catch {
    return null;
  }
  const { dayOfMonth, dayOfWeek, month } = fields;
  if (!dayOfMonth.every(isNumber) || !dayOfWeek.every(isNumber)) return null;
  const ascending = (values: number[]) => [...values].sort((a, b) => a - b);
  const [hours, minutes, seconds] = [ascending(fields.hour), ascending(fields.minute), ascending(fields.second)];

  const toWall = wallClockIn(timeZone);
  const start = toWall(after);
  const startSecondOfDay = secondOfDay(start);
  let day = isoDay(start);
  for (let offset = 0; offset < MAX_DAYS_AHEAD; offset += 1, day = addDays(day, 1)) {
    const [year, monthNumber, dayNumber] = day.split('-').map(Number) as [number, number, number];
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    if (!month.includes(monthNumber) || !dayOfMonth.includes(dayNumber) || !dayOfWeek.includes(weekday)) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        for (const second of seconds) {
          const wall = { year, month: monthNumber, day: dayNumber, hour, minute, second };
          // A shortcut past today's earlier times (the instant check below decides).
          if (offset === 0 && secondOfDay(wall) <= startSecondOfDay) continue;
          const instant = instantOf(wall, toWall);
          if (instant !== null && instant.getTime() > after.getTime()) return instant;
        }
      }
    }
  }
  return null;
}

/**
 * "tomorrow around 08:00 UTC", "on Saturday around 07:30 (Europe/Berlin time)": when `at`
 * is, seen from `now`, in the newsletter's time zone (the reader's is not known).
 */
export function describeSendTime(at: Date, now: Date, timeZone: string): string {
  const day = dayInTimeZone(at, timeZone);
  const daysAhead = Math.round((Date.parse(day) - Date.parse(dayInTimeZone(now, timeZone))) / 86_400_000);
  const wall = wallClockIn(timeZone)(at);
  const time = `${pad(wall.hour)}:${pad(wall.minute)}`;
  const zone = timeZone === 'UTC' || timeZone === 'Etc/UTC' ? 'UTC' : `(${timeZone} time)`;
  return `${relativeDay(day, daysAhead)} around ${time} ${zone}`;
}

/** The confirmed page's "when": null when the schedule cannot tell (the page then says less). */
/** Fires looked at for the next one on WEEKLY_DAY: a week of an every-minute schedule is far more. */
const MAX_FIRES_FOR_A_WEEKDAY = 1_000;

/**
 * When the first issue of a subscriber of `cadence` comes: the next fire, or for a weekly
 * subscriber the next fire on WEEKLY_DAY (in TZ), which is when the weekly issue goes out.
 */
export function firstIssueTime(
  schedule: { CRON_SCHEDULE: string; TZ: string; WEEKLY_DAY?: Weekday },
  now: Date,
  cadence: Cadence = 'daily',
): string | null {
  let at = nextScheduledSend(schedule.CRON_SCHEDULE, schedule.TZ, now);
  if (cadence === 'weekly') {
    const weeklyDay = schedule.WEEKLY_DAY ?? 'monday';
    for (let fires = 0; at !== null && weekdayOf(dayInTimeZone(at, schedule.TZ)) !== weeklyDay; fires += 1) {
      at = fires < MAX_FIRES_FOR_A_WEEKDAY ? nextScheduledSend(schedule.CRON_SCHEDULE, schedule.TZ, at) : null;
    }
  }
  return at === null ? null : describeSendTime(at, now, schedule.TZ);
}

function relativeDay(day: string, daysAhead: number): string {
  if (daysAhead <= 0) return 'today';
  if (daysAhead === 1) return 'tomorrow';
  const full = humanDate(day); // "Saturday, 3 October 2026"
  return daysAhead < 7 ? `on ${full.slice(0, full.indexOf(','))}` : `on ${full}`;
}

function isNumber(value: number | string): value is number {
  return typeof value === 'number';
}

function wallClockIn(timeZone: string): (instant: Date) => WallTime {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (instant) => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(instant)) parts[part.type] = Number(part.value);
    return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
  };
}

/**
 * The instant a wall-clock time names in a zone. The zone's offset half a day before and
 * after covers both sides of a DST change: in the hour a fall-back repeats, the earlier
 * instant wins; a time a spring-forward skips gives null, as it never strikes.
 */
function instantOf(wall: WallTime, toWall: (instant: Date) => WallTime): Date | null {
  const asUtc = wallAsUtc(wall);
  const offsetAt = (instant: number) => wallAsUtc(toWall(new Date(instant))) - instant;
  const candidates = [asUtc - offsetAt(asUtc - HALF_DAY_MS), asUtc - offsetAt(asUtc + HALF_DAY_MS)]
    .filter((candidate) => wallAsUtc(toWall(new Date(candidate))) === asUtc)
    .sort((a, b) => a - b);
  return candidates.length === 0 ? null : new Date(candidates[0]!);
}

function wallAsUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

function secondOfDay(wall: Pick<WallTime, 'hour' | 'minute' | 'second'>): number {
  return wall.hour * 3600 + wall.minute * 60 + wall.second;
}

function isoDay(wall: WallTime): string {
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
