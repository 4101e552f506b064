/**
 * What a feed says, before it is written in a format: the entries of the archive's feed (one
 * per issue, with its papers), of a topic's feed (one per paper) and of a subscriber's
 * private feed (one per issue, as their copy had it). Pure: the issues come in (see
 * archive-issues.ts), entries go out; write-feed.ts turns them into RSS, Atom or JSON Feed.
 *
 * An issue is any archived issue, whatever its id ("2025-09-30", a weekly "2026-W35"): its
 * entry is dated by when it was archived, and links to its archive page.
 *
 * Paper data is untrusted. Every value in `contentHtml` is escaped here, and only http(s)
 * links (safeHttpUrl, as the emails do) become links.
 */
import { filterDigestByTopics } from '../digest/filter.js';
import { paperSetPositions } from '../digest/paper-set.js';
import { arxivLinks, type Digest, type Paper } from '../digest/paper.js';
import { archiveLink } from '../links/public-links.js';
import { escapeHtml } from '../render/escape.js';
import { rankedPapers } from '../render/issue-view.js';
import { plural } from '../render/text.js';
import { safeHttpUrl } from '../render/safe-url.js';

/** An archived issue as the feeds read it. */
export interface FeedIssue {
  /** The issue's id in the archive: a day (YYYY-MM-DD), or another id such as a week's. */
  id: string;
  subject: string;
  /** When it was archived: the entry's date. */
  archivedAt: Date;
  /** Its papers, from the frozen issue; undefined when the store has none for it (the entry then only links to the page). */
  digest: Digest | undefined;
}

/** One entry of a feed, in no format yet. */
export interface FeedEntry {
  /** A URL that stays the entry's id for good (Atom wants an IRI, RSS a guid). */
  id: string;
  /** Plain text. */
  title: string;
  /** An http(s) URL. */
  link: string;
  date: Date;
  /** One line of plain text. */
  summary: string;
  /** HTML in which every value is escaped. */
  contentHtml: string;
  authors: string[];
}

/** Authors beyond this many are summed up ("and 12 more"): some papers list hundreds. */
const AUTHORS_SHOWN = 8;
/** A paper's text in a feed: its AI summary, else the abstract cut to this length. */
const SUMMARY_LENGTH = 600;

/** The archive's feed: one entry per issue, with every paper of it by topic. */
export function issueEntries(issues: readonly FeedIssue[], publicUrl: string): FeedEntry[] {
  return issues.map((issue) => issueEntry(issue, issue.digest, publicUrl));
}

/**
 * A subscriber's private feed: their copy of each issue, as their topics choose it
 * (filterDigestByTopics, the digest-level selection the send loop's copies follow). An issue
 * none of their topics had papers in is left out, as they got no email for it.
 */
/**
 * A subscriber's feed: one entry per issue they were sent (`sent`: the issues with a 'sent'
 * ledger row, each with what their copy held, src/delivery/send-ledger.ts copiesSentTo), with
 * exactly the papers that copy held — their topics, less what an earlier issue had already sent
 * them. A copy sent before copies recorded what they held shows their topics' papers.
 */
export function subscriberEntries(
  issues: readonly FeedIssue[],
  sent: ReadonlyMap<string, string | null>,
  topics: readonly string[] | null,
  publicUrl: string,
): FeedEntry[] {
  return issues.flatMap((issue) => {
    if (!sent.has(issue.id)) return [];
    if (issue.digest === undefined) return [issueEntry(issue, undefined, publicUrl)];
    const received = sent.get(issue.id);
    const copy = received == null ? filterDigestByTopics(issue.digest, topics) : digestOfPapers(issue.digest, paperSetPositions(received));
    return copy === null ? [] : [issueEntry(issue, copy, publicUrl)];
  });
}

/** The digest as a copy that held only the papers at these positions of its ranking had it; null for none. */
function digestOfPapers(digest: Digest, positions: readonly number[]): Digest | null {
  const ranked = rankedPapers(digest);
  const held = new Set(positions.map((position) => ranked[position]).filter((paper) => paper !== undefined));
  const sections = digest.sections
    .map((section) => ({ ...section, papers: section.papers.filter((paper) => held.has(paper)) }))
    .filter((section) => section.papers.length > 0);
  if (sections.length === 0) return null;
  const remaining = ranked.filter((paper) => held.has(paper));
  return { ...digest, total: remaining.length, highlights: remaining.slice(0, digest.highlights.length), sections };
}

/**
 * A topic's feed: one entry per paper a reader of that topic gets (its section's, and those whose
 * secondary topic it is), newest issue first, in each issue's ranked order.
 */
export function topicPaperEntries(issues: readonly FeedIssue[], topicSlug: string, publicUrl: string): FeedEntry[] {
  return issues.flatMap((issue) => {
    const theirs = issue.digest === undefined ? null : filterDigestByTopics(issue.digest, [topicSlug]);
    if (theirs === null) return [];
    const issueUrl = archiveLink(publicUrl, issue.id);
    const sectionOf = new Map(theirs.sections.flatMap((section) => section.papers.map((paper) => [paper, section] as const)));
    return rankedPapers(theirs).map((paper) => ({
      // One entry per paper per issue: the same paper on two days is two entries.
      id: `${issueUrl}#${encodeURIComponent(paper.id)}`,
      title: oneLine(paper.title),
      link: safeHttpUrl(paper.url) ?? issueUrl,
      date: issue.archivedAt,
      // The section the paper is in, which is not this topic's for a paper it is the secondary topic of.
      summary: `${plural(paper.upvotes, 'upvote')} · ${sectionOf.get(paper)!.topic} · ${issue.subject}`,
      contentHtml: `${paperHtml(paper, 'p')}<p>From <a href="${escapeHtml(issueUrl)}">${escapeHtml(oneLine(issue.subject))}</a>.</p>`,
      authors: shownAuthors(paper),
    }));
  });
}

function issueEntry(issue: FeedIssue, digest: Digest | undefined, publicUrl: string): FeedEntry {
  const url = archiveLink(publicUrl, issue.id);
  const readIt = `<p><a href="${escapeHtml(url)}">Read the issue on the web</a></p>`;
  const sections = digest?.sections ?? [];
  const papers = sections.reduce((sum, section) => sum + section.papers.length, 0);
  return {
    id: url,
    title: oneLine(issue.subject),
    link: url,
    date: issue.archivedAt,
    summary: digest === undefined ? oneLine(issue.subject) : `${plural(papers, 'paper')} in ${plural(sections.length, 'topic')}`,
    contentHtml:
      sections
        .map((section) => `<h2>${escapeHtml(section.topic)}</h2>\n<ul>\n${section.papers.map((paper) => paperHtml(paper, 'li')).join('\n')}\n</ul>\n`)
        .join('') + readIt,
    authors: [],
  };
}

/** A paper as HTML: its linked title, authors, upvotes, summary and its other links. */
function paperHtml(paper: Paper, element: 'li' | 'p'): string {
  const url = safeHttpUrl(paper.url);
  const title = escapeHtml(oneLine(paper.title));
  const authors = shownAuthors(paper);
  const byline = [authors.length > 0 ? authorLine(paper, authors) : '', plural(paper.upvotes, 'upvote')].filter(Boolean).join(' · ');
  const links = [
    ['arXiv', arxivLinks(paper.id)?.abstract],
    ['code', safeHttpUrl(paper.githubRepo)],
    ['project page', safeHttpUrl(paper.projectPage)],
  ]
    .filter((link): link is [string, string] => link[1] !== undefined)
    .map(([name, href]) => `<a href="${escapeHtml(href)}">${name}</a>`);
  const summary = paperSummary(paper);
  return [
    `<${element}>${url === undefined ? `<strong>${title}</strong>` : `<a href="${escapeHtml(url)}"><strong>${title}</strong></a>`}`,
    `<br>${escapeHtml(byline)}`,
    summary === '' ? '' : `<br>${escapeHtml(summary)}`,
    links.length === 0 ? '' : `<br>${links.join(' · ')}`,
    `</${element}>`,
  ].join('');
}

function paperSummary(paper: Paper): string {
  const text = oneLine(paper.aiSummary ?? paper.abstract);
  return text.length <= SUMMARY_LENGTH ? text : `${text.slice(0, SUMMARY_LENGTH - 1).replace(/\s+\S*$/, '')}…`;
}

function shownAuthors(paper: Paper): string[] {
  return paper.authors.slice(0, AUTHORS_SHOWN).map(oneLine).filter((name) => name !== '');
}

function authorLine(paper: Paper, shown: readonly string[]): string {
  const more = paper.authors.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** Paper text may carry line breaks and control characters; a feed's titles and names are one line of text. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
}
