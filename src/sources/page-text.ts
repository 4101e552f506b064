/**
 * The Daily Papers web page as copied from a browser (select all, copy, paste into a file).
 * Each paper is a title paragraph, an abstract paragraph, then usually a meta block:
 *
 *     FedSVD: Adaptive Orthogonalization for Private Federated Learning with LoRA
 *
 *     Low-Rank Adaptation (LoRA), which introduces ...
 *
 *       • 8 authors            ← or the organisation: "nvidia NVIDIA"
 *     ·
 *     May 19 3                 ← arXiv date ("Nov 16, 2024" with a year), then the upvotes if any
 *
 * Copied text has no arXiv ids, no author names and no comment counts. Papers get a stable id
 * from their title (`title:<slug>`) and a link to the Hugging Face paper search for that title,
 * which finds the paper page without guessing an id. The date line is the arXiv date, not the
 * Daily Papers day, so every paper takes the day that was asked for.
 */
import { createHash } from 'node:crypto';
import { PaperSchema, type Paper } from '../digest/paper.js';
import { withoutDuplicates, type LocatedPaper, type PaperList } from './paper-list.js';
import { foldToOneLine, quoted, slugOf } from './text.js';

/** Paragraphs (runs of non-blank lines) with the number of their first line, for messages. */
interface Paragraph {
  line: number;
  lines: string[];
}

interface Meta {
  upvotes: number;
  authorCount?: number;
  organization?: string;
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\\.?';
/** "May 23", "May 19 3", "Nov 16, 2024 9", "Feb 21, 2023"; a leading "·" when copied onto one line. */
const DATE_LINE = new RegExp(`^(?:·\\s*)?${MONTH} \\d{1,2}(?:, \\d{4})?(?: (\\d[\\d,]*))?$`);
const AUTHOR_COUNT_LINE = /^•\s*(\d+)\s+authors?$/i;
const SEPARATOR_LINE = '·';
/** Lines of the page around the list, compared case-insensitively. */
const PAGE_CHROME = new Set([
  'new',
  'get trending papers in your email inbox!',
  'subscribe',
  'daily papers',
  'byak and the research community',
]);
/** Longer than any arXiv title: a "title" this long means the title/abstract pairing slipped. */
const MAX_TITLE_LENGTH = 300;

/** True when the text has at least one paper meta block ("·" then a date line). */
export function looksLikeDailyPapersPage(text: string): boolean {
  return paragraphsOf(text).some((paragraph) => metaOf(paragraph) !== undefined);
}

/**
 * Every paragraph between two meta blocks is a title and an abstract, in pairs. Pairs are counted
 * back from the meta block, so the paper the block belongs to is always the one right above it;
 * an extra pair before it is a paper without a meta block (0 upvotes), and a single paragraph
 * left over is page text that is not a paper, reported as a warning.
 */
export function parseDailyPapersPage(text: string, origin: string, day: string): PaperList {
  const located: LocatedPaper[] = [];
  const warnings: string[] = [];
  let pending: Paragraph[] = [];

  const flush = (meta: Meta | undefined, metaLine: number | undefined) => {
    if (pending.length === 0 && metaLine !== undefined) {
      warnings.push(`${origin}: line ${metaLine}: ignored a date line with no paper above it`);
    }
    const leftover = pending.length % 2;
    for (const paragraph of pending.slice(0, leftover)) {
      warnings.push(`${origin}: line ${paragraph.line}: ignored ${quoted(paragraph.lines.join(' '))}: not part of a paper`);
    }
    for (let index = leftover; index < pending.length; index += 2) {
      const isLast = index + 2 === pending.length;
      const title = pending[index]!;
      const paper = pagePaper(title, pending[index + 1]!, isLast ? meta : undefined, day);
      if (typeof paper === 'string') warnings.push(`${origin}: line ${title.line}: skipped a paper: ${paper}`);
      else located.push({ paper, where: `line ${title.line}` });
    }
    pending = [];
  };

  for (const paragraph of paragraphsOf(text)) {
    const meta = metaOf(paragraph);
    if (meta !== undefined) flush(meta, paragraph.line);
    else if (!isPageChrome(paragraph)) pending.push(paragraph);
  }
  flush(undefined, undefined);

  const unique = withoutDuplicates(located, origin);
  return { papers: unique.papers, warnings: [...warnings, ...unique.warnings] };
}

/** The paper, or why there is none. */
function pagePaper(title: Paragraph, abstract: Paragraph, meta: Meta | undefined, day: string): Paper | string {
  const titleText = foldToOneLine(title.lines.join(' '));
  if (titleText.length > MAX_TITLE_LENGTH) {
    return `its title is longer than ${MAX_TITLE_LENGTH} characters, so the text seems out of order`;
  }
  const result = PaperSchema.safeParse({
    id: `title:${titleId(titleText)}`,
    title: titleText,
    abstract: foldToOneLine(abstract.lines.join(' ')),
    authors: [],
    authorCount: meta?.authorCount,
    organization: meta?.organization,
    upvotes: meta?.upvotes ?? 0,
    comments: 0,
    aiKeywords: [],
    day,
    url: `https://huggingface.co/papers?q=${encodeURIComponent(titleText)}`,
  });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  return `${issue.path.join('.')} ${issue.message}`;
}

/** The title's slug; a hash when the title has no letters or digits at all (e.g. only symbols). */
function titleId(title: string): string {
  const slug = slugOf(title);
  return slug !== '' ? slug : createHash('sha256').update(title).digest('hex').slice(0, 16);
}

function paragraphsOf(text: string): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let current: Paragraph | undefined;
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = raw.trim(); // trim() also removes the no-break spaces browsers put in copied text
    if (line === '') {
      current = undefined;
      return;
    }
    if (current === undefined) {
      current = { line: index + 1, lines: [] };
      paragraphs.push(current);
    }
    current.lines.push(line);
  });
  return paragraphs;
}

/** A meta block: optional author-count or organisation lines, a "·", and the date line last. */
function metaOf(paragraph: Paragraph): Meta | undefined {
  const dateLine = paragraph.lines.at(-1)!;
  const date = DATE_LINE.exec(dateLine);
  const before = paragraph.lines.slice(0, -1);
  // The "·" tells a paper's date from the page's own date header ("Dec 12" alone).
  if (!date || !(dateLine.startsWith(SEPARATOR_LINE) || before.includes(SEPARATOR_LINE))) return undefined;
  const meta: Meta = { upvotes: date[1] === undefined ? 0 : Number(date[1].replace(/,/g, '')) };
  for (const line of before) {
    if (line === SEPARATOR_LINE) continue;
    const authors = AUTHOR_COUNT_LINE.exec(line);
    if (authors) meta.authorCount = Number(authors[1]);
    else meta.organization ??= organizationOf(line);
  }
  return meta;
}

/**
 * The card shows the organisation's avatar, whose alt text is its handle, then its display name:
 * "nvidia NVIDIA". Handles have no spaces, so everything after the first space is the name.
 */
function organizationOf(line: string): string {
  const space = line.indexOf(' ');
  return space === -1 ? line : line.slice(space + 1).trim();
}

/** Header lines and the page's own date ("Dec 12", with no "·" before it). */
function isPageChrome(paragraph: Paragraph): boolean {
  return paragraph.lines.every((line) => PAGE_CHROME.has(line.toLowerCase()) || DATE_LINE.test(line));
}
