/**
 * The whole subscriber journey in a real Chromium against the real server: subscribe,
 * confirm from the email, change topics, unsubscribe — checking the store at each step —
 * and the topic choice with JavaScript turned off, as the pages must work without it.
 * Screenshots land in /tmp/papermail-shots/server-*.png (or $PAPERMAIL_SHOTS) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paperVoteLink, relativeSubscriberLink, voteLink } from '../../src/links/public-links.js';
import { digestOf, paper } from '../builders.js';
import { confirmLinkIn, startHarness, type Harness } from './harness.js';

const SHOTS = process.env.PAPERMAIL_SHOTS ?? '/tmp/papermail-shots';
let browser: Browser;
let harness: Harness;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await harness.close();
});

// page.evaluate takes expressions as strings: the project's TypeScript has no DOM types.

/** A checkbox's accessible name is its topic name followed by the description. */
function startsWith(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/server-${name}.png`, fullPage: true });
}

describe('the subscriber journey in a browser', () => {
  it('subscribes, confirms from the email, changes topics and unsubscribes', async () => {
    harness = await startHarness({ serve: true });
    const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });

    await page.goto(`${harness.url}/`);
    await shoot(page, 'subscribe-start');
    await page.getByLabel('Email address').fill('ada@example.org');
    await page.getByLabel('Name').fill('Ada');
    await page.getByRole('radio', { name: 'Only these:' }).check();
    await page.getByRole('checkbox', { name: startsWith('Robotics & embodied AI') }).check();
    await shoot(page, 'subscribe');
    await page.getByRole('button', { name: 'Subscribe' }).click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    await shoot(page, 'check-inbox');
    const [mail] = await harness.inbox('ada@example.org');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', name: 'Ada', topics: ['robotics'] });

    await page.goto(confirmLinkIn(mail!, harness.config, harness.url));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Confirm your subscription');
    await shoot(page, 'confirm');
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('pending');
    await page.getByRole('button', { name: 'Confirm subscription' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You are subscribed');
    await shoot(page, 'confirmed');
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('confirmed');

    await page.getByRole('link', { name: 'Choose your topics' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Your preferences');
    await page.getByRole('checkbox', { name: startsWith('Robotics & embodied AI') }).uncheck();
    await page.getByRole('checkbox', { name: startsWith('Agents') }).check();
    await page.getByRole('checkbox', { name: startsWith('Code') }).check();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved.');
    await shoot(page, 'preferences-saved');
    expect((await harness.store.findByEmail('ada@example.org'))?.topics).toEqual(['agents', 'code']);

    await page.getByRole('link', { name: 'Unsubscribe' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Unsubscribe?');
    await shoot(page, 'unsubscribe');
    expect(await page.getByRole('link', { name: 'Change topics instead' }).isVisible()).toBe(true);
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('confirmed');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You are unsubscribed');
    await shoot(page, 'unsubscribed');
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('unsubscribed');
  }, 90_000); // six pages and a mail round trip: on a loaded 2-core machine this outlasts the default 30 s

  it('shows a sentence next to the email field and keeps the rest of the form', async () => {
    harness = await startHarness({ serve: true });
    const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    await page.goto(`${harness.url}/`);
    // The browser's own check would stop "ada@" before it is sent; the server must catch what gets through.
    await page.getByLabel('Email address').fill('ada@localhost');
    await page.getByLabel('Name').fill('Ada');

    await page.getByRole('button', { name: 'Subscribe' }).click();

    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Check your email address: it should look like name@example.org.');
    expect(await page.getByLabel('Name').inputValue()).toBe('Ada');
    expect(await page.getByLabel('Email address').getAttribute('aria-invalid')).toBe('true');
    await shoot(page, 'subscribe-error');
  });

  it('keeps the form usable on a 375 px wide phone screen', async () => {
    harness = await startHarness({ serve: true });
    const page = await browser.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    await page.goto(`${harness.url}/`);

    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    const email = await page.getByLabel('Email address').boundingBox();
    const button = await page.getByRole('button', { name: 'Subscribe' }).boundingBox();
    await shoot(page, 'subscribe-375');

    expect(overflow).toBe(0);
    expect(email!.x).toBeGreaterThanOrEqual(0);
    expect(email!.x + email!.width).toBeLessThanOrEqual(375);
    expect(button!.height).toBeGreaterThanOrEqual(44);

    await page.getByLabel('Email address').fill('phone@example.org');
    await page.getByRole('button', { name: 'Subscribe' }).tap();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    expect((await harness.store.findByEmail('phone@example.org'))?.status).toBe('pending');
  });

  it('follows the system’s dark mode, like the email', async () => {
    harness = await startHarness({ serve: true });
    const page = await browser.newPage({ viewport: { width: 375, height: 812 }, colorScheme: 'dark' });
    await page.goto(`${harness.url}/`);
    await page.getByRole('radio', { name: 'Only these:' }).check();

    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    await shoot(page, 'subscribe-375-dark');

    expect(background).toBe('rgb(24, 24, 27)');
  });
});

describe('choosing topics with JavaScript turned off', () => {
  async function pageWithoutScript(colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 900 }, colorScheme });
    return context.newPage();
  }

  const topicBox = (page: Page, name: string) => page.getByRole('checkbox', { name: startsWith(name) });

  it('subscribes to all topics by default, and shows the topic boxes only once "Only these" is picked', async () => {
    harness = await startHarness({ serve: true });
    const page = await pageWithoutScript();
    await page.goto(`${harness.url}/`);

    expect(await page.getByRole('radio', { name: startsWith('All topics') }).isChecked()).toBe(true);
    expect(await topicBox(page, 'Agents').isVisible()).toBe(false);
    await page.getByRole('radio', { name: 'Only these:' }).check();
    expect(await topicBox(page, 'Agents').isVisible()).toBe(true);
    expect(await page.getByRole('checkbox', { checked: true }).count()).toBe(0);
    await page.getByRole('radio', { name: startsWith('All topics') }).check();
    await page.getByLabel('Email address').fill('all@example.org');
    await page.getByRole('button', { name: 'Subscribe' }).click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    expect(await harness.store.findByEmail('all@example.org')).toMatchObject({ status: 'pending', topics: null });
  });

  it('subscribes to just the two ticked topics under "Only these"', async () => {
    harness = await startHarness({ serve: true });
    const page = await pageWithoutScript();
    await page.goto(`${harness.url}/`);

    await page.getByLabel('Email address').fill('two@example.org');
    await page.getByRole('radio', { name: 'Only these:' }).check();
    await topicBox(page, 'Agents').check();
    await topicBox(page, 'Code').check();
    await page.getByRole('button', { name: 'Subscribe' }).click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    expect((await harness.store.findByEmail('two@example.org'))?.topics).toEqual(['agents', 'code']);
  });

  it('says what to do when "Only these" has nothing ticked, next to the topics, and keeps the choice', async () => {
    harness = await startHarness({ serve: true });
    const page = await pageWithoutScript();
    await page.goto(`${harness.url}/`);

    await page.getByLabel('Email address').fill('none@example.org');
    await page.getByRole('radio', { name: 'Only these:' }).check();
    await page.getByRole('button', { name: 'Subscribe' }).click();

    const alert = page.locator('#topics').getByRole('alert');
    await expect.poll(() => alert.textContent()).toBe('Choose at least one topic, or pick All topics.');
    expect(await page.getByRole('radio', { name: 'Only these:' }).isChecked()).toBe(true);
    expect(await topicBox(page, 'Agents').isVisible()).toBe(true);
    expect(await page.getByLabel('Email address').inputValue()).toBe('none@example.org');
    await shoot(page, 'subscribe-topics-error');
    expect(await harness.store.findByEmail('none@example.org')).toBeUndefined();
  });

  it('switches a subscriber from two topics to all topics on the preferences page', async () => {
    harness = await startHarness({ serve: true });
    const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', topics: ['agents', 'code'], status: 'confirmed' });
    const page = await pageWithoutScript();
    await page.goto(`${harness.url}/${relativeSubscriberLink(harness.config.secret, { purpose: 'preferences', subscriber })}`);

    expect(await page.getByRole('radio', { name: 'Only these:' }).isChecked()).toBe(true);
    expect(await topicBox(page, 'Code').isChecked()).toBe(true);
    await page.getByRole('radio', { name: startsWith('All topics') }).check();
    expect(await topicBox(page, 'Code').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Save preferences' }).click();

    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved.');
    expect((await harness.store.findById(subscriber.id))?.topics).toBeNull();
    expect(await page.getByRole('radio', { name: startsWith('All topics') }).isChecked()).toBe(true);
  });

  it.each(['light', 'dark'] as const)('screenshots the subscribe and preferences pages in %s mode', async (colorScheme) => {
    harness = await startHarness({ serve: true });
    await harness.store.saveIssue({ date: '2025-09-30', subject: 'Top papers for 30 Sep 2025: SLA: Beyond Sparsity… and 49 more', html: '<p>1</p>', text: '1' });
    const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', topics: ['agents', 'code'], status: 'confirmed' });
    const page = await pageWithoutScript(colorScheme);

    await page.goto(`${harness.url}/`);
    await shoot(page, `subscribe-${colorScheme}`);
    await page.getByRole('radio', { name: 'Only these:' }).check();
    await shoot(page, `subscribe-only-${colorScheme}`);
    await page.goto(`${harness.url}/${relativeSubscriberLink(harness.config.secret, { purpose: 'preferences', subscriber })}`);
    await shoot(page, `preferences-${colorScheme}`);

    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe(colorScheme === 'dark' ? 'rgb(24, 24, 27)' : 'rgb(244, 244, 245)');
  });

  it.each(['light', 'dark'] as const)('votes from an issue’s 👍 link, undoes and votes again, then sees the vote and saves interests on the preferences page (%s mode)', async (colorScheme) => {
    harness = await startHarness({ serve: true });
    const liked = paper({ id: '2509.25541v2', title: 'SLA: Beyond Sparsity in Diffusion Transformers via Fine-Tunable Sparse–Linear Attention' });
    await harness.store.freezeIssue({ issueDate: '2025-09-30', digest: JSON.stringify(digestOf([liked, paper()])), compiled: '{}' });
    const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', status: 'confirmed' });
    const link = new URL(paperVoteLink(voteLink(harness.config, subscriber, '2025-09-30'), liked.id, 'up'));
    const page = await pageWithoutScript(colorScheme);

    await page.goto(`${harness.url}${link.pathname}${link.search}`);
    await shoot(page, `vote-${colorScheme}`);
    expect(await harness.store.readerSignals(subscriber.id)).toMatchObject({ votes: [] });
    await page.getByRole('button', { name: 'Record my vote' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You gave 👍');
    await shoot(page, `vote-recorded-${colorScheme}`);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You have no vote');
    expect((await harness.store.readerSignals(subscriber.id)).votes).toEqual([]);
    await page.getByRole('button', { name: 'Vote 👍 again' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You gave 👍');

    await page.getByRole('link', { name: 'See or clear your votes' }).click();
    expect(await page.locator('#votes').textContent()).toContain('SLA: Beyond Sparsity');
    await page.getByLabel('Always show papers about').fill('sparse attention\nKV cache');
    await page.getByLabel('Authors and organisations you follow').fill('Tsinghua University');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Saved.');
    await shoot(page, `preferences-votes-${colorScheme}`);
    expect((await harness.store.readerSignals(subscriber.id)).interests).toMatchObject({ include: ['sparse attention', 'KV cache'], follow: ['Tsinghua University'] });

    await page.getByRole('button', { name: 'Clear all votes' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Cleared your 1 vote.');
    expect((await harness.store.readerSignals(subscriber.id)).votes).toEqual([]);
  });
});
