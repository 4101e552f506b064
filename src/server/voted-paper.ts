/**
 * What a 👍/👎 link votes on. The link carries one vote token per copy (the subscriber and
 * the issue, signed) and names the paper and the vote as plain parameters, so the paper is
 * checked here: it must be one of that issue's papers, as its frozen issue holds them. A
 * link altered to name another paper of the issue votes only as its own reader, which the
 * signature already allows them; any other paper is refused.
 */
import { frozenDigest } from '../delivery/frozen-issue.js';
import type { FrozenIssues } from '../delivery/send-ledger.js';
import { arxivIdWithoutVersion, type Paper } from '../digest/paper.js';
import type { Subscriber, SubscriberDirectory } from '../subscribers/store.js';
import { PapermailError } from '../errors.js';
import { readVoteToken, verifyVoteToken } from '../subscribers/tokens.js';

export interface VoteLink {
  subscriber: Subscriber;
  issueId: string;
}

/**
 * The subscriber and issue of a vote token; ETOKEN when it is malformed, forged, altered, or
 * names a subscriber who is gone or now has another address (the address is in its MAC).
 */
export async function voteLinkOf(store: Pick<SubscriberDirectory, 'findById'>, secret: string, token: string): Promise<VoteLink> {
  const { subscriberId } = readVoteToken(token);
  const subscriber = await store.findById(subscriberId);
  // A gone subscriber is checked against no address, so the link fails as a forged one does:
  // the answer does not tell which ids exist.
  const { issueId } = verifyVoteToken(secret, token, subscriber ?? { id: subscriberId, email: '' });
  if (subscriber === undefined) throw new PapermailError('ETOKEN', 'the link has a bad signature');
  return { subscriber, issueId };
}

/** The issue's paper with this arXiv id (any version); undefined when the issue has no such paper or is not kept. */
export async function paperOfIssue(store: Pick<FrozenIssues, 'frozenIssue'>, issueId: string, paperId: string): Promise<Paper | undefined> {
  const record = await store.frozenIssue(issueId);
  const digest = record === undefined ? undefined : frozenDigest(record);
  return digest?.sections.flatMap((section) => section.papers).find((paper) => arxivIdWithoutVersion(paper.id) === paperId);
}
