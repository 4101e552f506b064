import type { ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { median, rankSumZ, shuffled } from '../support/statistics.js';
import { confirmLinkIn, form, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

async function subscribe(fields: Record<string, string | string[]>): Promise<Response> {
  return fetch(`${harness.url}/subscribe`, { method: 'POST', body: form({ topics: 'all', ...fields }) });
}

/** Subscribes and waits for the work done after the response (lookup, insert, email). */
async function subscribeAndSettle(fields: Record<string, string | string[]>): Promise<Response> {
  const response = await subscribe(fields);
  await harness.background.settled();
  return response;
}

/** The newest confirmation link sent to an address, pointed at the test server. */
async function latestConfirmLink(address: string): Promise<string> {
  const mails = await harness.inbox(address);
  const mail = mails.at(-1);
  if (mail === undefined) throw new Error(`no confirmation email to ${address}`);
  return confirmLinkIn(mail, harness.config, harness.url);
}

/** What the confirm page's button does. */
function pressConfirm(link: string): Promise<Response> {
  return fetch(link, { method: 'POST' });
}

/** The To: header as sent, display name and all. */
function rawTo(mail: ParsedMail): string {
  return mail.headerLines.find((line) => line.key === 'to')?.line ?? '';
}

describe('subscribing with double opt-in', () => {
  it('sends a confirmation email whose link, once its button is pressed, confirms the subscriber', async () => {
    harness = await startHarness({ serve: true });

    const response = await subscribeAndSettle({ email: 'ada@example.org', name: 'Ada', topics: ['agents', 'code'] });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Check your inbox');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', name: 'Ada', topics: ['agents', 'code'] });

    const [mail] = await harness.inbox('ada@example.org');
    expect(mail?.subject).toBe('Confirm your subscription to papermail');
    const confirmed = await pressConfirm(confirmLinkIn(mail!, harness.config, harness.url));

    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed', name: 'Ada', topics: ['agents', 'code'] });
  });

  it('shows a page whose button posts to the link on GET, and changes nothing', async () => {
    harness = await startHarness({ serve: true });
    await subscribeAndSettle({ email: 'ada@example.org', name: 'Ada', topics: ['agents', 'code'] });
    const link = await latestConfirmLink('ada@example.org');

    const page = await fetch(link);
    const text = await page.text();

    expect(page.status).toBe(200);
    expect(text).toContain('Confirm your subscription');
    expect(text).toContain('ada@example.org');
    expect(text).toContain('Agents &amp; tool use');
    const form = /<form method="post" action="([^"]+)">/.exec(text);
    expect(form?.[1]?.replaceAll('&amp;', '&')).toBe(link.slice(link.indexOf('confirm?')));
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('pending');
  });

  it('changes nothing on HEAD, as a mail scanner checking the link sends', async () => {
    harness = await startHarness({ serve: true });
    await subscribeAndSettle({ email: 'ada@example.org' });
    const link = await latestConfirmLink('ada@example.org');

    const head = await fetch(link, { method: 'HEAD' });

    expect(head.status).toBe(200);
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('pending');
  });

  it('confirms only once however often the button is pressed', async () => {
    harness = await startHarness({ serve: true });
    await subscribeAndSettle({ email: 'ada@example.org' });
    const link = await latestConfirmLink('ada@example.org');

    const first = await pressConfirm(link);
    const second = await pressConfirm(link);
    const afterwards = await fetch(link);

    expect([first.status, second.status, afterwards.status]).toEqual([200, 200, 200]);
    expect(await afterwards.text()).toContain('You are subscribed');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed', statusVersion: 1 });
  });

  it('links the confirmation page to the subscriber’s preferences', async () => {
    harness = await startHarness({ serve: true });
    await subscribeAndSettle({ email: 'ada@example.org' });

    const page = await (await pressConfirm(await latestConfirmLink('ada@example.org'))).text();
    const preferencesHref = /href="(preferences\?token=[^"]+)"/.exec(page)?.[1];
    const preferences = await fetch(`${harness.url}/${preferencesHref!.replaceAll('&amp;', '&')}`);

    expect(preferences.status).toBe(200);
    expect(await preferences.text()).toContain('ada@example.org');
  });

  it('shows the confirmed address and when the first issue comes, from CRON_SCHEDULE, TZ and the clock', async () => {
    // The harness clock starts at 2025-10-01 08:00 UTC: 06:30 in New York, before a 07:15 send.
    harness = await startHarness({ serve: true, env: { CRON_SCHEDULE: '15 7 * * *', TZ: 'America/New_York' } });
    await subscribe({ email: 'ada@example.org' });

    const page = await (await pressConfirm(await latestConfirmLink('ada@example.org'))).text();

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
    const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', topics: ['code'], status: 'confirmed' });

    await subscribeAndSettle({ email: 'ada@example.org', name: 'Mallory', topics: ['robotics'] });

    expect(await harness.inbox('ada@example.org')).toEqual([]);
    expect(await harness.store.findByEmail('ada@example.org')).toEqual(subscriber);
  });

  it('changes nothing stored about an unsubscribed address until the new confirmation is used', async () => {
    harness = await startHarness({ serve: true });
    const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', topics: ['code'], status: 'unsubscribed' });

    await subscribeAndSettle({ email: 'ada@example.org', name: 'URGENT: verify account at evil.example', topics: ['robotics'] });

    expect(await harness.store.findByEmail('ada@example.org')).toEqual(subscriber);
    const link = await latestConfirmLink('ada@example.org');
    expect(await (await fetch(link)).text()).toContain('URGENT: verify account at evil.example');
    expect((await pressConfirm(link)).status).toBe(200);
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({
      status: 'confirmed',
      name: 'URGENT: verify account at evil.example',
      topics: ['robotics'],
    });
  });

  it('lets someone who complained subscribe again themselves: confirming clears the suppression', async () => {
    harness = await startHarness({ serve: true });
    const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', status: 'confirmed' });
    await harness.store.recordDeliveryEvent(
      {
        key: 'arf-1',
        source: 'mailbox',
        kind: 'complaint',
        bounceType: null,
        status: null,
        diagnostic: null,
        recipient: 'ada@example.org',
        occurredAt: '2025-10-01T07:00:00.000Z',
        returnPath: null,
        messageId: null,
        subscriberId: subscriber.id,
        issueDate: null,
      },
      { hardBounceLimit: 2, softBounceLimit: 3, softBounceWindowDays: 15 },
    );

    await subscribeAndSettle({ email: 'ada@example.org' });
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'unsubscribed', suppression: { reason: 'complaint' } });
    expect((await pressConfirm(await latestConfirmLink('ada@example.org'))).status).toBe(200);

    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed', suppression: null });
  });

  it('keeps a pending subscriber’s name and topics until the link of a later request is used', async () => {
    harness = await startHarness({ serve: true });
    await subscribeAndSettle({ email: 'ada@example.org', name: 'Ada', topics: ['code'] });
    const first = await latestConfirmLink('ada@example.org');

    await subscribeAndSettle({ email: 'ada@example.org', name: 'Mallory', topics: ['robotics'] });
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', name: 'Ada', topics: ['code'] });

    expect((await pressConfirm(first)).status).toBe(200);
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed', name: 'Ada', topics: ['code'] });
  });

  it('offers Daily (chosen) and Weekly on the form, and subscribes daily when the form posts no cadence', async () => {
    harness = await startHarness({ serve: true });
    const page = await (await fetch(`${harness.url}/`)).text();
    expect(/name="cadence" value="(daily|weekly)" checked/.exec(page)?.[1]).toBe('daily');
    expect(page).toContain('name="cadence" value="weekly"');

    await subscribeAndSettle({ email: 'ada@example.org' });
    expect((await pressConfirm(await latestConfirmLink('ada@example.org'))).status).toBe(200);
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed', cadence: 'daily' });
  });

  it('subscribes weekly when chosen, and a stranger’s request for another cadence changes nothing until its link is used', async () => {
    harness = await startHarness({ serve: true });
    await subscribeAndSettle({ email: 'ada@example.org', cadence: 'weekly' });
    const first = await latestConfirmLink('ada@example.org');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', cadence: 'weekly' });

    await subscribeAndSettle({ email: 'ada@example.org', cadence: 'daily' });
    const second = await latestConfirmLink('ada@example.org');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'pending', cadence: 'weekly' });

    expect(await (await fetch(first)).text()).toContain('<li>How often: weekly, the week&#39;s best</li>');
    // The harness clock is Wednesday 1 October 2025; the weekly goes out on Monday (WEEKLY_DAY's default).
    expect(await (await pressConfirm(first)).text()).toContain('Your first issue arrives on Monday around 08:00 UTC.');
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed', cadence: 'weekly' });
    // Confirmed now: the stranger's later link is one click too late and changes nothing.
    await pressConfirm(second);
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'confirmed', cadence: 'weekly' });
  });

  it('refuses a cadence other than daily or weekly, naming the field, and stores nothing', async () => {
    harness = await startHarness({ serve: true });
    const response = await subscribe({ email: 'ada@example.org', cadence: 'hourly' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('id="cadence-error"');
    await harness.background.settled();
    expect(await harness.store.findByEmail('ada@example.org')).toBeUndefined();
  });

  it('addresses the confirmation email to the bare address, never to the name someone typed', async () => {
    harness = await startHarness({ serve: true });
    await harness.store.upsert({ email: 'ada@example.org', status: 'unsubscribed' });

    await subscribeAndSettle({ email: 'ada@example.org', name: 'URGENT: verify account at evil.example' });
    await subscribeAndSettle({ email: 'new@example.org', name: 'New Reader' });

    const mails = [...(await harness.inbox('ada@example.org')), ...(await harness.inbox('new@example.org'))];
    expect(mails).toHaveLength(2);
    for (const mail of mails) {
      expect([mail.to].flat()[0]?.value).toEqual([{ address: expect.stringMatching(/@example\.org$/), name: '' }]);
      expect(rawTo(mail)).not.toMatch(/URGENT|New Reader/);
    }
  });

  it('refuses an expired confirmation link and leaves the subscriber pending', async () => {
    harness = await startHarness({ serve: true, env: { CONFIRM_TOKEN_TTL_HOURS: '48' } });
    await subscribeAndSettle({ email: 'ada@example.org' });
    const link = await latestConfirmLink('ada@example.org');

    harness.clock.advanceHours(48);
    const response = await pressConfirm(link);

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This link is invalid or has expired');
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('pending');
  });

  it('does not let an old confirmation link re-subscribe someone who has unsubscribed since', async () => {
    harness = await startHarness({ serve: true });
    await subscribeAndSettle({ email: 'ada@example.org' });
    const link = await latestConfirmLink('ada@example.org');
    const subscriber = await harness.store.findByEmail('ada@example.org');
    await harness.store.setStatus(subscriber!.id, 'unsubscribed');

    const shown = await fetch(link);
    const pressed = await pressConfirm(link);

    expect([shown.status, pressed.status]).toEqual([400, 400]);
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('unsubscribed');
  });

  it('keeps an old confirmation link dead after an unsubscribe and a stranger’s new request', async () => {
    harness = await startHarness({ serve: true });
    await subscribeAndSettle({ email: 'ada@example.org', name: 'Ada' });
    const old = await latestConfirmLink('ada@example.org');
    expect((await pressConfirm(old)).status).toBe(200);
    const { id } = (await harness.store.findByEmail('ada@example.org'))!;
    await harness.store.setStatus(id, 'unsubscribed');
    expect((await pressConfirm(old)).status).toBe(400);

    await subscribeAndSettle({ email: 'ada@example.org', name: 'URGENT: verify account at evil.example' });

    expect((await pressConfirm(old)).status).toBe(400);
    expect(await harness.store.findByEmail('ada@example.org')).toMatchObject({ status: 'unsubscribed', name: 'Ada' });
    const fresh = await latestConfirmLink('ada@example.org');
    expect(fresh).not.toBe(old);
    expect((await pressConfirm(fresh)).status).toBe(200);
    expect((await harness.store.findByEmail('ada@example.org'))?.status).toBe('confirmed');
  });

  it('stores a name carrying a header injection as one harmless line', async () => {
    harness = await startHarness({ serve: true });

    await subscribeAndSettle({ email: 'ada@example.org', name: 'Ada\r\nBcc: victim@example.net' });

    const stored = await harness.store.findByEmail('ada@example.org');
    expect(stored?.name).toBe('Ada Bcc: victim@example.net');
    const [mail] = await harness.inbox('ada@example.org');
    expect(mail?.bcc).toBeUndefined();
    expect(harness.sink.messages.flatMap((message) => message.envelope.to)).toEqual(['ada@example.org']);
  });

  it('refuses an address with a line break in it and names the email field', async () => {
    harness = await startHarness({ serve: true });

    const response = await subscribeAndSettle({ email: 'ada@example.org\r\nBcc: victim@example.net' });

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
    await harness.background.settled();
    expect(await harness.store.findByEmail('reader3@example.org')).toBeDefined();
    expect(await harness.store.findByEmail('reader4@example.org')).toBeUndefined();
  });
});

describe('subscribe timing', () => {
  const kinds = ['new', 'confirmed', 'unsubscribed'] as const;
  type Kind = (typeof kinds)[number];
  const WARM_UP = 15;
  const MEASURED = 200;
  /** |z| above this happens by chance about once in 15,000 comparisons of equal samples (tests/support/statistics.test.ts). */
  const Z_LIMIT = 4;

  it('answers a new, a confirmed and an unsubscribed address alike, over many interleaved requests', async () => {
    harness = await startHarness({ env: { SUBSCRIBE_LIMIT_PER_IP_PER_HOUR: '100000', SUBSCRIBE_LIMIT_PER_ADDRESS_PER_HOUR: '100' } });
    const { app, background } = harness;
    const total = WARM_UP + MEASURED;
    // Addresses of one length, each used once: the new ones must still be new when asked for.
    const address = (kind: Kind, index: number) => `${kind.slice(0, 3)}-${String(index).padStart(4, '0')}@example.org`;
    const seeded = kinds
      .filter((kind) => kind !== 'new')
      .flatMap((kind) => Array.from({ length: total }, (_, index) => ({ line: index + 2, email: address(kind, index), status: kind })));
    await harness.store.importSubscribers(seeded);

    // A random order, so machine load, GC and the previous request's leftovers fall on every kind alike.
    const order = shuffled(kinds.flatMap((kind) => Array.from({ length: total }, (_, index) => ({ kind, index }))), 20261201);
    const timings: Record<Kind, number[]> = { new: [], confirmed: [], unsubscribed: [] };
    const seen: Record<Kind, number> = { new: 0, confirmed: 0, unsubscribed: 0 };
    for (const { kind, index } of order) {
      // The app itself, without a socket: the test's own HTTP client would share the event
      // loop with the work the app does after answering, and time that work too.
      const started = performance.now();
      const response = await app.request('/subscribe', { method: 'POST', body: form({ email: address(kind, index), topics: 'all' }) });
      await response.text();
      const elapsed = performance.now() - started;
      expect(response.status).toBe(200);
      // Only the answer is timed: the work after it finishes before the next request starts.
      await background.settled();
      seen[kind] += 1;
      if (seen[kind] > WARM_UP) timings[kind].push(elapsed);
    }

    expect(await harness.store.countByStatus()).toMatchObject({ pending: total, confirmed: total, unsubscribed: total });
    const comparisons = [
      ['new', 'confirmed'],
      ['new', 'unsubscribed'],
      ['confirmed', 'unsubscribed'],
    ] as const;
    const report = comparisons.map(([a, b]) => ({
      pair: `${a} vs ${b}`,
      z: rankSumZ(timings[a], timings[b]),
      medianRatio: median(timings[a]) / median(timings[b]),
    }));
    for (const { pair, z, medianRatio } of report) {
      expect(Math.abs(z), `${pair}: z = ${z.toFixed(2)}, median ratio ${medianRatio.toFixed(2)}`).toBeLessThan(Z_LIMIT);
    }
    // About 20 s on a quiet machine, 90 s with the load of a full parallel run on 2 cores.
  }, 300_000);
});
