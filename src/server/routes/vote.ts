/**
 * The 👍/👎 links under every paper of an issue: `/vote?token=<the copy's vote token>&paper=<arXiv
 * id>&vote=up|down`. GET (and HEAD) only shows the paper and the vote with one button: mail
 * scanners follow every link and must record nothing. The button POSTs the paper and the vote
 * with the token; the page then says what was recorded and offers Undo (another POST). A POST
 * sent twice stores the same vote once. Every refusal is a 4xx page: a forged, altered,
 * expired or other-purpose token, a paper that is not in the token's issue, a malformed body.
 */
import type { Context, Hono } from 'hono';
import { relativeSubscriberLink, relativeVoteLink } from '../../links/public-links.js';
import type { Paper } from '../../digest/paper.js';
import type { VoteKind } from '../../personal/reader-signals.js';
import { clientAddress } from '../client-address.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { tooManyRequests } from '../error-pages.js';
import { parseVoteForm, parseVoteLinkQuery, readForm } from '../forms.js';
import type { VoteView } from '../pages.js';
import type { RateLimiter } from '../rate-limit.js';
import { rateLimitKeyForAddress } from '../rate-limit-keys.js';
import { afterSignalsChanged } from '../reader-signals-changed.js';
import { paperOfIssue, voteLinkOf, type VoteLink } from '../voted-paper.js';
import { tokenParameter } from './token-parameter.js';

/**
 * Vote and undo presses one client network may make in an hour: a reader going through a
 * week of issues presses a few dozen; a script trying tokens is stopped.
 */
export const VOTE_POSTS_PER_HOUR = 300;

export interface VoteLimits {
  perClient: RateLimiter;
}

export function registerVoteRoutes(app: Hono<AppEnv>, context: RouteContext, limits: VoteLimits): void {
  const { store, config, logger, pages } = context;

  const linkOf = (c: Context) => voteLinkOf(store, config.secret, tokenParameter(c));

  const viewOf = (c: Context, link: VoteLink, paperId: string, paper: Paper, vote: VoteKind): VoteView => ({
    paperId,
    title: paper.title,
    vote,
    issueId: link.issueId,
    actionUrl: relativeVoteLink(tokenParameter(c)),
    preferencesUrl: relativeSubscriberLink(config.secret, { purpose: 'preferences', subscriber: link.subscriber }),
  });

  const notInIssue = (c: Context) =>
    c.html(
      pages.message({
        title: 'Paper not found',
        message: 'This vote link names a paper that is not in the issue it came with. Use the 👍 and 👎 links in your issue as they were sent.',
      }),
      404,
    );

  app.get('/vote', async (c) => {
    const link = await linkOf(c);
    const { paper: paperId, vote } = parseVoteLinkQuery(c.req.queries());
    if (!canVote(link)) return c.html(pages.notSubscribed());
    const paper = await paperOfIssue(store, link.issueId, paperId);
    if (paper === undefined) return notInIssue(c);
    return c.html(pages.votePrompt(viewOf(c, link, paperId, paper, vote)));
  });

  app.post('/vote', async (c) => {
    const byClient = limits.perClient.hit(rateLimitKeyForAddress(clientAddress(c)));
    if (!byClient.allowed) return tooManyRequests(c, pages, byClient, 'Too many votes came from here.');
    const link = await linkOf(c);
    const form = parseVoteForm(await readForm(c));
    if (!canVote(link)) return c.html(pages.notSubscribed());
    const paper = await paperOfIssue(store, link.issueId, form.paper);
    if (paper === undefined) return notInIssue(c);
    const view = viewOf(c, link, form.paper, paper, form.vote);
    const { id } = link.subscriber;
    if (form.action === 'undo') {
      if (await store.removeVote(id, form.paper)) {
        afterSignalsChanged(context, id);
        logger.info(`vote: subscriber #${id} undid a vote`);
      }
      return c.html(pages.voteUndone(view));
    }
    // A title past the vote's 500 characters is cut: it only labels the vote on the preferences page.
    await store.recordVote(id, { paperId: form.paper, vote: form.vote, issueId: link.issueId, title: paper.title.slice(0, 500) });
    afterSignalsChanged(context, id);
    logger.info(`vote: subscriber #${id} voted ${form.vote} on a paper of ${link.issueId}`);
    return c.html(pages.voteRecorded(view));
  });
}

/** Readers who get issues may vote; an address that unsubscribed or bounced has nothing to tune. */
function canVote({ subscriber }: VoteLink): boolean {
  return subscriber.status === 'pending' || subscriber.status === 'confirmed';
}
