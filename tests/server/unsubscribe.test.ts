import { afterEach, describe, expect, it } from 'vitest';
import type { SubscriberStatus } from '../../src/subscribers/store.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { form, SECRET, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

async function subscriberWith(status: SubscriberStatus = 'confirmed') {
  const { subscriber } = await harness.store.upsert({ email: 'ada@example.org', status });
  return subscriber;
}

function tokenFor(subscriber: { id: number; email: string }, purpose: 'unsubscribe' | 'preferences' | 'confirm' = 'unsubscribe'): string {
  const expiresAt = purpose === 'confirm' ? new Date('2030-01-01T00:00:00Z') : undefined;
  const confirm = purpose === 'confirm' ? { confirm: { statusVersion: 0 } } : {};
  return createToken(SECRET, { purpose, subscriberId: subscriber.id, email: subscriber.email, ...(expiresAt ? { expiresAt } : {}), ...confirm });
}

function oneClick(token: string): Promise<Response> {
  return fetch(`${harness.url}/unsubscribe?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    body: form({ 'List-Unsubscribe': 'One-Click' }),
  });
}

describe('one-click unsubscribe (RFC 8058)', () => {
  it('unsubscribes at once on a POST with List-Unsubscribe=One-Click and answers 200 without a redirect', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');

    const response = await oneClick(tokenFor(subscriber));

    expect(response.status).toBe(200);
    expect(response.redirected).toBe(false);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('You are unsubscribed');
    expect((await harness.store.findById(subscriber.id))?.status).toBe('unsubscribed');
  });

  it('accepts the one-click body sent as multipart/form-data, as some mail providers do', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');
    const body = new FormData();
    body.append('List-Unsubscribe', 'One-Click');

    const response = await fetch(`${harness.url}/unsubscribe?token=${tokenFor(subscriber)}`, { method: 'POST', body });

    expect(response.status).toBe(200);
    expect((await harness.store.findById(subscriber.id))?.status).toBe('unsubscribed');
  });

  it('answers 200 again when an unsubscribed address is unsubscribed twice', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');

    await oneClick(tokenFor(subscriber));
    const again = await oneClick(tokenFor(subscriber));

    expect(again.status).toBe(200);
    expect((await harness.store.findById(subscriber.id))?.status).toBe('unsubscribed');
  });

  it('counts the unsubscribe against the latest issue the reader was sent, once however often they click', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');
    await harness.store.markSent('2025-09-29', subscriber.id, '<older@example.org>');
    await harness.store.markSent('2025-09-30', subscriber.id, '<latest@example.org>');

    await Promise.all([oneClick(tokenFor(subscriber)), oneClick(tokenFor(subscriber))]);
    await oneClick(tokenFor(subscriber));

    const report = await harness.store.deliveryReport();
    expect(report.map(({ issueDate, unsubscribed }) => ({ issueDate, unsubscribed }))).toEqual([
      { issueDate: '2025-09-30', unsubscribed: 1 },
      { issueDate: '2025-09-29', unsubscribed: 0 },
    ]);
  });

  it('counts an unsubscribe again after the reader subscribed again', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');
    await harness.store.markSent('2025-09-30', subscriber.id, '<latest@example.org>');
    await oneClick(tokenFor(subscriber));
    await harness.store.setStatus(subscriber.id, 'confirmed');

    await oneClick(tokenFor(subscriber));

    expect((await harness.store.findById(subscriber.id))?.status).toBe('unsubscribed');
    // Two subscriptions, each left once: the report counts the reader (one delivery) once.
    expect((await harness.store.deliveryReport('2025-09-30'))[0]).toMatchObject({ unsubscribed: 1 });
  });

  it('unsubscribes a reader who was never sent an issue, recording no issue for it', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('pending');

    expect((await oneClick(tokenFor(subscriber))).status).toBe(200);

    expect((await harness.store.findById(subscriber.id))?.status).toBe('unsubscribed');
    expect(await harness.store.deliveryReport()).toEqual([]);
  });

  it('refuses a POST without the one-click body and changes nothing', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');

    const response = await fetch(`${harness.url}/unsubscribe?token=${tokenFor(subscriber)}`, { method: 'POST', body: form({}) });

    expect(response.status).toBe(400);
    expect((await harness.store.findById(subscriber.id))?.status).toBe('confirmed');
  });

  it('shows a button on GET that posts the one-click body to the same link, and does not unsubscribe by looking', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');
    const token = tokenFor(subscriber);

    const response = await fetch(`${harness.url}/unsubscribe?token=${token}`);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(page).toContain(`<form method="post" action="unsubscribe?token=${token}">`);
    expect(page).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(page).toContain('<button type="submit">Unsubscribe</button>');
    expect((await harness.store.findById(subscriber.id))?.status).toBe('confirmed');
  });

  it('offers to change topics instead, with a preferences link that opens this subscriber’s preferences', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');

    const page = await (await fetch(`${harness.url}/unsubscribe?token=${tokenFor(subscriber)}`)).text();
    const preferencesHref = /href="(preferences\?token=[^"]+)">Change topics instead<\/a>/.exec(page)?.[1];
    const preferences = await fetch(`${harness.url}/${preferencesHref}`);

    expect(preferencesHref).toBeDefined();
    expect(preferences.status).toBe(200);
    expect(await preferences.text()).toContain('<p>For <strong>ada@example.org</strong></p>');
  });

  it.each<SubscriberStatus>(['unsubscribed', 'bounced'])('tells a %s reader they are already unsubscribed instead of offering the button', async (status) => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith(status);

    const response = await fetch(`${harness.url}/unsubscribe?token=${tokenFor(subscriber)}`);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(page).toContain('<h1>You are already unsubscribed</h1>');
    expect(page).toContain('<strong>ada@example.org</strong> does not receive papermail any more.');
    expect(page).not.toContain('<button');
    expect(page).not.toContain('preferences?token=');
    expect((await harness.store.findById(subscriber.id))?.status).toBe(status);
  });

  it('still offers the button to a pending reader, who may unsubscribe before confirming', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('pending');

    const page = await (await fetch(`${harness.url}/unsubscribe?token=${tokenFor(subscriber)}`)).text();

    expect(page).toContain('<button type="submit">Unsubscribe</button>');
  });

  it('explains where the personal link is when /unsubscribe is opened without a token', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/unsubscribe');

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('use the <strong>Unsubscribe</strong> link at the bottom of any issue');
  });
});

describe('links that were forged, altered, expired or meant for something else', () => {
  const refusals: Array<[string, (token: string) => string]> = [
    ['altered in its payload', (token) => `A${token.slice(1)}`],
    ['altered in its signature', (token) => `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`],
    ['cut off', (token) => token.slice(0, 20)],
    ['empty', () => ''],
  ];

  it.each(refusals)('refuses an unsubscribe link %s and leaves the subscriber alone', async (_case, spoil) => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');

    const response = await oneClick(spoil(tokenFor(subscriber)));

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('This link is invalid or has expired');
    expect((await harness.store.findById(subscriber.id))?.status).toBe('confirmed');
  });

  it('refuses a token signed with another secret', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');
    const forged = createToken('another-secret-that-is-32-characters-long', {
      purpose: 'unsubscribe',
      subscriberId: subscriber.id,
      email: subscriber.email,
    });

    expect((await oneClick(forged)).status).toBe(400);
    expect((await harness.store.findById(subscriber.id))?.status).toBe('confirmed');
  });

  it('refuses a preferences token used to unsubscribe', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('confirmed');

    expect((await oneClick(tokenFor(subscriber, 'preferences'))).status).toBe(400);
    expect((await harness.store.findById(subscriber.id))?.status).toBe('confirmed');
  });

  it('refuses an unsubscribe token used to confirm', async () => {
    harness = await startHarness({ serve: true });
    const subscriber = await subscriberWith('pending');

    const response = await fetch(`${harness.url}/confirm?token=${tokenFor(subscriber, 'unsubscribe')}`, { method: 'POST' });

    expect(response.status).toBe(400);
    expect((await harness.store.findById(subscriber.id))?.status).toBe('pending');
  });

  it('refuses a valid token once its subscriber was deleted, even if the id now belongs to someone else', async () => {
    harness = await startHarness({ serve: true });
    const old = await subscriberWith('confirmed');
    const token = tokenFor(old);
    await harness.store.remove(old.email);
    const { subscriber: newcomer } = await harness.store.upsert({ email: 'grace@example.org', status: 'confirmed' });

    expect((await oneClick(token)).status).toBe(400);
    expect((await harness.store.findById(newcomer.id))?.status).toBe('confirmed');
  });
});
