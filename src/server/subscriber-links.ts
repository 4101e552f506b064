/**
 * The subscriber's signed links: minting them for pages and emails, and turning a link's
 * token back into the subscriber it was issued for.
 */
import { PapermailError } from '../errors.js';
import type { Subscriber, SubscriberDirectory } from '../subscribers/store.js';
import { createToken, verifyToken, type ConfirmClaims, type TokenPurpose } from '../subscribers/tokens.js';

export interface LinkOptions {
  secret: string;
  purpose: TokenPurpose;
  subscriber: Pick<Subscriber, 'id' | 'email'>;
  expiresAt?: Date;
  /** Confirm links only: the status version they are bound to and the choices they apply. */
  confirm?: ConfirmClaims;
}

/** A link relative to the site root, for pages served by this app ("preferences?token=…"). */
export function relativeLink({ secret, purpose, subscriber, expiresAt, confirm }: LinkOptions): string {
  const token = createToken(secret, {
    purpose,
    subscriberId: subscriber.id,
    email: subscriber.email,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(confirm === undefined ? {} : { confirm }),
  });
  // Each kind of token opens the route of the same name: /confirm, /unsubscribe, /preferences.
  return `${purpose}?token=${encodeURIComponent(token)}`;
}

/** An absolute link for emails, under PUBLIC_URL (which may carry a path such as /papers). */
export function absoluteLink(publicUrl: string, options: LinkOptions): string {
  return `${publicUrl.replace(/\/+$/, '')}/${relativeLink(options)}`;
}

/**
 * The subscriber a token was issued for. The token must be valid for `purpose` AND the
 * stored subscriber must still have the address it names: a deleted and re-added
 * subscriber, or a reused id, gets nothing. Throws PapermailError('ETOKEN').
 */
export async function subscriberForToken(
  store: Pick<SubscriberDirectory, 'findById'>,
  secret: string,
  token: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<Subscriber> {
  const claims = verifyToken(secret, token, purpose, now);
  const subscriber = await store.findById(claims.subscriberId);
  if (subscriber === undefined || subscriber.email !== claims.email) {
    throw new PapermailError('ETOKEN', `the ${purpose} link names a subscriber who no longer exists`);
  }
  return subscriber;
}
