/**
 * Mailgun's JSON webhooks (POST /webhooks/mailgun): one event per request, as
 * {"signature": {"timestamp", "token", "signature"}, "event-data": {…}}, where signature is
 * the hex HMAC-SHA256 of timestamp + token under MAILGUN_WEBHOOK_SIGNING_KEY. A timestamp
 * older than WEBHOOK_MAX_AGE_SECONDS is a replay; a fresh replay carries the same event id,
 * which the store records once.
 *
 * Events (key: event-data.id): failed — severity "permanent" → hard, "temporary" → soft;
 * complained → complaint; delivered; unsubscribed → unsubscribe; others (accepted, opened,
 * clicked, stored) are ignored. Mailgun reports a temporary failure for every attempt while
 * it retries (greylisting, a full mailbox) and each report has its own id, so a temporary
 * failure is keyed by the message and recipient instead: however often Mailgun retried one
 * message, it counts as one soft bounce, not enough on its own to reach SOFT_BOUNCE_LIMIT. The original's Message-ID is message.headers["message-id"]
 * (without brackets: they are added), its envelope sender (our VERP return path) envelope.sender.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { BounceType, EventKind, ReportedEvent } from '../delivery-event.js';
import {
  assertFresh,
  bracketedMessageId,
  enhancedStatusIn,
  eventKey,
  isoTime,
  parseJsonBody,
  parseValue,
  ReportedAddressSchema,
  reportedEvent,
  sameSecret,
  shortDiagnostic,
  type WebhookReading,
  WebhookRefusal,
  type WebhookRequest,
} from './webhook-request.js';

/** One event with the message's headers: far below this. */
export const MAILGUN_MAX_BODY_BYTES = 256 * 1024;

export interface MailgunSettings {
  signingKey: string;
  maxAgeSeconds: number;
}

const SignatureSchema = z.object({
  timestamp: z.string().regex(/^\d{1,12}$/, 'must be Unix seconds'),
  token: z.string().min(1).max(200),
  signature: z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex digits'),
});
const EnvelopeSchema = z.object({ signature: SignatureSchema, 'event-data': z.unknown() });

/** Refuses (403) a signature that does not verify, then (400) a stale timestamp. */
export function assertMailgunSigned(signature: z.infer<typeof SignatureSchema>, settings: MailgunSettings, receivedAt: Date): void {
  const expected = createHmac('sha256', settings.signingKey).update(signature.timestamp + signature.token, 'utf8').digest('hex');
  if (!sameSecret(signature.signature.toLowerCase(), expected)) throw new WebhookRefusal(403, 'Mailgun: the signature does not verify');
  assertFresh(Number(signature.timestamp), receivedAt, settings.maxAgeSeconds, 'Mailgun');
}

const EventDataSchema = z.object({
  id: z.string().min(1).max(200),
  event: z.string().min(1).max(100),
  timestamp: z.number().nonnegative().optional(),
  recipient: ReportedAddressSchema,
  severity: z.string().optional(),
  reason: z.string().optional(),
  'delivery-status': z
    .object({
      code: z.union([z.number(), z.string()]).optional(),
      'enhanced-code': z.string().optional(),
      message: z.string().optional(),
      description: z.string().optional(),
    })
    .optional(),
  message: z.object({ headers: z.record(z.string(), z.unknown()).optional() }).optional(),
  envelope: z.object({ sender: z.string().max(320).optional() }).optional(),
});
type EventData = z.infer<typeof EventDataSchema>;
const HANDLED_EVENTS: ReadonlySet<string> = new Set(['failed', 'complained', 'delivered', 'unsubscribed']);

/** Verifies the signature, then returns the event the request reports (none for the ones ignored). */
export function readMailgunWebhook(request: WebhookRequest, settings: MailgunSettings): WebhookReading {
  const envelope = parseJsonBody(request.body, EnvelopeSchema, 'Mailgun webhook');
  assertMailgunSigned(envelope.signature, settings, request.receivedAt);
  const { event } = parseValue(envelope['event-data'], z.looseObject({ event: z.string().min(1).max(100) }), 'Mailgun webhook: event-data');
  if (!HANDLED_EVENTS.has(event)) return { events: [] };
  const data = parseValue(envelope['event-data'], EventDataSchema, 'Mailgun webhook: event-data');
  return { events: [mailgunEvent(data, request.receivedAt)] };
}

function mailgunEvent(data: EventData, receivedAt: Date): ReportedEvent {
  const kind: EventKind = data.event === 'failed' ? 'bounce' : data.event === 'complained' ? 'complaint' : data.event === 'unsubscribed' ? 'unsubscribe' : 'delivered';
  const bounceType: BounceType | null = kind === 'bounce' ? (data.severity === 'permanent' ? 'hard' : 'soft') : null;
  const status = data['delivery-status'];
  const messageId = data.message?.headers?.['message-id'];
  const bracketed = typeof messageId === 'string' ? bracketedMessageId(messageId) : null;
  const key = bounceType === 'soft' && bracketed ? eventKey('temporary', bracketed, data.recipient.toLowerCase()) : data.id;
  return reportedEvent(
    {
      key,
      source: 'mailgun',
      kind,
      bounceType,
      status: kind === 'bounce' ? (enhancedStatusIn(status?.['enhanced-code']) ?? enhancedStatusIn(status?.message) ?? enhancedStatusIn(status?.description)) : null,
      diagnostic: kind === 'bounce' ? shortDiagnostic(status?.message || status?.description || data.reason) : null,
      recipient: data.recipient,
      occurredAt: isoTime(data.timestamp, receivedAt),
      returnPath: data.envelope?.sender?.trim() || null,
      messageId: bracketed,
    },
    'Mailgun webhook: event-data',
  );
}
