import type { Digest, DigestSection, Paper } from './paper.js';
import { rankPapers } from './rank.js';

/**
 * Whether a paper of `section` is for a reader of `wanted` topics: its section's topic is one of
 * theirs, or its secondary topic is. The one rule of who gets which paper; the send loop's copies
 * (src/render/issue-parts.ts, which works it out once per issue by topic) and the feeds follow it.
 */
export function isForTopics(section: Pick<DigestSection, 'slug'>, paper: Pick<Paper, 'secondaryTopic'>, wanted: ReadonlySet<string>): boolean {
  return wanted.has(section.slug) || (paper.secondaryTopic !== undefined && wanted.has(paper.secondaryTopic));
}

/**
 * A subscriber's view of an issue: only the papers of their topics, each in its one section, with
 * highlights recomputed as the top of what remains (as many as the full issue had). `null`
 * topics means "everything". Returns null when none of their topics has a paper today: that
 * subscriber gets no email.
 */
export function filterDigestByTopics(digest: Digest, topics: readonly string[] | null): Digest | null {
  if (topics === null) return digest;
  const wanted = new Set(topics);
  const sections: DigestSection[] = [];
  for (const section of digest.sections) {
    if (wanted.has(section.slug)) sections.push(section);
    else {
      const papers = section.papers.filter((paper) => isForTopics(section, paper, wanted));
      if (papers.length > 0) sections.push({ ...section, papers });
    }
  }
  if (sections.length === 0) return null;
  const remaining = rankPapers(sections.flatMap((section) => section.papers));
  return {
    ...digest,
    total: remaining.length,
    highlights: remaining.slice(0, digest.highlights.length),
    sections,
  };
}
