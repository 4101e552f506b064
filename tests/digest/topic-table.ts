/**
 * Tuning aid for topics.json, not a test: prints title → topic for saved days and the counts per topic.
 *   npx tsx tests/digest/topic-table.ts samples/2025-09-30.json [more.json ...] [--topics topics.json] [--why]
 * Read the table critically after every edit of topics.json: a reader should agree with every line.
 */
import { basename, dirname } from 'node:path';
import { primaryTopic, scoreTopics } from '../../src/digest/classify.js';
import { loadTaxonomy } from '../../src/digest/taxonomy.js';
import { samplePapers } from './sample-papers.js';

const args = process.argv.slice(2);
const topicsIndex = args.indexOf('--topics');
const taxonomy = await loadTaxonomy(topicsIndex >= 0 ? args[topicsIndex + 1]! : 'topics.json');
const explain = args.includes('--why');
const files = args.filter((arg, index) => arg.endsWith('.json') && (topicsIndex < 0 || index !== topicsIndex + 1));

for (const file of files) {
  const papers = samplePapers(basename(file, '.json'), `${dirname(file)}/`);
  const counts = new Map<string, number>();
  console.log(`\n=== ${file} (${papers.length} papers)`);
  for (const paper of papers) {
    const topic = primaryTopic(paper, taxonomy);
    counts.set(topic.slug, (counts.get(topic.slug) ?? 0) + 1);
    const scores = scoreTopics(paper, taxonomy)
      .filter((entry) => entry.score > 0)
      .sort((a, b) => b.score - a.score);
    const scoreLine = scores.map((entry) => `${entry.topic.slug}=${entry.score}`).join(' ');
    console.log(`${topic.slug.padEnd(20)} ${paper.title.slice(0, 90).padEnd(90)} ${scoreLine}`);
    if (explain) for (const entry of scores) console.log(`${' '.repeat(24)}${entry.topic.slug}: ${entry.matched.join(', ')}`);
  }
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([slug, count]) => `${slug} ${count}`);
  console.log(`--- ${summary.join(', ')}`);
}
