/**
 * The two halves of double opt-in. Asking is open to anyone, so it never changes a
 * confirmed subscriber and never says (by page, status or timing) whether an address
 * was known; confirming needs the signed link that only the mailbox received.
 */
import type { Subscriber } from '../subscribers/store.js';
import type { RouteContext } from './dependencies.js';
import type { SubscriptionRequest } from './forms.js';
import { absoluteLink } from './subscriber-links.js';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Records a pending subscriber and queues the confirmation email. A confirmed address is
 * left exactly as it is (otherwise anyone could change its topics) and gets no email; an
 * unsubscribed or bounced one must confirm again.
 */
export async function requestSubscription(context: RouteContext, request: SubscriptionRequest): Promise<void> {
  const { store, config, logger } = context;
  const existing = await store.findByEmail(request.email);
  if (existing?.status === 'confirmed') {
    logger.info(`subscribe: subscriber #${existing.id} is already confirmed; nothing sent`);
    return;
  }
  const { subscriber } = await store.upsert({ ...request, status: 'pending' });
  const confirmUrl = absoluteLink(config.PUBLIC_URL, {
    secret: config.secret,
    purpose: 'confirm',
    subscriber,
    expiresAt: new Date(context.now().getTime() + config.CONFIRM_TOKEN_TTL_HOURS * HOUR_MS),
  });
  // Sent after the response, so a new address does not answer slower than a confirmed one.
  context.background.run(`confirmation email to subscriber #${subscriber.id}`, async () => {
    await context.mailer.sendConfirmation(subscriber, confirmUrl);
    logger.info(`subscribe: confirmation email sent to subscriber #${subscriber.id}`);
  });
}

/** pending → confirmed; confirming twice is fine. A link cannot revive an unsubscribed address. */
export async function confirmSubscription(context: RouteContext, subscriber: Subscriber): Promise<boolean> {
  if (subscriber.status === 'confirmed') return true;
  if (subscriber.status !== 'pending') return false;
  await context.store.setStatus(subscriber.id, 'confirmed');
  context.logger.info(`subscribe: subscriber #${subscriber.id} confirmed`);
  return true;
}
