/**
 * Topic choice, name, interests and votes, opened by the signed preferences link in every
 * issue. The main form saves the name, topics, cadence and interests at once; the votes list
 * has its own small forms (remove one, clear all), told apart by their `action` field.
 */
import type { Context, Hono } from 'hono';
import { joinInterestList } from '../../personal/interest-lists.js';
import type { Interests, ReaderSignals } from '../../personal/reader-signals.js';
import { relativePrivateFeedLink, relativeSubscriberLink, relativeTokenLink } from '../../links/public-links.js';
import type { Cadence } from '../../subscribers/cadence.js';
import { sameInterests } from '../../subscribers/rules.js';
import type { Subscriber } from '../../subscribers/store.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { parseInterestsForm, parsePreferencesForm, parseVotesForm, readForm, submittedInterests, submittedValues, type VotesForm } from '../forms.js';
import type { FieldError, InterestFormValues } from '../pages.js';
import { afterSignalsChanged } from '../reader-signals-changed.js';
import { subscriberForToken } from '../subscriber-for-token.js';
import { tokenParameter } from './token-parameter.js';

/** How many of a reader's votes the page lists, newest first. */
export const LISTED_VOTES = 50;

export function registerPreferencesRoutes(app: Hono<AppEnv>, context: RouteContext): void {
  const { store, config, topics, logger, pages } = context;
  const knownSlugs = topics.map((topic) => topic.slug);

  const subscriberFor = (c: Context) => subscriberForToken(store, config.secret, tokenParameter(c), 'preferences', context.now());

  const preferencesPage = (
    c: Context,
    subscriber: Subscriber,
    signals: ReaderSignals,
    view: { name: string; checked: readonly string[] | null; cadence?: Cadence; interests?: InterestFormValues; saved?: boolean; notice?: string; error?: FieldError },
  ) =>
    pages.preferences({
      cadence: subscriber.cadence,
      email: subscriber.email,
      topics,
      actionUrl: relativeTokenLink('preferences', tokenParameter(c)),
      unsubscribeUrl: relativeSubscriberLink(config.secret, { purpose: 'unsubscribe', subscriber }),
      privateFeedUrl: relativePrivateFeedLink(config.secret, subscriber, 'rss'),
      interests: interestFormValues(signals.interests),
      votes: signals.votes.slice(0, LISTED_VOTES),
      ...view,
    });

  const storedPage = async (c: Context, subscriber: Subscriber, view: { saved?: boolean; notice?: string } = {}) =>
    c.html(preferencesPage(c, subscriber, await store.readerSignals(subscriber.id), { name: subscriber.name ?? '', checked: subscriber.topics, ...view }));

  /** Removes one vote or all of them: the reader's own action, from their preferences link. */
  const changeVotes = async (subscriber: Subscriber, form: VotesForm): Promise<string> => {
    if (form.action === 'clear-votes') {
      const cleared = await store.clearVotes(subscriber.id);
      if (cleared > 0) afterSignalsChanged(context, subscriber.id);
      logger.info(`preferences: subscriber #${subscriber.id} cleared their votes (${cleared})`);
      return cleared === 0 ? 'You had no votes to clear.' : `Cleared your ${cleared} vote${cleared === 1 ? '' : 's'}.`;
    }
    const voted = (await store.readerSignals(subscriber.id)).votes.find((vote) => vote.paperId === form.paper);
    if (!(await store.removeVote(subscriber.id, form.paper))) return 'That vote was removed already.';
    afterSignalsChanged(context, subscriber.id);
    logger.info(`preferences: subscriber #${subscriber.id} removed a vote`);
    return `Removed your vote on “${voted?.title ?? form.paper}”.`;
  };

  app.get('/preferences', async (c) => {
    if (c.req.query('token') === undefined) {
      return c.html(pages.preferencesHelp());
    }
    const subscriber = await subscriberFor(c);
    if (!canChangePreferences(subscriber)) return c.html(pages.notSubscribed());
    return storedPage(c, subscriber);
  });

  app.post('/preferences', async (c) => {
    const subscriber = await subscriberFor(c);
    if (!canChangePreferences(subscriber)) return c.html(pages.notSubscribed());
    const body = await readForm(c);
    const votesForm = parseVotesForm(body);
    if (votesForm !== undefined) return storedPage(c, subscriber, { notice: await changeVotes(subscriber, votesForm) });

    const form = parsePreferencesForm(body, knownSlugs);
    const interests = parseInterestsForm(body);
    if (!form.ok || !interests.ok) {
      const submitted = submittedValues(body);
      // The first field in the page's order that is wrong.
      const error = [form, interests].flatMap((result) => (result.ok ? [] : [result.error]))[0]!;
      const view = { name: submitted.name, checked: submitted.topics, cadence: submitted.cadence, interests: submittedInterests(body), error };
      return c.html(preferencesPage(c, subscriber, await store.readerSignals(subscriber.id), view), 400);
    }
    const interestsChange = interests.value !== undefined && !sameInterests((await store.readerSignals(subscriber.id)).interests, interests.value);
    // Status is passed through unchanged: saving preferences never subscribes or confirms anyone.
    const { subscriber: saved } = await store.upsert({
      email: subscriber.email,
      name: form.value.name,
      topics: form.value.topics,
      ...(form.value.cadence === undefined ? {} : { cadence: form.value.cadence }),
      ...(interests.value === undefined ? {} : { interests: interests.value }),
      status: subscriber.status,
    });
    if (interestsChange) afterSignalsChanged(context, saved.id);
    logger.info(`preferences: subscriber #${saved.id} saved their preferences`);
    return storedPage(c, saved, { saved: true });
  });
}

/** Pending subscribers may choose topics before confirming; unsubscribed and bounced ones have none. */
function canChangePreferences(subscriber: Subscriber): boolean {
  return subscriber.status === 'pending' || subscriber.status === 'confirmed';
}

function interestFormValues(interests: Interests): InterestFormValues {
  return {
    interests: interests.text,
    include: joinInterestList(interests.include),
    exclude: joinInterestList(interests.exclude),
    follow: joinInterestList(interests.follow),
  };
}
