import { issueIdOf, type Digest } from '../digest/paper.js';
import { publicCopyLinks } from '../links/public-links.js';
import { planDetailLevels, type DetailLevel } from './budget.js';
import { issueTemplates, type IssueTemplates } from './issue-templates.js';
import { issueSections, issueView, paperPlacements, paperView, rankedPapers } from './issue-view.js';
import { compactHtml, compileMjml } from './mjml.js';
import { compilePlaceholderTemplate } from './placeholders.js';
import { PLANNED_SLOT_BYTES, RECIPIENT_PLACEHOLDERS, recipientValues } from './recipient.js';
import { issueSubject } from './subject.js';
import type { CompiledIssue, IssueOptions, RecipientFields, RenderedEmail } from './types.js';

/**
 * Gmail clips HTML over ~102 KB, hiding the rest of the issue and the unsubscribe link.
 * The compiled issue aims at 88,000 bytes so that recipient fields (long signed URLs, a name)
 * still leave every personalised copy under 90 KB.
 */
export const HTML_BUDGET_BYTES = 88_000;

/**
 * What the issue costs besides its papers (MJML skeleton and head styles, header, footer, and
 * per topic section and highlight), measured on the sample days, for the first size plan; if
 * the compiled issue still turns out bigger, the plan is redone with the measured figure.
 */
const FRAME_BYTES = 11_500;
const FRAME_BYTES_PER_SECTION = 1_900;
const FRAME_BYTES_PER_HIGHLIGHT = 350;
const PLAN_ATTEMPTS = 3;

/** Compiles the day's issue once: MJML and templates run here, `personalise` only fills fields. */
export async function compileIssue(digest: Digest, options: IssueOptions): Promise<CompiledIssue> {
  return compileIssueVariant(digest, options, { forBrowser: false, budgetBytes: HTML_BUDGET_BYTES });
}

/** The browser/archive version: no subscriber, every paper in full, links to the public site. */
export async function renderBrowserVersion(digest: Digest, options: IssueOptions): Promise<RenderedEmail> {
  const issue = await compileIssueVariant(digest, options, { forBrowser: true, budgetBytes: Number.POSITIVE_INFINITY });
  return issue.personalise({ name: null, email: '', ...publicCopyLinks(options.publicUrl, issueIdOf(digest)) });
}

export interface IssueVariant {
  /** The web version: a subscribe link instead of "view in browser", no recipient address. */
  forBrowser: boolean;
  /** Upper bound for the compiled HTML in bytes; Infinity for the web version. */
  budgetBytes: number;
}

/** The issue after the issue stage: HTML and text that still hold the recipient placeholders. */
export interface UnpersonalisedIssue {
  subject: string;
  date: string;
  html: string;
  text: string;
}

/** The issue stage on its own: Handlebars fills the digest, MJML compiles, placeholders stay. */
export async function renderUnpersonalisedIssue(
  digest: Digest,
  options: IssueOptions,
  variant: IssueVariant = { forBrowser: false, budgetBytes: HTML_BUDGET_BYTES },
): Promise<UnpersonalisedIssue> {
  return {
    subject: issueSubject(digest),
    date: digest.date,
    html: await compileHtmlWithinBudget(digest, options, variant),
    // The text part has no size limit worth trimming for: every paper in full.
    text: issueTemplates().text(issueView({ digest, options, forBrowser: variant.forBrowser })),
  };
}

async function compileIssueVariant(digest: Digest, options: IssueOptions, variant: IssueVariant): Promise<CompiledIssue> {
  const { subject, date, html, text } = await renderUnpersonalisedIssue(digest, options, variant);
  const fillHtml = compilePlaceholderTemplate(html, { fields: RECIPIENT_PLACEHOLDERS, escape: true, templateName: 'issue.mjml' });
  const fillText = compilePlaceholderTemplate(text, { fields: RECIPIENT_PLACEHOLDERS, escape: false, templateName: 'issue.txt.hbs' });
  return {
    subject,
    date,
    personalise(fields: RecipientFields) {
      const values = recipientValues(fields);
      return { subject, html: fillHtml(values), text: fillText(values) };
    },
  };
}

/**
 * Compiles the issue's HTML, trimming lower-ranked papers until it fits the budget. On a
 * normal day the first plan keeps everything and MJML runs once; only a day that overshoots
 * compiles again, with the frame size measured rather than estimated.
 */
async function compileHtmlWithinBudget(digest: Digest, options: IssueOptions, variant: IssueVariant): Promise<string> {
  const templates = issueTemplates();
  const compile = (levels?: ReadonlyMap<string, DetailLevel>) =>
    compileMjml(templates.mjml(issueView({ digest, options, forBrowser: variant.forBrowser, ...(levels ? { levels } : {}) })), 'issue.mjml');
  if (!Number.isFinite(variant.budgetBytes)) return compile();
  return fitToBudget(digest, variant.budgetBytes, FRAME_BYTES_PER_HIGHLIGHT, async (levels) => {
    const html = await compile(levels);
    return { result: html, bytes: Buffer.byteLength(html) };
  });
}

/**
 * Plans detail levels for the budget and builds with them; when the build measures bigger
 * than the budget, plans again with the frame size measured (at most PLAN_ATTEMPTS builds).
 * `bytesPerHighlight` is the first plan's estimate of one "Top papers" entry.
 */
export async function fitToBudget<T>(
  digest: Digest,
  budgetBytes: number,
  bytesPerHighlight: number,
  build: (levels: ReadonlyMap<string, DetailLevel>) => Promise<{ result: T; bytes: number }>,
  /** What the first plan adds for anything else a copy can hold (a reader's "For you" block). */
  extraFrameBytes = 0,
): Promise<T> {
  const rankedIds = rankedPapers(digest).map((paper) => paper.id);
  const sizeOf = paperSizes(digest, issueTemplates());
  let frameBytes = FRAME_BYTES + FRAME_BYTES_PER_SECTION * issueSections(digest).length + bytesPerHighlight * digest.highlights.length + extraFrameBytes;
  let built: T | undefined;
  for (let attempt = 0; attempt < PLAN_ATTEMPTS; attempt += 1) {
    const levels = planDetailLevels(rankedIds, sizeOf, budgetBytes - frameBytes);
    const { result, bytes } = await build(levels);
    built = result;
    if (bytes <= budgetBytes) return result;
    const paperBytes = rankedIds.reduce((sum, id) => sum + sizeOf(id, levels.get(id)!), 0);
    frameBytes = Math.max(frameBytes + 1, bytes - paperBytes);
  }
  // Only reachable when the frame alone exceeds the budget (absurd topic names): send it anyway.
  return built!;
}

/** The placeholder a reader's copy fills with its vote link, as the compiled issue holds it. */
const VOTE_URL_PLACEHOLDER = '{{voteUrl}}';

/**
 * A paper's size in a reader's copy at a level: its partial rendered exactly as the issue
 * includes it, with each vote link counted at its planned length rather than its placeholder's.
 */
function paperSizes(digest: Digest, templates: IssueTemplates): (id: string, level: DetailLevel) => number {
  const papers = new Map(digest.sections.flatMap((section) => section.papers).map((paper) => [paper.id, paper]));
  const placements = paperPlacements(digest);
  const sizes = new Map<string, number>();
  return (id, level) => {
    if (level === 'omitted') return 0;
    const key = `${level} ${id}`;
    let size = sizes.get(key);
    if (size === undefined) {
      const html = compactHtml(templates.paper(paperView(papers.get(id)!, level, placements.get(id)!, true)));
      const voteLinks = html.split(VOTE_URL_PLACEHOLDER).length - 1;
      size = Buffer.byteLength(html) + voteLinks * (PLANNED_SLOT_BYTES['voteUrl']! - VOTE_URL_PLACEHOLDER.length);
      sizes.set(key, size);
    }
    return size;
  };
}
