import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/server/app.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { form, SECRET, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

function postForm(path: string, fields: Record<string, string | string[]>): Promise<Response> {
  return Promise.resolve(harness.app.request(path, { method: 'POST', body: form(fields) }));
}

describe('the subscribe form', () => {
  it('labels every field, groups the topics in a fieldset, checks all topics and has no script', async () => {
    harness = await startHarness();

    const page = await (await harness.app.request('/')).text();

    expect(page).toContain('<label for="email">Email address</label>');
    expect(page).toMatch(/<input id="email" name="email" type="email"[^>]* required>/);
    expect(page).toContain('<label for="name">Name <span class="muted">(optional)</span></label>');
    expect(page).toMatch(/<fieldset[^>]*>\s*<legend>Topics<\/legend>/);
    expect(page.match(/type="checkbox" name="topics" value="[^"]+" checked/g)).toHaveLength(harness.topics.length);
    expect(page).not.toMatch(/<script/i);
  });

  it('answers 400 naming the email field and keeps what was typed, escaped', async () => {
    harness = await startHarness();

    const response = await postForm('/subscribe', { email: '"><script>alert(1)</script>', name: 'Ada', topics: 'all' });
    const page = await response.text();

    expect(response.status).toBe(400);
    expect(page).toMatch(/<p class="notice error" id="email-error" role="alert">email [^<]*is not a valid address/);
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).not.toContain('<script>');
    expect(page).toContain('value="Ada"');
  });

  it('answers 400 when the email field is missing', async () => {
    harness = await startHarness();

    const response = await postForm('/subscribe', { topics: 'all' });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('email is missing');
  });

  it('answers 400 naming the topics field when every topic on our form is unchecked', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/subscribe', { method: 'POST', body: form({ email: 'ada@example.org', topics_shown: '1' }) });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('topics: choose at least one topic');
    await harness.background.settled();
    expect(await harness.store.findByEmail('ada@example.org')).toBeUndefined();
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
