/**
 * A subscriber's whole life against the real wiring: the web app on a real port, the
 * SQLite store, the daily send and SMTP to a real sink.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, confirmLinkIn, form, startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

async function adminSend(date: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${harness.url}/admin/send`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ date }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

function issuesTo(mails: ParsedMail[], address: string): ParsedMail[] {
  // Issue subjects start with the day: "30 Sep · <the top title> and 49 more".
  return mails.filter((mail) => /^\d{1,2} [A-Z][a-z]{2} · /.test(mail.subject ?? '') && [mail.to].flat().some((to) => to?.text.includes(address)));
}

/** mailparser gathers the List-* headers under "list". */
interface ListHeaders {
  unsubscribe?: { url?: string };
  'unsubscribe-post'?: { name?: string };
}

function listHeaders(mail: ParsedMail): ListHeaders {
  return (mail.headers.get('list') ?? {}) as ListHeaders;
}

/** The http(s) link of the List-Unsubscribe header, pointed at the test server. */
function oneClickLink(mail: ParsedMail): string {
  const url = listHeaders(mail).unsubscribe?.url;
  if (!url) throw new Error('no http(s) List-Unsubscribe link');
  const parsed = new URL(url);
  return `${harness.url}${parsed.pathname}${parsed.search}`;
}

describe('a subscriber from sign-up to one-click unsubscribe', () => {
  it('subscribes, confirms, receives the issue once, unsubscribes with one click and receives no more', async () => {
    harness = await startHarness({ serve: true });
    const { store, sink } = harness;
    await copyFile('samples/2026-08-21.json', join(harness.config.CACHE_DIR, '2026-08-21.json'));

    const subscribed = await fetch(`${harness.url}/subscribe`, { method: 'POST', body: form({ email: 'ada@example.org', name: 'Ada' }) });
    expect(subscribed.status).toBe(200);
    const [confirmation] = await harness.inbox('ada@example.org');
    expect((await store.findByEmail('ada@example.org'))?.status).toBe('pending');

    // The link shows a page; its button (a POST) confirms.
    const confirmLink = confirmLinkIn(confirmation!, harness.config, harness.url);
    expect((await fetch(confirmLink)).status).toBe(200);
    expect((await store.findByEmail('ada@example.org'))?.status).toBe('pending');
    expect((await fetch(confirmLink, { method: 'POST' })).status).toBe(200);
    expect((await store.findByEmail('ada@example.org'))?.status).toBe('confirmed');

    expect(await adminSend('2025-09-30')).toMatchObject({ sent: 1 });
    expect(await adminSend('2025-09-30')).toMatchObject({ sent: 0, alreadySent: 1 });
    const [issue, ...more] = issuesTo(await sink.parsed(), 'ada@example.org');
    expect(more).toHaveLength(0);
    expect(listHeaders(issue!)['unsubscribe-post']?.name).toBe('List-Unsubscribe=One-Click');

    const unsubscribed = await fetch(oneClickLink(issue!), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);
    expect((await store.findByEmail('ada@example.org'))?.status).toBe('unsubscribed');

    expect(await adminSend('2026-08-21')).toMatchObject({ sent: 0 });
    expect(issuesTo(await sink.parsed(), 'ada@example.org')).toHaveLength(1);
  });
});
