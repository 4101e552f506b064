import { describe, expect, it } from 'vitest';
import { postmarkKind, readPostmarkWebhook } from '../../../src/feedback/webhooks/postmark.js';
import type { WebhookRequest } from '../../../src/feedback/webhooks/webhook-request.js';
import { refusal } from './refusal.js';

const credentials = { user: 'postmark', password: 'postmark-webhook-password-0123' };
const receivedAt = new Date('2025-10-01T09:00:00.000Z');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const request = (body: object | string, authorization: string | null = basic(credentials.user, credentials.password)): WebhookRequest => ({
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  header: (name) => (name.toLowerCase() === 'authorization' ? (authorization ?? undefined) : undefined),
  receivedAt,
});

/** Postmark's bounce webhook, as its documentation shows it. */
export const postmarkBounce = (fields: Record<string, unknown> = {}) => ({
  RecordType: 'Bounce',
  ID: 1234567,
  Type: 'HardBounce',
  TypeCode: 1,
  Name: 'Hard bounce',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  MessageStream: 'outbound',
  Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: 'gone@example.net',
  From: 'papers@example.org',
  BouncedAt: '2025-10-01T08:58:00Z',
  Inactive: true,
  CanActivate: true,
  Subject: 'Daily papers',
  ...fields,
});

describe('the Postmark webhook', () => {
  it('reads a hard bounce keyed by its ID (all 64 bits of it), matched by the recipient (Postmark’s MessageID is its own)', () => {
    const body = JSON.stringify(postmarkBounce()).replace('"ID":1234567', '"ID": 4323372036854775807');
    expect(readPostmarkWebhook(request(body), credentials).events).toEqual([
      {
        key: '4323372036854775807',
        source: 'postmark',
        kind: 'bounce',
        bounceType: 'hard',
        status: '5.1.1',
        diagnostic: 'The server was unable to deliver your message (ex: unknown user, mailbox not found). — smtp;550 5.1.1 The email account that you tried to reach does not exist.',
        recipient: 'gone@example.net',
        occurredAt: '2025-10-01T08:58:00.000Z',
        returnPath: null,
        messageId: null,
      },
    ]);
  });

  it('reads a spam complaint and a delivery (keyed by Postmark’s message id and the recipient)', () => {
    const complaint = readPostmarkWebhook(request(postmarkBounce({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 512, ID: 42 })), credentials);
    expect(complaint.events).toEqual([expect.objectContaining({ key: '42', kind: 'complaint', bounceType: null, recipient: 'gone@example.net' })]);
    const delivery = readPostmarkWebhook(
      request({ RecordType: 'Delivery', ServerID: 23, MessageStream: 'outbound', MessageID: '00000000-0000-0000-0000-000000000001', Recipient: 'Reader@Example.net', DeliveredAt: '2025-10-01T08:57:00Z', Details: 'Test delivery webhook details' }),
      credentials,
    );
    expect(delivery.events).toEqual([
      expect.objectContaining({ key: 'delivery:00000000-0000-0000-0000-000000000001:reader@example.net', kind: 'delivered', recipient: 'Reader@Example.net', occurredAt: '2025-10-01T08:57:00.000Z' }),
    ]);
  });

  it('maps bounce types: hard for a gone address or one Postmark deactivated, soft for temporary ones, nothing for auto-replies', () => {
    expect(postmarkKind('HardBounce', false)).toBe('hard');
    expect(postmarkKind('BadEmailAddress', false)).toBe('hard');
    expect(postmarkKind('SoftBounce', false)).toBe('soft');
    expect(postmarkKind('Transient', false)).toBe('soft');
    expect(postmarkKind('DnsError', false)).toBe('soft');
    expect(postmarkKind('SoftBounce', true)).toBe('hard');
    expect(postmarkKind('SpamComplaint', false)).toBe('complaint');
    expect(postmarkKind('Unsubscribe', false)).toBe('unsubscribe');
    expect(postmarkKind('AutoResponder', false)).toBeUndefined();
    expect(postmarkKind('SomethingNew', false)).toBeUndefined();
    const soft = readPostmarkWebhook(request(postmarkBounce({ Type: 'SoftBounce', Inactive: false, Details: 'mailbox full' })), credentials);
    expect(soft.events).toEqual([expect.objectContaining({ bounceType: 'soft', status: null })]);
    expect(readPostmarkWebhook(request(postmarkBounce({ Type: 'AutoResponder' })), credentials).events).toEqual([]);
    expect(readPostmarkWebhook(request({ RecordType: 'Open', MessageID: 'x', Recipient: 'a@example.net' }), credentials).events).toEqual([]);
  });

  it('refuses a request without the right basic-auth user and password (401)', () => {
    for (const authorization of [null, basic(credentials.user, 'wrong-password-000000'), basic('someone', credentials.password), 'Bearer postmark-webhook-password-0123', 'Basic !!!']) {
      expect(refusal(() => readPostmarkWebhook(request(postmarkBounce(), authorization), credentials)).status).toBe(401);
    }
  });

  it('refuses malformed records with a 400 naming the field', () => {
    expect(refusal(() => readPostmarkWebhook(request('{"RecordType":'), credentials)).message).toContain('not JSON');
    expect(refusal(() => readPostmarkWebhook(request(postmarkBounce({ Email: undefined })), credentials)).message).toContain('Email');
    expect(refusal(() => readPostmarkWebhook(request(postmarkBounce({ ID: 'not-a-number' })), credentials)).message).toContain('ID');
    expect(refusal(() => readPostmarkWebhook(request([postmarkBounce()]), credentials)).status).toBe(400);
  });
});
