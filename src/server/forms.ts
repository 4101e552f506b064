/**
 * Reading the subscribe and preferences forms: zod checks the shape (one text value per
 * field, topics as repeated checkboxes and an "all"/"only" radio button), then the
 * subscriber rules normalise the values. A problem becomes a FieldError: the field and a
 * sentence for the person who filled it in, which the page shows beside that field.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { isPapermailError } from '../errors.js';
import { CADENCES, DEFAULT_CADENCE, type Cadence } from '../subscribers/cadence.js';
import { normaliseEmail, normaliseName, parseTopics } from '../subscribers/email.js';
import { TOPICS_CHOICE_FIELD, type FieldError, type SubscribeFormValues } from './pages.js';

export type FormResult<T> = { ok: true; value: T } | { ok: false; error: FieldError };

export interface SubscriptionRequest {
  email: string;
  name: string | null;
  /** null means every topic, including ones added later. */
  topics: string[] | null;
  /** Daily unless the form chose weekly. */
  cadence: Cadence;
}

export interface PreferencesRequest {
  name: string | null;
  topics: string[] | null;
  /** undefined: the post had no cadence field (a script, an older page): the stored one is kept. */
  cadence: Cadence | undefined;
}

const EmailFieldSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'Enter your email address.' : 'Enter one email address.') })
  .max(1000, 'That email address is too long.');

const NameFieldSchema = z.string({ error: 'Enter your name once, as text.' }).max(1000, 'That name is too long.');

const TopicsFieldSchema = z
  .union([z.string(), z.array(z.string())], { error: 'Choose topics by ticking them in the list.' })
  .optional();

const TopicsChoiceSchema = z.enum(['all', 'only'], { error: 'Pick All topics or Only these.' }).optional();

const CadenceFieldSchema = z.enum(CADENCES, { error: 'Pick Daily or Weekly.' }).optional();

const PreferencesFormSchema = z.object({
  name: NameFieldSchema.optional(),
  topics: TopicsFieldSchema,
  [TOPICS_CHOICE_FIELD]: TopicsChoiceSchema,
  cadence: CadenceFieldSchema,
});

// The email first: its problem is the one to show when several fields are wrong.
const SubscribeFormSchema = z.object({ email: EmailFieldSchema, ...PreferencesFormSchema.shape });

type TopicsFields = Pick<z.infer<typeof PreferencesFormSchema>, 'topics' | typeof TOPICS_CHOICE_FIELD>;

/** "Only these" with nothing ticked, on both forms. */
const NO_TOPIC_CHOSEN = 'Choose at least one topic, or pick All topics.';
const UNKNOWN_TOPIC = 'One of the chosen topics is not on the list any more; choose again from the topics below.';

/** The posted form; repeated fields (the topic checkboxes) come back as arrays. */
export async function readForm(c: Context): Promise<Record<string, unknown>> {
  return c.req.parseBody({ all: true });
}

export function parseSubscribeForm(body: Record<string, unknown>, knownSlugs: string[]): FormResult<SubscriptionRequest> {
  const shape = SubscribeFormSchema.safeParse(body);
  if (!shape.success) return { ok: false, error: fieldErrorFromZod(shape.error) };
  const email = attempt('email', () => normaliseEmail(shape.data.email), emailSentence);
  if (!email.ok) return email;
  // A form embedded elsewhere with just an email field means every topic.
  const topics = chosenTopics(shape.data, 'only-if-ticked', knownSlugs);
  if (!topics.ok) return topics;
  return { ok: true, value: { email: email.value, name: normaliseName(shape.data.name), topics: topics.value, cadence: shape.data.cadence ?? DEFAULT_CADENCE } };
}

export function parsePreferencesForm(body: Record<string, unknown>, knownSlugs: string[]): FormResult<PreferencesRequest> {
  const shape = PreferencesFormSchema.safeParse(body);
  if (!shape.success) return { ok: false, error: fieldErrorFromZod(shape.error) };
  // Only our own page posts preferences: without the radio button, nothing ticked is still a mistake.
  const topics = chosenTopics(shape.data, 'only', knownSlugs);
  if (!topics.ok) return topics;
  return { ok: true, value: { name: normaliseName(shape.data.name), topics: topics.value, cadence: shape.data.cadence } };
}

/** What the visitor typed and chose, to fill the form again after an error (the page escapes it). */
export function submittedValues(body: Record<string, unknown>): SubscribeFormValues {
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 1000) : '');
  const ticked = body.topics === undefined ? [] : [body.topics].flat().filter((value): value is string => typeof value === 'string');
  const onlyThese = body[TOPICS_CHOICE_FIELD] === 'only' || (body[TOPICS_CHOICE_FIELD] === undefined && ticked.length > 0);
  return { email: text(body.email), name: text(body.name), topics: onlyThese ? ticked : null, cadence: body.cadence === 'weekly' ? 'weekly' : DEFAULT_CADENCE };
}

/**
 * "All topics" is null, whatever is ticked (so topics added later are included too).
 * "Only these" needs at least one ticked topic: none is a mistake, not "all"; ticking
 * every one is stored as null too. A post without the radio button (a script, an older
 * page) is read as `withoutChoice` says: "only", or "only-if-ticked" (else all).
 */
function chosenTopics(fields: TopicsFields, withoutChoice: 'only' | 'only-if-ticked', knownSlugs: string[]): FormResult<string[] | null> {
  const given = [fields.topics ?? []].flat().filter((value) => value.trim() !== '');
  const choice = fields[TOPICS_CHOICE_FIELD] ?? (withoutChoice === 'only' || given.length > 0 ? 'only' : 'all');
  if (choice === 'all') return { ok: true, value: null };
  if (given.length === 0) return { ok: false, error: { field: 'topics', message: NO_TOPIC_CHOSEN } };
  // A page opened before a topic was removed from topics.json can still post its slug.
  const topics = attempt('topics', () => parseTopics(given, knownSlugs), () => UNKNOWN_TOPIC);
  if (!topics.ok) return topics;
  const everyTopic = topics.value === null || knownSlugs.every((slug) => topics.value?.includes(slug));
  return { ok: true, value: everyTopic ? null : topics.value };
}

/** Runs a subscriber rule; its EINPUT error becomes the field's sentence (`sentence` rewords it for a person). */
function attempt<T>(field: FieldError['field'], read: () => T, sentence: (message: string) => string): FormResult<T> {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    if (isPapermailError(error, 'EINPUT')) return { ok: false, error: { field, message: sentence(error.message) } };
    throw error;
  }
}

/**
 * normaliseEmail's messages are written for the CLI and the log ('email "x" is not a valid
 * address (contains a line break)'); on the form the field is right there, so the sentence
 * keeps only the reason.
 */
function emailSentence(message: string): string {
  if (message === 'email is empty') return 'Enter your email address.';
  const reason = /is not a valid address \((.+)\)$/.exec(message)?.[1];
  return reason === undefined
    ? 'Check your email address: it should look like name@example.org.'
    : `Check your email address: it ${reason}.`;
}

/** The first problem zod found, on the field it names; the schemas' messages are already sentences. */
function fieldErrorFromZod(error: z.ZodError): FieldError {
  const issue = error.issues[0]!;
  const name = String(issue.path[0] ?? '');
  const field: FieldError['field'] =
    name === 'name' ? 'name' : name === 'topics' || name === TOPICS_CHOICE_FIELD ? 'topics' : name === 'cadence' ? 'cadence' : 'email';
  return { field, message: issue.message };
}
