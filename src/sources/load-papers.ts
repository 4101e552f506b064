/**
 * The one way the CLI, the sender and the server get a day's papers: from the Hugging Face API
 * (no source), from a URL answering in the API format, or from a file (saved API JSON or copied
 * page text).
 */
import type { Config } from '../config/config.js';
import type { Paper } from '../digest/paper.js';
import { PapermailError, type ErrorCode } from '../errors.js';
import { readTextFile } from '../file-errors.js';
import type { Logger } from '../logger.js';
import { fetchDailyPapers } from './fetch-daily-papers.js';
import { fetchText } from './fetch-text.js';
import { readPaperList } from './read-paper-list.js';
import { quoted } from './text.js';

export interface LoadPapersOptions {
  /** The Daily Papers day to fetch, and the day of papers whose source does not give one. */
  day: string;
  config: Pick<Config, 'HF_API_URL' | 'FETCH_TIMEOUT_MS' | 'FETCH_RETRIES' | 'CACHE_DIR'>;
  logger: Logger;
  fetch?: typeof fetch;
  sleep?: (milliseconds: number) => Promise<void>;
  now?: () => Date;
  /** From the API: read the day again even when it is cached, and cache the new answer (see fetchDailyPapers). */
  refresh?: boolean;
}

export interface LoadedPapers {
  day: string;
  papers: Paper[];
  /** The file, URL or cache file the papers came from. */
  origin: string;
  /** Skipped entries, dropped links, duplicates: returned, not logged, for the caller to show. */
  warnings: string[];
}

export async function loadPapers(source: string | undefined, options: LoadPapersOptions): Promise<LoadedPapers> {
  const { day, config, logger } = options;
  const network = {
    timeoutMs: config.FETCH_TIMEOUT_MS,
    retries: config.FETCH_RETRIES,
    logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  };

  if (source === undefined) {
    const fetched = await fetchDailyPapers(day, {
      ...network,
      apiUrl: config.HF_API_URL,
      cacheDir: config.CACHE_DIR,
      ...(options.now ? { now: options.now } : {}),
      ...(options.refresh ? { refresh: true } : {}),
    });
    return { day, ...fetched };
  }

  if (looksLikeUrl(source)) {
    checkSource(source, 'the source', 'ESOURCE');
    // A URL is fetched once, as given: it may already carry its own date, limit and page.
    const text = await fetchText(source, { ...network, purpose: day });
    return { day, origin: source, ...readPaperList(text, source, day) };
  }

  const text = await readTextFile(source, 'ESOURCE');
  return { day, origin: source, ...readPaperList(text, source, day) };
}

/**
 * Refuses a source meant as a URL that papermail cannot fetch (`ftp://…`, a bare `http://`), so it is
 * neither looked for as a file ("no such file") nor handed to fetch (a TypeError). `where` names it.
 */
export function checkSource(source: string, where: string, code: ErrorCode): string {
  if (looksLikeUrl(source) && !(/^https?:\/\//i.test(source) && URL.canParse(source))) {
    throw new PapermailError(code, `${where} must be a file or an http(s) URL such as ${EXAMPLE_URL} (got ${quoted(source)})`);
  }
  return source;
}

const EXAMPLE_URL = 'https://huggingface.co/api/daily_papers?date=2025-09-30';

/** `scheme://…`: meant as a URL, even when it is not one papermail can fetch. */
export function looksLikeUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}
