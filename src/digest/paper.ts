import { z } from 'zod';

/** Only http(s) links ever reach an email or a page: paper data is untrusted. */
export const HttpUrlSchema = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

export const IsoDaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

/** An ISO 8601 week as written, "2025-W40" (src/digest/week.ts checks that the week exists). */
export const IsoWeekIdSchema = z.string().regex(/^\d{4}-W\d{2}$/, 'must be an ISO week as YYYY-Www');

/**
 * The one Paper model. Every source (API, saved JSON, copied page text) produces these;
 * everything downstream (ranking, grouping, rendering) reads only these.
 */
export const PaperSchema = z.object({
  /** arXiv id, e.g. "2509.25541"; unique within a day. */
  id: z.string().min(1),
  /** Single-line title: hard line breaks and runs of white space folded. */
  title: z.string().min(1),
  abstract: z.string(),
  authors: z.array(z.string()),
  /** How many authors the source listed when it gave no names (copied page text says "4 authors"). */
  authorCount: z.number().int().nonnegative().optional(),
  /** Display name of the submitting organisation, when the paper has one. */
  organization: z.string().optional(),
  upvotes: z.number().int().nonnegative(),
  comments: z.number().int().nonnegative(),
  githubRepo: HttpUrlSchema.optional(),
  githubStars: z.number().int().nonnegative().optional(),
  projectPage: HttpUrlSchema.optional(),
  /** The API's preview image of the paper (`thumbnail`, a 1200×648 social card on Hugging Face's CDN). */
  thumbnail: HttpUrlSchema.optional(),
  aiSummary: z.string().optional(),
  aiKeywords: z.array(z.string()),
  /** The Daily Papers day the paper was listed on (not its arXiv publication date). */
  day: IsoDaySchema,
  /**
   * Set by grouping, never by a source: the topic that scored close behind the one whose section
   * the paper is in (see `secondaryShare`, src/digest/classify.ts). A subscriber of only this
   * topic still gets the paper, in its one section. Absent on digests frozen before it existed.
   */
  secondaryTopic: z.string().optional(),
  /** The paper's Hugging Face page. */
  url: HttpUrlSchema,
});
export type Paper = z.infer<typeof PaperSchema>;

export const DigestSectionSchema = z.object({
  /** Stable topic key from the taxonomy, e.g. "llm-reasoning"; used in preferences. */
  slug: z.string(),
  /** Human name, e.g. "LLM reasoning". */
  topic: z.string(),
  /** Sum of the section's paper upvotes; sections are ordered by it. */
  upvotes: z.number().int().nonnegative(),
  /** In ranked order. */
  papers: z.array(PaperSchema),
});
export type DigestSection = z.infer<typeof DigestSectionSchema>;

/**
 * The days an issue covers when it is not one day: a weekly issue's ISO week and its Monday to
 * Sunday. Absent on a daily issue, so digests frozen before weeklies existed read as they did.
 */
export const DigestPeriodSchema = z.object({
  /** "2025-W40": the issue's id, where a daily issue has its date. */
  week: IsoWeekIdSchema,
  from: IsoDaySchema,
  to: IsoDaySchema,
});
export type DigestPeriod = z.infer<typeof DigestPeriodSchema>;

/** One issue's content (a day's, or a week's best): ranked, trimmed and grouped papers. */
export const DigestSchema = z.object({
  /** The Daily Papers day the issue covers; for a weekly issue, the first day of its week. */
  date: IsoDaySchema,
  /** Set on a weekly issue: the week it covers. */
  period: DigestPeriodSchema.optional(),
  /** Number of papers in the digest (after top-N and minimum-upvote filters). */
  total: z.number().int().nonnegative(),
  /** Number of papers listed that day (for a weekly: that week, each paper once) before filtering. */
  listed: z.number().int().nonnegative(),
  /** The day's top papers, in ranked order (also present in their sections). */
  highlights: z.array(PaperSchema),
  sections: z.array(DigestSectionSchema),
});
export type Digest = z.infer<typeof DigestSchema>;

/** What names an issue in links and the archive: the date of a daily issue, the week of a weekly one. */
export function issueIdOf(digest: Pick<Digest, 'date' | 'period'>): string {
  return digest.period?.week ?? digest.date;
}

/** "2509.24006v2" → "2509.24006": versions of one paper are the same paper to a reader. */
export function arxivIdWithoutVersion(id: string): string {
  return id.replace(/v\d+$/, '');
}

export function huggingFacePaperUrl(id: string): string {
  return `https://huggingface.co/papers/${encodeURIComponent(id)}`;
}

/** "2509.24006", "2509.24006v2" (since 2007) or "hep-th/9901001" (before). */
const ARXIV_ID = /^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?$/;

/**
 * The paper's arXiv abstract and PDF pages, when its id is an arXiv id. Papers from copied page
 * text carry made-up ids, which must not become links to someone else's paper.
 */
export function arxivLinks(id: string): { abstract: string; pdf: string } | null {
  if (!ARXIV_ID.test(id)) return null;
  return { abstract: `https://arxiv.org/abs/${id}`, pdf: `https://arxiv.org/pdf/${id}` };
}
