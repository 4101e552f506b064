/** Small builders for test data: `paper({ upvotes: 3 })` reads better than a literal. */
import { huggingFacePaperUrl, PaperSchema, type Digest, type Paper } from '../src/digest/paper.js';

let sequence = 0;

export function paper(overrides: Partial<Paper> = {}): Paper {
  sequence += 1;
  const id = overrides.id ?? `2509.${String(10000 + sequence)}`;
  return PaperSchema.parse({
    id,
    title: `A Paper About Things ${sequence}`,
    abstract: 'We study things and find that they work well on several benchmarks.',
    authors: ['Ada Lovelace', 'Alan Turing'],
    upvotes: 0,
    comments: 0,
    aiKeywords: [],
    day: '2025-09-30',
    url: huggingFacePaperUrl(id),
    ...overrides,
  });
}

/** A digest with the given papers in one section, for render and delivery tests. */
export function digestOf(papers: Paper[], overrides: Partial<Digest> = {}): Digest {
  const ranked = [...papers].sort((a, b) => b.upvotes - a.upvotes);
  return {
    date: '2025-09-30',
    total: ranked.length,
    listed: ranked.length,
    highlights: ranked.slice(0, 3),
    sections: [
      {
        slug: 'other',
        topic: 'Other',
        upvotes: ranked.reduce((sum, item) => sum + item.upvotes, 0),
        papers: ranked,
      },
    ],
    ...overrides,
  };
}
