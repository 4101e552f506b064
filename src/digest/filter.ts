import type { Digest } from './paper.js';
import { rankPapers } from './rank.js';

/**
 * A subscriber's view of an issue: only the sections they chose, with highlights recomputed as the
 * top of what remains (as many as the full issue had). `null` topics means "everything".
 * Returns null when none of their topics has a paper today: that subscriber gets no email.
 */
export function filterDigestByTopics(digest: Digest, topics: readonly string[] | null): Digest | null {
  if (topics === null) return digest;
  const wanted = new Set(topics);
  const sections = digest.sections.filter((section) => wanted.has(section.slug));
  if (sections.length === 0) return null;
  const remaining = rankPapers(sections.flatMap((section) => section.papers));
  return {
    ...digest,
    total: remaining.length,
    highlights: remaining.slice(0, digest.highlights.length),
    sections,
  };
}
