/**
 * A reader's copy with their "For you" block and 👍/👎 on every card, assembled from the issue
 * compiled once (src/render/issue-parts.ts), on the real sample days; and how it looks in a real
 * Chromium, light and dark.
 */
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/digest/paper.js';
import { arxivIdWithoutVersion } from '../../src/digest/paper.js';
import { paperVoteLink, publicCopyLinks, recipientLinks, testCopyLinks } from '../../src/links/public-links.js';
import { createIssueRenderer, HTML_BUDGET_BYTES, issueOptionsFrom, joinedCopy, mjmlCompilations, renderBrowserVersion, type IssueParts, type RecipientFields } from '../../src/render/index.js';
import { FOR_YOU_ENTRIES, rankedPapers } from '../../src/render/issue-view.js';
import type { ForYouEntry } from '../../src/render/types.js';
import { readVoteToken } from '../../src/subscribers/tokens.js';
import { decodeEntities, hrefs } from './fixtures.js';
import { SAMPLE_DAYS, sampleConfig, sampleDay } from './sample-days.js';

const SHOTS = process.env.PAPERMAIL_SHOTS ?? '/tmp/papermail-shots';
const config = sampleConfig();
const days = new Map<string, { digest: Digest; parts: IssueParts }>();

beforeAll(async () => {
  const before = mjmlCompilations();
  for (const day of SAMPLE_DAYS) {
    const digest = await sampleDay(day);
    days.set(day, { digest, parts: await createIssueRenderer(digest, issueOptionsFrom(config)).parts() });
  }
  // Each day compiled once, blocks or not (every copy below is assembled from these).
  expect(mjmlCompilations() - before).toBe(SAMPLE_DAYS.length);
}, 60_000);

const ada = { id: 4_242_424, email: 'ada@example.org' };
const fields = (day: string): RecipientFields => ({ name: 'Ada', email: ada.email, ...recipientLinks(config, ada, day) });
const dayOf = (day: string) => days.get(day)!;
const block: ForYouEntry[] = [
  { position: 7, reason: 'matches: KV cache' },
  { position: 20, reason: 'like papers you 👍' },
  { position: 16, reason: 'you follow <TIGER-Lab> & "friends"' },
];

/** The "For you" entries of a copy's HTML: rank, link and reason, in order. */
function forYouEntries(html: string): Array<[number, string, string]> {
  const box = /<div class="pm-foryou"[\s\S]*?<\/h2>([\s\S]*?)<\/div>\s*<\/div>\s*<\/td>/.exec(html);
  if (!box) return [];
  return [...box[1]!.matchAll(/>(\d+)\.<\/span> <a class="pm-title" href="([^"]+)"[\s\S]*?&middot; ([^<]*)<\/div><\/div>/g)].map((match) => [Number(match[1]), decodeEntities(match[2]!), decodeEntities(match[3]!)]);
}

describe('a copy with a "For you" block', () => {
  it("puts the block under the greeting, above Top papers, with each paper's rank, link and reason, in both parts", () => {
    const { digest, parts } = dayOf('2025-09-30');
    const ranked = rankedPapers(digest);
    const copy = joinedCopy(parts.pieces, parts.select(null)!.copyFor(fields('2025-09-30'), block));
    expect(forYouEntries(copy.html)).toEqual(block.map((entry) => [entry.position + 1, ranked[entry.position]!.url, entry.reason]));
    const at = (marker: string) => copy.html.indexOf(marker);
    expect(at('Hi Ada,')).toBeGreaterThan(0);
    expect(at('For you</h2>')).toBeGreaterThan(at('Hi Ada,'));
    expect(at('Top papers</h2>')).toBeGreaterThan(at('For you</h2>'));
    // The reader's phrase is text, never markup.
    expect(copy.html).toContain('you follow &lt;TIGER-Lab&gt; &amp; &quot;friends&quot;');
    const text = copy.text;
    expect(text.indexOf('FOR YOU')).toBeGreaterThan(text.indexOf('Hi Ada,'));
    expect(text.indexOf('TOP PAPERS')).toBeGreaterThan(text.indexOf('FOR YOU'));
    expect(text).toContain(`8.  ${ranked[7]!.title}`.slice(0, 40));
    expect(text).toContain('    matches: KV cache\n');
    expect(text).toContain('    you follow <TIGER-Lab> & "friends"\n');
  });

  it('shows at most five entries, and nothing for positions the issue does not have', () => {
    const { parts } = dayOf('2025-09-30');
    const many = Array.from({ length: 9 }, (_, position) => ({ position, reason: `reason ${position}` }));
    const copy = joinedCopy(parts.pieces, parts.select(null)!.copyFor(fields('2025-09-30'), [{ position: 999, reason: 'gone' }, ...many]));
    expect(forYouEntries(copy.html).map(([rank]) => rank)).toEqual([1, 2, 3, 4, 5].slice(0, FOR_YOU_ENTRIES));
    expect(copy.html).not.toContain('gone');
  });

  it('is the same copy, to the byte, as everyone with those topics gets when the reader has no block', () => {
    const { parts } = dayOf('2025-09-30');
    const selection = parts.select(['agents', 'reinforcement-learning'])!;
    const plain = selection.copyFor(fields('2025-09-30'));
    expect(selection.copyFor(fields('2025-09-30'), [])).toEqual(plain);
    expect(joinedCopy(parts.pieces, plain).html).not.toContain('For you');
    expect(joinedCopy(parts.pieces, plain).text).not.toContain('FOR YOU');
  });

  it.each(SAMPLE_DAYS)('%s: stays within the HTML budget with the largest block and every vote link', (day) => {
    const { parts } = dayOf(day);
    const longest = parts.papers.map((_, position) => ({ position, reason: `matches: ${'a very long interest phrase '.repeat(4).slice(0, 100)}` }));
    const html = joinedCopy(parts.pieces, parts.select(null)!.copyFor({ ...fields(day), name: 'N'.repeat(80) }, longest)).html;
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(HTML_BUDGET_BYTES + 2_000);
  });
});

describe('vote links', () => {
  it("give every full paper card a 👍 and a 👎 link: the copy's one vote link, the paper and the vote", () => {
    const { digest, parts } = dayOf('2026-08-21');
    const copy = joinedCopy(parts.pieces, parts.select(null)!.copyFor(fields('2026-08-21')));
    const voteUrl = fields('2026-08-21').voteUrl!;
    const links = hrefs(copy.html).filter((href) => href.includes('/vote?'));
    const expected = rankedPapers(digest).flatMap((paper) => {
      const id = arxivIdWithoutVersion(paper.id);
      return [paperVoteLink(voteUrl, id, 'up'), paperVoteLink(voteUrl, id, 'down')];
    });
    expect(new Set(links)).toEqual(new Set(expected));
    expect(links).toHaveLength(expected.length);
    for (const link of expected) expect(copy.text).toContain(link);
    // One token in the whole copy, naming this reader and this issue.
    const tokens = new Set(links.map((link) => new URL(link).searchParams.get('token')!));
    expect([...tokens].map(readVoteToken)).toEqual([{ subscriberId: ada.id, issueId: '2026-08-21' }]);
  });

  it('are left out of copies that act on nobody: test copies, previews and the browser version', async () => {
    const { digest, parts } = dayOf('2026-08-21');
    const testCopy = joinedCopy(parts.pieces, parts.select(null)!.copyFor({ name: null, email: 'someone@example.net', ...testCopyLinks(config.PUBLIC_URL, '2026-08-21') }));
    const preview = joinedCopy(parts.pieces, parts.select(null)!.copyFor({ name: null, email: 'reader@example.com', ...publicCopyLinks(config.PUBLIC_URL, '2026-08-21') }));
    const browser = await renderBrowserVersion(digest, issueOptionsFrom(config));
    for (const copy of [testCopy, preview, browser]) {
      expect(copy.html).not.toContain('vote?');
      expect(copy.text).not.toContain('vote?');
      expect(copy.html).not.toContain('<span class="pm-vote"');
    }
  });
});

describe('the block in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(['light', 'dark'] as const)('is readable in %s mode, and its vote links are visible on the cards', async (colorScheme) => {
    const { parts } = dayOf('2025-09-30');
    const html = joinedCopy(parts.pieces, parts.select(null)!.copyFor(fields('2025-09-30'), block)).html;
    for (const width of [600, 375]) {
      const page = await browser.newPage({ viewport: { width, height: 1100 }, colorScheme });
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      await page.screenshot({ path: `${SHOTS}/for-you-${colorScheme}-${width}.png` });
      const heading = page.getByRole('heading', { name: 'For you' });
      expect(await heading.isVisible()).toBe(true);
      const colours = await page.evaluate<{ box: string; title: string; reason: string }>(`(() => {
        const box = document.querySelector('.pm-foryou');
        return { box: getComputedStyle(box).backgroundColor, title: getComputedStyle(box.querySelector('.pm-title')).color, reason: getComputedStyle(box.querySelector('.pm-muted')).color };
      })()`);
      expect(colours.box).toBe(colorScheme === 'dark' ? 'rgb(6, 78, 59)' : 'rgb(236, 253, 245)');
      expect(colours.title).not.toBe(colours.box);
      const up = page.getByRole('link', { name: '👍' }).first();
      await up.scrollIntoViewIfNeeded();
      expect(await up.isVisible()).toBe(true);
      expect((await up.boundingBox())!.height).toBeGreaterThan(10);
      const scrollWidth = await page.evaluate<number>('document.scrollingElement.scrollWidth');
      expect(scrollWidth).toBeLessThanOrEqual(width + 1);
      await page.close();
    }
  });
});
