/**
 * How often a subscriber is sent an issue: every day's ('daily', the default) or the week's
 * best once a week ('weekly'). Each issue is owed to the subscribers of its cadence only,
 * chosen when the issue's ledger is prepared, so a change takes effect with the next issue.
 */
import { z } from 'zod';
import { isWeekIssueId } from '../digest/issue-id.js';
import { PapermailError } from '../errors.js';

export const CADENCES = ['daily', 'weekly'] as const;
export const CadenceSchema = z.enum(CADENCES);
export type Cadence = z.infer<typeof CadenceSchema>;

export const DEFAULT_CADENCE: Cadence = 'daily';

/** Validates a cadence from outside (a form, a CSV row, an option); EINPUT names `where`. */
export function parseCadence(value: unknown, where = 'cadence'): Cadence {
  const result = CadenceSchema.safeParse(value);
  if (!result.success) throw new PapermailError('EINPUT', `${where} ${JSON.stringify(value)} must be one of ${CADENCES.join(', ')}`);
  return result.data;
}

/** The cadence whose subscribers an issue is owed to: a week's id is the weekly issue. */
export function cadenceOfIssue(issueId: string): Cadence {
  return isWeekIssueId(issueId) ? 'weekly' : 'daily';
}
