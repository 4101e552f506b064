import { afterEach, describe, expect, it } from 'vitest';
import { runIssue } from '../../src/delivery/run-issue.js';
import { createTransport } from '../../src/delivery/transport.js';
import { silentLogger } from '../../src/logger.js';
import { startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

describe('archive', () => {
  it('serves the stored browser version of an issue', async () => {
    harness = await startHarness();
    await harness.store.saveIssue({ date: '2025-09-30', subject: 'papermail · 2025-09-30', html: '<html><body>the issue</body></html>', text: 'the issue' });

    const response = await harness.app.request('/archive/2025-09-30');

    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe('<html><body>the issue</body></html>');
  });

  it('answers 404 with a page for a day that has no issue', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/archive/2025-09-29');

    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Page not found');
  });

  it.each(['2025-9-30', '2025-02-30', '2025-W54', '2025-w40', '..%2F..%2Fetc'])('answers 400 for %s, which is neither a day nor a week', async (date) => {
    harness = await startHarness();

    const response = await harness.app.request(`/archive/${date}`);

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('the issue in the address must be an issue: a real date as YYYY-MM-DD, or an ISO week as YYYY-Www');
  });

  it('serves a sent weekly issue at /archive/2025-W40, lists it, and the site feed carries it', async () => {
    harness = await startHarness();
    await harness.store.upsert({ email: 'weekly@example.org', status: 'confirmed', cadence: 'weekly' });
    const transport = createTransport(harness.config);
    try {
      await runIssue(
        { weekly: true, source: 'samples/week-2025-W40' },
        { config: harness.config, store: harness.store, transport, logger: silentLogger, now: () => new Date('2025-10-06T08:00:00Z') },
      );
    } finally {
      transport.close();
    }

    const issue = await harness.app.request('/archive/2025-W40');
    expect(issue.status).toBe(200);
    expect(await issue.text()).toMatch(/Week 40/);

    const list = await (await harness.app.request('/archive')).text();
    expect(list).toMatch(/<li><a href="archive\/2025-W40">Week 40 · [^<]+<\/a><\/li>/);

    const feed = await (await harness.app.request('/feed.xml')).text();
    expect(feed).toContain('/archive/2025-W40');
  });

  it('lists past issues newest first, with subjects escaped', async () => {
    harness = await startHarness();
    await harness.store.saveIssue({ date: '2025-09-29', subject: 'Older <b>issue</b>', html: '<p>1</p>', text: '1' });
    await harness.store.saveIssue({ date: '2025-09-30', subject: 'Newer issue', html: '<p>2</p>', text: '2' });

    const page = await (await harness.app.request('/archive')).text();

    expect(page.indexOf('archive/2025-09-30')).toBeLessThan(page.indexOf('archive/2025-09-29'));
    expect(page).toContain('Older &lt;b&gt;issue&lt;/b&gt;');
    expect(page).not.toContain('<b>issue</b>');
  });

  it('shows the date under a subject only when the subject does not already name the day', async () => {
    harness = await startHarness();
    await harness.store.saveIssue({ date: '2025-09-29', subject: 'A subject without its day', html: '<p>1</p>', text: '1' });
    await harness.store.saveIssue({ date: '2025-09-30', subject: 'Top papers for 30 Sep 2025: SLA and 49 more', html: '<p>2</p>', text: '2' });

    const page = await (await harness.app.request('/archive')).text();
    const items = [...page.matchAll(/<li>(.*?)<\/li>/gs)].map((match) => match[1]!);

    expect(items).toEqual([
      '<a href="archive/2025-09-30">Top papers for 30 Sep 2025: SLA and 49 more</a>',
      '<a href="archive/2025-09-29">A subject without its day</a><br><small><time datetime="2025-09-29">Monday, 29 September 2025</time></small>',
    ]);
  });

  it('says so when nothing has been sent yet', async () => {
    harness = await startHarness();

    expect(await (await harness.app.request('/archive')).text()).toContain('No issues have been sent yet.');
  });
});
