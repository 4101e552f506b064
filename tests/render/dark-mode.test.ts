/**
 * Dark mode, in a real Chromium with `prefers-color-scheme` emulated: the page around the
 * column (MJML's body and wrapper div), the strip above it, the cards, and the text on them.
 * The email at desktop and phone widths, and the archive page (/archive/:date) served by the
 * real server, which shows the stored browser version under the site's security headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { compileIssue, issueOptionsFrom, renderBrowserVersion } from '../../src/render/index.js';
import { startHarness, type Harness } from '../server/harness.js';
import { recipient } from './fixtures.js';
import { sampleConfig, sampleDay } from './sample-days.js';

type Scheme = 'light' | 'dark';
const DAY = '2026-08-21';
let browser: Browser;
let email: string;
let harness: Harness;

beforeAll(async () => {
  const digest = await sampleDay(DAY);
  email = (await compileIssue(digest, issueOptionsFrom(sampleConfig()))).personalise(recipient('dark')).html;
  harness = await startHarness({ serve: true });
  const web = await renderBrowserVersion(digest, issueOptionsFrom(harness.config));
  await harness.store.saveIssue({ date: DAY, subject: 'the issue', html: web.html, text: web.text });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

async function emailPage(scheme: Scheme, width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: scheme });
  // Thumbnails are remote images: offline they show their alt text, which is fine here.
  await page.route('**/*', (route) => route.abort());
  await page.setContent(email, { waitUntil: 'load' });
  return page;
}

async function archivePage(scheme: Scheme, width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: scheme });
  await page.route('**/*', (route) => (route.request().url().startsWith(harness.url) ? route.continue() : route.abort()));
  const response = await page.goto(`${harness.url}/archive/${DAY}`);
  expect(response!.status()).toBe(200);
  return page;
}

/** What the reader sees: background and text colours, as computed by the browser. */
interface Colours {
  body: string;
  wrapper: string;
  gutter: string | null;
  strip: string;
  stripText: string;
  card: string;
  title: string;
  text: string;
}

async function coloursOf(page: Page): Promise<Colours> {
  return page.evaluate(() => {
    const style = (element: Element | null) => {
      if (!element) throw new Error('element not found');
      return getComputedStyle(element);
    };
    /** The first non-transparent background at or above an element. */
    const backgroundAt = (element: Element | null): string => {
      for (let at = element; at; at = at.parentElement) {
        const colour = getComputedStyle(at).backgroundColor;
        if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
      }
      return 'rgb(255, 255, 255)';
    };
    const column = document.querySelector('.pm-card')!.getBoundingClientRect();
    // The gutter beside the column, where the page is wider than the 600px column.
    const gutter = column.left >= 8 ? backgroundAt(document.elementFromPoint(4, column.top + 40)) : null;
    const stripLink = document.querySelector('.pm-edge a');
    return {
      body: style(document.body).backgroundColor,
      wrapper: backgroundAt(document.querySelector('body > div[role="article"]')),
      gutter,
      strip: backgroundAt(stripLink),
      stripText: style(stripLink).color,
      card: backgroundAt(document.querySelector('.pm-paper')),
      title: style(document.querySelector('.pm-paper .pm-title')).color,
      text: style(document.querySelector('.pm-paper .pm-muted + div')).color,
    };
  });
}

function luminance(colour: string): number {
  const [r, g, b] = colour.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((value) => {
    const channel = Number(value) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG contrast ratio of two colours (1 to 21). */
function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

function expectScheme(colours: Colours, scheme: Scheme): void {
  const backgrounds = [colours.body, colours.wrapper, colours.strip, colours.card, ...(colours.gutter ? [colours.gutter] : [])];
  for (const background of backgrounds) {
    if (scheme === 'dark') expect(luminance(background), background).toBeLessThan(0.05);
    else expect(luminance(background), background).toBeGreaterThan(0.8);
  }
  // Readable: body text and titles at WCAG AA on the card, the strip's link on the strip.
  expect(contrast(colours.title, colours.card)).toBeGreaterThanOrEqual(4.5);
  expect(contrast(colours.text, colours.card)).toBeGreaterThanOrEqual(4.5);
  expect(contrast(colours.stripText, colours.strip)).toBeGreaterThanOrEqual(4.5);
}

describe.each(['dark', 'light'] as const)('the email in %s mode', (scheme) => {
  it.each([700, 375])('has a %ipx page with gutters, strip and cards in the scheme, and readable text', async (width) => {
    const page = await emailPage(scheme, width);
    const colours = await coloursOf(page);
    if (width === 700) expect(colours.gutter).not.toBeNull();
    expectScheme(colours, scheme);
    await page.close();
  });
});

describe.each(['dark', 'light'] as const)('the archive page in %s mode', (scheme) => {
  it.each([700, 375])('has a %ipx page with gutters, strip and cards in the scheme, and readable text', async (width) => {
    const page = await archivePage(scheme, width);
    const colours = await coloursOf(page);
    expectScheme(colours, scheme);
    await page.close();
  });
});
