import type { Paper } from '../digest/paper.js';

/** What every reader of a day's list returns: valid papers, and what was skipped or changed on the way. */
export interface PaperList {
  papers: Paper[];
  /** One line each, naming the source and where in it (entry index or line number). */
  warnings: string[];
}

/** A paper with where it was found, so a later step can still name its place in the source. */
export interface LocatedPaper {
  paper: Paper;
  /** "entry 4" or "line 37". */
  where: string;
}

/**
 * One paper per id. The API is paged by upvotes while upvotes change, so a paper can move across
 * a page boundary between two requests and come back twice: the copy with the most upvotes is the
 * most recent, so it wins (the first one on a tie), and it keeps the place of the first copy.
 */
export function withoutDuplicates(located: readonly LocatedPaper[], origin: string): PaperList {
  const indexById = new Map<string, number>();
  const kept: { paper: Paper; firstSeen: string; keptFrom: string }[] = [];
  const warnings: string[] = [];
  for (const { paper, where } of located) {
    const index = indexById.get(paper.id);
    if (index === undefined) {
      indexById.set(paper.id, kept.length);
      kept.push({ paper, firstSeen: where, keptFrom: where });
      continue;
    }
    const earlier = kept[index]!;
    if (paper.upvotes > earlier.paper.upvotes) kept[index] = { paper, firstSeen: earlier.firstSeen, keptFrom: where };
    const winner = kept[index]!;
    warnings.push(
      `${origin}: ${where} repeats paper ${paper.id} of ${earlier.firstSeen}; ` +
        `kept the copy of ${winner.keptFrom} (${winner.paper.upvotes} upvotes)`,
    );
  }
  return { papers: kept.map((entry) => entry.paper), warnings };
}
