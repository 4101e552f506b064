/**
 * Test-only reading of the saved Hugging Face JSON in samples/, so digest tests use real papers
 * without depending on src/sources. Maps only the fields topic choice and ranking need.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { huggingFacePaperUrl, PaperSchema, type Paper } from '../../src/digest/paper.js';

const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));

interface SampleItem {
  paper: {
    id: string;
    title: string;
    summary: string;
    upvotes: number;
    authors?: { name: string }[];
    ai_summary?: string | null;
    ai_keywords?: string[] | null;
    githubRepo?: string | null;
    githubStars?: number | null;
    organization?: { fullname?: string };
  };
  numComments?: number;
}

/** The papers of samples/<day>.json, e.g. samplePapers('2025-09-30'). */
export function samplePapers(day: string, directory = SAMPLES): Paper[] {
  const items = JSON.parse(readFileSync(`${directory}${day}.json`, 'utf8')) as SampleItem[];
  return items.map((item) => samplePaper(item, day));
}

export function samplePaper(item: SampleItem, day: string): Paper {
  const source = item.paper;
  return PaperSchema.parse({
    id: source.id,
    title: source.title.replace(/\s+/g, ' ').trim(),
    abstract: source.summary,
    authors: (source.authors ?? []).map((author) => author.name),
    organization: source.organization?.fullname,
    upvotes: source.upvotes,
    comments: item.numComments ?? 0,
    githubRepo: source.githubRepo || undefined,
    githubStars: source.githubStars ?? undefined,
    aiSummary: source.ai_summary ?? undefined,
    aiKeywords: source.ai_keywords ?? [],
    day,
    url: huggingFacePaperUrl(source.id),
  });
}
