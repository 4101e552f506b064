/**
 * What every provider's webhook module shares: the refusal a forged, stale or malformed
 * request ends in, the reading of its JSON body against a zod schema, constant-time secret
 * comparison, timestamp freshness, and the small normalisations (status codes, Message-IDs,
 * idempotency keys) that turn a provider's fields into a ReportedEvent's.
 *
 * The provider modules are pure apart from the network SNS needs (injected): they take the
 * raw body and headers, and return the events to record, or throw a WebhookRefusal. Nothing
 * is recorded for a request that throws.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { PapermailError } from '../../errors.js';
import { ENHANCED_STATUS, ReportedEventSchema, type ReportedEvent } from '../delivery-event.js';

/** 400 malformed or stale, 401 no or wrong credentials, 403 a signature that does not verify or a foreign topic, 413 too large. */
export type RefusalStatus = 400 | 401 | 403 | 413;

/** A request the webhook will not act on; `message` is short and names what was wrong, never a secret. */
export class WebhookRefusal extends PapermailError {
  readonly status: RefusalStatus;

  constructor(status: RefusalStatus, message: string) {
    super('EWEBHOOK', message);
    this.status = status;
  }
}

/** What a webhook request said: the events to record, and (SNS) what else it did. */
export interface WebhookReading {
  events: ReportedEvent[];
  /** A request that carries no events but did something, e.g. "subscription confirmed". */
  action?: string;
}

/** The request as the provider modules see it: raw bytes (signatures are over them) and headers. */
export interface WebhookRequest {
  body: Buffer;
  header(name: string): string | undefined;
  /** The time it was received: freshness checks and events that say no time. */
  receivedAt: Date;
}

/**
 * A recipient as a provider names it. Not checked as an address beyond its length (a batch
 * must not be refused for one odd entry: it simply matches nobody), but without control
 * characters, which no address has and which would forge lines in the log.
 */
export const ReportedAddressSchema = z
  .string()
  .trim()
  .min(3)
  .max(320)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

/** The body parsed as JSON and checked against `schema`; a refusal (400) naming the first bad field otherwise. */
export function parseJsonBody<Schema extends z.ZodType>(body: Buffer | string, schema: Schema, what: string): z.output<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new WebhookRefusal(400, `${what}: the body is not JSON`);
  }
  return parseValue(value, schema, what);
}

export function parseValue<Schema extends z.ZodType>(value: unknown, schema: Schema, what: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
  throw new WebhookRefusal(400, `${what}: ${field}: ${issue.message}`);
}

/**
 * Whether two secrets are equal, in time that depends on neither: both are hashed first so
 * timingSafeEqual compares equal-length digests (as src/server/admin-auth.ts does).
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected)) && expected !== '';
}

/**
 * Refuses a signed timestamp (Unix seconds) older than `maxAgeSeconds`, or as far in the
 * future (a clock off by that much is as wrong as a replay): the signature binds the
 * timestamp, so an old signed request cannot be replayed with a new one.
 */
export function assertFresh(timestampSeconds: number, receivedAt: Date, maxAgeSeconds: number, what: string): void {
  const ageSeconds = receivedAt.getTime() / 1000 - timestampSeconds;
  if (!Number.isFinite(ageSeconds) || Math.abs(ageSeconds) > maxAgeSeconds) {
    throw new WebhookRefusal(400, `${what}: the signed timestamp is ${Number.isFinite(ageSeconds) ? `${Math.round(ageSeconds)} s old` : 'not a number'}; at most ${maxAgeSeconds} s is accepted`);
  }
}

/** The enhanced status code (RFC 3463) in `text` ("5.1.1", "smtp; 550 5.1.1 unknown user"), or null. */
export function enhancedStatusIn(text: string | null | undefined): string | null {
  if (!text) return null;
  if (ENHANCED_STATUS.test(text.trim())) return text.trim();
  const found = /(?:^|[\s;(#])([245]\.\d{1,3}\.\d{1,3})(?=$|[\s;,).])/.exec(text);
  return found?.[1] ?? null;
}

/** A diagnostic as a ReportedEvent keeps it: trimmed, at most 1000 characters, null when empty. */
export function shortDiagnostic(...texts: Array<string | null | undefined>): string | null {
  const text = texts
    .map((part) => part?.trim())
    .filter((part): part is string => Boolean(part))
    .join(' — ');
  if (text === '') return null;
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
}

/** A Message-ID in our form, `<id@host>`: providers pass it with or without the brackets. */
export function bracketedMessageId(value: string | null | undefined): string | null {
  const bare = value?.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
  if (!bare || bare.length > 996 || /[\s<>]/.test(bare)) return null;
  return `<${bare}>`;
}

/**
 * An idempotency key from its parts (a provider's event id, a recipient): joined with ":",
 * hashed when longer than a ReportedEvent's key may be. One report about two recipients has
 * two events, so the recipient is part of the key.
 */
export function eventKey(...parts: string[]): string {
  const joined = parts.join(':');
  if (joined.length <= 200) return joined;
  return `${parts[0]!.slice(0, 100)}:sha256:${createHash('sha256').update(joined, 'utf8').digest('hex')}`;
}

/** A provider's time as ISO 8601, or the time the request was received when it gives none (or nonsense). */
export function isoTime(value: string | number | null | undefined, receivedAt: Date): string {
  if (value === null || value === undefined || value === '') return receivedAt.toISOString();
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? receivedAt.toISOString() : date.toISOString();
}

/**
 * The event, checked against the glossary's schema: what a provider sent that our schema
 * does not take (an address too long to be one) is refused, never half-recorded.
 */
export function reportedEvent(event: ReportedEvent, what: string): ReportedEvent {
  return parseValue(event, ReportedEventSchema, what);
}
