/**
 * Reading the subscribe and preferences forms: zod checks the shape (one text value per
 * field, topics as repeated checkboxes), then the subscriber rules normalise the values.
 * A problem becomes a FieldError naming the field, which the page shows beside it.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { isPapermailError } from '../errors.js';
import { normaliseEmail, normaliseName, parseTopics } from '../subscribers/email.js';
import { TOPICS_SHOWN_FIELD, type FieldError, type SubscribeFormValues } from './pages.js';

export type FormResult<T> = { ok: true; value: T } | { ok: false; error: FieldError };

export interface SubscriptionRequest {
  email: string;
  name: string | null;
  /** null means every topic, including ones added later. */
  topics: string[] | null;
}

export type PreferencesRequest = Omit<SubscriptionRequest, 'email'>;

const oneText = (field: string) => z.string({ error: `${field} must be given once, as text` }).max(1000, `${field} is too long`);

const TopicsFieldSchema = z
  .union([z.string(), z.array(z.string())], { error: 'topics must be checkbox values' })
  .optional();

const SubscribeFormSchema = z.object({
  email: oneText('email'),
  name: oneText('name').optional(),
  topics: TopicsFieldSchema,
  [TOPICS_SHOWN_FIELD]: z.unknown().optional(),
});

const PreferencesFormSchema = z.object({
  name: oneText('name').optional(),
  topics: TopicsFieldSchema,
});

/** The posted form; repeated fields (the topic checkboxes) come back as arrays. */
export async function readForm(c: Context): Promise<Record<string, unknown>> {
  return c.req.parseBody({ all: true });
}

export function parseSubscribeForm(body: Record<string, unknown>, knownSlugs: string[]): FormResult<SubscriptionRequest> {
  const shape = SubscribeFormSchema.safeParse(body);
  if (!shape.success) return { ok: false, error: fieldErrorFromZod(shape.error, body) };
  const email = attempt('email', () => normaliseEmail(shape.data.email));
  if (!email.ok) return email;
  const fromOurForm = shape.data[TOPICS_SHOWN_FIELD] !== undefined;
  const topics = !fromOurForm && shape.data.topics === undefined ? everyTopic() : chosenTopics(shape.data.topics, knownSlugs);
  if (!topics.ok) return topics;
  return { ok: true, value: { email: email.value, name: normaliseName(shape.data.name), topics: topics.value } };
}

export function parsePreferencesForm(body: Record<string, unknown>, knownSlugs: string[]): FormResult<PreferencesRequest> {
  const shape = PreferencesFormSchema.safeParse(body);
  if (!shape.success) return { ok: false, error: fieldErrorFromZod(shape.error, body) };
  const topics = chosenTopics(shape.data.topics, knownSlugs);
  if (!topics.ok) return topics;
  return { ok: true, value: { name: normaliseName(shape.data.name), topics: topics.value } };
}

/** What the visitor typed, to fill the form again after an error (the page escapes it). */
export function submittedValues(body: Record<string, unknown>): SubscribeFormValues {
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 1000) : '');
  const topics = body.topics === undefined ? [] : [body.topics].flat().filter((value): value is string => typeof value === 'string');
  return { email: text(body.email), name: text(body.name), topics };
}

function everyTopic(): FormResult<null> {
  return { ok: true, value: null };
}

/**
 * At least one topic must be checked: an all-unchecked form is a mistake, not "all".
 * Checking every topic is stored as null, so topics added later are included too.
 */
function chosenTopics(input: string | string[] | undefined, knownSlugs: string[]): FormResult<string[] | null> {
  const given = [input ?? []].flat().filter((value) => value.trim() !== '');
  if (given.length === 0) return { ok: false, error: { field: 'topics', message: 'topics: choose at least one topic' } };
  const topics = attempt('topics', () => parseTopics(given, knownSlugs));
  if (!topics.ok) return { ok: false, error: { field: 'topics', message: `topics: ${topics.error.message}` } };
  const everyTopic = topics.value === null || knownSlugs.every((slug) => topics.value?.includes(slug));
  return { ok: true, value: everyTopic ? null : topics.value };
}

function attempt<T>(field: FieldError['field'], read: () => T): FormResult<T> {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    if (isPapermailError(error, 'EINPUT')) return { ok: false, error: { field, message: error.message } };
    throw error;
  }
}

function fieldErrorFromZod(error: z.ZodError, body: Record<string, unknown>): FieldError {
  const issue = error.issues[0]!;
  const name = String(issue.path[0] ?? '');
  const field: FieldError['field'] = name === 'name' || name === 'topics' ? name : 'email';
  const message = body[field] === undefined ? `${field} is missing` : issue.message;
  return { field, message };
}
