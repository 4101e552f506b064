/**
 * Tuning aid for topics.json, not a test: prints title → topic for saved days and the counts per topic.
 *   npx tsx tests/digest/topic-table.ts samples/2025-09-30.json [more.json ...] [--topics topics.json] [--why]
 *   npx tsx tests/digest/topic-table.ts --dev [--team] [--topics topics.json] [--why]
 * Read the table critically after every edit of topics.json: a reader should agree with every line.
 * `--dev` prints the tuning part of the labelled dev set only (never the held-out part, whose
 * figures `npm run bench -- --only topics` prints): each paper's label, where it went, and the
 * misfiled ones marked. `--team` prints the team labels the same way (training data too).
 */
import { basename, dirname } from 'node:path';
import { primaryTopic, scoreTopics } from '../../src/digest/classify.js';
import type { Paper } from '../../src/digest/paper.js';
import { loadTaxonomy, type Taxonomy } from '../../src/digest/taxonomy.js';
import { samplePapers } from './sample-papers.js';
import { labelledPapers, teamLabelledPapers, topicFigures, type LabelledPaper } from './topic-labels.js';

const args = process.argv.slice(2);
const topicsIndex = args.indexOf('--topics');
const taxonomy = await loadTaxonomy(topicsIndex >= 0 ? args[topicsIndex + 1]! : 'topics.json');
const explain = args.includes('--why');
const files = args.filter((arg, index) => arg.endsWith('.json') && (topicsIndex < 0 || index !== topicsIndex + 1));

if (args.includes('--dev')) printLabelled('dev set, tuning part', labelledPapers().filter((labelled) => !labelled.heldOut), taxonomy);
if (args.includes('--team')) printLabelled('team labels', teamLabelledPapers(), taxonomy);
for (const file of files) {
  const papers = samplePapers(basename(file, '.json'), `${dirname(file)}/`);
  const counts = new Map<string, number>();
  console.log(`\n=== ${file} (${papers.length} papers)`);
  for (const paper of papers) {
    const topic = primaryTopic(paper, taxonomy);
    counts.set(topic.slug, (counts.get(topic.slug) ?? 0) + 1);
    printPaper(paper, topic.slug.padEnd(20), taxonomy);
  }
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([slug, count]) => `${slug} ${count}`);
  console.log(`--- ${summary.join(', ')}`);
}

/** Labelled papers (never the held-out part) with where they went; `X` misfiled, `~` acceptable but not the primary. */
function printLabelled(heading: string, papers: readonly LabelledPaper[], taxonomy: Taxonomy): void {
  const outcomes = papers.map((labelled) => ({ labelled, filed: primaryTopic(labelled.paper, taxonomy).slug }));
  console.log(`\n=== ${heading} (${outcomes.length} papers): filed / labelled primary`);
  for (const { labelled, filed } of outcomes) {
    const mark = labelled.label.primary === filed ? ' ' : labelled.label.acceptable.includes(filed) ? '~' : 'X';
    printPaper(labelled.paper, `${mark} ${filed.padEnd(19)} ${labelled.label.primary.padEnd(19)}`, taxonomy);
  }
  const figures = topicFigures(outcomes, taxonomy.fallback.slug);
  console.log(`--- acceptable ${(figures.acceptable * 100).toFixed(1)}%, primary ${(figures.primary * 100).toFixed(1)}%, other ${(figures.otherShare * 100).toFixed(1)}%`);
}

function printPaper(paper: Paper, prefix: string, taxonomy: Taxonomy): void {
  const scores = scoreTopics(paper, taxonomy)
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score);
  const scoreLine = scores.map((entry) => `${entry.topic.slug}=${entry.score}`).join(' ');
  console.log(`${prefix} ${paper.title.slice(0, 90).padEnd(90)} ${scoreLine}`);
  if (explain) for (const entry of scores) console.log(`${' '.repeat(24)}${entry.topic.slug}: ${entry.matched.map((rule) => `${rule.match} (${rule.fields.join('+')})`).join(', ')}`);
}
