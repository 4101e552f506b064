import { describe, expect, it } from 'vitest';
import { readMailgunWebhook } from '../../../src/feedback/webhooks/mailgun.js';
import type { WebhookRequest } from '../../../src/feedback/webhooks/webhook-request.js';
import { refusal } from './refusal.js';
import { mailgunBody } from './signers.js';

const signingKey = 'key-mailgun-signing-0123456789abcdef';
const settings = { signingKey, maxAgeSeconds: 900 };
const receivedAt = new Date('2025-10-01T09:00:00.000Z');
const now = receivedAt.getTime() / 1000;

/** Mailgun's event-data, as its documentation shows a permanent failure. */
export const mailgunFailure = (fields: Record<string, unknown> = {}) => ({
  id: 'G9Bn5sl1TC6nu79C8C0bwg',
  timestamp: 1759309080.123,
  'log-level': 'error',
  event: 'failed',
  severity: 'permanent',
  reason: 'bounce',
  recipient: 'gone@example.net',
  envelope: { sender: 'bounces+20251001-42-0123456789abcdef0123@example.org', transport: 'smtp', targets: 'gone@example.net' },
  message: { headers: { to: 'gone@example.net', 'message-id': '20251001.42.abc@papers.example.org', from: 'papers@example.org', subject: 'Daily papers' } },
  'delivery-status': { code: 550, 'attempt-no': 1, message: '550 5.1.1 The email account that you tried to reach does not exist.', description: '' },
  ...fields,
});

const request = (body: string): WebhookRequest => ({ body: Buffer.from(body), header: () => undefined, receivedAt });

describe('the Mailgun webhook', () => {
  it('reads a signed permanent failure as a hard bounce, with our return path and the Message-ID in brackets', () => {
    expect(readMailgunWebhook(request(mailgunBody(signingKey, now, mailgunFailure())), settings).events).toEqual([
      {
        key: 'G9Bn5sl1TC6nu79C8C0bwg',
        source: 'mailgun',
        kind: 'bounce',
        bounceType: 'hard',
        status: '5.1.1',
        diagnostic: '550 5.1.1 The email account that you tried to reach does not exist.',
        recipient: 'gone@example.net',
        occurredAt: '2025-10-01T08:58:00.123Z',
        returnPath: 'bounces+20251001-42-0123456789abcdef0123@example.org',
        messageId: '<20251001.42.abc@papers.example.org>',
      },
    ]);
  });

  it('reads temporary failures as soft, complaints, deliveries and unsubscribes; ignores opens', () => {
    const read = (eventData: object) => readMailgunWebhook(request(mailgunBody(signingKey, now, eventData)), settings).events;
    expect(read(mailgunFailure({ severity: 'temporary', 'delivery-status': { code: 452, message: '452 4.2.2 mailbox full' } }))).toEqual([
      expect.objectContaining({ kind: 'bounce', bounceType: 'soft', status: '4.2.2' }),
    ]);
    expect(read(mailgunFailure({ event: 'complained', severity: undefined }))).toEqual([expect.objectContaining({ kind: 'complaint', bounceType: null, status: null, diagnostic: null })]);
    expect(read(mailgunFailure({ event: 'delivered', severity: undefined, 'delivery-status': { code: 250, message: 'OK' } }))).toEqual([expect.objectContaining({ kind: 'delivered' })]);
    expect(read(mailgunFailure({ event: 'unsubscribed', severity: undefined }))).toEqual([expect.objectContaining({ kind: 'unsubscribe' })]);
    expect(read(mailgunFailure({ event: 'opened' }))).toEqual([]);
  });

  it('counts Mailgun’s temporary failures of one message, one per retry, as one soft bounce', () => {
    const attempt = (id: string, attemptNo: number) =>
      readMailgunWebhook(request(mailgunBody(signingKey, now, mailgunFailure({ id, severity: 'temporary', reason: 'greylisted', 'delivery-status': { code: 451, 'attempt-no': attemptNo, message: '451 4.7.1 greylisted' } }))), settings).events[0]!;
    const first = attempt('attempt-1', 1);
    const second = attempt('attempt-2', 2);
    expect(first.key).toBe('temporary:<20251001.42.abc@papers.example.org>:gone@example.net');
    expect(second.key).toBe(first.key);
    const permanent = readMailgunWebhook(request(mailgunBody(signingKey, now, mailgunFailure({ id: 'final' }))), settings).events[0]!;
    expect(permanent.key).toBe('final');
  });

  it('refuses a signature made with another key, or over another token or timestamp (403)', () => {
    expect(refusal(() => readMailgunWebhook(request(mailgunBody('another-signing-key-000000', now, mailgunFailure())), settings))).toMatchObject({ status: 403, message: 'Mailgun: the signature does not verify' });
    const body = JSON.parse(mailgunBody(signingKey, now, mailgunFailure())) as { signature: { token: string; timestamp: string } };
    body.signature.token = 'another-token';
    expect(refusal(() => readMailgunWebhook(request(JSON.stringify(body)), settings)).status).toBe(403);
    body.signature.timestamp = String(now - 1);
    expect(refusal(() => readMailgunWebhook(request(JSON.stringify(body)), settings)).status).toBe(403);
  });

  it('refuses a signed timestamp older than WEBHOOK_MAX_AGE_SECONDS', () => {
    expect(readMailgunWebhook(request(mailgunBody(signingKey, now - 900, mailgunFailure())), settings).events).toHaveLength(1);
    expect(refusal(() => readMailgunWebhook(request(mailgunBody(signingKey, now - 3600, mailgunFailure())), settings))).toMatchObject({ status: 400, message: expect.stringContaining('3600 s old') });
  });

  it('refuses a malformed body with a 400 naming the field, after the signature', () => {
    expect(refusal(() => readMailgunWebhook(request('{'), settings)).message).toContain('not JSON');
    expect(refusal(() => readMailgunWebhook(request(JSON.stringify({ 'event-data': mailgunFailure() })), settings)).message).toContain('signature');
    const noRecipient = refusal(() => readMailgunWebhook(request(mailgunBody(signingKey, now, mailgunFailure({ recipient: undefined }))), settings));
    expect(noRecipient).toMatchObject({ status: 400, message: expect.stringContaining('recipient') });
  });
});
