import { rename, rm, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/server/app.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { holdWriteLock, type HeldLock } from '../support/sqlite-lock.js';
import { form, SECRET, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

function postForm(path: string, fields: Record<string, string | string[]>): Promise<Response> {
  return Promise.resolve(harness.app.request(path, { method: 'POST', body: form(fields) }));
}

describe('the subscribe form', () => {
  it('labels every field, groups the topics in a fieldset, selects "All topics" with no topic ticked and has no script', async () => {
    harness = await startHarness();

    const page = await (await harness.app.request('/')).text();

    expect(page).toContain('<label for="email">Email address</label>');
    expect(page).toMatch(/<input id="email" name="email" type="email"[^>]* required>/);
    expect(page).toContain('<label for="name">Name <span class="muted">(optional)</span></label>');
    expect(page).toMatch(/<fieldset[^>]*>\s*<legend>Topics<\/legend>/);
    expect(page).toMatch(/<input type="radio" name="topics_choice" value="all" checked>\s*<span>All topics <small>\(all 17, and any added later\)/);
    expect(page).toMatch(/<input type="radio" name="topics_choice" value="only" id="topics-only">\s*<span>Only these:<\/span>/);
    expect(page.match(/type="checkbox" name="topics" value="[^"]+"/g)).toHaveLength(harness.topics.length);
    expect(page).not.toMatch(/type="checkbox" name="topics" value="[^"]+" checked/);
    expect(page).not.toContain('Choose topics');
    expect(page).not.toMatch(/<script/i);
  });

  it('answers 400 with a sentence next to the email field and keeps what was typed, escaped', async () => {
    harness = await startHarness();

    const response = await postForm('/subscribe', { email: '"><script>alert(1)</script>', name: 'Ada', topics: 'all' });
    const page = await response.text();

    expect(response.status).toBe(400);
    expect(page).toContain('<p class="notice error" id="email-error" role="alert">Check your email address: it contains angle brackets; give the bare address.</p>');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).not.toContain('<script>');
    expect(page).toContain('value="Ada"');
  });

  it.each([
    ['   ', 'Enter your email address.'],
    ['ada', 'Check your email address: it needs one &quot;@&quot; between a name and a domain.'],
    ['ada@example.org, bob@example.org', 'Check your email address: it lists more than one address; give one.'],
    ['ada@localhost', 'Check your email address: it should look like name@example.org.'],
  ])('answers %j with a sentence a person can act on, not a field dump', async (email, sentence) => {
    harness = await startHarness();

    const page = await (await postForm('/subscribe', { email })).text();

    expect(page).toContain(`<p class="notice error" id="email-error" role="alert">${sentence}</p>`);
    expect(page).not.toContain('email &quot;');
  });

  it('answers 400 when the email field is missing', async () => {
    harness = await startHarness();

    const response = await postForm('/subscribe', { topics: 'all' });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<p class="notice error" id="email-error" role="alert">Enter your email address.</p>');
  });

  it('answers 400 with a sentence next to the topics when "Only these" has nothing ticked, and stores nothing', async () => {
    harness = await startHarness();

    const response = await postForm('/subscribe', { email: 'ada@example.org', topics_choice: 'only' });
    const page = await response.text();

    expect(response.status).toBe(400);
    expect(page).toContain('<p class="notice error" id="topics-error" role="alert">Choose at least one topic, or pick All topics.</p>');
    expect(page).not.toContain('topics:');
    expect(page).toMatch(/value="only" id="topics-only" checked>/);
    await harness.background.settled();
    expect(await harness.store.findByEmail('ada@example.org')).toBeUndefined();
  });

  it('subscribes to every topic with "All topics", ignoring boxes ticked before switching to it', async () => {
    harness = await startHarness();

    const response = await postForm('/subscribe', { email: 'ada@example.org', topics_choice: 'all', topics: ['agents', 'code'] });

    expect(response.status).toBe(200);
    await harness.background.settled();
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', topics: null });
  });

  it('subscribes to just the ticked topics with "Only these"', async () => {
    harness = await startHarness();

    const response = await postForm('/subscribe', { email: 'ada@example.org', topics_choice: 'only', topics: ['code', 'agents'] });

    expect(response.status).toBe(200);
    await harness.background.settled();
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', topics: ['agents', 'code'] });
  });

  it('shows the latest issue with its subject on the home page, and no such block before the first issue', async () => {
    harness = await startHarness();
    const before = await (await harness.app.request('/')).text();
    await harness.store.saveIssue({ date: '2025-09-29', subject: 'Top papers for 29 Sep 2025: older', html: '<p>1</p>', text: '1' });
    await harness.store.saveIssue({ date: '2025-09-30', subject: 'Top papers for 30 Sep 2025: <newest>', html: '<p>2</p>', text: '2' });

    const page = await (await harness.app.request('/')).text();

    expect(before).not.toContain('Latest issue');
    expect(page).toContain('<span class="muted">Latest issue</span><br><a href="archive/2025-09-30">Top papers for 30 Sep 2025: &lt;newest&gt;</a>');
    expect(page).not.toContain('archive/2025-09-29');
  });

  it('subscribes to every topic from a form embedded elsewhere that has only an email field', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/subscribe', { method: 'POST', body: form({ email: 'ada@example.org' }) });

    expect(response.status).toBe(200);
    await harness.background.settled();
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', topics: null });
  });

  it('answers 413 to a body over 8 KB and stores nothing', async () => {
    harness = await startHarness({ serve: true });

    const response = await fetch(`${harness.url}/subscribe`, {
      method: 'POST',
      body: form({ email: 'ada@example.org', topics: 'all', name: 'x'.repeat(9 * 1024) }),
    });

    expect(response.status).toBe(413);
    await harness.background.settled();
    expect(await harness.store.findByEmail('ada@example.org')).toBeUndefined();
  });
});

describe('every response', () => {
  it('carries a script-free Content-Security-Policy and the other security headers', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/');
    const policy = response.headers.get('Content-Security-Policy') ?? '';

    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain('script-src');
    expect(policy).toContain("frame-ancestors 'none'");
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(response.headers.get('X-Frame-Options')).toBe('DENY');
  });

  it('keeps pages with a token out of every cache', async () => {
    harness = await startHarness();
    const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', status: 'confirmed' });
    const token = createToken(SECRET, { purpose: 'preferences', subscriberId: subscriber.id, email: subscriber.email });

    const response = await harness.app.request(`/preferences?token=${token}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
  });

  it('answers the health check with 200 "ok"', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/healthz');

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
  });

  it('answers an unknown path with a 404 page', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/wp-login.php');

    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Page not found');
  });

  it('turns an unexpected failure into a 500 page without the stack, and logs the stack', async () => {
    harness = await startHarness();
    const logLines: string[] = [];
    const app = createApp({
      ...harness.deps,
      renderPreview: async () => {
        throw new Error('template exploded in /srv/papermail/templates/issue.mjml');
      },
      logger: createLogger('error', (line) => logLines.push(line)),
    });

    const response = await app.request('/preview?date=2025-09-30');
    const page = await response.text();

    expect(response.status).toBe(500);
    expect(page).toContain('Something went wrong');
    expect(page).not.toContain('exploded');
    expect(page).not.toContain('/srv/papermail');
    expect(logLines.join('\n')).toMatch(/error: GET \/preview failed: Error: template exploded[\s\S]*at /);
  });
});

describe('while another process holds the database’s write lock', () => {
  const locks: HeldLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.release()));
  });

  async function lockFor(holdMs: number): Promise<HeldLock> {
    const lock = await holdWriteLock(harness.databasePath, holdMs);
    locks.push(lock);
    return lock;
  }

  async function confirmedReader() {
    const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', status: 'confirmed' });
    return { subscriber, token: createToken(SECRET, { purpose: 'unsubscribe', subscriberId: subscriber.id, email: subscriber.email }) };
  }

  const oneClick = (app: Harness['app'], token: string) =>
    app.request(`/unsubscribe?token=${encodeURIComponent(token)}`, { method: 'POST', body: form({ 'List-Unsubscribe': 'One-Click' }) });

  it('still unsubscribes in one click and subscribes when the lock is held for 3 s', async () => {
    harness = await startHarness();
    const { subscriber, token } = await confirmedReader();
    await lockFor(3_000);

    const unsubscribed = await oneClick(harness.app, token);
    const subscribed = await postForm('/subscribe', { email: 'grace@example.org' });

    expect(unsubscribed.status).toBe(200);
    expect(subscribed.status).toBe(200);
    expect((await harness.store.findById(subscriber.id))?.status).toBe('unsubscribed');
    // The sign-up's store work runs after the answer, so it meets the lock there.
    await harness.background.settled();
    expect(await harness.store.findByEmail('grace@example.org')).toMatchObject({ status: 'pending' });
  });

  it('retries a write whose lock outlasts the store’s own wait, and then succeeds', async () => {
    harness = await startHarness({ busyTimeoutMs: 100 });
    const { subscriber, token } = await confirmedReader();
    const app = createApp({ ...harness.deps, storeRetry: { retries: 20, firstDelayMs: 50, maxDelayMs: 100 } });
    await lockFor(600);

    const response = await oneClick(app, token);

    expect(response.status).toBe(200);
    expect((await harness.store.findById(subscriber.id))?.status).toBe('unsubscribed');
  });

  it('answers 503 with Retry-After and one log line, changing nothing, when the lock outlasts every retry', async () => {
    harness = await startHarness({ busyTimeoutMs: 50 });
    const { subscriber, token } = await confirmedReader();
    const logLines: string[] = [];
    const app = createApp({
      ...harness.deps,
      storeRetry: { retries: 1, firstDelayMs: 10, maxDelayMs: 10 },
      logger: createLogger('info', (line) => logLines.push(line)),
    });
    await lockFor(60_000);

    const response = await oneClick(app, token);
    const page = await response.text();

    expect(response.status).toBe(503);
    expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(page).toContain('Nothing was changed');
    expect(page).not.toMatch(/SQLITE|database is locked/);
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatch(/POST \/unsubscribe: answered 503, .*locked by another process/);
    expect(logLines[0]).not.toMatch(/\n\s+at /);
    await locks[0]!.release();
    expect((await harness.store.findById(subscriber.id))?.status).toBe('confirmed');
  });
});

describe('when the database file goes away under the running server', () => {
  it('answers the health check with 503, saying the file was deleted', async () => {
    harness = await startHarness();
    await rm(harness.databasePath);

    const response = await harness.app.request('/healthz');

    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/^store: the subscriber database .*papermail\.db was deleted while papermail had it open/);
  });

  it('answers the health check with 503, saying the file was replaced', async () => {
    harness = await startHarness();
    await writeFile(`${harness.databasePath}.new`, '');
    await rename(`${harness.databasePath}.new`, harness.databasePath);

    const response = await harness.app.request('/healthz');

    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/papermail\.db was replaced by another file/);
  });

  it('takes no subscription into the vanished file and mails no confirmation, logging one line', async () => {
    harness = await startHarness();
    const logLines: string[] = [];
    const app = createApp({ ...harness.deps, logger: createLogger('info', (line) => logLines.push(line)) });
    await rm(harness.databasePath);

    const response = await app.request('/subscribe', { method: 'POST', body: form({ email: 'grace@example.org' }) });

    expect(response.status).toBe(500);
    expect(await response.text()).toContain('Something went wrong');
    expect(await harness.inbox('grace@example.org')).toHaveLength(0);
    expect(logLines).toEqual([expect.stringMatching(/^error: POST \/subscribe failed: ESTORE .*was deleted/)]);
  });
});
