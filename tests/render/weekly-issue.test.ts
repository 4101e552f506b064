/**
 * A weekly issue through the same render pipeline as a daily one: the bundled week's digest,
 * compiled once for every topic selection, within Gmail's size budget, saying "week" where a
 * daily issue says its day.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { issueIdOf, type Digest } from '../../src/digest/paper.js';
import { loadWeeklyDigest } from '../../src/digest/weekly-digest.js';
import { createLogger } from '../../src/logger.js';
import { dayRange, weekLabel } from '../../src/render/format.js';
import {
  compileIssue,
  createIssueRenderer,
  HTML_BUDGET_BYTES,
  joinedCopy,
  mjmlCompilations,
  renderBrowserVersion,
  type IssueParts,
} from '../../src/render/index.js';
import { digestOf } from '../builders.js';
import { decodeEntities, hrefs, OPTIONS, recipient } from './fixtures.js';

const WEEK_FOLDER = fileURLToPath(new URL('../../samples/week-2025-W40/', import.meta.url));

let weekly: Digest;
let parts: IssueParts;
let compilations: number;

beforeAll(async () => {
  const config = loadConfig({ HF_API_URL: 'http://127.0.0.1:9/api/daily_papers' });
  ({ digest: weekly } = await loadWeeklyDigest({ source: WEEK_FOLDER, config, logger: createLogger('silent'), now: () => new Date('2025-10-06T08:00:00Z') }));
  const before = mjmlCompilations();
  const renderer = createIssueRenderer(weekly, OPTIONS);
  parts = await renderer.parts();
  for (const section of weekly.sections) await renderer.forTopics([section.slug]);
  await renderer.forTopics(null);
  compilations = mjmlCompilations() - before;
});

function copyFor(topics: readonly string[] | null) {
  const selection = parts.select(topics)!;
  return joinedCopy(parts.pieces, selection.copyFor(recipient('a')));
}

describe('the weekly issue of 2025-W40, compiled once', () => {
  it('runs MJML once for every topic selection', () => {
    expect(compilations).toBe(1);
  });

  it('keeps the largest copy (every topic) within the Gmail size budget', () => {
    expect(Buffer.byteLength(copyFor(null).html)).toBeLessThanOrEqual(HTML_BUDGET_BYTES);
  });

  it('says which week in the subject, the top paper after it, within 70 characters', () => {
    const { subject } = copyFor(null);
    expect(subject).toBe('Week 40 · LongLive: Real-time Interactive Long Video… and 19 more');
    expect(subject.length).toBeLessThanOrEqual(70);
  });

  it('says the week in the subject of a one-topic selection too', () => {
    const single = weekly.sections.find((section) => section.papers.length === 1)!;
    const { subject } = copyFor([single.slug]);
    expect(subject).toMatch(/^Week 40 · /);
    expect(subject).not.toMatch(/ more$/);
  });

  it('heads the issue with the week, its top count and its days, in the HTML and the text part', () => {
    const { html, text } = copyFor(null);
    const shown = decodeEntities(html);
    expect(shown).toContain('Week 40, 2025: the top 20 papers</h1>');
    expect(shown).toContain(`29 September – 5 October 2025 · 20 papers · ${weekly.sections.length} topics from Hugging Face Daily Papers`);
    expect(text).toContain('PAPERMAIL · Week 40, 2025: the top 20 papers');
    expect(text).toContain('29 September – 5 October 2025 · 20 papers');
    expect(text.replace(/\s+/g, ' ')).toContain("Here are the week's most upvoted papers on Hugging Face");
    expect(shown).not.toContain("the day's most upvoted");
  });

  it('gathers one-paper topics under "Also this week", not "Also today"', () => {
    expect(weekly.sections.filter((section) => section.papers.length === 1).length).toBeGreaterThan(1);
    const { html, text } = copyFor(null);
    expect(html).toContain('Also this week');
    expect(text).toContain('ALSO THIS WEEK');
    expect(html).not.toContain('Also today');
  });

  it('lists every one of its papers', () => {
    const { text } = copyFor(null);
    for (const paper of weekly.sections.flatMap((section) => section.papers)) expect(text.replace(/\s+/g, ' ')).toContain(paper.title);
  });
});

describe('other renderings of a weekly issue', () => {
  it('compileIssue (one reading) says the week as well and stays within the budget', async () => {
    const issue = await compileIssue(weekly, OPTIONS);
    const { html } = issue.personalise(recipient('a'));
    expect(issue.subject).toMatch(/^Week 40 · /);
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(HTML_BUDGET_BYTES);
  });

  it('the browser version heads with the week and shows every paper, with no reader in it', async () => {
    const { html } = await renderBrowserVersion(weekly, OPTIONS);
    expect(decodeEntities(html)).toContain('Week 40, 2025: the top 20 papers</h1>');
    for (const paper of weekly.sections.flatMap((section) => section.papers)) expect(hrefs(html)).toContain(paper.url);
    expect(html).not.toContain('Hi there');
  });

  it('is known by its week where a daily issue is known by its day (issueIdOf: links and the archive)', () => {
    expect(issueIdOf(weekly)).toBe('2025-W40');
    expect(issueIdOf(digestOf([]))).toBe('2025-09-30');
  });

  it('is a quiet week when no paper was listed', async () => {
    const empty = digestOf([], { date: '2025-09-29', period: { week: '2025-W40', from: '2025-09-29', to: '2025-10-05' }, sections: [] });
    const issue = await compileIssue(empty, OPTIONS);
    const { html, text } = issue.personalise(recipient('a'));
    expect(issue.subject).toBe('No papers in week 40, 2025');
    expect(decodeEntities(html)).toContain('A quiet week');
    expect(text.replace(/\s+/g, ' ')).toContain('No papers were listed on Hugging Face Daily Papers from 29 September – 5 October 2025.');
  });
});

describe('week wording', () => {
  it('names a week as "Week 40, 2025"', () => {
    expect(weekLabel('2025-W40')).toBe('Week 40, 2025');
    expect(weekLabel('2026-W01')).toBe('Week 1, 2026');
  });

  it('writes a week’s days within a month, across months and across years', () => {
    expect(dayRange('2025-10-06', '2025-10-12')).toBe('6 – 12 October 2025');
    expect(dayRange('2025-09-29', '2025-10-05')).toBe('29 September – 5 October 2025');
    expect(dayRange('2025-12-29', '2026-01-04')).toBe('29 December 2025 – 4 January 2026');
  });
});
