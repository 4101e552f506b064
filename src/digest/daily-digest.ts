/**
 * The edge where a day's paper list becomes a Digest: it reads the source (network or
 * file) and the taxonomy file, then hands plain data to the pure ranking and grouping.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { loadPapers } from '../sources/load-papers.js';
import { buildDigest } from './build-digest.js';
import { issueDayFor } from './dates.js';
import type { Digest, Paper } from './paper.js';
import { loadTaxonomy, type Taxonomy } from './taxonomy.js';

export interface DailyDigestRequest {
  /** The issue day; when absent it comes from the source's name or papers, else the configured default. */
  day?: string;
  /** A file path or http(s) URL; absent means the Hugging Face API for the day. */
  source?: string;
  config: Config;
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => Date;
  taxonomy?: Taxonomy;
}

export interface DailyDigest {
  digest: Digest;
  origin: string;
  warnings: string[];
}

export async function loadDailyDigest(request: DailyDigestRequest): Promise<DailyDigest> {
  const { config, logger } = request;
  const now = request.now ?? (() => new Date());
  const defaultDay = issueDayFor(now(), config.TZ, config.DIGEST_DAY_OFFSET);
  const dayFromName = request.source ? dayInSourceName(request.source) : undefined;
  const fallbackDay = request.day ?? dayFromName ?? defaultDay;

  const loaded = await loadPapers(request.source, {
    day: fallbackDay,
    config,
    logger,
    ...(request.fetch ? { fetch: request.fetch } : {}),
  });
  const day = request.day ?? dayFromName ?? (request.source ? mostCommonDay(loaded.papers) : undefined) ?? fallbackDay;
  const taxonomy = request.taxonomy ?? (await loadTaxonomy(config.TOPICS_FILE));
  const digest = buildDigest(loaded.papers, {
    date: day,
    taxonomy,
    topN: config.TOP_N,
    minUpvotes: config.MIN_UPVOTES,
    highlights: config.HIGHLIGHTS,
  });
  return { digest, origin: loaded.origin, warnings: loaded.warnings };
}

/** Saved API responses are usually named after their day (`2025-09-30.json`). */
export function dayInSourceName(source: string): string | undefined {
  const name = source.split(/[\\/]/).pop() ?? '';
  return /(\d{4}-\d{2}-\d{2})/.exec(name)?.[1];
}

function mostCommonDay(papers: Paper[]): string | undefined {
  const counts = new Map<string, number>();
  for (const paper of papers) counts.set(paper.day, (counts.get(paper.day) ?? 0) + 1);
  let best: string | undefined;
  for (const [day, count] of counts) if (best === undefined || count > counts.get(best)!) best = day;
  return best;
}
