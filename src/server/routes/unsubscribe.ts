/**
 * Unsubscribing, as RFC 8058 one-click wants it: `POST /unsubscribe?token=` with the body
 * `List-Unsubscribe=One-Click` unsubscribes at once — no cookie, no login, no script, a
 * plain 200. `GET` only shows a button posting that same body, because mail scanners
 * follow links and must not unsubscribe anyone by looking.
 *
 * An unsubscribe is a delivery event (source 'web') of the subscriber's latest accepted
 * issue, recorded through the store's rules, which unsubscribe them in the same
 * transaction: the delivery report's "unsubscribed" counts it against the issue that made
 * them leave.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { PapermailError } from '../../errors.js';
import type { MatchedEvent } from '../../feedback/event-store.js';
import { suppressionRules } from '../../feedback/record.js';
import { relativeSubscriberLink, relativeTokenLink } from '../../links/public-links.js';
import type { Subscriber } from '../../subscribers/store.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { readForm } from '../forms.js';
import { subscriberForToken } from '../subscriber-for-token.js';
import { tokenParameter } from './token-parameter.js';

const OneClickBodySchema = z.object({ 'List-Unsubscribe': z.literal('One-Click') });

export function registerUnsubscribeRoutes(app: Hono<AppEnv>, context: RouteContext): void {
  const { store, config, logger, pages } = context;

  app.get('/unsubscribe', async (c) => {
    // The browser version of an issue links here without a token: explain where the real link is.
    if (c.req.query('token') === undefined) return c.html(pages.unsubscribeHelp());
    const token = tokenParameter(c);
    const subscriber = await subscriberForToken(store, config.secret, token, 'unsubscribe', context.now());
    // Unsubscribed and bounced addresses get nothing: a button would do nothing, so say so instead.
    if (subscriber.status === 'unsubscribed' || subscriber.status === 'bounced') {
      return c.html(pages.alreadyUnsubscribed({ email: subscriber.email }));
    }
    return c.html(
      pages.unsubscribeConfirm({
        email: subscriber.email,
        actionUrl: relativeTokenLink('unsubscribe', token),
        preferencesUrl: relativeSubscriberLink(config.secret, { purpose: 'preferences', subscriber }),
      }),
    );
  });

  app.post('/unsubscribe', async (c) => {
    const subscriber = await subscriberForToken(store, config.secret, tokenParameter(c), 'unsubscribe', context.now());
    if (!OneClickBodySchema.safeParse(await readForm(c)).success) {
      throw new PapermailError('EINPUT', 'the request body must be List-Unsubscribe=One-Click (RFC 8058)');
    }
    // A bounced address stays bounced: it gets nothing either way, and bounced says more.
    if (subscriber.status === 'pending' || subscriber.status === 'confirmed') {
      const issueDate = (await store.latestAcceptedIssue(subscriber.id)) ?? null;
      await store.recordDeliveryEvent(unsubscribeEvent(subscriber, issueDate, context.now()), suppressionRules(config));
      logger.info(`unsubscribe: subscriber #${subscriber.id} unsubscribed${issueDate ? ` after the issue of ${issueDate}` : ''}`);
    }
    return c.html(pages.unsubscribed());
  });
}

/**
 * The reader leaving, as a delivery event. The key is one per subscription: the status
 * version moves on when they subscribe again, so a later unsubscribe is an event of its own,
 * while two clicks racing each other are one.
 */
function unsubscribeEvent(subscriber: Subscriber, issueDate: string | null, at: Date): MatchedEvent {
  return {
    key: `unsubscribe:${subscriber.id}:${subscriber.statusVersion}`,
    source: 'web',
    kind: 'unsubscribe',
    bounceType: null,
    status: null,
    diagnostic: null,
    recipient: subscriber.email,
    occurredAt: at.toISOString(),
    returnPath: null,
    messageId: null,
    subscriberId: subscriber.id,
    issueDate,
  };
}
