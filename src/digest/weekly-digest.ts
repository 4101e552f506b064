/**
 * The edge where a week of paper lists becomes a weekly Digest: every day of the week is read
 * again now (from the API, each cached day refreshed once; from an API-like URL; or from a
 * folder of saved YYYY-MM-DD.json files), then the pure buildWeeklyDigest ranks and groups.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PapermailError } from '../errors.js';
import { describeFileError } from '../file-errors.js';
import { fetchDailyPapers } from '../sources/fetch-daily-papers.js';
import { checkSource, loadPapers, looksLikeUrl } from '../sources/load-papers.js';
import { quoted } from '../sources/text.js';
import { buildWeeklyDigest, type WeekDay } from './build-weekly-digest.js';
import { dayInTimeZone, parseIssueDay } from './dates.js';
import type { Digest } from './paper.js';
import type { DailyDigestRequest } from './daily-digest.js';
import { loadTaxonomy } from './taxonomy.js';
import { daysOfWeek, isoWeekOf, isWeekday, parseIsoWeek, weekEndedBefore, type IsoWeek } from './week.js';

/** Everything but the day: settings, logger, and what tests put in place of the network and the clock. */
export interface WeeklyDigestRequest extends Pick<DailyDigestRequest, 'config' | 'logger' | 'fetch' | 'now' | 'taxonomy'> {
  /** "2025-W40"; absent: from the source folder (its name, else its latest day), else the week that ended before today in TZ. */
  week?: string;
  /**
   * A folder of YYYY-MM-DD.json files (a weekday's file is required, a weekend day's optional), or an
   * http(s) URL answering like the API (each day asked with `?date=`); absent: the Hugging Face API.
   */
  source?: string;
}

export interface WeeklyDigest {
  digest: Digest;
  week: IsoWeek;
  /** Where each day came from: files, URLs or refreshed cache files. */
  origins: string[];
  warnings: string[];
}

export async function loadWeeklyDigest(request: WeeklyDigestRequest): Promise<WeeklyDigest> {
  const { config } = request;
  const now = request.now ?? (() => new Date());
  if (request.source !== undefined) checkSource(request.source, 'the source', 'ESOURCE');
  const folder = request.source !== undefined && !looksLikeUrl(request.source) ? await checkedFolder(request.source) : undefined;
  const week =
    request.week !== undefined
      ? parseIsoWeek(request.week)
      : folder !== undefined
        ? await weekOfFolder(folder)
        : weekEndedBefore(now(), config.TZ);
  const today = dayInTimeZone(now(), config.TZ);
  if (week.to >= today) {
    throw new PapermailError('EUSAGE', `week ${week.id} has not ended yet (its last day is ${week.to}, today is ${today} in ${config.TZ}): a weekly issue ranks a whole week`);
  }

  const read = folder !== undefined ? await readFolder(folder, week, request) : await readOnline(week, request);
  const taxonomy = request.taxonomy ?? (await loadTaxonomy(config.TOPICS_FILE));
  const digest = buildWeeklyDigest(read.days, {
    week,
    taxonomy,
    topN: config.WEEKLY_TOP_N,
    minUpvotes: config.MIN_UPVOTES,
    highlights: config.HIGHLIGHTS,
  });
  return { digest, week, origins: read.origins, warnings: read.warnings };
}

interface ReadWeek {
  days: WeekDay[];
  origins: string[];
  warnings: string[];
}

/** Saved days: every weekday's file must be there (a week without its Thursday is not the week's best). */
async function readFolder(folder: string, week: IsoWeek, request: WeeklyDigestRequest): Promise<ReadWeek> {
  const present = new Set(await readdir(folder));
  const missing = daysOfWeek(week).filter((day) => isWeekday(day) && !present.has(`${day}.json`));
  if (missing.length > 0) {
    throw new PapermailError(
      'ESOURCE',
      `${folder}: no ${missing.map((day) => `${day}.json`).join(', ')}; a weekly issue of ${week.id} needs a file for each weekday, ${week.from} to ${daysOfWeek(week)[4]}`,
    );
  }
  const result: ReadWeek = { days: [], origins: [], warnings: [] };
  for (const day of daysOfWeek(week)) {
    if (!present.has(`${day}.json`)) continue; // a weekend day: no papers
    const loaded = await loadPapers(join(folder, `${day}.json`), { day, config: request.config, logger: request.logger });
    result.days.push({ day, papers: loaded.papers });
    result.origins.push(loaded.origin);
    result.warnings.push(...loaded.warnings);
  }
  return result;
}

/** Each day of the week asked again now: from the API (the cache refreshed), or from an API-like URL (not cached). */
async function readOnline(week: IsoWeek, request: WeeklyDigestRequest): Promise<ReadWeek> {
  const { config, logger } = request;
  const result: ReadWeek = { days: [], origins: [], warnings: [] };
  // One day after another: seven days of pages at once is not a polite way to use a public API.
  for (const day of daysOfWeek(week)) {
    const loaded =
      request.source === undefined
        ? await loadPapers(undefined, { day, config, logger, refresh: true, ...(request.fetch ? { fetch: request.fetch } : {}), ...(request.now ? { now: request.now } : {}) })
        : await fetchDailyPapers(day, {
            apiUrl: request.source,
            timeoutMs: config.FETCH_TIMEOUT_MS,
            retries: config.FETCH_RETRIES,
            logger,
            ...(request.fetch ? { fetch: request.fetch } : {}),
          });
    if (loaded.papers.length === 0 && isWeekday(day)) result.warnings.push(`${loaded.origin}: no papers listed on ${day}`);
    result.days.push({ day, papers: loaded.papers });
    result.origins.push(loaded.origin);
    result.warnings.push(...loaded.warnings);
  }
  return result;
}

async function checkedFolder(source: string): Promise<string> {
  const found = await stat(source).catch((error: unknown) => error as Error);
  if (found instanceof Error) {
    const reason = (found as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : describeFileError(found);
    throw new PapermailError('ESOURCE', `cannot read ${source}: ${reason}`, { cause: found });
  }
  if (!found.isDirectory()) {
    throw new PapermailError('EUSAGE', `--source of a weekly issue must be a folder of YYYY-MM-DD.json files or an http(s) URL (got ${quoted(source)}, a file)`);
  }
  return source;
}

/** A folder named after its week ("week-2025-W40"), else the week of its latest YYYY-MM-DD.json. */
async function weekOfFolder(folder: string): Promise<IsoWeek> {
  const named = /(\d{4}-W\d{2})/.exec(basename(folder))?.[1];
  if (named !== undefined) return parseIsoWeek(named, `the week in the folder name ${quoted(folder)}`);
  const days = (await readdir(folder)).map((name) => /^(\d{4}-\d{2}-\d{2})\.json$/.exec(name)?.[1]).filter((day) => day !== undefined);
  const latest = days.sort().at(-1);
  if (latest === undefined) throw new PapermailError('ESOURCE', `${folder}: no YYYY-MM-DD.json files, so no week to build (give one with --week)`);
  return isoWeekOf(parseIssueDay(latest, `the day of ${join(folder, `${latest}.json`)}`));
}
