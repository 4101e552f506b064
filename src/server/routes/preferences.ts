/** Topic choice and name, opened by the signed preferences link in every issue. */
import type { Context, Hono } from 'hono';
import { relativePrivateFeedLink, relativeSubscriberLink, relativeTokenLink } from '../../links/public-links.js';
import type { Cadence } from '../../subscribers/cadence.js';
import type { Subscriber } from '../../subscribers/store.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { parsePreferencesForm, readForm, submittedValues } from '../forms.js';
import type { FieldError } from '../pages.js';
import { subscriberForToken } from '../subscriber-for-token.js';
import { tokenParameter } from './token-parameter.js';

export function registerPreferencesRoutes(app: Hono<AppEnv>, context: RouteContext): void {
  const { store, config, topics, logger, pages } = context;
  const knownSlugs = topics.map((topic) => topic.slug);

  const subscriberFor = (c: Context) => subscriberForToken(store, config.secret, tokenParameter(c), 'preferences', context.now());

  const preferencesPage = (
    c: Context,
    subscriber: Subscriber,
    view: { name: string; checked: readonly string[] | null; cadence?: Cadence; saved?: boolean; error?: FieldError },
  ) =>
    pages.preferences({
      cadence: subscriber.cadence,
      email: subscriber.email,
      topics,
      actionUrl: relativeTokenLink('preferences', tokenParameter(c)),
      unsubscribeUrl: relativeSubscriberLink(config.secret, { purpose: 'unsubscribe', subscriber }),
      privateFeedUrl: relativePrivateFeedLink(config.secret, subscriber, 'rss'),
      ...view,
    });

  app.get('/preferences', async (c) => {
    if (c.req.query('token') === undefined) {
      return c.html(pages.preferencesHelp());
    }
    const subscriber = await subscriberFor(c);
    if (!canChangePreferences(subscriber)) return c.html(pages.notSubscribed());
    return c.html(preferencesPage(c, subscriber, { name: subscriber.name ?? '', checked: subscriber.topics }));
  });

  app.post('/preferences', async (c) => {
    const subscriber = await subscriberFor(c);
    if (!canChangePreferences(subscriber)) return c.html(pages.notSubscribed());
    const body = await readForm(c);
    const form = parsePreferencesForm(body, knownSlugs);
    if (!form.ok) {
      const submitted = submittedValues(body);
      return c.html(preferencesPage(c, subscriber, { name: submitted.name, checked: submitted.topics, cadence: submitted.cadence, error: form.error }), 400);
    }
    // Status is passed through unchanged: saving preferences never subscribes or confirms anyone.
    const { subscriber: saved } = await store.upsert({
      email: subscriber.email,
      name: form.value.name,
      topics: form.value.topics,
      ...(form.value.cadence === undefined ? {} : { cadence: form.value.cadence }),
      status: subscriber.status,
    });
    logger.info(`preferences: subscriber #${saved.id} saved their preferences`);
    return c.html(preferencesPage(c, saved, { name: saved.name ?? '', checked: saved.topics, saved: true }));
  });
}

/** Pending subscribers may choose topics before confirming; unsubscribed and bounced ones have none. */
function canChangePreferences(subscriber: Subscriber): boolean {
  return subscriber.status === 'pending' || subscriber.status === 'confirmed';
}
