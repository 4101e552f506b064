/**
 * Never the same paper twice: what each reader's copy of an issue leaves out because the same
 * reader was sent those papers in an earlier issue, daily or weekly, of the last DEDUPE_DAYS.
 *
 * Worked out once at the start of a send, never per recipient: the earlier issues are the
 * store's frozen issues (a few hundred ids a year, each digest read once), and only those that
 * share a paper with this one (by arXiv id without version: a new version is the same paper)
 * are looked at further, each with one streamed read of its 'sent' rows, which record what the
 * copy held (a paper set, src/digest/paper-set.ts). What comes out holds only the readers who
 * have something left out: per recipient it is one Map lookup, and readers of papers that do
 * not repeat cost nothing. Copies sent before the ledger recorded what they held say nothing.
 */
import { addDays } from '../digest/dates.js';
import { arxivIdWithoutVersion } from '../digest/paper.js';
import { paperSetOf, paperSetPositions } from '../digest/paper-set.js';
import { IsoWeekSchema } from '../digest/week.js';
import { PapermailError } from '../errors.js';
import type { Logger } from '../logger.js';
import { rankedPapers } from '../render/issue-view.js';
import { frozenDigest } from './frozen-issue.js';
import type { FrozenIssues, SendLedger } from './send-ledger.js';

export type PaperHistoryStore = Pick<SendLedger, 'receivedPapers'> & Pick<FrozenIssues, 'frozenIssue' | 'frozenIssueIds'>;

export interface IssueBeingSent {
  /** Its ledger id: a day (2025-09-30) or a week (2025-W40). */
  id: string;
  /** Its papers by their position in its ranking, as arXiv ids without version (IssueParts.papers). */
  papers: readonly string[];
}

/**
 * Subscriber id → the paper set of this issue their copy leaves out; a reader not in the map
 * gets every paper of their topics. Empty when `days` is 0 (dedupe off).
 */
export async function papersAlreadySent(store: PaperHistoryStore, issue: IssueBeingSent, days: number, logger?: Logger): Promise<ReadonlyMap<number, string>> {
  const leftOut = new Map<number, string>();
  // Readers with the same papers left out share one string: the map holds a number and a reference each.
  const sets = new Map<string, string>();
  const shared = (set: string): string => {
    let kept = sets.get(set);
    if (kept === undefined) sets.set(set, (kept = set));
    return kept;
  };
  const lastDay = lastDayOf(issue.id);
  if (days === 0 || lastDay === undefined || issue.papers.length === 0) return new Map();
  const positionHere = new Map(issue.papers.map((id, position) => [id, position]));
  const firstDay = addDays(lastDay, -days);
  for (const id of await store.frozenIssueIds()) {
    const day = lastDayOf(id);
    if (id === issue.id || day === undefined || day < firstDay || day > lastDay) continue;
    const inBoth = await sharedPapers(store, id, positionHere, logger);
    if (inBoth === undefined) continue;
    for await (const row of store.receivedPapers(id)) {
      const here: number[] = [];
      for (const position of paperSetPositions(row.received)) {
        const at = inBoth.get(position);
        if (at !== undefined) here.push(at);
      }
      if (here.length === 0) continue;
      // Usually one earlier issue shares papers; a reader met again in another gets the union.
      const before = leftOut.get(row.subscriberId);
      leftOut.set(row.subscriberId, shared(paperSetOf(before === undefined ? here : [...paperSetPositions(before), ...here])));
    }
  }
  return leftOut;
}

/**
 * An earlier issue's papers that this one has too: their position there → their position
 * here. undefined when it shares none, or has no frozen digest (a day prepared without one).
 */
async function sharedPapers(store: PaperHistoryStore, id: string, positionHere: ReadonlyMap<string, number>, logger?: Logger): Promise<Map<number, number> | undefined> {
  const record = await store.frozenIssue(id);
  if (record === undefined) return undefined;
  let digest;
  try {
    digest = frozenDigest(record);
  } catch (error) {
    // One unreadable old issue must not stop today's send: its papers are just not left out.
    if (!(error instanceof PapermailError)) throw error;
    logger?.warn(`dedupe: ${error.message}; its papers are not left out of this issue`);
    return undefined;
  }
  if (digest === undefined) return undefined;
  const shared = new Map<number, number>();
  rankedPapers(digest).forEach((paper, position) => {
    const here = positionHere.get(arxivIdWithoutVersion(paper.id));
    if (here !== undefined) shared.set(position, here);
  });
  return shared.size === 0 ? undefined : shared;
}

const DAY_FORMAT = /^\d{4}-\d{2}-\d{2}$/;

/** The last day an issue id covers: the day itself, or a week's Sunday; undefined for anything else. */
export function lastDayOf(id: string): string | undefined {
  if (DAY_FORMAT.test(id)) return id;
  const week = IsoWeekSchema.safeParse(id);
  return week.success ? week.data.to : undefined;
}
