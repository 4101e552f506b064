/**
 * Reading the subscribe and preferences forms: zod checks the shape (one text value per
 * field, topics as repeated checkboxes and an "all"/"only" radio button), then the
 * subscriber rules normalise the values. A problem becomes a FieldError: the field and a
 * sentence for the person who filled it in, which the page shows beside that field.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { isPapermailError, PapermailError } from '../errors.js';
import { CADENCES, DEFAULT_CADENCE, type Cadence } from '../subscribers/cadence.js';
import { normaliseEmail, normaliseName, parseTopics } from '../subscribers/email.js';
import { splitInterestList } from '../personal/interest-lists.js';
import { InterestsSchema, VotedPaperIdSchema, VoteKindSchema, type Interests } from '../personal/reader-signals.js';
import { INTEREST_FIELDS, TOPICS_CHOICE_FIELD, type FieldError, type InterestFormValues, type SubscribeFormValues } from './pages.js';

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

/** What each interest field of the preferences form is called on the page, for its sentences. */
const INTEREST_LABELS: Record<(typeof INTEREST_FIELDS)[number], string> = {
  interests: 'Your interests',
  include: 'Always show papers about',
  exclude: 'Never show papers about',
  follow: 'Authors and organisations you follow',
};

const InterestFieldSchema = (field: (typeof INTEREST_FIELDS)[number]) =>
  z.string({ error: `${INTEREST_LABELS[field]}: type it once, as text.` }).max(10_000, `${INTEREST_LABELS[field]}: that is far too long.`).optional();

const InterestsFormSchema = z.object(Object.fromEntries(INTEREST_FIELDS.map((field) => [field, InterestFieldSchema(field)])) as Record<
  (typeof INTEREST_FIELDS)[number],
  ReturnType<typeof InterestFieldSchema>
>);

/** Where InterestsSchema's fields are on the form. */
const FORM_FIELD_OF: Record<keyof Interests, (typeof INTEREST_FIELDS)[number]> = { text: 'interests', include: 'include', exclude: 'exclude', follow: 'follow' };

/**
 * The interest fields of the preferences form, read as InterestsSchema says (lists separated
 * by commas or line breaks); undefined when the post has none of them (an older page), which
 * keeps what is stored.
 */
export function parseInterestsForm(body: Record<string, unknown>): FormResult<Interests | undefined> {
  const shape = InterestsFormSchema.safeParse(body);
  if (!shape.success) {
    const issue = shape.error.issues[0]!;
    return { ok: false, error: { field: issue.path[0] as FieldError['field'], message: issue.message } };
  }
  const fields = shape.data;
  if (INTEREST_FIELDS.every((field) => fields[field] === undefined)) return { ok: true, value: undefined };
  const interests = InterestsSchema.safeParse({
    text: fields.interests ?? '',
    include: splitInterestList(fields.include ?? ''),
    exclude: splitInterestList(fields.exclude ?? ''),
    follow: splitInterestList(fields.follow ?? ''),
  });
  if (interests.success) return { ok: true, value: interests.data };
  const issue = interests.error.issues[0]!;
  const field = FORM_FIELD_OF[issue.path[0] as keyof Interests];
  return { ok: false, error: { field, message: interestSentence(INTEREST_LABELS[field], issue) } };
}

/** InterestsSchema's complaint as a sentence about the field (and the entry) it is about. */
function interestSentence(label: string, issue: z.core.$ZodIssue): string {
  const entry = typeof issue.path[1] === 'number' ? ` (entry ${issue.path[1] + 1})` : '';
  if (issue.code === 'too_big' && issue.origin === 'array') return `${label}: at most ${String(issue.maximum)} entries, please.`;
  return `${label}${entry}: ${issue.message}.`;
}

/** What the visitor typed in the interest fields, to fill the form again after an error (the page escapes it). */
export function submittedInterests(body: Record<string, unknown>): InterestFormValues {
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 10_000) : '');
  return { interests: text(body.interests), include: text(body.include), exclude: text(body.exclude), follow: text(body.follow) };
}

/** The vote page's buttons: record the link's vote, or undo it. */
const VoteFormSchema = z.object({ action: z.enum(['record', 'undo']), paper: VotedPaperIdSchema, vote: VoteKindSchema });
export type VoteForm = z.infer<typeof VoteFormSchema>;

/** The preferences page's vote buttons: remove one vote, or clear them all. */
const VotesFormSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('remove-vote'), paper: VotedPaperIdSchema }),
  z.object({ action: z.literal('clear-votes') }),
]);
export type VotesForm = z.infer<typeof VotesFormSchema>;

const VoteLinkQuerySchema = z.object({ paper: VotedPaperIdSchema, vote: VoteKindSchema });
export type VoteLinkQuery = z.infer<typeof VoteLinkQuerySchema>;

/** The paper and vote a 👍/👎 link names (each exactly once); EINPUT naming the parameter when the link was cut or altered. */
export function parseVoteLinkQuery(queries: Record<string, string[]>): VoteLinkQuery {
  const once = (name: string) => (queries[name]?.length === 1 ? queries[name][0] : undefined);
  const result = VoteLinkQuerySchema.safeParse({ paper: once('paper'), vote: once('vote') });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new PapermailError('EINPUT', `The vote link is incomplete or altered: its ${String(issue.path[0])} ${issue.input === undefined ? 'is missing' : `is not valid (${issue.message})`}. Use the link in your issue as it was sent.`);
}

/** A posted vote form; EINPUT naming the field when it is not one (a script, a cut-off post). */
export function parseVoteForm(body: Record<string, unknown>): VoteForm {
  return parsedOrRefused(VoteFormSchema, body, 'vote form');
}

/** The preferences page's vote forms, or undefined for its main form (no action field). */
export function parseVotesForm(body: Record<string, unknown>): VotesForm | undefined {
  return body.action === undefined ? undefined : parsedOrRefused(VotesFormSchema, body, 'preferences form');
}

function parsedOrRefused<T>(schema: z.ZodType<T>, body: Record<string, unknown>, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new PapermailError('EINPUT', `The ${what} is not valid: ${issue.path.join('.') || 'its fields'}: ${issue.message}`);
}

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
