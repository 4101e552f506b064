import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { createConfirmationMailer } from '../../src/delivery/confirmation-mail.js';
import { createTransport } from '../../src/delivery/transport.js';
import { renderConfirmationEmail } from '../../src/render/index.js';
import { confirmLink } from '../../src/server/subscription.js';
import type { Subscriber } from '../../src/subscribers/store.js';
import { verifyConfirmToken } from '../../src/subscribers/tokens.js';
import { dkimKeys, dkimResolver } from '../support/dkim.js';
import { decodeStrictQuotedPrintable } from '../support/quoted-printable.js';
import { deliveryConfig, headerNames, headerValue, useMailPeers } from './fixtures.js';

let directory = '';
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'papermail-confirmation-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const now = new Date('2025-10-01T06:30:00.000Z');
/** A pending subscriber whose name came from a stranger's form. */
const pending: Subscriber = {
  id: 12,
  email: 'new@example.net',
  name: 'Stranger <eve@evil.test>',
  status: 'pending',
  topics: null,
  cadence: 'daily',
  createdAt: now.toISOString(),
  confirmedAt: null,
  bounceCount: 0,
  statusVersion: 3,
  suppression: null,
};

/** The confirmation email to `pending`, sent through the real outbox transport, as the file it wrote. */
async function sentConfirmation(config: Config = deliveryConfig({ OUTBOX_DIR: join(directory, 'outbox') })) {
  const transport = createTransport(config);
  const url = confirmLink(config, pending, now);
  const result = await createConfirmationMailer(config, transport).sendConfirmation(pending, url, now);
  transport.close();
  const folder = join(config.OUTBOX_DIR, 'confirmations');
  const [file] = await readdir(folder);
  const raw = await readFile(join(folder, file!));
  return { raw, parsed: await simpleParser(raw), url, result, rendered: await renderConfirmationEmail({ newsletterName: config.NEWSLETTER_NAME, postalAddress: config.POSTAL_ADDRESS, confirmUrl: url }) };
}

/** The encoded text and HTML parts, between the boundary lines. */
function encodedParts(raw: Buffer): Buffer[] {
  const text = raw.toString('latin1');
  const boundary = /boundary="([^"]+)"/.exec(text)![1]!;
  return text
    .split(`\r\n--${boundary}`)
    .slice(1, -1)
    .map((part) => Buffer.from(part.slice(part.indexOf('\r\n\r\n') + 4), 'latin1'));
}

describe('the confirmation email', () => {
  it('carries the rendered subject, HTML and text, the confirm link in both', async () => {
    const { parsed, url, rendered } = await sentConfirmation();
    expect(parsed.subject).toBe('Confirm your subscription to Paper Digest');
    expect(parsed.html).toBe(rendered.html.replace(/\r?\n/g, '\n'));
    expect(parsed.text?.replace(/\r?\n/g, '\n')).toBe(rendered.text.replace(/\r?\n/g, '\n'));
    expect(parsed.text).toContain(url);
    const href = /href="([^"]*\/confirm\?token[^"]*)"/.exec(parsed.html || '')?.[1];
    expect(href?.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')).toBe(url);
  });

  it('has a confirm link that confirms this subscriber at their status version', async () => {
    const { parsed, raw } = await sentConfirmation();
    const token = /\/confirm\?token=([A-Za-z0-9._%-]+)/.exec(parsed.text ?? '')?.[1];
    expect(verifyConfirmToken(deliveryConfig().secret, decodeURIComponent(token ?? ''), now)).toMatchObject({ subscriberId: 12, email: 'new@example.net', statusVersion: 3 });
    expect(headerValue(raw, 'Content-Type')).toMatch(/^multipart\/alternative;/);
  });

  it('is automatic, transactional mail: Auto-Submitted, no list headers', async () => {
    const { raw } = await sentConfirmation();
    expect(headerValue(raw, 'Auto-Submitted')).toBe('auto-generated');
    for (const header of ['list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'precedence']) expect(headerNames(raw), header).not.toContain(header);
  });

  it('goes to the bare address, never with the name a stranger typed into the form', async () => {
    const { parsed, raw } = await sentConfirmation();
    expect(parsed.to).toMatchObject({ value: [{ address: 'new@example.net', name: '' }] });
    expect(headerValue(raw, 'To')).toBe('new@example.net');
    expect(raw.toString('utf8')).not.toContain('evil.test');
  });

  it('comes from MAIL_FROM with the reply address, dated by the clock it was given, with a fresh Message-ID at the sender domain', async () => {
    const first = await sentConfirmation();
    expect(first.parsed.from?.value).toEqual([{ name: 'Paper Digest', address: 'papers@papermail.test' }]);
    expect(first.parsed.replyTo?.value).toEqual([{ name: '', address: 'editor@papermail.test' }]);
    expect(first.parsed.date?.toISOString()).toBe(now.toISOString());
    expect(first.parsed.messageId).toMatch(/^<confirm\.[0-9a-f]{24}@papermail\.test>$/);
    expect(first.result.messageId).toBe(first.parsed.messageId);
    await rm(join(directory, 'outbox'), { recursive: true });
    expect((await sentConfirmation()).parsed.messageId).not.toBe(first.parsed.messageId);
  });

  it('is quoted-printable with lines of at most 76 characters that decode to the rendered parts', async () => {
    const { raw, rendered } = await sentConfirmation();
    const [text, html] = encodedParts(raw);
    expect(headerValue(raw, 'MIME-Version')).toBe('1.0');
    expect(decodeStrictQuotedPrintable(text!).toString('utf8')).toBe(rendered.text.replace(/\r?\n/g, '\r\n'));
    expect(decodeStrictQuotedPrintable(html!).toString('utf8')).toBe(rendered.html.replace(/\r?\n/g, '\r\n'));
  });

  it('is DKIM-signed so that a verifier passes it when DKIM is configured', async () => {
    const { privateKey, dnsRecord } = dkimKeys();
    const config = deliveryConfig({ OUTBOX_DIR: join(directory, 'outbox'), DKIM_DOMAIN: 'papermail.test', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY: privateKey });
    const { raw } = await sentConfirmation(config);
    const { results } = await dkimVerify(raw, { resolver: dkimResolver(dnsRecord, 'mail', 'papermail.test') });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ signingDomain: 'papermail.test', selector: 'mail', status: { result: 'pass' } });
    const signed = results[0]!.signingHeaders.keys.toLowerCase().split(': ');
    for (const header of ['from', 'to', 'subject', 'date', 'message-id', 'content-type']) expect(signed, header).toContain(header);
  });
});

describe('the confirmation email over SMTP', () => {
  const peers = useMailPeers();

  it('reaches a real SMTP server with one envelope recipient, the bare address', async () => {
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url });
    const transport = peers.transport(config);
    const url = confirmLink(config, pending, now);
    await createConfirmationMailer(config, transport).sendConfirmation(pending, url, now);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.envelope.to).toEqual(['new@example.net']);
    const [parsed] = await sink.parsed();
    expect(parsed!.text).toContain(url);
  });
});
