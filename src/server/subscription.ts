/**
 * The two halves of double opt-in. Asking is open to anyone, so it never changes an
 * existing subscriber and never says (by page, status or timing) whether an address was
 * known; confirming needs the signed link that only the mailbox received, and a POST.
 */
import type { Config } from '../config/config.js';
import { PapermailError } from '../errors.js';
import { subscriberLink } from '../links/public-links.js';
import type { ConfirmOutcome, Subscriber } from '../subscribers/store.js';
import { verifyConfirmToken, type ConfirmClaims, type RequestedChoices, type TokenClaims } from '../subscribers/tokens.js';
import type { RouteContext } from './dependencies.js';
import type { SubscriptionRequest } from './forms.js';

const HOUR_MS = 60 * 60 * 1000;

export type ConfirmLinkSettings = Pick<Config, 'PUBLIC_URL' | 'secret' | 'CONFIRM_TOKEN_TTL_HOURS'>;

/**
 * The confirmation link for a subscriber as stored now: it expires after
 * CONFIRM_TOKEN_TTL_HOURS, dies with the next status change, and applies `choices`
 * (the name and topics a sign-up asked for) when it is used.
 */
export function confirmLink(config: ConfirmLinkSettings, subscriber: Subscriber, now: Date, choices?: RequestedChoices): string {
  return subscriberLink(config, {
    purpose: 'confirm',
    subscriber,
    expiresAt: new Date(now.getTime() + config.CONFIRM_TOKEN_TTL_HOURS * HOUR_MS),
    confirm: { statusVersion: subscriber.statusVersion, ...(choices === undefined ? {} : { choices }) },
  });
}

/**
 * Queues a sign-up: the lookup, any insert and the email happen after the response, the
 * same way for every address, so the answer's timing cannot tell a subscribed address from
 * a new one. The one thing checked first is the same for every address: that the store can
 * take writes at all (a deleted or read-only file fails the request instead of answering
 * "check your inbox" for a sign-up that cannot be kept).
 */
export async function requestSubscription(context: RouteContext, request: SubscriptionRequest): Promise<void> {
  const health = await context.store.health();
  if (!health.ok) throw new PapermailError('ESTORE', health.problem);
  context.background.run('subscription request', () => handleSubscriptionRequest(context, request));
}

/**
 * A new address becomes a pending subscriber. An existing one is left exactly as stored:
 * a confirmed subscriber gets nothing (else anyone could change their topics or mail
 * them at will); anyone else gets a confirmation email whose link carries what this
 * request asked for, applied only if they use it.
 */
async function handleSubscriptionRequest(context: RouteContext, request: SubscriptionRequest): Promise<void> {
  const { store, config, logger, mailer } = context;
  const { subscriber, created } = await store.addIfNew({ ...request, status: 'pending' });
  if (subscriber.status === 'confirmed') {
    logger.info(`subscribe: subscriber #${subscriber.id} is already confirmed; nothing sent`);
    return;
  }
  const now = context.now();
  const url = confirmLink(config, subscriber, now, { name: request.name, topics: request.topics, cadence: request.cadence });
  await mailer.sendConfirmation(subscriber, url, now);
  logger.info(`subscribe: confirmation email sent to ${created ? 'new' : subscriber.status} subscriber #${subscriber.id}`);
}

export interface ConfirmationLink {
  subscriber: Subscriber;
  claims: TokenClaims & ConfirmClaims;
}

/**
 * The subscriber a confirm token names, with what the token asks for. The token must be
 * valid and the stored subscriber must still have its address (as for every link);
 * whether its status version still holds is for the caller. Throws ETOKEN.
 */
export async function confirmationForToken(context: RouteContext, token: string): Promise<ConfirmationLink> {
  const claims = verifyConfirmToken(context.config.secret, token, context.now());
  const subscriber = await context.store.findById(claims.subscriberId);
  if (subscriber === undefined || subscriber.email !== claims.email) {
    throw new PapermailError('ETOKEN', 'the confirm link names a subscriber who no longer exists');
  }
  return { subscriber, claims };
}

/** Whether a link may still confirm: the subscriber has not changed status since it was issued. */
export function isCurrent({ subscriber, claims }: ConfirmationLink): boolean {
  return subscriber.statusVersion === claims.statusVersion;
}

/** Confirms with the link's name and topics; confirming twice is fine, a stale link changes nothing. */
export async function confirmSubscription(context: RouteContext, { subscriber, claims }: ConfirmationLink): Promise<ConfirmOutcome> {
  const outcome = await context.store.confirm(subscriber.id, { statusVersion: claims.statusVersion, ...claims.choices });
  if (outcome.kind === 'confirmed') context.logger.info(`subscribe: subscriber #${subscriber.id} confirmed`);
  return outcome;
}
