/**
 * The generic webhook (POST /webhooks/generic) for any other system — a company relay, a
 * script reading another provider's export: `Authorization: Bearer <WEBHOOK_TOKEN>` and a
 * JSON body of events in papermail's own terms:
 *
 *     {"events": [{"id": "relay-7781", "type": "bounce", "bounceType": "hard",
 *                  "recipient": "reader@example.org", "status": "5.1.1",
 *                  "diagnostic": "550 5.1.1 no such user", "occurredAt": "2025-10-01T09:12:00Z",
 *                  "messageId": "<…@papers.example.org>", "returnPath": "bounces+…@example.org"}]}
 *
 * `id` is the idempotency key (the same id twice records once); `type` is delivered, bounce,
 * complaint or unsubscribe; a bounce needs `bounceType` (hard or soft) and nothing else takes
 * one. At least one of recipient, messageId and returnPath must say whose delivery it was.
 */
import { z } from 'zod';
import { hasBearerToken } from '../../server/admin-auth.js';
import { BOUNCE_TYPES, ENHANCED_STATUS, EVENT_KINDS, type ReportedEvent } from '../delivery-event.js';
import {
  isoTime,
  parseJsonBody,
  ReportedAddressSchema,
  reportedEvent,
  type WebhookReading,
  WebhookRefusal,
  type WebhookRequest,
} from './webhook-request.js';

export const GENERIC_MAX_BODY_BYTES = 1024 * 1024;
export const GENERIC_MAX_EVENTS = 1000;

export const GenericEventSchema = z
  .strictObject({
    id: z.string().min(1).max(200),
    type: z.enum(EVENT_KINDS),
    bounceType: z.enum(BOUNCE_TYPES).optional(),
    recipient: ReportedAddressSchema.optional(),
    status: z.string().regex(ENHANCED_STATUS, 'must be an enhanced status code such as 5.1.1').optional(),
    diagnostic: z.string().max(1000).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    messageId: z.string().min(1).max(998).optional(),
    returnPath: z.string().min(3).max(320).optional(),
  })
  .refine((event) => (event.type === 'bounce') === (event.bounceType !== undefined), {
    message: 'a bounce needs bounceType (hard or soft), and no other type takes one',
    path: ['bounceType'],
  })
  .refine((event) => event.recipient !== undefined || event.messageId !== undefined || event.returnPath !== undefined, {
    message: 'one of recipient, messageId or returnPath is needed to find the delivery',
    path: ['recipient'],
  });
export const GenericBodySchema = z.strictObject({ events: z.array(GenericEventSchema).min(1).max(GENERIC_MAX_EVENTS) });
export type GenericEvent = z.infer<typeof GenericEventSchema>;

/** Checks the bearer token (constant time), then returns the posted events. */
export function readGenericWebhook(request: WebhookRequest, token: string): WebhookReading {
  if (!hasBearerToken(request.header('authorization'), token)) throw new WebhookRefusal(401, 'Authorization: Bearer <WEBHOOK_TOKEN> required');
  const body = parseJsonBody(request.body, GenericBodySchema, 'generic webhook');
  return { events: body.events.map((event, index) => genericEvent(event, request.receivedAt, `generic webhook: events.${index}`)) };
}

function genericEvent(event: GenericEvent, receivedAt: Date, what: string): ReportedEvent {
  return reportedEvent(
    {
      key: event.id,
      source: 'generic',
      kind: event.type,
      bounceType: event.bounceType ?? null,
      status: event.status ?? null,
      diagnostic: event.diagnostic ?? null,
      recipient: event.recipient ?? null,
      occurredAt: isoTime(event.occurredAt, receivedAt),
      returnPath: event.returnPath ?? null,
      messageId: event.messageId ?? null,
    },
    what,
  );
}
