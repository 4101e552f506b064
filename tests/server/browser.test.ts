/**
 * The whole subscriber journey in a real Chromium against the real server: subscribe,
 * confirm from the email, change topics, unsubscribe — checking the store at each step.
 * Screenshots land in /tmp/papermail-shots/server-*.png for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { confirmLinkIn, startHarness, type Harness } from './harness.js';

const SHOTS = '/tmp/papermail-shots';
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
    await page.getByText('Choose topics').click();
    await page.getByRole('checkbox', { name: startsWith('Robotics & embodied AI') }).uncheck();
    await shoot(page, 'subscribe');
    await page.getByRole('button', { name: 'Subscribe' }).click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    await shoot(page, 'check-inbox');
    const everyTopicButRobotics = harness.topics.map((topic) => topic.slug).filter((slug) => slug !== 'robotics');
    const [mail] = await harness.inbox('ada@example.org');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', name: 'Ada', topics: everyTopicButRobotics });

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
    for (const topic of harness.topics) {
      const wanted = topic.slug === 'agents' || topic.slug === 'code';
      await page.getByRole('checkbox', { name: startsWith(topic.name) }).setChecked(wanted);
    }
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved.');
    await shoot(page, 'preferences-saved');
    expect((await harness.store.findByEmail('ada@example.org'))?.topics).toEqual(['agents', 'code']);

    await page.getByRole('link', { name: 'Unsubscribe' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Unsubscribe?');
    await shoot(page, 'unsubscribe');
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('confirmed');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('You are unsubscribed');
    await shoot(page, 'unsubscribed');
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('unsubscribed');
  });

  it('shows a field error next to the email field and keeps the rest of the form', async () => {
    harness = await startHarness({ serve: true });
    const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    await page.goto(`${harness.url}/`);
    // The browser's own check would stop "ada@" before it is sent; the server must catch what gets through.
    await page.getByLabel('Email address').fill('ada@localhost');
    await page.getByLabel('Name').fill('Ada');

    await page.getByRole('button', { name: 'Subscribe' }).click();

    await expect.poll(() => page.getByRole('alert').textContent()).toContain('is not a valid address');
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
    await page.getByText('Choose topics').click();

    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    await shoot(page, 'subscribe-375-dark');

    expect(background).toBe('rgb(24, 24, 27)');
  });
});
