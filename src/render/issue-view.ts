import { arxivIdWithoutVersion, arxivLinks, type Digest, type Paper } from '../digest/paper.js';
import { rankPapers } from '../digest/rank.js';
import { feedLink, homeLink } from '../links/public-links.js';
import type { DetailLevel } from './budget.js';
import { byline, compactCount, dayRange, humanDate, issueCounts, weekLabel } from './format.js';
import { safeHttpUrl } from './safe-url.js';
import { foldWhitespace, inertBraces, plural, trimAtWordBoundary, untrustedText } from './text.js';
import type { IssueOptions } from './types.js';

/**
 * The data the issue templates read. Every string from a paper is folded to one line and
 * made brace-inert here, every link is http(s) or absent: the templates only lay it out.
 */
export interface PaperView {
  /** The paper's rank of the day (1 = most upvoted), the number it has in "Top papers" too. */
  rank: number;
  /** The paper's own topic, shown only where papers of several topics share a section ("Also today"). */
  topic: string | null;
  title: string;
  url: string;
  upvotes: number;
  commentsLabel: string;
  byline: string | null;
  summary: string | null;
  /** arXiv, PDF, code and project page, in that order; empty for a title-only paper. */
  links: LinkView[];
  /** A cut marker before the paper (papers of "Also today", compiled once for every selection); '' otherwise. */
  cut: string;
  /**
   * The paper's id as its vote links name it (URL-encoded arXiv id without version), in a copy
   * for a reader (whose voteUrl slot then starts the links); null in the browser version and
   * for a card without links (trimmed to its title).
   */
  vote: string | null;
}

export interface LinkView {
  label: string;
  href: string;
  /** GitHub stars, "1.2k", for the code link. */
  stars: string | null;
}

export interface SectionView {
  topic: string;
  countLabel: string;
  papers: PaperView[];
  /** Papers left out of this email for size ("+ 3 more papers in Agents"). */
  omittedLabel: string | null;
  cut: SectionCuts;
}

/**
 * Cut markers (see issue-parts.ts): where the issue compiled once for every selection is cut
 * into pieces. Each is '' in an issue compiled for one reading (the browser version).
 */
export interface SectionCuts {
  /** Before the section. */
  open: string;
  /** Before the "+ 3 more papers" line of "Also today", whose count depends on the selection. */
  omitted: string;
  /** After that line: the rest of "Also today". */
  close: string;
}

export interface IssueCuts {
  /** Before the "Top papers" block, after its last entry, and before the closing footer. */
  top: string;
  topEnd: string;
  tail: string;
  /** Before the "For you" block and after its last entry. */
  forYou: string;
  forYouEnd: string;
}

export interface HighlightView {
  rank: number;
  title: string;
  url: string;
  upvotes: number;
  topic: string | null;
  /** The paper's preview image (http(s) only), when thumbnails are on and the source has one. */
  thumbnail: string | null;
  cut: string;
}

/** One paper as the "For you" block can show it; compiled for every paper, a reader's block takes a few. */
export interface ForYouView {
  rank: number;
  title: string;
  url: string;
  upvotes: number;
  /** The cut marker before the entry. */
  cut: string;
}

export interface IssueView {
  newsletterName: string;
  postalAddress: string;
  /** The public site's home page, where the subscribe form is. */
  subscribeUrl: string;
  /** The site's public RSS feed, in every footer. */
  feedUrl: string;
  /** The heading: "Tuesday, 30 September 2025", or for a weekly issue "Week 40, 2025: the top 20 papers". */
  date: string;
  /** A weekly issue's days, "29 September – 5 October 2025", before the counts; null for a daily issue. */
  dates: string | null;
  /** What the header says instead of the counts when there are no papers. */
  quietLabel: string;
  counts: string;
  preheader: string;
  /** The opening sentence, under the greeting. */
  intro: string;
  isEmpty: boolean;
  /** The web version: no subscriber, no "view in browser", a subscribe link instead. */
  forBrowser: boolean;
  highlights: HighlightView[];
  /** Every paper as a "For you" entry, in the issue compiled for readers' copies; empty elsewhere. */
  forYou: ForYouView[];
  sections: SectionView[];
  cut: IssueCuts;
}

/** How long a summary may be at each level, in characters. */
const SUMMARY_LENGTH: Record<DetailLevel, number> = { full: 300, brief: 140, title: 0, omitted: 0 };
const AUTHORS_SHOWN: Record<DetailLevel, number> = { full: 3, brief: 1, title: 0, omitted: 0 };
/** Titles are capped too: one pathological title must not eat the whole budget. */
const TITLE_LENGTH = 240;
const BYLINE_LENGTH = 160;
/** At most this many papers in a reader's "For you" block: the top of their day, not a second issue. */
export const FOR_YOU_ENTRIES = 5;
/** Where topics with one paper each are gathered, so a quiet topic is not a whole section. */
export const FOLDED_SECTION_TOPIC = 'Also today';
/** The same in a weekly issue. */
export const FOLDED_WEEK_SECTION_TOPIC = 'Also this week';

/** Papers best first, in the digest's own order (upvotes, comments, stars, title): position + 1 is the rank. */
export function rankedPapers(digest: Pick<Digest, 'sections'>): Paper[] {
  return rankPapers(digest.sections.flatMap((section) => section.papers));
}

/** Where a paper sits in the issue: its rank, and its topic when a folded section must name it. */
export interface PaperPlacement {
  rank: number;
  topic: string | null;
}

/** A section as the issue shows it: a topic, or "Also today" gathering one-paper topics. */
interface IssueSection {
  topic: string;
  /** The topic's slug; null for "Also today". */
  slug: string | null;
  papers: Paper[];
  folded: boolean;
}

/**
 * The issue's sections: every topic with two or more papers as it is, then the topics with a
 * single paper folded into one "Also today" (2026-08-21: 10 of 13 topics had one paper). A
 * lone one-paper topic stays itself: folding it would only rename it.
 */
export function issueSections(digest: Digest): IssueSection[] {
  const foldedTopic = digest.period === undefined ? FOLDED_SECTION_TOPIC : FOLDED_WEEK_SECTION_TOPIC;
  const single = digest.sections.filter((section) => section.papers.length === 1);
  if (single.length < 2) return digest.sections.map((section) => ({ topic: section.topic, slug: section.slug, papers: section.papers, folded: false }));
  const kept = digest.sections.filter((section) => section.papers.length > 1);
  return [
    ...kept.map((section) => ({ topic: section.topic, slug: section.slug, papers: section.papers, folded: false })),
    { topic: foldedTopic, slug: null, papers: rankPapers(single.flatMap((section) => section.papers)), folded: true },
  ];
}

/** Rank and (for folded sections) topic of every paper, by id. */
export function paperPlacements(digest: Digest): Map<string, PaperPlacement> {
  const topicOf = topicsById(digest);
  const folded = new Set(issueSections(digest).filter((section) => section.folded).flatMap((section) => section.papers.map((paper) => paper.id)));
  return new Map(
    rankedPapers(digest).map((paper, index) => [
      paper.id,
      { rank: index + 1, topic: folded.has(paper.id) ? (topicOf.get(paper.id) ?? null) : null },
    ]),
  );
}

/** Each paper's topic name, ready for the templates. */
function topicsById(digest: Digest): Map<string, string> {
  const topicOf = new Map<string, string>();
  for (const section of digest.sections) for (const paper of section.papers) topicOf.set(paper.id, untrustedText(section.topic));
  return topicOf;
}

/** A paper id as a vote link names it; null for one no vote could be recorded for (VotedPaperIdSchema). */
function voteId(paper: Paper): string | null {
  const id = arxivIdWithoutVersion(paper.id);
  return /^[A-Za-z0-9._/-]{1,64}$/.test(id) ? encodeURIComponent(id) : null;
}

/** `votes`: the copy is a reader's, so its cards carry vote links, at the end of their links (a title-only card stays one line). */
export function paperView(paper: Paper, level: DetailLevel, placement: PaperPlacement, votes = false): PaperView {
  const summaryLength = SUMMARY_LENGTH[level];
  const authorsShown = AUTHORS_SHOWN[level];
  const summarySource = paper.aiSummary?.trim() ? paper.aiSummary : paper.abstract;
  const credit = authorsShown > 0 ? trimAtWordBoundary(byline(paper.authors, paper.organization, authorsShown), BYLINE_LENGTH) : '';
  const summary = summaryLength > 0 ? trimAtWordBoundary(foldWhitespace(summarySource), summaryLength) : '';
  const links = paperLinks(paper, level);
  return {
    rank: placement.rank,
    topic: placement.topic,
    title: untrustedText(trimAtWordBoundary(foldWhitespace(paper.title), TITLE_LENGTH)),
    url: safeHttpUrl(paper.url) ?? '#',
    upvotes: paper.upvotes,
    commentsLabel: plural(paper.comments, 'comment'),
    byline: credit ? untrustedText(credit) : null,
    summary: summary ? inertBraces(summary) : null,
    links,
    cut: '',
    vote: votes && links.length > 0 ? voteId(paper) : null,
  };
}

/** The paper's links under its summary: more of them the more detail the paper keeps. */
function paperLinks(paper: Paper, level: DetailLevel): LinkView[] {
  if (level !== 'full' && level !== 'brief') return [];
  const links: LinkView[] = [];
  const arxiv = arxivLinks(paper.id);
  if (arxiv) links.push({ label: 'arXiv', href: arxiv.abstract, stars: null }, { label: 'PDF', href: arxiv.pdf, stars: null });
  const code = safeHttpUrl(paper.githubRepo);
  if (code) {
    const label = new URL(code).hostname.replace(/^www\./, '') === 'github.com' ? 'GitHub' : 'Code';
    links.push({ label, href: code, stars: paper.githubStars ? compactCount(paper.githubStars) : null });
  }
  const project = level === 'full' ? safeHttpUrl(paper.projectPage) : undefined;
  if (project) links.push({ label: 'Project page', href: project, stars: null });
  return links;
}

export interface IssueViewRequest {
  digest: Digest;
  options: IssueOptions;
  forBrowser: boolean;
  /** Detail per paper id; papers not in the map are shown in full. */
  levels?: ReadonlyMap<string, DetailLevel>;
  /**
   * The view of the issue compiled once for every topic selection (issue-parts.ts): every
   * paper is a "Top papers" entry, cut markers mark the pieces, and what depends on the
   * selection (counts, the preview line, the size of "Also today") is left as a placeholder.
   */
  forEverySelection?: boolean;
}

/** The cut marker the issue-parts stage splits at: a placeholder only it knows, e.g. {{pmcut "hl" 3}}. */
export function cutMarker(kind: string, index = 0): string {
  return `{{pmcut "${kind}" ${index}}}`;
}

const NO_SECTION_CUTS: SectionCuts = { open: '', omitted: '', close: '' };

export function issueView({ digest, options, forBrowser, levels, forEverySelection = false }: IssueViewRequest): IssueView {
  const placements = paperPlacements(digest);
  const topicOf = topicsById(digest);
  const cut = (kind: string, index = 0) => (forEverySelection ? cutMarker(kind, index) : '');
  const sections = issueSections(digest).map((section, sectionIndex): SectionView => {
    const topic = untrustedText(section.topic);
    const papers: PaperView[] = [];
    for (const paper of section.papers) {
      const level = levels?.get(paper.id) ?? 'full';
      const placement = placements.get(paper.id)!;
      if (level === 'omitted') continue;
      const view = paperView(paper, level, placement, !forBrowser);
      // Every paper is cut on its own: a selection takes some of the papers of "Also today", and
      // a reader's copy leaves out the papers they were already sent (src/delivery/paper-history.ts).
      view.cut = cut('paper', placement.rank - 1);
      papers.push(view);
    }
    const omitted = section.papers.length - papers.length;
    // Compiled for every selection, a section's counts are slots: they depend on the papers a copy keeps.
    const countLabel = !forEverySelection ? plural(section.papers.length, 'paper') : section.folded ? '{{alsoTodayCount}}' : '{{sectionCount}}';
    const omittedLabel = !forEverySelection
      ? `+ ${plural(omitted, 'more paper')}${section.folded ? '' : ` in ${topic}`}`
      : section.folded
        ? '{{alsoTodayOmitted}}'
        : '{{sectionOmitted}}';
    return {
      topic,
      countLabel,
      papers,
      omittedLabel: omitted === 0 ? null : omittedLabel,
      cut: !forEverySelection ? NO_SECTION_CUTS : { open: cut('section', sectionIndex), omitted: cut('omitted', sectionIndex), close: cut('close', sectionIndex) },
    };
  });
  const ranked = rankedPapers(digest);
  // Compiled for every selection, each paper is a "Top papers" entry: a selection's top papers can be any of them.
  const highlighted = forEverySelection && digest.highlights.length > 0 ? ranked : digest.highlights;
  return {
    newsletterName: untrustedText(options.newsletterName),
    postalAddress: untrustedText(options.postalAddress),
    subscribeUrl: safeHttpUrl(homeLink(options.publicUrl)) ?? '#',
    // The public feed: the same for every reader, so it is part of the issue, not a recipient's slot.
    feedUrl: safeHttpUrl(feedLink(options.publicUrl, 'rss')) ?? '#',
    ...heading(digest),
    counts: forEverySelection ? '{{counts}}' : issueCounts(digest.total, digest.sections.length),
    preheader: forEverySelection ? '{{preheader}}' : preheader(digest),
    isEmpty: digest.total === 0,
    forBrowser,
    highlights: highlighted.map((paper, index) => ({
      rank: placements.get(paper.id)?.rank ?? index + 1,
      title: untrustedText(trimAtWordBoundary(foldWhitespace(paper.title), TITLE_LENGTH)),
      url: safeHttpUrl(paper.url) ?? '#',
      upvotes: paper.upvotes,
      topic: topicOf.get(paper.id) ?? null,
      thumbnail: options.thumbnails === false ? null : (safeHttpUrl(paper.thumbnail) ?? null),
      cut: cut('hl', (placements.get(paper.id)?.rank ?? index + 1) - 1),
    })),
    // A reader's block is chosen per copy, so only the issue compiled for readers' copies has entries.
    forYou:
      forEverySelection && !forBrowser && digest.total > 0
        ? ranked.map((paper, index) => ({
            rank: index + 1,
            title: untrustedText(trimAtWordBoundary(foldWhitespace(paper.title), TITLE_LENGTH)),
            url: safeHttpUrl(paper.url) ?? '#',
            upvotes: paper.upvotes,
            cut: cut('fy', index),
          }))
        : [],
    sections,
    cut: { top: cut('top'), topEnd: cut('topEnd'), tail: cut('tail'), forYou: cut('forYou'), forYouEnd: cut('forYouEnd') },
  };
}

/**
 * What the header and the opening sentence say: the day, or a weekly issue's week and its days.
 * The weekly's heading counts the papers of the whole issue ("the top 20 papers"): it names the
 * issue a reader's copy was chosen from, whose count line then says how many of them they get.
 */
function heading(digest: Digest): Pick<IssueView, 'date' | 'dates' | 'quietLabel' | 'intro'> {
  const { period } = digest;
  if (period === undefined) {
    return {
      date: humanDate(digest.date),
      dates: null,
      quietLabel: 'A quiet day',
      intro:
        digest.total === 0
          ? `No new papers were listed on Hugging Face Daily Papers for ${humanDate(digest.date)}. Enjoy the quiet day: the next issue arrives as soon as there is something to read.`
          : "Here are the day's most upvoted papers on Hugging Face, grouped by topic.",
    };
  }
  const week = weekLabel(period.week);
  const dates = dayRange(period.from, period.to);
  return {
    date: digest.total === 0 ? week : `${week}: ${digest.total === 1 ? 'the top paper' : `the top ${digest.total} papers`}`,
    dates,
    quietLabel: 'A quiet week',
    intro:
      digest.total === 0
        ? `No papers were listed on Hugging Face Daily Papers from ${dates}. The next issue arrives as soon as there is something to read.`
        : "Here are the week's most upvoted papers on Hugging Face, each once, ranked by their upvotes after the week was over and grouped by topic.",
  };
}

/** The inbox preview line: the top titles, so the reader sees what is inside before opening. */
export function preheader(digest: Pick<Digest, 'total' | 'highlights' | 'sections' | 'period'>): string {
  if (digest.total === 0) return digest.period === undefined ? 'No new papers today. Back tomorrow.' : 'No papers this week.';
  const top = digest.highlights.length > 0 ? digest.highlights : rankedPapers(digest).slice(0, 3);
  return untrustedText(trimAtWordBoundary(top.map((paper) => foldWhitespace(paper.title)).join(' · '), 140));
}
