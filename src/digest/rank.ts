import type { Paper } from './paper.js';

/**
 * Most upvoted first; then most discussed; then most starred code; then by title and id,
 * so the order is total and the same on every run and machine.
 */
export function comparePapers(a: Paper, b: Paper): number {
  return (
    b.upvotes - a.upvotes ||
    b.comments - a.comments ||
    (b.githubStars ?? 0) - (a.githubStars ?? 0) ||
    // A fixed locale, not the machine's: the issue must not depend on where it is built.
    a.title.localeCompare(b.title, 'en', { sensitivity: 'accent' }) ||
    compareCodeUnits(a.id, b.id)
  );
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A ranked copy; the input is left as it was. */
export function rankPapers(papers: readonly Paper[]): Paper[] {
  return [...papers].sort(comparePapers);
}

export interface SelectionOptions {
  /** Keep at most this many papers. */
  topN: number;
  /** Drop papers with fewer upvotes than this. */
  minUpvotes: number;
}

/** The papers that make the issue, from an already ranked list. */
export function selectPapers(ranked: readonly Paper[], options: SelectionOptions): Paper[] {
  return ranked.filter((paper) => paper.upvotes >= options.minUpvotes).slice(0, Math.max(0, options.topN));
}
