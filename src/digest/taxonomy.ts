import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PapermailError } from '../errors.js';
import { compilePattern, type TextPattern } from './normalise.js';

/**
 * The topic taxonomy is data (topics.json), so editors can add a topic or a keyword without
 * touching code. This module validates that file and compiles its rules once.
 */

/** The default `secondaryShare`: a runner-up within three quarters of the best score is close. */
export const SECONDARY_SHARE = 0.75;

const SlugSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens, e.g. "llm-reasoning"');

const RuleSchema = z.strictObject({
  /** A word or phrase, matched on whole normalised words; a trailing "*" matches word beginnings. */
  match: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .refine((match) => compilePattern(match).words !== '', 'must contain a letter or a digit'),
  /** Negative weights let a specific phrase cancel a broad one ("diffusion language model" in image generation). */
  weight: z
    .number()
    .int('must be a whole number')
    .min(-10)
    .max(10)
    .refine((weight) => weight !== 0, 'must not be 0'),
  /**
   * Where the rule counts (default: title, keywords and abstract; the contribution phrase only
   * when named). "Bench" in a title says the paper is a benchmark; in an abstract it is usually
   * one the paper was evaluated on.
   */
  fields: z.array(z.enum(['title', 'keywords', 'abstract', 'contribution'])).min(1).optional(),
});

const TopicSchema = z.strictObject({
  slug: SlugSchema,
  name: z.string().trim().min(1).max(60),
  /** One line for the preferences form. */
  description: z.string().trim().min(1).max(200).optional(),
  /** Breaks score ties and section-order ties: the higher priority wins. */
  priority: z.number().int(),
  rules: z.array(RuleSchema).min(1, 'must list at least one rule'),
});

const FieldWeightsSchema = z.strictObject({
  title: z.number().nonnegative(),
  keywords: z.number().nonnegative(),
  abstract: z.number().nonnegative(),
  /** The head noun phrase of the abstract's first contribution statement (src/digest/contribution.ts); 0 ignores it. */
  contribution: z.number().nonnegative().default(0),
});

const TaxonomyFileSchema = z
  .strictObject({
    /** Free text for whoever edits the file (JSON has no comments). */
    $comment: z.union([z.string(), z.array(z.string())]).optional(),
    topics: z.array(TopicSchema).min(1, 'must list at least one topic'),
    fallback: z.strictObject({ slug: SlugSchema, name: z.string().trim().min(1).max(60) }),
    /** A paper whose best topic scores below this goes to the fallback topic. */
    minimumScore: z.number().positive(),
    /** How much a rule match counts in each field of a paper. */
    fieldWeights: FieldWeightsSchema.default({ title: 2, keywords: 1, abstract: 1, contribution: 0 }),
    /**
     * A paper's runner-up topic is its secondary topic (readers of that topic get the paper too,
     * in its one section) when it scores at least this share of the best topic's score. 1 turns
     * secondary topics off but for exact ties.
     */
    secondaryShare: z.number().positive().max(1).default(SECONDARY_SHARE),
  })
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.topics.forEach((topic, index) => {
      if (seen.has(topic.slug)) {
        context.addIssue({ code: 'custom', path: ['topics', index, 'slug'], message: `repeats the slug "${topic.slug}"` });
      }
      seen.add(topic.slug);
    });
    if (seen.has(file.fallback.slug)) {
      context.addIssue({ code: 'custom', path: ['fallback', 'slug'], message: `"${file.fallback.slug}" is already a topic's slug` });
    }
  });

export type FieldWeights = z.output<typeof FieldWeightsSchema>;
export type FieldName = keyof FieldWeights;

/**
 * Where a rule without "fields" counts: everywhere but the contribution phrase. That phrase says
 * what kind of thing the paper is ("a ... benchmark"); its domain words ("mathematical
 * reasoning") are in the abstract already, and counting them twice would outvote the kind.
 */
export const UNSCOPED_FIELDS: readonly FieldName[] = ['title', 'keywords', 'abstract'];

export interface TopicRule {
  match: string;
  weight: number;
  pattern: TextPattern;
  /** Absent: the rule counts in UNSCOPED_FIELDS. */
  fields?: readonly FieldName[];
}

export interface Topic {
  slug: string;
  name: string;
  description?: string;
  priority: number;
  rules: TopicRule[];
}

export interface FallbackTopic {
  slug: string;
  name: string;
}

export interface Taxonomy {
  topics: Topic[];
  fallback: FallbackTopic;
  minimumScore: number;
  fieldWeights: FieldWeights;
  secondaryShare: number;
}

/** One choice on the subscribe and preferences forms. */
export interface TopicChoice {
  slug: string;
  name: string;
  description?: string;
}

/** Validates parsed JSON; `origin` (usually the file path) starts every error message. */
export function parseTaxonomy(json: unknown, origin: string): Taxonomy {
  const result = TaxonomyFileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const where = path.length === 0 ? '(top level)' : formatPath(path);
    throw new PapermailError('ECONFIG', `${origin}: ${where} ${issue.message}${describeValue(json, issue.path)}`);
  }
  const file = result.data;
  return {
    topics: file.topics.map((topic) => ({
      slug: topic.slug,
      name: topic.name,
      ...(topic.description === undefined ? {} : { description: topic.description }),
      priority: topic.priority,
      rules: topic.rules.map((rule) => ({
        match: rule.match,
        weight: rule.weight,
        pattern: compilePattern(rule.match),
        ...(rule.fields === undefined ? {} : { fields: rule.fields }),
      })),
    })),
    fallback: file.fallback,
    minimumScore: file.minimumScore,
    fieldWeights: file.fieldWeights,
    secondaryShare: file.secondaryShare,
  };
}

/** Reads and validates a taxonomy file (TOPICS_FILE). The reader is a parameter so tests can hand in text. */
export async function loadTaxonomy(
  path: string,
  readText: (path: string) => Promise<string> = readUtf8,
): Promise<Taxonomy> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    throw new PapermailError('ECONFIG', `topics file ${path} cannot be read: ${reason(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PapermailError('ECONFIG', `${path}: not valid JSON: ${reason(error)}`, { cause: error });
  }
  return parseTaxonomy(json, path);
}

/** Every topic a subscriber can choose, the fallback last, in taxonomy order. */
export function topicCatalogue(taxonomy: Taxonomy): TopicChoice[] {
  const topics = taxonomy.topics.map((topic) => ({
    slug: topic.slug,
    name: topic.name,
    ...(topic.description === undefined ? {} : { description: topic.description }),
  }));
  return [...topics, { slug: taxonomy.fallback.slug, name: taxonomy.fallback.name }];
}

function readUtf8(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** ["topics", 2, "rules", 0, "weight"] → "topics[2].rules[0].weight" */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** The offending value, short, so the editor can find it in the file. */
function describeValue(json: unknown, path: readonly PropertyKey[]): string {
  let value: unknown = json;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return '';
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  if (value === undefined) return ' (missing)';
  if (typeof value === 'object' && value !== null) return '';
  const shown = JSON.stringify(value);
  return ` (got ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
