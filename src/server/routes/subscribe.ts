import type { Context, Hono } from 'hono';
import { relativeSubscriberLink, relativeTokenLink } from '../../links/public-links.js';
import type { Subscriber } from '../../subscribers/store.js';
import { clientAddress } from '../client-address.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { tooManyRequests } from '../error-pages.js';
import { firstIssueTime } from '../first-issue.js';
import { parseSubscribeForm, readForm, submittedValues } from '../forms.js';
import type { RateLimiter } from '../rate-limit.js';
import { rateLimitKeyForAddress, rateLimitKeyForEmail } from '../rate-limit-keys.js';
import { confirmationForToken, confirmSubscription, isCurrent, requestSubscription } from '../subscription.js';
import { tokenParameter } from './token-parameter.js';

export interface SubscribeLimits {
  perClient: RateLimiter;
  perAddress: RateLimiter;
}

export function registerSubscribeRoutes(app: Hono<AppEnv>, context: RouteContext, limits: SubscribeLimits): void {
  const { config, topics, pages } = context;
  const knownSlugs = topics.map((topic) => topic.slug);

  app.get('/', async (c) => {
    const [latestIssue] = await context.store.listIssues();
    return c.html(pages.subscribe({ topics, ...(latestIssue ? { latestIssue } : {}) }));
  });

  app.post('/subscribe', async (c) => {
    const byClient = limits.perClient.hit(rateLimitKeyForAddress(clientAddress(c)));
    if (!byClient.allowed) return tooManyRequests(c, pages, byClient);

    const body = await readForm(c);
    const form = parseSubscribeForm(body, knownSlugs);
    if (!form.ok) {
      return c.html(pages.subscribe({ topics, values: submittedValues(body), error: form.error }), 400);
    }
    const byAddress = limits.perAddress.hit(rateLimitKeyForEmail(form.value.email));
    if (!byAddress.allowed) return tooManyRequests(c, pages, byAddress);

    await requestSubscription(context, form.value);
    return c.html(pages.checkInbox());
  });

  const confirmedPage = (c: Context, subscriber: Subscriber) =>
    c.html(
      pages.confirmed({
        email: subscriber.email,
        preferencesUrl: relativeSubscriberLink(config.secret, { purpose: 'preferences', subscriber }),
        firstIssue: firstIssueTime(config, context.now(), subscriber.cadence),
      }),
    );
  const topicNames = (slugs: string[] | null) =>
    slugs === null ? null : topics.filter((topic) => slugs.includes(topic.slug)).map((topic) => topic.name);

  // GET (and HEAD, which Hono answers from the GET route) only shows what the link would
  // do: mail scanners follow every link, and must not complete double opt-in for anyone.
  app.get('/confirm', async (c) => {
    const token = tokenParameter(c);
    const link = await confirmationForToken(context, token);
    if (link.subscriber.status === 'confirmed') return confirmedPage(c, link.subscriber);
    if (!isCurrent(link)) return c.html(pages.invalidLink(), 400);
    const choices = link.claims.choices ?? link.subscriber;
    return c.html(
      pages.confirmPrompt({
        email: link.subscriber.email,
        name: choices.name,
        topics: topicNames(choices.topics),
        cadence: link.claims.choices?.cadence ?? link.subscriber.cadence,
        actionUrl: relativeTokenLink('confirm', token),
      }),
    );
  });

  app.post('/confirm', async (c) => {
    const outcome = await confirmSubscription(context, await confirmationForToken(context, tokenParameter(c)));
    if (outcome.kind === 'stale') return c.html(pages.invalidLink(), 400);
    return confirmedPage(c, outcome.subscriber);
  });
}
