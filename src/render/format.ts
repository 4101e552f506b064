import { plural } from './text.js';

/** "Tuesday, 30 September 2025" — the day is a calendar day, so it is formatted in UTC. */
export function humanDate(day: string): string {
  const parts = dateParts(day, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  return `${parts.weekday}, ${parts.day} ${parts.month} ${parts.year}`;
}

/** "30 Sep 2025", for subject lines. */
export function shortDate(day: string): string {
  const parts = dateParts(day, { day: 'numeric', month: 'short', year: 'numeric' });
  return `${parts.day} ${parts.month} ${parts.year}`;
}

/** "30 Sep", for subject lines: the Date header and the issue itself carry the year. */
export function dayAndMonth(day: string): string {
  const parts = dateParts(day, { day: 'numeric', month: 'short' });
  return `${parts.day} ${parts.month}`;
}

/** Building a formatter costs about 100 µs, and a send asks for one per reader (their subject): built once per format. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function dateParts(day: string, format: Intl.DateTimeFormatOptions): Record<string, string> {
  const key = JSON.stringify(format);
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { ...format, timeZone: 'UTC' });
    formatters.set(key, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(new Date(`${day}T00:00:00Z`))) parts[part.type] = part.value;
  return parts;
}

/** "50 papers · 9 topics" */
export function issueCounts(papers: number, topics: number): string {
  return `${plural(papers, 'paper')} · ${plural(topics, 'topic')}`;
}

/**
 * "Ada Lovelace, Alan Turing, Grace Hopper +10": long author lists would dominate the
 * email, so only the first few are named.
 */
export function shortAuthors(authors: readonly string[], shown = 3): string {
  const named = authors.slice(0, shown).join(', ');
  const rest = authors.length - shown;
  return rest > 0 ? `${named} +${rest}` : named;
}

/**
 * The credit line under a title: shortened authors, then the submitting organisation when there
 * is one. A collective author named like the organisation ("NVIDIA" first of 89 authors, from
 * NVIDIA) is left out of the names, so the credit reads "… +85 · NVIDIA", not "NVIDIA +88 · NVIDIA".
 */
export function byline(authors: readonly string[], organization: string | undefined, shown = 3): string {
  const organisationKey = organization === undefined ? '' : nameKey(organization);
  const people = organisationKey === '' ? authors : authors.filter((author) => nameKey(author) !== organisationKey);
  return [shortAuthors(people, shown), organization ?? ''].filter((part) => part.trim() !== '').join(' · ');
}

function nameKey(name: string): string {
  return name.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** "1.2k" for star counts. */
export function compactCount(count: number): string {
  if (count < 1000) return String(count);
  const thousands = count / 1000;
  return `${thousands < 10 ? thousands.toFixed(1).replace(/\.0$/, '') : Math.round(thousands)}k`;
}

/** "Week 40, 2025" for "2025-W40". */
export function weekLabel(week: string): string {
  const [year, number] = week.split('-W') as [string, string];
  return `Week ${Number(number)}, ${year}`;
}

/** "29 September – 5 October 2025", "6 – 12 October 2025", "29 December 2025 – 4 January 2026". */
export function dayRange(from: string, to: string): string {
  const start = dateParts(from, { day: 'numeric', month: 'long', year: 'numeric' });
  const end = dateParts(to, { day: 'numeric', month: 'long', year: 'numeric' });
  if (start.year !== end.year) return `${start.day} ${start.month} ${start.year} – ${end.day} ${end.month} ${end.year}`;
  if (start.month !== end.month) return `${start.day} ${start.month} – ${end.day} ${end.month} ${end.year}`;
  return `${start.day} – ${end.day} ${end.month} ${end.year}`;
}
