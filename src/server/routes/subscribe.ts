import type { Hono } from 'hono';
import { clientAddress } from '../client-address.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { tooManyRequests } from '../error-pages.js';
import { firstIssueTime } from '../first-issue.js';
import { parseSubscribeForm, readForm, submittedValues } from '../forms.js';
import type { RateLimiter } from '../rate-limit.js';
import { rateLimitKeyForAddress, rateLimitKeyForEmail } from '../rate-limit-keys.js';
import { relativeLink, subscriberForToken } from '../subscriber-links.js';
import { confirmSubscription, requestSubscription } from '../subscription.js';
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

  app.get('/confirm', async (c) => {
    const subscriber = await subscriberForToken(context.store, config.secret, tokenParameter(c), 'confirm', context.now());
    if (!(await confirmSubscription(context, subscriber))) return c.html(pages.invalidLink(), 400);
    const preferencesUrl = relativeLink({ secret: config.secret, purpose: 'preferences', subscriber });
    return c.html(pages.confirmed({ email: subscriber.email, preferencesUrl, firstIssue: firstIssueTime(config, context.now()) }));
  });
}
