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
 * Vote tokens (the 👍/👎 links on every paper card) have a shorter format of their own, at
 * the end of this file.
 */
import { CadenceSchema, type Cadence } from './cadence.js';
import { type BinaryToTextEncoding, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { PapermailError } from '../errors.js';

export const TOKEN_PURPOSES = ['confirm', 'unsubscribe', 'preferences', 'feed'] as const;
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

export interface TokenRequest extends TokenClaims {
  purpose: TokenPurpose;
  /** Required for 'confirm'; unsubscribe, preferences and feed tokens are usually given none. */
  expiresAt?: Date;
  /** Required for 'confirm', refused for the others. */
  confirm?: ConfirmClaims;
}

/** Bumping the version invalidates every token issued before, should the format change. */
const MAC_CONTEXT = 'papermail-token-v1.';
/**
 * Far longer than any real token (a confirm token with a long name and many topics stays
 * near 1 KB); stops a huge query string from being hashed at all.
 */
const MAX_TOKEN_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

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
  const payload: Payload = { p: request.purpose, i: request.subscriberId, e: request.email };
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

/**
 * Vote links (👍/👎 on each paper card, /vote?token=…&paper=…&vote=up|down) carry a token of
 * their own, one per copy: bound to the subscriber (id and address) and the issue, signed, and
 * short, because a 50-paper copy repeats it a hundred times within Gmail's size budget. It is
 * `<id in base 36>.<issue id>.<MAC>`: the address is in the MAC but not in the token, so the
 * route reads the id, looks the subscriber up, and verifies against the address stored
 * (verifyVoteToken); a token for an id since deleted, or re-used with another address, opens
 * nothing. 96 bits of HMAC-SHA256 are plenty for a link that only records a vote, behind a
 * rate-limited page whose button POSTs. Vote tokens do not expire: an old issue's 👍 still counts.
 */
const VOTE_MAC_CONTEXT = 'papermail-vote-v1.';
const VOTE_MAC_LENGTH = 16;
const VOTE_ISSUE_ID = /^\d{4}-(?:\d{2}-\d{2}|W\d{2})$/;
const VOTE_TOKEN = /^([0-9a-z]{1,11})\.(\d{4}-(?:\d{2}-\d{2}|W\d{2}))\.([A-Za-z0-9_-]{16})$/;

export interface VoteTokenClaims {
  subscriberId: number;
  /** The issue whose copy carried the link: a day (2025-09-30) or a week (2025-W40). */
  issueId: string;
}

export function createVoteToken(secret: string, claims: VoteTokenClaims & { email: string }): string {
  if (!VOTE_ISSUE_ID.test(claims.issueId)) {
    // A programming error: such a token would never verify, and every vote link of the copy would be dead.
    throw new Error(`createVoteToken: an issue id such as 2025-09-30 or 2025-W40 is needed (got ${JSON.stringify(claims.issueId)})`);
  }
  return `${claims.subscriberId.toString(36)}.${claims.issueId}.${voteMac(secret, claims.subscriberId, claims.issueId, claims.email)}`;
}

/** The claims a vote token states, unchecked: which subscriber to look up before verifyVoteToken. Throws ETOKEN when it is not one. */
export function readVoteToken(token: string): VoteTokenClaims {
  const match = typeof token === 'string' ? VOTE_TOKEN.exec(token) : null;
  const subscriberId = match ? Number.parseInt(match[1]!, 36) : Number.NaN;
  if (!match || !Number.isSafeInteger(subscriberId) || subscriberId <= 0) throw new PapermailError('ETOKEN', 'the link is malformed (it may have been cut off; copy the whole link)');
  return { subscriberId, issueId: match[2]! };
}

/** The claims of a vote token issued for this subscriber (as stored now); throws ETOKEN otherwise. */
export function verifyVoteToken(secret: string, token: string, subscriber: { id: number; email: string }): VoteTokenClaims {
  const claims = readVoteToken(token);
  const given = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'utf8');
  const expected = Buffer.from(voteMac(secret, subscriber.id, claims.issueId, subscriber.email), 'utf8');
  if (claims.subscriberId !== subscriber.id || !timingSafeEqual(given, expected)) {
    throw new PapermailError('ETOKEN', 'the link has a bad signature (it was altered, issued by another server, or for another subscriber)');
  }
  return claims;
}

function voteMac(secret: string, subscriberId: number, issueId: string, email: string): string {
  return secretHmac(secret, `${VOTE_MAC_CONTEXT}${subscriberId}.${issueId}.${email}`, 'base64url').slice(0, VOTE_MAC_LENGTH);
}
