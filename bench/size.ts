/**
 * Size: the HTML part of the largest sample day, as one subscriber receives it. Gmail clips
 * an HTML part over about 102 KB, hiding the rest of the issue and its unsubscribe link.
 * The copy is filled with deliberately long recipient fields (an 80-character name, a long
 * address, a seven-digit subscriber id in the signed links), so real copies are no bigger.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { recipientLinks } from '../src/links/public-links.js';
import { compileIssue, issueOptionsFrom } from '../src/render/index.js';
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
    const html = issue.personalise({ name: 'N'.repeat(80), email, ...recipientLinks(config, { id, email }, digest.date) }).html;
    const bytes = Buffer.byteLength(html);
    if (bytes > largest.maxHtmlBytes) largest = { maxHtmlBytes: bytes, largestDay: digest.date, papers: digest.total };
  }
  return { ...largest, maxHtmlKB: largest.maxHtmlBytes / 1000 };
}
