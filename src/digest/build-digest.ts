import { decideTopics } from './classify.js';
import type { Digest, DigestSection, Paper } from './paper.js';
import { rankPapers, selectPapers } from './rank.js';
import type { Taxonomy } from './taxonomy.js';

export interface DigestOptions {
  /** The Daily Papers day the issue covers, YYYY-MM-DD. */
  date: string;
  taxonomy: Taxonomy;
  topN: number;
  minUpvotes: number;
  /** How many of the top papers to feature above the sections. */
  highlights: number;
}

/** One day's issue: the day's papers ranked, trimmed and grouped by primary topic. */
export function buildDigest(papers: readonly Paper[], options: DigestOptions): Digest {
  const placed = selectPapers(rankPapers(papers), options).map((paper) => placePaper(paper, options.taxonomy));
  const selected = placed.map((entry) => entry.paper);
  return {
    date: options.date,
    total: selected.length,
    listed: papers.length,
    highlights: selected.slice(0, Math.max(0, options.highlights)),
    sections: groupByTopic(placed, options.taxonomy),
  };
}

interface PlacedPaper {
  /** With its secondary topic, when it has one. */
  paper: Paper;
  /** The slug of its section. */
  section: string;
}

function placePaper(paper: Paper, taxonomy: Taxonomy): PlacedPaper {
  const { primary, secondary } = decideTopics(paper, taxonomy);
  // A paper grouped again (a weekly issue of frozen days) gets this taxonomy's secondary topic, or none.
  const { secondaryTopic: _earlier, ...own } = paper;
  return { paper: secondary === undefined ? own : { ...own, secondaryTopic: secondary.slug }, section: primary.slug };
}

/**
 * Sections in reading order: the most upvoted topic first (a tie goes to the higher priority, then
 * to taxonomy order), the fallback topic always last since "Other" leading an issue reads oddly.
 * Papers keep their ranked order inside a section; topics with no papers get no section.
 */
function groupByTopic(ranked: readonly PlacedPaper[], taxonomy: Taxonomy): DigestSection[] {
  const papersBySlug = new Map<string, Paper[]>();
  for (const { paper, section } of ranked) {
    const papers = papersBySlug.get(section);
    if (papers) papers.push(paper);
    else papersBySlug.set(section, [paper]);
  }
  const topicSections = taxonomy.topics
    .map((topic, order) => ({ topic, order, papers: papersBySlug.get(topic.slug) ?? [] }))
    .filter((entry) => entry.papers.length > 0)
    .map((entry) => ({ ...entry, section: sectionOf(entry.topic.slug, entry.topic.name, entry.papers) }))
    .sort(
      (a, b) => b.section.upvotes - a.section.upvotes || b.topic.priority - a.topic.priority || a.order - b.order,
    )
    .map((entry) => entry.section);
  const fallbackPapers = papersBySlug.get(taxonomy.fallback.slug) ?? [];
  return fallbackPapers.length === 0
    ? topicSections
    : [...topicSections, sectionOf(taxonomy.fallback.slug, taxonomy.fallback.name, fallbackPapers)];
}

function sectionOf(slug: string, topic: string, papers: Paper[]): DigestSection {
  return { slug, topic, upvotes: papers.reduce((sum, paper) => sum + paper.upvotes, 0), papers };
}
