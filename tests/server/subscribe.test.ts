import { afterEach, describe, expect, it } from 'vitest';
import { confirmLinkIn, form, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

async function subscribe(fields: Record<string, string | string[]>): Promise<Response> {
  return fetch(`${harness.url}/subscribe`, { method: 'POST', body: form({ topics: 'all', ...fields }) });
}

describe('subscribing with double opt-in', () => {
  it('sends a confirmation email whose link confirms the subscriber', async () => {
    harness = await startHarness({ serve: true });

    const response = await subscribe({ email: 'ada@example.org', name: 'Ada', topics: ['agents', 'code'] });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Check your inbox');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', name: 'Ada', topics: ['agents', 'code'] });

    const [mail] = await harness.inbox('ada@example.org');
    expect(mail?.subject).toBe('Confirm your subscription to papermail');
    const confirmed = await fetch(confirmLinkIn(mail!, harness.config, harness.url));

    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('confirmed');
  });

  it('confirms only once however often the link is followed', async () => {
    harness = await startHarness({ serve: true });
    await subscribe({ email: 'ada@example.org' });
    const [mail] = await harness.inbox('ada@example.org');
    const link = confirmLinkIn(mail!, harness.config, harness.url);

    const first = await fetch(link);
    const second = await fetch(link);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed' });
  });

  it('links the confirmation page to the subscriber’s preferences', async () => {
    harness = await startHarness({ serve: true });
    await subscribe({ email: 'ada@example.org' });
    const [mail] = await harness.inbox('ada@example.org');

    const page = await (await fetch(confirmLinkIn(mail!, harness.config, harness.url))).text();
    const preferencesHref = /href="(preferences\?token=[^"]+)"/.exec(page)?.[1];
    const preferences = await fetch(`${harness.url}/${preferencesHref!.replaceAll('&amp;', '&')}`);

    expect(preferences.status).toBe(200);
    expect(await preferences.text()).toContain('ada@example.org');
  });

  it('shows the confirmed address and when the first issue comes, from CRON_SCHEDULE, TZ and the clock', async () => {
    // The harness clock starts at 2025-10-01 08:00 UTC: 06:30 in New York, before a 07:15 send.
    harness = await startHarness({ serve: true, env: { CRON_SCHEDULE: '15 7 * * *', TZ: 'America/New_York' } });
    await subscribe({ email: 'ada@example.org' });
    const [mail] = await harness.inbox('ada@example.org');

    const page = await (await fetch(confirmLinkIn(mail!, harness.config, harness.url))).text();

    expect(page).toContain('Issues of papermail will go to <strong>ada@example.org</strong>.');
    expect(page).toContain('Your first issue arrives today around 07:15 (America/New_York time).');
  });

  it('answers with the same page for a new, pending, confirmed and unsubscribed address', async () => {
    harness = await startHarness({ serve: true });
    const { store } = harness;
    await store.upsert({ email: 'pending@example.org', status: 'pending' });
    await store.upsert({ email: 'confirmed@example.org', status: 'confirmed' });
    await store.upsert({ email: 'left@example.org', status: 'unsubscribed' });

    const bodies = await Promise.all(
      ['new@example.org', 'pending@example.org', 'confirmed@example.org', 'left@example.org'].map(async (email) => {
        const response = await subscribe({ email });
        return `${response.status} ${await response.text()}`;
      }),
    );

    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toMatch(/^200 /);
  });

  it('leaves a confirmed subscriber untouched and sends them nothing', async () => {
    harness = await startHarness({ serve: true });
    await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', topics: ['code'], status: 'confirmed' });

    await subscribe({ email: 'ada@example.org', name: 'Mallory', topics: ['robotics'] });

    expect(await harness.inbox('ada@example.org')).toEqual([]);
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed', name: 'Ada', topics: ['code'] });
  });

  it('makes an unsubscribed address confirm again before it receives anything', async () => {
    harness = await startHarness({ serve: true });
    await harness.store.upsert({ email: 'ada@example.org', status: 'unsubscribed' });

    await subscribe({ email: 'ada@example.org' });

    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('pending');
    expect(await harness.inbox('ada@example.org')).toHaveLength(1);
  });

  it('refuses an expired confirmation link and leaves the subscriber pending', async () => {
    harness = await startHarness({ serve: true, env: { CONFIRM_TOKEN_TTL_HOURS: '48' } });
    await subscribe({ email: 'ada@example.org' });
    const [mail] = await harness.inbox('ada@example.org');

    harness.clock.advanceHours(48);
    const response = await fetch(confirmLinkIn(mail!, harness.config, harness.url));

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This link is invalid or has expired');
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('pending');
  });

  it('does not let an old confirmation link re-subscribe someone who has unsubscribed since', async () => {
    harness = await startHarness({ serve: true });
    await subscribe({ email: 'ada@example.org' });
    const [mail] = await harness.inbox('ada@example.org');
    const subscriber = await harness.store.findByEmail('ada@example.org');
    await harness.store.setStatus(subscriber!.id, 'unsubscribed');

    const response = await fetch(confirmLinkIn(mail!, harness.config, harness.url));

    expect(response.status).toBe(400);
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('unsubscribed');
  });

  it('stores a name carrying a header injection as one harmless line', async () => {
    harness = await startHarness({ serve: true });

    await subscribe({ email: 'ada@example.org', name: 'Ada\r\nBcc: victim@example.net' });

    const stored = await harness.store.findByEmail('ada@example.org');
    expect(stored?.name).toBe('Ada Bcc: victim@example.net');
    const [mail] = await harness.inbox('ada@example.org');
    expect(mail?.bcc).toBeUndefined();
    expect(harness.sink.messages.flatMap((message) => message.envelope.to)).toEqual(['ada@example.org']);
  });

  it('refuses an address with a line break in it and names the email field', async () => {
    harness = await startHarness({ serve: true });

    const response = await subscribe({ email: 'ada@example.org\r\nBcc: victim@example.net' });

    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('id="email-error"');
    expect(page).toContain('contains a line break');
    expect(await harness.inbox('victim@example.net')).toEqual([]);
  });
});

describe('subscribe rate limits', () => {
  it('refuses more confirmation requests for one address than the hourly limit, with Retry-After', async () => {
    harness = await startHarness({ serve: true, env: { SUBSCRIBE_LIMIT_PER_ADDRESS_PER_HOUR: '2', SUBSCRIBE_LIMIT_PER_IP_PER_HOUR: '100' } });

    const statuses = [];
    for (const email of ['ada@example.org', 'Ada@EXAMPLE.org', 'ada+news@example.org']) statuses.push((await subscribe({ email })).status);
    const limited = await subscribe({ email: 'ada@example.org' });

    expect(statuses).toEqual([200, 200, 429]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await harness.inbox('example.org')).toHaveLength(2);
  });

  it('lets an address ask again once the hour has passed', async () => {
    harness = await startHarness({ serve: true, env: { SUBSCRIBE_LIMIT_PER_ADDRESS_PER_HOUR: '1' } });
    await subscribe({ email: 'ada@example.org' });
    expect((await subscribe({ email: 'ada@example.org' })).status).toBe(429);

    harness.clock.advanceHours(1);

    expect((await subscribe({ email: 'ada@example.org' })).status).toBe(200);
  });

  it('refuses more requests from one client than the hourly limit, whatever the addresses', async () => {
    harness = await startHarness({ serve: true, env: { SUBSCRIBE_LIMIT_PER_IP_PER_HOUR: '3' } });

    const statuses = [];
    for (let index = 1; index <= 4; index += 1) statuses.push((await subscribe({ email: `reader${index}@example.org` })).status);

    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await harness.store.findByEmail('reader4@example.org')).toBeUndefined();
  });
});
