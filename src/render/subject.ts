import type { Digest } from '../digest/paper.js';
import { dayAndMonth, shortDate, weekLabel } from './format.js';
import { rankedPapers } from './issue-view.js';
import { foldWhitespace, trimAtWordBoundary } from './text.js';

/**
 * Inboxes cut subjects near 70 characters on desktop (far fewer on phones): the top title comes
 * right after the short date so that what is cut is the end of the title, never the count.
 */
export const SUBJECT_LENGTH = 70;

/**
 * "30 Sep · SLA: Beyond Sparsity in Diffusion Transformers and 49 more": specific, so it gets
 * opened. The date is set off with a middle dot, not a colon, because titles often have one.
 * A weekly issue says its week where a daily says its day: "Week 40 · LongLive: … and 19 more".
 */
export function issueSubject(digest: Pick<Digest, 'date' | 'period' | 'total' | 'highlights' | 'sections'>, maxLength = SUBJECT_LENGTH): string {
  const top = digest.highlights[0] ?? rankedPapers(digest)[0];
  const week = digest.period === undefined ? undefined : weekLabel(digest.period.week);
  if (digest.total === 0 || !top) return week === undefined ? `No new papers for ${shortDate(digest.date)}` : `No papers in ${week.replace(/^Week/, 'week')}`;
  const prefix = `${week === undefined ? dayAndMonth(digest.date) : week.replace(/, \d+$/, '')} · `;
  const others = digest.total - 1;
  const suffix = others > 0 ? ` and ${others} more` : '';
  return prefix + trimAtWordBoundary(foldWhitespace(top.title), maxLength - prefix.length - suffix.length) + suffix;
}
