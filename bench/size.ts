/**
 * Size: the HTML part of the largest sample day, as one subscriber receives it. Gmail clips
 * an HTML part over about 102 KB, hiding the rest of the issue and its unsubscribe link.
 * The copy is filled with deliberately long recipient fields (an 80-character name, a long
 * address, a seven-digit subscriber id in the signed links and the vote links of every card),
 * so real copies are no bigger. It is the larger of the copy the compiled issue gives and the
 * same reader's copy assembled with a full "For you" block (five entries, the longest titles,
 * reasons of 100 characters), which is what a reader with a model gets.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { recipientLinks } from '../src/links/public-links.js';
import { compileIssue, createIssueRenderer, issueOptionsFrom, joinedCopy } from '../src/render/index.js';
import type { Digest } from '../src/digest/paper.js';
import { rankedPapers } from '../src/render/issue-view.js';
import { loadSampleDigest } from './sample-day.js';
import { benchConfig, REPO_ROOT } from './workspace.js';

export interface SizeFigures {
  /** kB of 1,000 bytes: the render budget is set in bytes (HTML_BUDGET_BYTES). */
  maxHtmlKB: number;
  maxHtmlBytes: number;
  largestDay: string;
  papers: number;
}

export async function measureSize(): Promise<SizeFigures> {
  const config = benchConfig();
  const samples = (await readdir(path.join(REPO_ROOT, 'samples'))).filter((name) => /^\d{4}-\d{2}-\d{2}\.json$/.test(name));
  let largest: Omit<SizeFigures, 'maxHtmlKB'> = { maxHtmlBytes: 0, largestDay: '', papers: 0 };
  for (const name of samples) {
    const digest = await loadSampleDigest(path.join(REPO_ROOT, 'samples', name));
    const issue = await compileIssue(digest, issueOptionsFrom(config));
    const id = 9_999_999;
    const email = `${'a-rather-long-mailbox-name.for-testing'}+papers@${'subdomain.example-university'}.ac.uk`;
    const fields = { name: 'N'.repeat(80), email, ...recipientLinks(config, { id, email }, digest.date) };
    const html = issue.personalise(fields).html;
    const parts = await createIssueRenderer(digest, issueOptionsFrom(config)).parts();
    const longestTitles = parts.papers.map((_, position) => position).sort((a, b) => titleLength(digest, b) - titleLength(digest, a));
    const block = longestTitles.map((position) => ({ position, reason: `matches: ${'x'.repeat(100)}` }));
    const withBlock = joinedCopy(parts.pieces, parts.select(null)!.copyFor(fields, block)).html;
    const bytes = Math.max(Buffer.byteLength(html), Buffer.byteLength(withBlock));
    if (bytes > largest.maxHtmlBytes) largest = { maxHtmlBytes: bytes, largestDay: digest.date, papers: digest.total };
  }
  return { ...largest, maxHtmlKB: largest.maxHtmlBytes / 1000 };
}

function titleLength(digest: Digest, position: number): number {
  return rankedPapers(digest)[position]!.title.length;
}
