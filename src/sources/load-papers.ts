/**
 * The one way the CLI, the sender and the server get a day's papers: from the Hugging Face API
 * (no source), from a URL answering in the API format, or from a file (saved API JSON or copied
 * page text).
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/config.js';
import type { Paper } from '../digest/paper.js';
import { PapermailError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isNodeError } from './disk-cache.js';
import { fetchDailyPapers } from './fetch-daily-papers.js';
import { fetchText } from './fetch-text.js';
import { readPaperList } from './read-paper-list.js';

export interface LoadPapersOptions {
  /** The Daily Papers day to fetch, and the day of papers whose source does not give one. */
  day: string;
  config: Pick<Config, 'HF_API_URL' | 'FETCH_TIMEOUT_MS' | 'FETCH_RETRIES' | 'CACHE_DIR'>;
  logger: Logger;
  fetch?: typeof fetch;
  sleep?: (milliseconds: number) => Promise<void>;
  now?: () => Date;
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
    });
    return { day, ...fetched };
  }

  if (/^https?:\/\//i.test(source)) {
    // A URL is fetched once, as given: it may already carry its own date, limit and page.
    const text = await fetchText(source, { ...network, purpose: day });
    return { day, origin: source, ...readPaperList(text, source, day) };
  }

  const text = await readSourceFile(source);
  return { day, origin: source, ...readPaperList(text, source, day) };
}

async function readSourceFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reasons: Record<string, string> = {
      ENOENT: 'no such file',
      EISDIR: 'it is a folder',
      EACCES: 'permission denied',
      EPERM: 'permission denied',
    };
    const reason = isNodeError(error) ? (reasons[error.code!] ?? error.message) : String(error);
    throw new PapermailError('ESOURCE', `cannot read ${path}: ${reason}`, { cause: error });
  }
}
