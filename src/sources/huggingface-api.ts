/**
 * The Hugging Face Daily Papers API format (`GET /api/daily_papers?date=YYYY-MM-DD`): a JSON array
 * of entries `{ paper: {...}, numComments, ... }`. The field set has grown over the years
 * (2024: id/title/summary/upvotes; 2025: submittedOnDailyAt, ai_summary, githubRepo, ...;
 * 2026: paper.organization), so everything newer than 2024 is optional and unknown fields pass.
 */
import { z } from 'zod';
import { HttpUrlSchema, huggingFacePaperUrl, PaperSchema, type Paper } from '../digest/paper.js';
import { PapermailError } from '../errors.js';
import { withoutDuplicates, type LocatedPaper, type PaperList } from './paper-list.js';
import { foldToOneLine, nonBlank, quoted, unwrapParagraphs } from './text.js';

const CountSchema = z.number().int().nonnegative();

const OrganizationSchema = z.looseObject({
  name: z.string().nullish(),
  fullname: z.string().nullish(),
});

const ApiPaperSchema = z.looseObject({
  id: z.string().trim().min(1),
  title: z.string().refine((title) => foldToOneLine(title) !== '', 'must not be blank'),
  summary: z.string(),
  authors: z.array(z.looseObject({ name: z.string(), hidden: z.boolean().nullish() })),
  upvotes: CountSchema,
  submittedOnDailyAt: z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO date-time')
    .nullish(),
  ai_summary: z.string().nullish(),
  ai_keywords: z.array(z.string()).nullish(),
  githubRepo: z.string().nullish(),
  githubStars: CountSchema.nullish(),
  projectPage: z.string().nullish(),
  organization: OrganizationSchema.nullish(),
});

export const ApiEntrySchema = z.looseObject({
  paper: ApiPaperSchema,
  numComments: CountSchema.nullish(),
  /** 2025 onwards; 2024 responses had `mediaUrl`, which may also be a submitter's video. */
  thumbnail: z.string().nullish(),
  organization: OrganizationSchema.nullish(),
  submitterOrganization: OrganizationSchema.nullish(),
});
export type ApiEntry = z.infer<typeof ApiEntrySchema>;

/** A parsed API response (already JSON) → papers; see `parseApiEntries` for what is skipped. */
export function parseApiResponse(json: unknown, origin: string, day: string): PaperList {
  return parseApiEntries(expectEntryArray(json, origin), origin, day);
}

/** The API answers with a bare array; anything else (an error object, a wrapper) is not this format. */
export function expectEntryArray(json: unknown, origin: string): unknown[] {
  if (Array.isArray(json)) return json;
  throw new PapermailError(
    'ESOURCE',
    `${origin}: not a Hugging Face Daily Papers API response: expected a JSON array of entries, got ${describeJsonValue(json)}`,
  );
}

/**
 * Validates and maps every entry. A bad entry is skipped with a warning naming it, so one odd
 * paper does not cost the day's issue. But when more than half of the entries are bad the input
 * is not a paper list with a few flaws: it is another format, or the API changed shape, and an
 * issue built from the remainder would silently miss most papers, so it fails instead, naming
 * the first bad entry.
 */
export function parseApiEntries(entries: readonly unknown[], origin: string, day: string): PaperList {
  const located: LocatedPaper[] = [];
  const problems: EntryProblem[] = [];
  const warnings: string[] = [];
  entries.forEach((raw, index) => {
    const checked = checkEntry(raw, index);
    if ('problem' in checked) {
      problems.push(checked);
      return;
    }
    const warn = (message: string) => warnings.push(`${origin}: ${describeEntry(raw, index)}: ${message}`);
    // The mapped paper is checked too: a value can pass the entry schema and still not make a
    // Paper (a submittedOnDailyAt in the year 10000 is a valid date but not a YYYY-MM-DD day).
    const mapped = PaperSchema.safeParse(paperFieldsOf(checked.entry, day, warn));
    if (mapped.success) located.push({ paper: mapped.data, where: `entry ${index}` });
    else problems.push({ where: describeEntry(raw, index), problem: invalidField(mapped.error.issues[0]!) });
  });

  const [firstProblem] = problems;
  if (firstProblem && problems.length * 2 > entries.length) {
    const share = problems.length === entries.length ? `all ${entries.length}` : `${problems.length} of ${entries.length}`;
    throw new PapermailError(
      'ESOURCE',
      `${origin}: ${firstProblem.where} ${firstProblem.problem}; ${share} entries are unreadable`,
    );
  }
  const unique = withoutDuplicates(located, origin);
  return {
    papers: unique.papers,
    warnings: [
      ...problems.map(({ where, problem }) => `${origin}: skipped ${where}, which ${problem}`),
      ...warnings,
      ...unique.warnings,
    ],
  };
}

interface EntryProblem {
  /** "entry 3" or `entry 3 (2509.24006 "SLA: Beyond Sparsity…")`. */
  where: string;
  /** Reads after `where`: "is a string, expected …", "has an invalid paper.upvotes: …". */
  problem: string;
}

function checkEntry(raw: unknown, index: number): { entry: ApiEntry } | EntryProblem {
  const where = describeEntry(raw, index);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    // Seen in the wild: a list of Python dicts saved with str() instead of json.dump().
    const hint = typeof raw === 'string' && /^\s*\{'/.test(raw) ? ' (it looks like a Python dict, not JSON)' : '';
    return { where, problem: `is ${describeJsonValue(raw)}, expected an object with a "paper" field${hint}` };
  }
  if (!('paper' in raw)) return { where, problem: 'has no "paper" field' };
  const result = ApiEntrySchema.safeParse(raw);
  if (result.success) return { entry: result.data };
  return { where, problem: invalidField(result.error.issues[0]!) };
}

function invalidField(issue: z.core.$ZodIssue): string {
  const path = fieldPath(issue.path);
  return /received undefined$/.test(issue.message) ? `has no ${path}` : `has an invalid ${path}: ${issue.message}`;
}

/** The Paper's fields, still to be checked against PaperSchema. */
function paperFieldsOf(entry: ApiEntry, fallbackDay: string, warn: (message: string) => void): Partial<Record<keyof Paper, unknown>> {
  const source = entry.paper;
  const githubRepo = httpLink(source.githubRepo, 'githubRepo', warn);
  return {
    id: source.id,
    title: foldToOneLine(source.title),
    abstract: unwrapParagraphs(source.summary),
    // Authors marked `hidden` keep the paper off their Hugging Face profile; they are still its authors.
    authors: source.authors.map((author) => nonBlank(author.name)).filter((name) => name !== undefined),
    organization: organizationName(entry),
    // Only the paper's own count: entry-level or submitter counts are not the paper's votes.
    upvotes: source.upvotes,
    comments: entry.numComments ?? 0,
    githubRepo,
    // Stars describe the repository; without a usable link they describe nothing the reader can see.
    githubStars: githubRepo === undefined ? undefined : (source.githubStars ?? undefined),
    projectPage: httpLink(source.projectPage, 'projectPage', warn),
    thumbnail: httpLink(entry.thumbnail, 'thumbnail', warn),
    aiSummary: nonBlank(source.ai_summary),
    aiKeywords: (source.ai_keywords ?? []).map((keyword) => nonBlank(keyword)).filter((keyword) => keyword !== undefined),
    day: dailyDayOf(source.submittedOnDailyAt) ?? fallbackDay,
    url: huggingFacePaperUrl(source.id),
  };
}

/**
 * The day the paper was listed on Daily Papers. `publishedAt` (the arXiv date, days earlier) is
 * never used; entries from before `submittedOnDailyAt` existed take the day that was asked for.
 */
function dailyDayOf(submittedOnDailyAt: string | null | undefined): string | undefined {
  if (!submittedOnDailyAt) return undefined;
  const date = new Date(submittedOnDailyAt);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 10);
}

/** The paper's own organisation first (2026 format), then the entry's, then the submitter's (2025 format). */
function organizationName(entry: ApiEntry): string | undefined {
  for (const organization of [entry.paper.organization, entry.organization, entry.submitterOrganization]) {
    const name = nonBlank(organization?.fullname) ?? nonBlank(organization?.name);
    if (name !== undefined) return name;
  }
  return undefined;
}

/** Links are untrusted: only http(s) is kept; anything else is dropped with a warning. */
function httpLink(value: string | null | undefined, field: string, warn: (message: string) => void): string | undefined {
  const text = nonBlank(value);
  if (text === undefined) return undefined;
  if (HttpUrlSchema.safeParse(text).success) return text;
  warn(`dropped ${field} ${quoted(text)}: not an http(s) URL`);
  return undefined;
}

/** `entry 3 (2509.24006 "Title")`, with whatever of id and title the raw entry has. */
function describeEntry(raw: unknown, index: number): string {
  const paper = isRecord(raw) && isRecord(raw.paper) ? raw.paper : undefined;
  const id = typeof paper?.id === 'string' ? nonBlank(paper.id) : undefined;
  const title = typeof paper?.title === 'string' ? nonBlank(paper.title) : undefined;
  const label = [id, title === undefined ? undefined : quoted(title)].filter((part) => part !== undefined).join(' ');
  return label === '' ? `entry ${index}` : `entry ${index} (${label})`;
}

/** "paper.authors[2].name" */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`),
    '',
  );
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.error === 'string') return `an error object: ${quoted(record.error)}`;
    const keys = Object.keys(record);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.slice(0, 5).join(', ')}`;
  }
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
