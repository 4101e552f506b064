import type { Digest, Paper } from '../digest/paper.js';
import type { DetailLevel } from './budget.js';
import { byline, compactCount, humanDate, issueCounts } from './format.js';
import { safeHttpUrl } from './safe-url.js';
import { foldWhitespace, inertBraces, plural, trimAtWordBoundary, untrustedText } from './text.js';
import type { IssueOptions } from './types.js';

/**
 * The data the issue templates read. Every string from a paper is folded to one line and
 * made brace-inert here, every link is http(s) or absent: the templates only lay it out.
 */
export interface PaperView {
  /** 1-based position in the issue (section order), as the text version numbers papers. */
  number: number;
  title: string;
  url: string;
  upvotes: number;
  commentsLabel: string;
  byline: string | null;
  summary: string | null;
  githubUrl: string | null;
  /** "GitHub" for github.com repositories, else "Code". */
  codeLabel: string;
  githubStars: string | null;
  projectUrl: string | null;
  hasLinks: boolean;
}

export interface SectionView {
  topic: string;
  countLabel: string;
  papers: PaperView[];
  /** Papers left out of this email for size ("+ 3 more on the web"). */
  omittedLabel: string | null;
}

export interface HighlightView {
  rank: number;
  title: string;
  url: string;
  upvotes: number;
  topic: string | null;
}

export interface IssueView {
  newsletterName: string;
  postalAddress: string;
  /** The public site's home page, where the subscribe form is. */
  subscribeUrl: string;
  date: string;
  counts: string;
  preheader: string;
  /** The opening sentence, under the greeting. */
  intro: string;
  isEmpty: boolean;
  /** The web version: no subscriber, no "view in browser", a subscribe link instead. */
  forBrowser: boolean;
  highlights: HighlightView[];
  sections: SectionView[];
}

/** How long a summary may be at each level, in characters. */
const SUMMARY_LENGTH: Record<DetailLevel, number> = { full: 300, brief: 140, title: 0, omitted: 0 };
const AUTHORS_SHOWN: Record<DetailLevel, number> = { full: 3, brief: 1, title: 0, omitted: 0 };
/** Titles are capped too: one pathological title must not eat the whole budget. */
const TITLE_LENGTH = 240;
const BYLINE_LENGTH = 160;

/** Papers best first: by upvotes, ties kept in digest order. */
export function rankedPapers(digest: Digest): Paper[] {
  const all = digest.sections.flatMap((section) => section.papers);
  return all.map((paper, index) => ({ paper, index }))
    .sort((a, b) => b.paper.upvotes - a.paper.upvotes || a.index - b.index)
    .map(({ paper }) => paper);
}

export function paperView(paper: Paper, level: DetailLevel, number: number): PaperView {
  const summaryLength = SUMMARY_LENGTH[level];
  const authorsShown = AUTHORS_SHOWN[level];
  const summarySource = paper.aiSummary?.trim() ? paper.aiSummary : paper.abstract;
  const githubUrl = level === 'full' || level === 'brief' ? (safeHttpUrl(paper.githubRepo) ?? null) : null;
  const projectUrl = level === 'full' ? (safeHttpUrl(paper.projectPage) ?? null) : null;
  const credit = authorsShown > 0 ? trimAtWordBoundary(byline(paper.authors, paper.organization, authorsShown), BYLINE_LENGTH) : '';
  const summary = summaryLength > 0 ? trimAtWordBoundary(foldWhitespace(summarySource), summaryLength) : '';
  return {
    number,
    title: untrustedText(trimAtWordBoundary(foldWhitespace(paper.title), TITLE_LENGTH)),
    url: safeHttpUrl(paper.url) ?? '#',
    upvotes: paper.upvotes,
    commentsLabel: plural(paper.comments, 'comment'),
    byline: credit ? untrustedText(credit) : null,
    summary: summary ? inertBraces(summary) : null,
    githubUrl,
    codeLabel: githubUrl && new URL(githubUrl).hostname.replace(/^www\./, '') === 'github.com' ? 'GitHub' : 'Code',
    githubStars: githubUrl && paper.githubStars !== undefined ? compactCount(paper.githubStars) : null,
    projectUrl,
    hasLinks: githubUrl !== null || projectUrl !== null,
  };
}

export interface IssueViewRequest {
  digest: Digest;
  options: IssueOptions;
  forBrowser: boolean;
  /** Detail per paper id; papers not in the map are shown in full. */
  levels?: ReadonlyMap<string, DetailLevel>;
}

export function issueView({ digest, options, forBrowser, levels }: IssueViewRequest): IssueView {
  const topicOf = new Map<string, string>();
  let number = 0;
  const sections = digest.sections.map((section): SectionView => {
    const topic = untrustedText(section.topic);
    const papers: PaperView[] = [];
    for (const paper of section.papers) {
      number += 1;
      topicOf.set(paper.id, topic);
      const level = levels?.get(paper.id) ?? 'full';
      if (level !== 'omitted') papers.push(paperView(paper, level, number));
    }
    const omitted = section.papers.length - papers.length;
    return {
      topic,
      countLabel: plural(section.papers.length, 'paper'),
      papers,
      omittedLabel: omitted > 0 ? `+ ${plural(omitted, 'more paper')} in ${topic}` : null,
    };
  });
  return {
    newsletterName: untrustedText(options.newsletterName),
    postalAddress: untrustedText(options.postalAddress),
    subscribeUrl: safeHttpUrl(options.publicUrl) ?? '#',
    date: humanDate(digest.date),
    counts: issueCounts(digest.total, digest.sections.length),
    preheader: preheader(digest),
    intro:
      digest.total === 0
        ? `No new papers were listed on Hugging Face Daily Papers for ${humanDate(digest.date)}. Enjoy the quiet day: the next issue arrives as soon as there is something to read.`
        : "Here are the day's most upvoted papers on Hugging Face, grouped by topic.",
    isEmpty: digest.total === 0,
    forBrowser,
    highlights: digest.highlights.map((paper, index) => ({
      rank: index + 1,
      title: untrustedText(trimAtWordBoundary(foldWhitespace(paper.title), TITLE_LENGTH)),
      url: safeHttpUrl(paper.url) ?? '#',
      upvotes: paper.upvotes,
      topic: topicOf.get(paper.id) ?? null,
    })),
    sections,
  };
}

/** The inbox preview line: the top titles, so the reader sees what is inside before opening. */
function preheader(digest: Digest): string {
  if (digest.total === 0) return 'No new papers today. Back tomorrow.';
  const top = digest.highlights.length > 0 ? digest.highlights : rankedPapers(digest).slice(0, 3);
  return untrustedText(trimAtWordBoundary(top.map((paper) => foldWhitespace(paper.title)).join(' · '), 140));
}
