import type { Digest } from '../digest/paper.js';
import { shortDate } from './format.js';
import { rankedPapers } from './issue-view.js';
import { foldWhitespace, trimAtWordBoundary } from './text.js';

/** Long subjects are cut by every inbox; ~90 characters still shows the top title on desktop. */
export const SUBJECT_LENGTH = 90;

/** "Top papers for 30 Sep 2025: <the #1 title> and 49 more": specific, so it gets opened. */
export function issueSubject(digest: Digest, maxLength = SUBJECT_LENGTH): string {
  const day = shortDate(digest.date);
  const top = digest.highlights[0] ?? rankedPapers(digest)[0];
  if (digest.total === 0 || !top) return `No new papers for ${day}`;
  const prefix = `Top papers for ${day}: `;
  const others = digest.total - 1;
  const suffix = others > 0 ? ` and ${others} more` : '';
  return prefix + trimAtWordBoundary(foldWhitespace(top.title), maxLength - prefix.length - suffix.length) + suffix;
}
