import { buildDigest } from './build-digest.js';
import { arxivIdWithoutVersion, type Digest, type Paper } from './paper.js';
import type { Taxonomy } from './taxonomy.js';
import type { IsoWeek } from './week.js';

/** One day's list as read for the weekly issue (read again when the weekly is built, not the daily's copy). */
export interface WeekDay {
  day: string;
  papers: readonly Paper[];
}

export interface WeeklyDigestOptions {
  week: IsoWeek;
  taxonomy: Taxonomy;
  /** WEEKLY_TOP_N: the week's most upvoted papers kept. */
  topN: number;
  minUpvotes: number;
  highlights: number;
}

/**
 * A week's issue: the papers of its days, each paper once, ranked by the upvotes they have now,
 * trimmed to the week's top and grouped by topic exactly as a daily issue is, so it renders,
 * filters by topic and freezes through the same pipeline. `date` is the week's Monday, and
 * `period` says it is a week.
 */
export function buildWeeklyDigest(days: readonly WeekDay[], options: WeeklyDigestOptions): Digest {
  const { week } = options;
  const digest = buildDigest(papersOfTheWeek(days), {
    date: week.from,
    taxonomy: options.taxonomy,
    topN: options.topN,
    minUpvotes: options.minUpvotes,
    highlights: options.highlights,
  });
  return { ...digest, period: { week: week.id, from: week.from, to: week.to } };
}

/**
 * Each paper once, by arXiv id without its version (a paper listed again as v2 on a later day is
 * the same paper to a reader). The copy from the latest day wins: it is the paper as it was last
 * listed, with the upvotes read last. Within one day (2509.1 and 2509.1v2 both listed), the copy
 * with more upvotes wins, as between the API's pages (src/sources/paper-list.ts).
 */
export function papersOfTheWeek(days: readonly WeekDay[]): Paper[] {
  const byId = new Map<string, { day: string; paper: Paper }>();
  const chronological = [...days].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  for (const { day, papers } of chronological) {
    for (const paper of papers) {
      const id = arxivIdWithoutVersion(paper.id);
      const earlier = byId.get(id);
      if (earlier === undefined || earlier.day < day || paper.upvotes > earlier.paper.upvotes) byId.set(id, { day, paper });
    }
  }
  return [...byId.values()].map((entry) => entry.paper);
}
