import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { compileIssue, renderPage } from '../../src/render/index.js';
import { OPTIONS, recipient } from './fixtures.js';
import { sampleDigest } from './sample-digest.js';

/** The personalised 50-paper issue, laid out by a real Chromium at phone and desktop widths. */
const digest = sampleDigest();
const topPaper = digest.highlights[0]!;
const reader = recipient('browser');
let browser: Browser;
let html: string;

beforeAll(async () => {
  html = (await compileIssue(digest, OPTIONS)).personalise(reader).html;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
});

async function pageAt(width: number, content: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  // The issue loads nothing from the network (system fonts, no images): offline is a fair test.
  await page.route('**/*', (route) => route.abort());
  await page.setContent(content, { waitUntil: 'load' });
  return page;
}

describe.each([600, 375])('the issue at %ipx wide', (width) => {
  it("shows the top paper's title as a link to its Hugging Face page", async () => {
    const page = await pageAt(width, html);
    const link = page.getByRole('link', { name: topPaper.title }).first();
    expect(await link.isVisible()).toBe(true);
    expect(await link.getAttribute('href')).toBe(topPaper.url);
    await page.close();
  });

  it('underlines every paper title, so titles look like the links they are', async () => {
    const page = await pageAt(width, html);
    const decorations = await page.locator('.pm-title').evaluateAll((titles) =>
      titles.map((title) => getComputedStyle(title).textDecorationLine),
    );
    expect(decorations.length).toBeGreaterThan(digest.highlights.length);
    expect(new Set(decorations)).toEqual(new Set(['underline']));
    await page.close();
  });

  it("shows a visible unsubscribe link to the recipient's own URL", async () => {
    const page = await pageAt(width, html);
    const unsubscribe = page.getByRole('link', { name: 'Unsubscribe' });
    await unsubscribe.scrollIntoViewIfNeeded();
    expect(await unsubscribe.isVisible()).toBe(true);
    expect(await unsubscribe.getAttribute('href')).toBe(reader.unsubscribeUrl);
    const box = await unsubscribe.boundingBox();
    expect(box!.height).toBeGreaterThan(10);
    await page.close();
  });

  it('does not scroll sideways', async () => {
    const page = await pageAt(width, html);
    const scrollWidth = await page.evaluate(() => document.scrollingElement!.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(width + 1);
    await page.close();
  });
});

describe('an escaped title in a real browser', () => {
  it('is shown as text and runs nothing', async () => {
    const hostile = { ...digest.highlights[0]!, title: '"><img src=x onerror="window.pwned=1"><script>window.pwned=2</script>' };
    const hostileDigest = { ...digest, highlights: [hostile], sections: [{ ...digest.sections[0]!, papers: [hostile] }] };
    const page = await pageAt(600, (await compileIssue(hostileDigest, OPTIONS)).personalise(reader).html);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.getByRole('link', { name: hostile.title }).first().isVisible()).toBe(true);
    await page.close();
  });
});

describe('renderPage in a real browser', () => {
  it('fits a phone screen and keeps form controls at a touchable size', async () => {
    const content = renderPage({
      title: 'Subscribe',
      bodyHtml: '<h1>Subscribe</h1><form><label for="e">Email</label><input id="e" type="email"><button>Subscribe</button></form>',
    });
    const page = await pageAt(375, content);
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(376);
    const button = await page.getByRole('button', { name: 'Subscribe' }).boundingBox();
    expect(button!.height).toBeGreaterThanOrEqual(44);
    expect(await page.getByLabel('Email').isVisible()).toBe(true);
    await page.close();
  });
});
