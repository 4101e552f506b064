import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, until } from '../support/async.js';
import { ADMIN_TOKEN, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

function send(body: string, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (authorization !== undefined) headers.Authorization = authorization;
  return Promise.resolve(harness.app.request('/admin/send', { method: 'POST', headers, body }));
}

const PUBLIC = { PUBLIC_URL: 'https://papers.example.org' };

describe('POST /admin/send', () => {
  it('answers 401 with a Bearer challenge when no token is given, and sends nothing', async () => {
    harness = await startHarness();

    const response = await send('{}');

    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
    expect(harness.sendRequests).toEqual([]);
  });

  it.each([
    ['a wrong token', 'Bearer wrong-token-for-server-tests-0123456789'],
    ['the token with one character missing', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
    ['the token as Basic credentials', `Basic ${ADMIN_TOKEN}`],
  ])('answers 401 for %s', async (_case, authorization) => {
    harness = await startHarness();

    expect((await send('{}', authorization)).status).toBe(401);
    expect(harness.sendRequests).toEqual([]);
  });

  it('runs the send with the validated request and returns its summary as JSON', async () => {
    harness = await startHarness();

    const response = await send('{"date":"2025-09-30","dryRun":true}', `Bearer ${ADMIN_TOKEN}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'sent', issueDate: '2025-09-30', dryRun: true, sent: 0 });
    expect(harness.sendRequests).toEqual([{ date: '2025-09-30', dryRun: true }]);
  });

  it('treats an empty body as "the default issue, for real"', async () => {
    harness = await startHarness();

    expect((await send('', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
    expect(harness.sendRequests).toEqual([{}]);
  });

  it('delivers the day’s issue to confirmed subscribers, once, however often it is called', async () => {
    harness = await startHarness();
    await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', status: 'confirmed' });
    await harness.store.upsert({ email: 'pending@example.org', status: 'pending' });

    const first = await send('{"date":"2025-09-30"}', `Bearer ${ADMIN_TOKEN}`);
    const second = await send('{"date":"2025-09-30"}', `Bearer ${ADMIN_TOKEN}`);

    expect(await first.json()).toMatchObject({ outcome: 'sent', sent: 1 });
    expect(await second.json()).toMatchObject({ outcome: 'sent', sent: 0, alreadySent: 1 });
    const received = await harness.sink.parsed();
    expect(received.map((mail) => [mail.to].flat().map((to) => to?.text))).toEqual([['"Ada" <ada@example.org>']]);
    expect(received[0]!.subject).toMatch(/^30 Sep · SLA: Beyond Sparsity/);
  });

  it.each([
    ['an impossible date', '{"date":"2025-02-30"}', 'date'],
    ['a dryRun that is not a boolean', '{"dryRun":"yes"}', 'dryRun'],
    ['an unknown field', '{"everyone":true}', 'everyone'],
    ['text that is not JSON', 'date=2025-09-30', 'body'],
  ])('refuses %s with 400 naming the field', async (_case, body, field) => {
    harness = await startHarness();

    const response = await send(body, `Bearer ${ADMIN_TOKEN}`);

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'EINPUT', message: expect.stringContaining(field) });
    expect(harness.sendRequests).toEqual([]);
  });

  it('joins a day another run is preparing: waits for it, then sends and answers with the summary', async () => {
    harness = await startHarness();
    await harness.store.upsert({ email: 'ada@example.org', status: 'confirmed' });
    await harness.store.acquirePrepareLock('2025-09-30', 'cron.example:1234:abc', 60_000);

    const response = send('{"date":"2025-09-30"}', `Bearer ${ADMIN_TOKEN}`);
    await until(() => harness.logLines.some((line) => line.includes('another run is preparing the day')));
    await harness.store.prepareIssue('2025-09-30');
    await harness.store.releasePrepareLock('2025-09-30', 'cron.example:1234:abc');

    expect((await response).status).toBe(200);
    expect(await (await response).json()).toMatchObject({ outcome: 'sent', sent: 1 });
    expect(await harness.sink.parsed()).toHaveLength(1);
  });

  it('is off (404) when ADMIN_TOKEN is not set, and the answer says how to turn it on', async () => {
    harness = await startHarness({ env: { ADMIN_TOKEN: '' } });

    const response = await send('{}', 'Bearer anything-at-all-here-0123456789');

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'EDISABLED',
      message: 'the admin API is off; to turn it on, set ADMIN_TOKEN to at least 24 random characters (openssl rand -base64 32) and restart papermail',
    });
    expect(harness.sendRequests).toEqual([]);
  });

  it('answers 503 with the reason when the day’s papers cannot be fetched, logging one line without a stack trace', async () => {
    harness = await startHarness({ env: { HF_API_URL: `http://127.0.0.1:${await closedPort()}/api/daily_papers`, FETCH_RETRIES: '0' } });

    // The harness caches only 2025-09-30: the day before needs the (unreachable) API.
    const response = await send('{"date":"2025-09-29"}', `Bearer ${ADMIN_TOKEN}`);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: 'ENETWORK',
      message: expect.stringMatching(/^could not reach 127\.0\.0\.1:\d+ for 2025-09-29: connection refused/),
    });
    const failures = harness.logLines.filter((line) => line.includes('/admin/send failed'));
    expect(failures).toEqual([expect.stringMatching(/^error: POST \/admin\/send failed: ENETWORK could not reach 127\.0\.0\.1:\d+ for 2025-09-29/)]);
    expect(failures[0]).not.toContain('\n');
  });
});

describe('other paths under /admin/', () => {
  it('say the admin API is off while ADMIN_TOKEN is unset', async () => {
    harness = await startHarness({ env: { ADMIN_TOKEN: '' } });

    const response = await harness.app.request('/admin/subscribers');

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'EDISABLED', message: expect.stringContaining('set ADMIN_TOKEN') });
  });

  it('name the endpoints there are while the admin API is on', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/admin/subscribers');

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'ENOTFOUND',
      message: 'no admin endpoint GET /admin/subscribers; the admin API has POST /admin/send and GET /admin/report',
    });
  });
});

describe('GET /admin/report', () => {
  const rules = { hardBounceLimit: 2, softBounceLimit: 3, softBounceWindowDays: 15 };
  const report = (query = '', authorization: string | null = `Bearer ${ADMIN_TOKEN}`) =>
    Promise.resolve(harness.app.request(`/admin/report${query}`, authorization === null ? {} : { headers: { Authorization: authorization } }));

  /** Ada and Bob were sent the issue of 2025-09-30, Cy the one of 2025-10-01, and Bob complained. */
  async function sentAndComplained(): Promise<void> {
    const ids: number[] = [];
    for (const email of ['ada@example.org', 'bob@example.org', 'cy@example.org']) {
      ids.push((await harness.store.upsert({ email, status: 'confirmed' })).subscriber.id);
    }
    await harness.store.markSent('2025-09-30', ids[0]!, '<a@example.org>');
    await harness.store.markSent('2025-09-30', ids[1]!, '<b@example.org>');
    await harness.store.markSent('2025-10-01', ids[2]!, '<c@example.org>');
    await harness.store.recordDeliveryEvent(
      {
        key: 'complaint-1',
        source: 'generic',
        kind: 'complaint',
        bounceType: null,
        status: null,
        diagnostic: null,
        recipient: 'bob@example.org',
        occurredAt: '2025-09-30T12:00:00.000Z',
        returnPath: null,
        messageId: null,
        subscriberId: ids[1]!,
        issueDate: '2025-09-30',
      },
      rules,
    );
  }

  it('answers the delivery report of every issue, newest first, with its warnings, as `report --json` prints it', async () => {
    harness = await startHarness();
    await sentAndComplained();

    const response = await report();

    expect(response.status).toBe(200);
    const body = (await response.json()) as { issues: Array<Record<string, unknown>>; warnings: Array<Record<string, unknown>> };
    expect(body.issues).toEqual([
      expect.objectContaining({ issueDate: '2025-10-01', accepted: 1, complained: 0, complaintRate: 0 }),
      expect.objectContaining({ issueDate: '2025-09-30', accepted: 2, complained: 1, complaintRate: 0.5, bounced: { hard: 0, soft: 0 } }),
    ]);
    expect(body.warnings).toEqual([
      expect.objectContaining({ issueDate: '2025-09-30', rate: 'complaint', value: 0.5, line: 0.003, message: expect.stringContaining("above Gmail's 0.30 % line") }),
    ]);
  });

  it('answers only the day asked for with ?date=', async () => {
    harness = await startHarness();
    await sentAndComplained();

    const body = (await (await report('?date=2025-10-01')).json()) as { issues: Array<{ issueDate: string }> };

    expect(body.issues.map((issue) => issue.issueDate)).toEqual(['2025-10-01']);
  });

  it.each(['2025-02-30', '2025-W54'])('refuses %s, neither a real day nor a week, with 400 naming it', async (date) => {
    harness = await startHarness();

    const response = await report(`?date=${date}`);

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'EINPUT', message: `date: must be an issue, a real date as YYYY-MM-DD or a week as YYYY-Www (got "${date}")` });
  });

  it('reports a weekly issue by its week', async () => {
    harness = await startHarness();
    const { subscriber } = await harness.store.upsert({ email: 'weekly@example.org', status: 'confirmed', cadence: 'weekly' });
    await harness.store.markSent('2025-W40', subscriber.id, '<w@example.org>');

    const response = await report('?date=2025-W40');

    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('"2025-W40"');
  });

  it('answers 401 with a Bearer challenge without the token, and 404 while the admin API is off', async () => {
    harness = await startHarness();
    const refused = await report('', 'Bearer wrong-token-for-server-tests-0123456789');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
    expect((await report('', null)).status).toBe(401);
    await harness.close();

    harness = await startHarness({ env: { ADMIN_TOKEN: '' } });
    const off = await report();
    expect(off.status).toBe(404);
    expect(await off.json()).toMatchObject({ error: 'EDISABLED' });
  });
});

describe('GET /preview', () => {
  it('renders the day’s issue without a token when PUBLIC_URL is this machine', async () => {
    harness = await startHarness({ env: { PUBLIC_URL: 'http://localhost:8080' } });

    const response = await harness.app.request('/preview?date=2025-09-30');

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Democratizing AI scientists using ToolUniverse');
  });

  it('asks for the admin token on a public site', async () => {
    harness = await startHarness({ env: PUBLIC });

    const response = await harness.app.request('/preview?date=2025-09-30');

    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('ToolUniverse');
  });

  it('renders on a public site with the admin token', async () => {
    harness = await startHarness({ env: PUBLIC });

    const response = await harness.app.request('/preview?date=2025-09-30', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('ToolUniverse');
  });

  it('is off on a public site without ADMIN_TOKEN, saying how to turn it on', async () => {
    harness = await startHarness({ env: { ...PUBLIC, ADMIN_TOKEN: '' } });

    const response = await harness.app.request('/preview?date=2025-09-30');

    expect(response.status).toBe(404);
    const page = await response.text();
    expect(page).toContain('Preview is off');
    expect(page).toContain('set ADMIN_TOKEN');
    expect(page).not.toContain('ToolUniverse');
  });

  it('answers 503 for a day it can neither find in the cache nor fetch, logging one line without a stack trace', async () => {
    harness = await startHarness({ env: { HF_API_URL: `http://127.0.0.1:${await closedPort()}/api/daily_papers`, FETCH_RETRIES: '0' } });

    const response = await harness.app.request('/preview?date=2025-09-29');

    expect(response.status).toBe(503);
    expect(await response.text()).toContain('please try again later');
    const failures = harness.logLines.filter((line) => line.includes('/preview failed'));
    expect(failures).toEqual([expect.stringMatching(/^error: GET \/preview failed: ENETWORK could not reach .* connection refused \(ECONNREFUSED\) after 1 attempt$/)]);
  });

  it('refuses a date that is not a real day with 400', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/preview?date=2025-13-01');

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('date must be a real date as YYYY-MM-DD');
  });

  it('defaults to the issue day the next send would cover (yesterday in TZ)', async () => {
    harness = await startHarness({ env: { TZ: 'UTC', DIGEST_DAY_OFFSET: '1' } });

    // The harness clock stands at 2025-10-01T08:00Z, so the issue day is 2025-09-30.
    const response = await harness.app.request('/preview');

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Tuesday, 30 September 2025');
  });
});
