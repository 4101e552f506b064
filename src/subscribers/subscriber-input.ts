/**
 * Checks on what callers hand a store, shared by every store: addresses and names are
 * normalised, statuses and topics validated, and a bad value is EINPUT naming it, before
 * any database is touched.
 */
import { z } from 'zod';
import { isPapermailError, PapermailError } from '../errors.js';
import { ReportedEventSchema } from '../feedback/delivery-event.js';
import { SUPPRESSION_REASONS, type MatchedEvent, type SuppressionReason, type SuppressionRules } from '../feedback/event-store.js';
import { isIssueId } from '../digest/issue-id.js';
import { IsoDaySchema } from '../digest/paper.js';
import { InterestsSchema, VoteSchema, type Interests, type StoredReaderModel, type StoredVocabulary, type Vote } from '../personal/reader-signals.js';
import { parseCadence } from './cadence.js';
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
    cadence: input.cadence === undefined ? undefined : parseCadence(input.cadence),
    status: input.status === undefined ? undefined : parseStatus(input.status),
    suppression: input.suppression === undefined ? undefined : parseSuppression(input.suppression),
    ...(input.interests === undefined ? {} : { interests: readInterestChanges(input.interests) }),
  };
}

/** zod's first problem as EINPUT: "<what> <field>: <message>". */
function inputError(what: string, error: z.ZodError): PapermailError {
  const issue = error.issues[0]!;
  return new PapermailError('EINPUT', `${what} ${issue.path.join('.') || 'value'}: ${issue.message}`);
}

const NewVoteSchema = VoteSchema.omit({ at: true });

/** A vote as the stores take it; EINPUT names the bad field. */
export function readVote(vote: Omit<Vote, 'at'>): Omit<Vote, 'at'> {
  const result = NewVoteSchema.safeParse(vote);
  if (!result.success) throw inputError('vote', result.error);
  return result.data;
}

/** A reader's whole interests (InterestsSchema); EINPUT names the bad field. */
export function readInterests(interests: unknown): Interests {
  const result = InterestsSchema.safeParse(interests);
  if (!result.success) throw inputError('interests', result.error);
  return result.data;
}

/** Only the interest fields given, each validated as InterestsSchema's field; EINPUT names the bad one. */
export function readInterestChanges(changes: Partial<Interests>): Partial<Interests> {
  const read: Partial<Interests> = {};
  for (const field of Object.keys(InterestsSchema.shape) as Array<keyof Interests>) {
    if (changes[field] === undefined) continue;
    const result = InterestsSchema.shape[field].safeParse(changes[field]);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new PapermailError('EINPUT', `interests ${[field, ...issue.path].join('.')}: ${issue.message}`);
    }
    Object.assign(read, { [field]: result.data });
  }
  return read;
}

/** Interests as a store kept them (JSON text or jsonb), read through the schema: a row that no longer fits is ESTORE. */
export function storedInterests(stored: unknown, subscriberId: number): Interests {
  const result = InterestsSchema.safeParse(typeof stored === 'string' ? JSON.parse(stored) : stored);
  if (!result.success) throw new PapermailError('ESTORE', `the stored interests of subscriber #${subscriberId} are unreadable: ${result.error.issues[0]!.message}`);
  return result.data;
}

const StoredReaderModelSchema = z.object({ subscriberId: z.number().int().positive(), json: z.string().min(1), trainedAt: z.string().min(1) });
const StoredVocabularySchema = z.object({ json: z.string().min(1), fittedThrough: IsoDaySchema });

export function readStoredReaderModel(model: StoredReaderModel): StoredReaderModel {
  const result = StoredReaderModelSchema.safeParse(model);
  if (!result.success) throw inputError('reader model', result.error);
  return result.data;
}

export function readStoredVocabulary(vocabulary: StoredVocabulary): StoredVocabulary {
  const result = StoredVocabularySchema.safeParse(vocabulary);
  if (!result.success) throw inputError('vocabulary', result.error);
  return result.data;
}

/** A reader write that found no subscriber to write for. */
export function unknownReader(subscriberId: number): PapermailError {
  return new PapermailError('ENOTFOUND', `no subscriber #${subscriberId}`);
}

export function parseSuppression(reason: unknown): SuppressionReason {
  const result = z.enum(SUPPRESSION_REASONS).safeParse(reason);
  if (!result.success) throw new PapermailError('EINPUT', `suppression ${JSON.stringify(reason)} must be one of ${SUPPRESSION_REASONS.join(', ')}`);
  return result.data;
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

/** An issue id (src/digest/issue-id.ts: a date, or a week for a weekly issue), or null. */
const IssueDateSchema = z.string().refine(isIssueId).nullable();

/**
 * A delivery event as the stores record it: validated as every reader validates a report
 * (ReportedEventSchema), with its delivery, and `occurredAt` in UTC ISO, so times compare as
 * text in SQLite and every store keeps the same instant. EINPUT names the bad field.
 */
export function readDeliveryEvent(event: MatchedEvent): MatchedEvent {
  const { subscriberId, issueDate, ...reported } = event;
  const result = ReportedEventSchema.safeParse(reported);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new PapermailError('EINPUT', `delivery event ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  if (!IssueDateSchema.safeParse(issueDate).success) throw new PapermailError('EINPUT', `delivery event issueDate must be an issue (YYYY-MM-DD or YYYY-Www) or null (got ${JSON.stringify(issueDate)})`);
  return { ...result.data, subscriberId: positiveInteger('subscriberId', subscriberId), issueDate, occurredAt: new Date(result.data.occurredAt).toISOString() };
}

/** The suppression rules, each a positive whole number (EINPUT naming the one that is not). */
export function checkedRules(rules: SuppressionRules): SuppressionRules {
  return {
    hardBounceLimit: positiveInteger('hardBounceLimit', rules.hardBounceLimit),
    softBounceLimit: positiveInteger('softBounceLimit', rules.softBounceLimit),
    softBounceWindowDays: positiveInteger('softBounceWindowDays', rules.softBounceWindowDays),
  };
}

/** A Message-ID as the ledger keeps it, `<…>` as sent: a report quoting it without the brackets finds it too. */
export function bracketedMessageId(messageId: string): string {
  const bare = messageId.trim().replace(/^<|>$/g, '');
  return `<${bare}>`;
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
