/**
 * Signed, purpose-bound tokens for the links in emails and confirmation messages:
 * `base64url(JSON payload) + "." + base64url(HMAC-SHA256)`. Nothing is stored server
 * side; the signature is the proof. A token carries the subscriber's id AND email, and
 * the caller must check both against the store, so a token issued for an id that was
 * deleted and later reused (or re-added with another address) opens nothing.
 *
 * Unsubscribe and preferences tokens never expire: they sit in every email sent, and
 * RFC 8058 one-click unsubscribe must still work when someone cleans their inbox
 * months later. Feed tokens (the private feed, /feed/<token>.xml) never expire either: a
 * feed reader keeps the address for years, and the feed only reads. Confirm tokens must expire (CONFIRM_TOKEN_TTL_HOURS), are bound to the
 * subscriber's status version (any status change since kills them), and carry the name
 * and topics the sign-up asked for: those are applied only when the link is used, so a
 * stranger's request changes nothing stored about an existing address.
 *
 * Vote tokens are one per copy of an issue, bound to that issue's id: every paper card's
 * 👍/👎 link carries the same token and names the paper and the vote as plain parameters
 * (/vote?token=…&paper=…&vote=up). One HMAC per recipient instead of two per paper, and one
 * ~150-byte token repeated rather than a hundred different ones, keep the send loop's
 * per-recipient work and the email's size within their budgets; the signature still makes a
 * vote for anyone else impossible, and the route checks the paper belongs to that issue.
 * They may carry an expiry; without one they work as long as the issue's papers do.
 */
import { CadenceSchema, type Cadence } from './cadence.js';
import { type BinaryToTextEncoding, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { PapermailError } from '../errors.js';

export const TOKEN_PURPOSES = ['confirm', 'unsubscribe', 'preferences', 'feed', 'vote'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

export interface TokenClaims {
  subscriberId: number;
  email: string;
}

/** What a sign-up asked for, held in its confirm link until the link is used. */
export interface RequestedChoices {
  name: string | null;
  /** null means every topic. */
  topics: string[] | null;
  /** Absent in links issued before cadences existed: confirming keeps the stored one. */
  cadence?: Cadence;
}

/** The part of a confirm token beyond the subscriber. */
export interface ConfirmClaims {
  statusVersion: number;
  /** Absent when the link only confirms (an operator's `subscribers add`). */
  choices?: RequestedChoices;
}

/** The part of a vote token beyond the subscriber: the issue whose papers it may vote on. */
export interface VoteClaims {
  issueId: string;
}

export interface TokenRequest extends TokenClaims {
  purpose: TokenPurpose;
  /** Required for 'confirm'; unsubscribe, preferences and feed tokens are usually given none. */
  expiresAt?: Date;
  /** Required for 'confirm', refused for the others. */
  confirm?: ConfirmClaims;
  /** Required for 'vote', refused for the others. */
  vote?: VoteClaims;
}

/** Bumping the version invalidates every token issued before, should the format change. */
const MAC_CONTEXT = 'papermail-token-v1.';
/**
 * Far longer than any real token (a confirm token with a long name and many topics stays
 * near 1 KB); stops a huge query string from being hashed at all.
 */
const MAX_TOKEN_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** An issue id's shape: a day (2025-09-30) or a week (2025-W40), src/digest/issue-id.ts. */
const ISSUE_ID = /^\d{4}-(?:\d{2}-\d{2}|W\d{2})$/;

const PayloadSchema = z.strictObject({
  p: z.enum(TOKEN_PURPOSES),
  i: z.number().int().positive(),
  e: z.string().min(3),
  /** Expiry in whole seconds since the epoch. */
  x: z.number().int().positive().optional(),
  /** Confirm tokens: the status version they were issued for. */
  v: z.number().int().nonnegative().optional(),
  /** Confirm tokens: the requested name (n), topics (t) and cadence (d). */
  c: z.strictObject({ n: z.string().nullable(), t: z.array(z.string().min(1)).nullable(), d: CadenceSchema.optional() }).optional(),
  /** Vote tokens: the issue id (a day or a week, src/digest/issue-id.ts). */
  s: z.string().regex(ISSUE_ID).optional(),
});
type Payload = z.infer<typeof PayloadSchema>;

export function createToken(secret: string, request: TokenRequest): string {
  if (request.purpose === 'confirm' && request.expiresAt === undefined) {
    // A programming error, not a user's: a confirm link that never expires must not be minted.
    throw new Error('createToken: a confirm token needs expiresAt');
  }
  if ((request.purpose === 'confirm') !== (request.confirm !== undefined)) {
    // Also a programming error: a confirm link not bound to a status version could be replayed.
    throw new Error('createToken: confirm claims belong to (and only to) a confirm token');
  }
  if ((request.purpose === 'vote') !== (request.vote !== undefined)) {
    // A vote link not bound to an issue could vote on any paper ever sent.
    throw new Error('createToken: vote claims belong to (and only to) a vote token');
  }
  if (request.vote !== undefined && !ISSUE_ID.test(request.vote.issueId)) {
    // Such a token would never verify: every link of the copy would be dead.
    throw new Error(`createToken: a vote token needs an issue id such as 2025-09-30 or 2025-W40 (got ${JSON.stringify(request.vote.issueId)})`);
  }
  const payload: Payload = { p: request.purpose, i: request.subscriberId, e: request.email };
  if (request.vote !== undefined) payload.s = request.vote.issueId;
  if (request.expiresAt !== undefined) payload.x = Math.floor(request.expiresAt.getTime() / 1000);
  if (request.confirm !== undefined) {
    payload.v = request.confirm.statusVersion;
    const { choices } = request.confirm;
    if (choices !== undefined) payload.c = { n: choices.name, t: choices.topics, ...(choices.cadence === undefined ? {} : { d: choices.cadence }) };
  }
  const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${encoded}.${sign(secret, encoded)}`;
}

/** The claims of a valid token for `purpose`; throws PapermailError('ETOKEN') saying why not. */
export function verifyToken(secret: string, token: string, purpose: TokenPurpose, now: Date = new Date()): TokenClaims {
  const payload = verifiedPayload(secret, token, purpose, now);
  return { subscriberId: payload.i, email: payload.e };
}

/** The claims of a valid confirm token, with its status version and requested choices. */
export function verifyConfirmToken(secret: string, token: string, now: Date = new Date()): TokenClaims & ConfirmClaims {
  const payload = verifiedPayload(secret, token, 'confirm', now);
  if (payload.v === undefined) {
    // Issued before confirm links were bound to a status version: it could outlive an unsubscribe.
    throw new PapermailError('ETOKEN', 'the confirm link is from an older version of papermail; subscribe again for a fresh one');
  }
  return {
    subscriberId: payload.i,
    email: payload.e,
    statusVersion: payload.v,
    ...(payload.c === undefined ? {} : { choices: { name: payload.c.n, topics: payload.c.t, ...(payload.c.d === undefined ? {} : { cadence: payload.c.d }) } }),
  };
}

/** The claims of a valid vote token, with the issue it votes on. */
export function verifyVoteToken(secret: string, token: string, now: Date = new Date()): TokenClaims & VoteClaims {
  const payload = verifiedPayload(secret, token, 'vote', now);
  if (payload.s === undefined) throw new PapermailError('ETOKEN', 'the vote link names no issue');
  return { subscriberId: payload.i, email: payload.e, issueId: payload.s };
}

function verifiedPayload(secret: string, token: string, purpose: TokenPurpose, now: Date): Payload {
  const [encoded, mac, ...rest] = typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  if (encoded === undefined || mac === undefined || rest.length > 0 || !BASE64URL.test(encoded) || !BASE64URL.test(mac)) {
    throw new PapermailError('ETOKEN', 'the link is malformed (it may have been cut off; copy the whole link)');
  }
  const given = Buffer.from(mac, 'base64url');
  const expected = Buffer.from(sign(secret, encoded), 'base64url');
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
  return payload;
}

/** The token's MAC, base64url. */
function sign(secret: string, encodedPayload: string): string {
  return secretHmac(secret, MAC_CONTEXT + encodedPayload, 'base64url');
}

/**
 * HMAC-SHA256 of `data` keyed with the app secret, as text: every keyed hash papermail makes
 * (link tokens, stable Message-IDs). The send loop makes three per recipient, so the secret's
 * KeyObject is made once and the digest comes out as a string: a digest to a Buffer, and a
 * string key prepared on every call, each cost about a microsecond more per HMAC here
 * (Node 20, 2 cores: about 5.3 against 6.4 µs and 8 µs).
 */
export function secretHmac(secret: string, data: string, encoding: BinaryToTextEncoding): string {
  return createHmac('sha256', secretKeyOf(secret)).update(data).digest(encoding);
}

let lastKey: { secret: string; key: KeyObject } | undefined;

/** A process uses one secret (tests a few): the last one's key is kept. */
function secretKeyOf(secret: string): KeyObject {
  if (lastKey?.secret !== secret) lastKey = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return lastKey.key;
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
