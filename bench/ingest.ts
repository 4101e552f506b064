/**
 * Ingest: a 50-paper day from the text of its saved API response to a Digest (parse, validate
 * every entry with zod, rank, trim and group by topic), against JSON.parse of the same text
 * alone. The file is read and the taxonomy loaded once, outside the timing.
 */
import { readFile } from 'node:fs/promises';
import { buildDigest } from '../src/digest/build-digest.js';
import { loadTaxonomy } from '../src/digest/taxonomy.js';
import { readPaperList } from '../src/sources/read-paper-list.js';
import { median, millisecondsPerCall, warmThenMeasure } from './stats.js';
import { benchConfig, FULL_DAY_SOURCE } from './workspace.js';

export interface IngestFigures {
  oursMs: number;
  jsonParseMs: number;
  papers: number;
}

export async function measureIngest(options: { runs: number; iterations: number }): Promise<IngestFigures> {
  const config = benchConfig();
  const text = await readFile(FULL_DAY_SOURCE, 'utf8');
  const taxonomy = await loadTaxonomy(config.TOPICS_FILE);
  const day = '2025-09-30';
  const ingest = () => {
    const { papers } = readPaperList(text, FULL_DAY_SOURCE, day);
    return buildDigest(papers, { date: day, taxonomy, topN: config.TOP_N, minUpvotes: config.MIN_UPVOTES, highlights: config.HIGHLIGHTS });
  };
  const papers = ingest().total;
  const ours = await warmThenMeasure(options.runs, () => millisecondsPerCall(options.iterations, ingest));
  const parse = await warmThenMeasure(options.runs, () => millisecondsPerCall(options.iterations, () => JSON.parse(text)));
  return { oursMs: median(ours), jsonParseMs: median(parse), papers };
}
