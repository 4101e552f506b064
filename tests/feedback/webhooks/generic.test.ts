import { describe, expect, it } from 'vitest';
import { readGenericWebhook } from '../../../src/feedback/webhooks/generic.js';
import type { WebhookRequest } from '../../../src/feedback/webhooks/webhook-request.js';
import { refusal } from './refusal.js';

const token = 'generic-webhook-token-0123456789';
const receivedAt = new Date('2025-10-01T09:00:00.000Z');
const request = (body: object | string, authorization: string | null = `Bearer ${token}`): WebhookRequest => ({
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  header: (name) => (name.toLowerCase() === 'authorization' ? (authorization ?? undefined) : undefined),
  receivedAt,
});

describe('the generic webhook', () => {
  it('reads papermail’s own event format behind the bearer token; a missing time is the time received', () => {
    const body = {
      events: [
        { id: 'relay-1', type: 'bounce', bounceType: 'hard', recipient: 'gone@example.net', status: '5.1.1', diagnostic: '550 no such user', occurredAt: '2025-10-01T10:12:00+01:00', messageId: '<a@b>' },
        { id: 'relay-2', type: 'complaint', returnPath: 'bounces+x@example.org' },
      ],
    };
    expect(readGenericWebhook(request(body), token).events).toEqual([
      { key: 'relay-1', source: 'generic', kind: 'bounce', bounceType: 'hard', status: '5.1.1', diagnostic: '550 no such user', recipient: 'gone@example.net', occurredAt: '2025-10-01T09:12:00.000Z', returnPath: null, messageId: '<a@b>' },
      { key: 'relay-2', source: 'generic', kind: 'complaint', bounceType: null, status: null, diagnostic: null, recipient: null, occurredAt: '2025-10-01T09:00:00.000Z', returnPath: 'bounces+x@example.org', messageId: null },
    ]);
  });

  it('refuses a missing or wrong token (401)', () => {
    for (const authorization of [null, 'Bearer wrong-token-0000000000000000', `Basic ${token}`, 'Bearer ']) {
      expect(refusal(() => readGenericWebhook(request({ events: [] }, authorization), token)).status).toBe(401);
    }
  });

  it('refuses malformed events with a 400 naming the field', () => {
    const cases: Array<[object | string, string]> = [
      ['nope', 'not JSON'],
      [{ events: [] }, 'events'],
      [{ events: [{ id: 'x', type: 'bounce', recipient: 'a@example.net' }] }, 'events.0.bounceType'],
      [{ events: [{ id: 'x', type: 'delivered', bounceType: 'hard', recipient: 'a@example.net' }] }, 'events.0.bounceType'],
      [{ events: [{ id: 'x', type: 'complaint' }] }, 'events.0.recipient'],
      [{ events: [{ id: 'x', type: 'opened', recipient: 'a@example.net' }] }, 'events.0.type'],
      [{ events: [{ id: 'x', type: 'bounce', bounceType: 'soft', recipient: 'a@example.net', status: '550' }] }, 'events.0.status'],
      [{ events: [{ id: 'x', type: 'delivered', recipient: 'a@example.net', extra: 1 }] }, 'events.0'],
      [{ events: [{ id: 'x', type: 'delivered', recipient: 'a@example.net\nerror: forged log line' }] }, 'events.0.recipient'],
    ];
    for (const [body, field] of cases) {
      const error = refusal(() => readGenericWebhook(request(body), token));
      expect(error.status, field).toBe(400);
      expect(error.message, field).toContain(field);
    }
  });
});
