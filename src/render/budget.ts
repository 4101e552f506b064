/**
 * How much of each paper an email can show. Gmail clips messages over ~102 KB behind a
 * "[Message clipped]" link, which also hides the unsubscribe footer, so an issue is trimmed
 * to a byte budget instead: lower-ranked papers lose detail first, one level at a time.
 */
export type DetailLevel = 'full' | 'brief' | 'title' | 'omitted';

const ORDER: Record<DetailLevel, number> = { full: 0, brief: 1, title: 2, omitted: 3 };

/** How many top papers stay in full while any lower-ranked paper can still give way. */
export const PROTECTED_TOP_PAPERS = 10;

/**
 * Picks a level per paper so that the estimated size fits `budgetBytes`. `rankedIds` is best
 * first; `sizeOf` is a paper's rendered size at a level (0 for 'omitted'). Deterministic, in
 * steps, each going up from the bottom of the ranking and stopping as soon as the total fits:
 * the papers below the protected top become brief, then title-only, then are omitted; only
 * then do the top papers shrink the same way. The top paper is never omitted.
 */
export function planDetailLevels(
  rankedIds: readonly string[],
  sizeOf: (id: string, level: DetailLevel) => number,
  budgetBytes: number,
  protectedCount = PROTECTED_TOP_PAPERS,
): Map<string, DetailLevel> {
  const levels = new Map<string, DetailLevel>(rankedIds.map((id) => [id, 'full']));
  let total = rankedIds.reduce((sum, id) => sum + sizeOf(id, 'full'), 0);
  const lower = rankedIds.slice(protectedCount).reverse();
  const top = rankedIds.slice(0, protectedCount).reverse();
  for (const group of [lower, top]) {
    for (const level of ['brief', 'title', 'omitted'] as const) {
      for (const id of group) {
        if (total <= budgetBytes) return levels;
        const current = levels.get(id)!;
        if (ORDER[current] >= ORDER[level] || (level === 'omitted' && id === rankedIds[0])) continue;
        total += sizeOf(id, level) - sizeOf(id, current);
        levels.set(id, level);
      }
    }
  }
  return levels;
}
