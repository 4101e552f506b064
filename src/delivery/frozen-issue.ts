/**
 * A day's frozen issue: what the first run of a day stores so that every later run (and every
 * worker) sends the same issue, never a list fetched again. It holds the digest (papers,
 * ranks, topics: the Digest schema) and the compiled issue (its pieces and layouts), both as
 * JSON, so a later run rebuilds the parts without loading the source or running MJML.
 */
import { DigestSchema, issueIdOf, type Digest } from '../digest/paper.js';
import { PapermailError } from '../errors.js';
import { frozenUnreadable, parseFrozenParts, rendererFromParts, thawIssueParts, type IssueParts, type IssueRenderer } from '../render/index.js';
import type { FrozenIssueRecord } from './send-ledger.js';

/** What the store keeps for an issue, under its id (a day, or a weekly issue's week). */
export function frozenContent(digest: Digest, parts: IssueParts): { issueDate: string; digest: string; compiled: string } {
  return { issueDate: issueIdOf(digest), digest: JSON.stringify(digest), compiled: JSON.stringify(parts.frozen()) };
}

/** The issue a stored record holds, validated; undefined for a day prepared without content. */
export function thawFrozenIssue(record: FrozenIssueRecord): { digest: Digest; renderer: IssueRenderer } | undefined {
  if (record.digest === null || record.compiled === null) return undefined;
  const what = `the frozen issue of ${record.issueDate}`;
  const digest = frozenDigest(record)!;
  const parts = thawIssueParts(digest, parseFrozenParts(readJson(record.compiled, `${what} (its compiled issue)`), what));
  return { digest, renderer: rendererFromParts(parts) };
}

/**
 * Only the digest of a stored record (its papers, ranks and topics), validated: what the feeds
 * read, without the cost of thawing the compiled issue. undefined for a day prepared without content.
 */
export function frozenDigest(record: Pick<FrozenIssueRecord, 'issueDate' | 'digest'>): Digest | undefined {
  if (record.digest === null) return undefined;
  const what = `the frozen issue of ${record.issueDate} (its digest)`;
  const digest = DigestSchema.safeParse(readJson(record.digest, what));
  if (!digest.success) throw frozenUnreadable(what, digest.error);
  return digest.data;
}

function readJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PapermailError('ESTORE', `${what} is not JSON: ${(error as Error).message}`);
  }
}
