/**
 * Turning a link's token back into the subscriber it was issued for. The links themselves
 * are made in src/links/public-links.ts.
 */
import { PapermailError } from '../errors.js';
import type { Subscriber, SubscriberDirectory } from '../subscribers/store.js';
import { verifyToken, type TokenClaims, type TokenPurpose } from '../subscribers/tokens.js';

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
  return subscriberOfClaims(store, verifyToken(secret, token, purpose, now), purpose);
}

/** The stored subscriber a verified token's claims name, as subscriberForToken checks them. */
export async function subscriberOfClaims(store: Pick<SubscriberDirectory, 'findById'>, claims: TokenClaims, purpose: TokenPurpose): Promise<Subscriber> {
  const subscriber = await store.findById(claims.subscriberId);
  if (subscriber === undefined || subscriber.email !== claims.email) {
    throw new PapermailError('ETOKEN', `the ${purpose} link names a subscriber who no longer exists`);
  }
  return subscriber;
}
