import { describe, expect, it } from 'vitest';
import { isPapermailError } from '../../../src/errors.js';
import { readSendgridWebhook, sendgridPublicKey } from '../../../src/feedback/webhooks/sendgrid.js';
import type { WebhookRequest } from '../../../src/feedback/webhooks/webhook-request.js';
import { refusal } from './refusal.js';
import { sendgridSigner } from './signers.js';

const signer = sendgridSigner();
const receivedAt = new Date('2025-10-01T09:00:00.000Z');
const now = receivedAt.getTime() / 1000;
const settings = { publicKey: sendgridPublicKey(signer.publicKeyBase64), maxAgeSeconds: 900 };

export const sendgridEvent = (fields: Record<string, unknown>) => ({
  email: 'gone@example.net',
  timestamp: 1759309080,
  'smtp-id': '<20251001.42.abc@papers.example.org>',
  sg_event_id: 'sg-event-1',
  sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
  ...fields,
});

const request = (body: string, headers: Record<string, string>): WebhookRequest => ({
  body: Buffer.from(body),
  header: (name) => Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1],
  receivedAt,
});
const signed = (events: unknown, timestamp = now) => {
  const body = JSON.stringify(events);
  return request(body, signer.headers(body, timestamp));
};

describe('the SendGrid webhook', () => {
  it('reads a signed batch: bounce → hard, blocked → soft, delivered, spamreport, unsubscribes; keyed by sg_event_id, smtp-id as Message-ID', () => {
    const events = readSendgridWebhook(
      signed([
        sendgridEvent({ event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account that you tried to reach does not exist' }),
        sendgridEvent({ event: 'bounce', type: 'blocked', status: '5.7.1', reason: 'blocked by policy', sg_event_id: 'sg-2' }),
        sendgridEvent({ event: 'delivered', response: '250 OK', sg_event_id: 'sg-3' }),
        sendgridEvent({ event: 'spamreport', sg_event_id: 'sg-4' }),
        sendgridEvent({ event: 'unsubscribe', sg_event_id: 'sg-5' }),
        sendgridEvent({ event: 'group_unsubscribe', asm_group_id: 1, sg_event_id: 'sg-6' }),
        sendgridEvent({ event: 'open', sg_event_id: 'sg-7' }),
        sendgridEvent({ event: 'processed', sg_event_id: 'sg-8' }),
      ]),
      settings,
    ).events;
    expect(events[0]).toEqual({
      key: 'sg-event-1',
      source: 'sendgrid',
      kind: 'bounce',
      bounceType: 'hard',
      status: '5.1.1',
      diagnostic: '550 5.1.1 The email account that you tried to reach does not exist',
      recipient: 'gone@example.net',
      occurredAt: '2025-10-01T08:58:00.000Z',
      returnPath: null,
      messageId: '<20251001.42.abc@papers.example.org>',
    });
    expect(events.map((event) => [event.key, event.kind, event.bounceType])).toEqual([
      ['sg-event-1', 'bounce', 'hard'],
      ['sg-2', 'bounce', 'soft'],
      ['sg-3', 'delivered', null],
      ['sg-4', 'complaint', null],
      ['sg-5', 'unsubscribe', null],
      ['sg-6', 'unsubscribe', null],
    ]);
  });

  it('ignores deferrals, and reads drops by SendGrid’s own lists as what put the address there', () => {
    const events = readSendgridWebhook(
      signed([
        sendgridEvent({ event: 'deferred', response: '451 4.7.1 greylisted', attempt: '1', sg_event_id: 'd-1' }),
        sendgridEvent({ event: 'dropped', reason: 'Bounced Address', sg_event_id: 'd-2' }),
        sendgridEvent({ event: 'dropped', reason: 'Spam Reporting Address', sg_event_id: 'd-3' }),
        sendgridEvent({ event: 'dropped', reason: 'Unsubscribed Address', sg_event_id: 'd-4' }),
        sendgridEvent({ event: 'dropped', reason: 'Spam Content (if spam checker app enabled)', sg_event_id: 'd-5' }),
      ]),
      settings,
    ).events;
    expect(events.map((event) => [event.key, event.kind, event.bounceType])).toEqual([
      ['d-2', 'bounce', 'hard'],
      ['d-3', 'complaint', null],
      ['d-4', 'unsubscribe', null],
    ]);
  });

  it('takes the public key as PEM too', () => {
    const pem = { ...settings, publicKey: sendgridPublicKey(signer.publicKeyPem) };
    expect(readSendgridWebhook(signed([sendgridEvent({ event: 'delivered' })]), pem).events).toHaveLength(1);
  });

  it('refuses a body changed after signing, a signature by another key, and a request without the headers', () => {
    const body = JSON.stringify([sendgridEvent({ event: 'spamreport' })]);
    const headers = signer.headers(body, now);
    expect(refusal(() => readSendgridWebhook(request(body.replace('gone@', 'victim@'), headers), settings))).toMatchObject({ status: 403, message: 'SendGrid: the signature does not verify' });
    const other = sendgridSigner();
    expect(refusal(() => readSendgridWebhook(request(body, other.headers(body, now)), settings)).status).toBe(403);
    expect(refusal(() => readSendgridWebhook(request(body, { ...headers, 'X-Twilio-Email-Event-Webhook-Timestamp': String(now + 1) }), settings)).status).toBe(403);
    expect(refusal(() => readSendgridWebhook(request(body, {}), settings)).status).toBe(401);
    expect(refusal(() => readSendgridWebhook(request(body, { ...headers, 'X-Twilio-Email-Event-Webhook-Signature': 'bm90IGEgc2lnbmF0dXJl' }), settings)).status).toBe(403);
  });

  it('refuses a signed timestamp older (or further ahead) than WEBHOOK_MAX_AGE_SECONDS', () => {
    const events = [sendgridEvent({ event: 'delivered' })];
    expect(readSendgridWebhook(signed(events, now - 899), settings).events).toHaveLength(1);
    expect(refusal(() => readSendgridWebhook(signed(events, now - 901), settings))).toMatchObject({ status: 400, message: expect.stringContaining('901 s old') });
    expect(refusal(() => readSendgridWebhook(signed(events, now + 901), settings)).status).toBe(400);
  });

  it('refuses a malformed batch with a 400 naming the event and field', () => {
    expect(refusal(() => readSendgridWebhook(signed({ event: 'bounce' }), settings)).status).toBe(400);
    expect(refusal(() => readSendgridWebhook(signed([]), settings)).status).toBe(400);
    const missingId = refusal(() => readSendgridWebhook(signed([sendgridEvent({ event: 'delivered' }), sendgridEvent({ event: 'bounce', sg_event_id: undefined })]), settings));
    expect(missingId.message).toContain('1.sg_event_id');
    const body = 'not json';
    expect(refusal(() => readSendgridWebhook(request(body, signer.headers(body, now)), settings)).message).toContain('not JSON');
  });
});

describe('SENDGRID_WEBHOOK_PUBLIC_KEY', () => {
  it('must be an ECDSA P-256 public key', () => {
    for (const text of ['not a key', 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----']) {
      let error: unknown;
      try {
        sendgridPublicKey(text);
      } catch (thrown) {
        error = thrown;
      }
      expect(isPapermailError(error, 'ECONFIG'), text).toBe(true);
    }
  });
});
