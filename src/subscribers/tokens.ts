/**
 * Signed, purpose-bound tokens for the links in emails and confirmation messages:
 * `base64url(JSON payload) + "." + base64url(HMAC-SHA256)`. Nothing is stored server
 * side; the signature is the proof. A token carries the subscriber's id AND email, and
 * the caller must check both against the store, so a token issued for an id that was
 * deleted and later reused (or re-added with another address) opens nothing.
 *
 * Unsubscribe and preferences tokens never expire: they sit in every email sent, and
 * RFC 8058 one-click unsubscribe must still work when someone cleans their inbox
 * months later. Confirm tokens must expire (CONFIRM_TOKEN_TTL_HOURS).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { PapermailError } from '../errors.js';

export const TOKEN_PURPOSES = ['confirm', 'unsubscribe', 'preferences'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

export interface TokenClaims {
  subscriberId: number;
  email: string;
}

export interface TokenRequest extends TokenClaims {
  purpose: TokenPurpose;
  /** Required for 'confirm'; unsubscribe and preferences tokens are usually given none. */
  expiresAt?: Date;
}

/** Bumping the version invalidates every token issued before, should the format change. */
const MAC_CONTEXT = 'papermail-token-v1.';
/** Far longer than any real token; stops a huge query string from being hashed at all. */
const MAX_TOKEN_LENGTH = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const PayloadSchema = z.strictObject({
  p: z.enum(TOKEN_PURPOSES),
  i: z.number().int().positive(),
  e: z.string().min(3),
  /** Expiry in whole seconds since the epoch. */
  x: z.number().int().positive().optional(),
});
type Payload = z.infer<typeof PayloadSchema>;

export function createToken(secret: string, request: TokenRequest): string {
  if (request.purpose === 'confirm' && request.expiresAt === undefined) {
    // A programming error, not a user's: a confirm link that never expires must not be minted.
    throw new Error('createToken: a confirm token needs expiresAt');
  }
  const payload: Payload = { p: request.purpose, i: request.subscriberId, e: request.email };
  if (request.expiresAt !== undefined) payload.x = Math.floor(request.expiresAt.getTime() / 1000);
  const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${encoded}.${sign(secret, encoded).toString('base64url')}`;
}

/** The claims of a valid token for `purpose`; throws PapermailError('ETOKEN') saying why not. */
export function verifyToken(secret: string, token: string, purpose: TokenPurpose, now: Date = new Date()): TokenClaims {
  const [encoded, mac, ...rest] = typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  if (encoded === undefined || mac === undefined || rest.length > 0 || !BASE64URL.test(encoded) || !BASE64URL.test(mac)) {
    throw new PapermailError('ETOKEN', 'the link is malformed (it may have been cut off; copy the whole link)');
  }
  const given = Buffer.from(mac, 'base64url');
  const expected = sign(secret, encoded);
  // The canonical-encoding check stops one token from having several spellings.
  const canonical = given.toString('base64url') === mac;
  if (!canonical || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new PapermailError('ETOKEN', 'the link has a bad signature (it was altered or issued by another server)');
  }
  const payload = decodePayload(encoded);
  if (payload.p !== purpose) {
    throw new PapermailError('ETOKEN', `the link is for ${payload.p}, not ${purpose}`);
  }
  if (payload.x !== undefined && now.getTime() >= payload.x * 1000) {
    throw new PapermailError('ETOKEN', `the ${purpose} link expired on ${new Date(payload.x * 1000).toISOString()}`);
  }
  return { subscriberId: payload.i, email: payload.e };
}

function sign(secret: string, encodedPayload: string): Buffer {
  return createHmac('sha256', secret).update(MAC_CONTEXT + encodedPayload).digest();
}

function decodePayload(encoded: string): Payload {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new PapermailError('ETOKEN', 'the link is malformed (its content is not readable)');
  }
  const result = PayloadSchema.safeParse(json);
  if (!result.success) throw new PapermailError('ETOKEN', 'the link is malformed (its content is incomplete)');
  return result.data;
}
