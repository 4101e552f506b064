/**
 * Checks on what callers hand a store, shared by every store: addresses and names are
 * normalised, statuses and topics validated, and a bad value is EINPUT naming it, before
 * any database is touched.
 */
import { z } from 'zod';
import { isPapermailError, PapermailError } from '../errors.js';
import { normaliseEmail, normaliseName } from './email.js';
import type { SubscriberFields } from './rules.js';
import type { NewSubscriber, SubscriberStatus } from './store.js';

export const STATUSES = ['pending', 'confirmed', 'unsubscribed', 'bounced'] as const satisfies readonly SubscriberStatus[];
const StatusSchema = z.enum(STATUSES);
const TopicsSchema = z.array(z.string().min(1)).nullable();

/** Long SMTP replies are cut: the ledger needs the gist, not a transcript. */
const MAX_REASON_LENGTH = 1_000;

/** Normalises and validates input fields; throws EINPUT naming the bad one. */
export function readFields(input: NewSubscriber): SubscriberFields {
  return {
    email: normaliseEmail(input.email),
    name: input.name === undefined ? undefined : normaliseName(input.name),
    topics: input.topics === undefined ? undefined : validTopics(input.topics),
    status: input.status === undefined ? undefined : parseStatus(input.status),
  };
}

/** An import row's fields, or why the row is skipped (an invalid value); a store failure is thrown. */
export function readImportFields(row: NewSubscriber): { fields: SubscriberFields } | { skipped: string } {
  try {
    return { fields: readFields(row) };
  } catch (error) {
    if (isPapermailError(error, 'EINPUT')) return { skipped: error.message };
    throw error;
  }
}

export function parseStatus(status: unknown): SubscriberStatus {
  const result = StatusSchema.safeParse(status);
  if (!result.success) {
    throw new PapermailError('EINPUT', `status ${JSON.stringify(status)} must be one of ${STATUSES.join(', ')}`);
  }
  return result.data;
}

export function validTopics(topics: unknown): string[] | null {
  const result = TopicsSchema.safeParse(topics);
  if (!result.success) throw new PapermailError('EINPUT', 'topics must be a list of topic slugs or null (every topic)');
  return result.data;
}

/** Topics as stored: a JSON array of slugs, or null for every topic. */
export function topicsJson(topics: string[] | null): string | null {
  return topics === null ? null : JSON.stringify(topics);
}

/** An address that cannot be normalised cannot be stored, so looking it up finds nothing. */
export function lookupKey(email: string): string | undefined {
  try {
    return normaliseEmail(email);
  } catch (error) {
    if (isPapermailError(error, 'EINPUT')) return undefined;
    throw error;
  }
}

export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new PapermailError('EINPUT', `${name} must be a positive whole number (got ${String(value)})`);
  }
  return value;
}

export function shorten(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason;
}

/** Store errors name the operation; anything not already a PapermailError becomes ESTORE (or EBUSY when `isBusy`). */
export function storeFailure(operation: string, error: unknown, isBusy: (error: unknown) => boolean): PapermailError {
  if (isPapermailError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isBusy(error)) {
    return new PapermailError('EBUSY', `${operation} failed: the subscriber database is locked by another process (${message}); nothing was written`, {
      cause: error,
    });
  }
  return new PapermailError('ESTORE', `${operation} failed: ${message}`, { cause: error });
}

export async function* mapAsync<From, To>(source: AsyncIterable<From>, map: (item: From) => To): AsyncGenerator<To> {
  for await (const item of source) yield map(item);
}
