/**
 * A day's list from the Hugging Face API, page by page, cached on disk so that previews and
 * re-runs of a past day work offline and show the same papers as the issue that was sent.
 */
import { parseIssueDay } from '../digest/dates.js';
import { isPapermailError, PapermailError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { cacheFileFor, isWorthCaching, readCachedText, writeFileAtomically } from './disk-cache.js';
import { fetchText } from './fetch-text.js';
import { expectEntryArray, parseApiEntries } from './huggingface-api.js';
import type { PaperList } from './paper-list.js';
import { readPaperList } from './read-paper-list.js';

export interface FetchDailyPapersOptions {
  /** The endpoint, e.g. https://huggingface.co/api/daily_papers. */
  apiUrl: string;
  timeoutMs: number;
  /** Extra attempts per request after the first. */
  retries: number;
  /** Where fetched days are kept; undefined turns the cache off. */
  cacheDir?: string;
  fetch?: typeof fetch;
  sleep?: (milliseconds: number) => Promise<void>;
  logger?: Logger;
  /** Decides whether a day is over and so safe to cache. */
  now?: () => Date;
  /**
   * Asks the API even when the day is cached, and caches the answer in its place: a weekly issue
   * ranks by upvotes as they stand when it is built, not as they stood when the day was first fetched.
   */
  refresh?: boolean;
}

export interface FetchedPaperList extends PaperList {
  /** The request URL, or the cache file the list came from. */
  origin: string;
}

export const PAGE_SIZE = 100;
/** 2,000 papers: far above any real day; stops a server that ignores `p` from paging forever. */
const MAX_PAGES = 20;

export async function fetchDailyPapers(day: string, options: FetchDailyPapersOptions): Promise<FetchedPaperList> {
  parseIssueDay(day, 'day');
  const logger = options.logger ?? silentLogger;
  const cachePath = options.cacheDir === undefined ? undefined : cacheFileFor(options.cacheDir, day);
  if (cachePath !== undefined && options.refresh !== true) {
    const cached = await readCachedList(cachePath, day, logger);
    if (cached !== undefined) return cached;
  }

  const origin = dayUrl(options.apiUrl, day);
  const entries = await fetchAllPages(day, options, logger);
  if (options.refresh === true && entries.length === 0 && cachePath !== undefined) {
    // An empty answer may be a hiccup (isWorthCaching): a day that had papers keeps them.
    const cached = await readCachedList(cachePath, day, logger);
    if (cached !== undefined && cached.papers.length > 0) {
      logger.warn(`${origin}: answered no papers for a day cached with ${cached.papers.length}; using the cached list`);
      return cached;
    }
  }
  // Parsed before caching: a response that fails validation is never kept.
  const list = parseApiEntries(entries, origin, day);
  logger.debug(`${origin}: ${entries.length} entries, ${list.papers.length} papers`);

  const now = (options.now ?? (() => new Date()))();
  if (cachePath !== undefined && isWorthCaching(day, entries.length, now)) {
    await writeCache(cachePath, entries, logger);
  }
  return { ...list, origin };
}

/** The API URL for one day, without paging parameters (for messages), or with them. */
export function dayUrl(apiUrl: string, day: string, page?: number): string {
  const url = new URL(apiUrl);
  url.searchParams.set('date', day);
  if (page !== undefined) {
    url.searchParams.set('limit', String(PAGE_SIZE));
    url.searchParams.set('p', String(page));
  }
  return url.href;
}

/**
 * Pages until one comes back short. A page that brings no paper not seen before also ends it:
 * a server that ignores `p` would otherwise send page 0 again and again.
 */
async function fetchAllPages(day: string, options: FetchDailyPapersOptions, logger: Logger): Promise<unknown[]> {
  const entries: unknown[] = [];
  const seenIds = new Set<string>();
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const url = dayUrl(options.apiUrl, day, page);
    const text = await fetchText(url, {
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      purpose: day,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      logger,
    });
    const pageEntries = expectEntryArray(parseJsonAnswer(text, url), url);
    const ids = pageEntries.map(paperIdOf).filter((id) => id !== undefined);
    const bringsNewPapers = ids.length === 0 || ids.some((id) => !seenIds.has(id));
    if (!bringsNewPapers) {
      logger.warn(`${url}: page ${page} repeats earlier papers; stopped paging`);
      break;
    }
    for (const id of ids) seenIds.add(id);
    entries.push(...pageEntries);
    if (pageEntries.length < PAGE_SIZE) return entries;
  }
  return entries;
}

function parseJsonAnswer(text: string, url: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PapermailError('ESOURCE', `${url}: not a Hugging Face Daily Papers API response: the answer is not JSON (${reason})`);
  }
}

function paperIdOf(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const paper = (entry as { paper?: unknown }).paper;
  if (typeof paper !== 'object' || paper === null) return undefined;
  const id = (paper as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Puts a saved API response for `day` (a file in the API's format, such as the bundled sample)
 * into the cache, as if it had been fetched, so that a preview or a resend of that day works
 * offline. A readable list already cached for the day is kept: it came from the API itself.
 */
export async function cacheSavedResponse(
  cacheDir: string,
  day: string,
  text: string,
  origin: string,
): Promise<{ path: string; written: boolean }> {
  const path = cacheFileFor(cacheDir, day);
  if ((await readCachedList(path, day, silentLogger)) !== undefined) return { path, written: false };
  // Validated like a fetched answer: a response that fails validation is never kept.
  const entries = expectEntryArray(parseJsonAnswer(text, origin), origin);
  parseApiEntries(entries, origin, day);
  await writeFileAtomically(path, JSON.stringify(entries) + '\n');
  return { path, written: true };
}

/** A cache file that no longer reads (edited by hand, older format) is ignored and fetched again. */
async function readCachedList(path: string, day: string, logger: Logger): Promise<FetchedPaperList | undefined> {
  const text = await readCachedText(path);
  if (text === undefined) return undefined;
  try {
    const list = readPaperList(text, path, day);
    logger.info(`using the cached list ${path} (${list.papers.length} papers)`);
    return { ...list, origin: path };
  } catch (error) {
    if (!isPapermailError(error, 'ESOURCE')) throw error;
    logger.warn(`ignoring the cached list: ${error.message}`);
    return undefined;
  }
}

/** A cache that cannot be written costs only the next run a download: warn, do not fail the day. */
async function writeCache(path: string, entries: unknown[], logger: Logger): Promise<void> {
  try {
    await writeFileAtomically(path, JSON.stringify(entries) + '\n');
    logger.debug(`cached the list in ${path}`);
  } catch (error) {
    logger.warn(`could not cache the list in ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
