/**
 * SendGrid's signed event webhook (POST /webhooks/sendgrid): a JSON array of events, batched,
 * signed with ECDSA P-256 over SHA-256 of the X-Twilio-Email-Event-Webhook-Timestamp header
 * followed by the raw body; the signature (base64 DER) is in
 * X-Twilio-Email-Event-Webhook-Signature, the public key in SENDGRID_WEBHOOK_PUBLIC_KEY (the
 * base64 DER SendGrid shows, or PEM). A timestamp older than WEBHOOK_MAX_AGE_SECONDS is a replay.
 *
 * Events, decided as follows (key: sg_event_id; SendGrid's `smtp-id` is our Message-ID):
 * - bounce: `type` "bounce" → hard; "blocked" → soft (the receiving server refused this
 *   message, often for reputation or content, not because the address is gone);
 * - dropped: SendGrid did not even send, because of its own lists — "Bounced Address" →
 *   hard, "Spam Reporting Address" → complaint, "Unsubscribed Address" → unsubscribe; other
 *   reasons (spam content, quota, a bad header) are about the message, not the reader: ignored;
 * - deferred: ignored. SendGrid keeps retrying for up to 72 hours and reports a bounce when
 *   it gives up; counting each deferral as a soft bounce would suppress readers whose server
 *   greylists;
 * - delivered → delivered; spamreport → complaint; unsubscribe, group_unsubscribe → unsubscribe;
 * - everything else (processed, open, click, group_resubscribe) is ignored.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { PapermailError } from '../../errors.js';
import type { BounceType, EventKind, ReportedEvent } from '../delivery-event.js';
import {
  assertFresh,
  bracketedMessageId,
  enhancedStatusIn,
  isoTime,
  parseJsonBody,
  ReportedAddressSchema,
  reportedEvent,
  shortDiagnostic,
  type WebhookReading,
  WebhookRefusal,
  type WebhookRequest,
} from './webhook-request.js';

/** SendGrid posts batches of up to 768 KB (or 1,000 events, whichever comes first). */
export const SENDGRID_MAX_BODY_BYTES = 1024 * 1024;
export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/** SENDGRID_WEBHOOK_PUBLIC_KEY as a key: an ECDSA P-256 public key, PEM or base64 DER; ECONFIG otherwise. */
export function sendgridPublicKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN')
      ? createPublicKey(text.replace(/\\n/g, '\n'))
      : createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new PapermailError('ECONFIG', 'SENDGRID_WEBHOOK_PUBLIC_KEY must be the ECDSA public key SendGrid shows for the signed event webhook (base64 DER or PEM)');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new PapermailError('ECONFIG', 'SENDGRID_WEBHOOK_PUBLIC_KEY must be an ECDSA P-256 public key (SendGrid signs with P-256)');
  }
  return key;
}

export interface SendgridSettings {
  publicKey: KeyObject;
  maxAgeSeconds: number;
}

/** Refuses a request whose signature does not verify over timestamp + raw body, or whose timestamp is stale. */
export function assertSendgridSigned(request: WebhookRequest, settings: SendgridSettings): void {
  const signature = request.header(SIGNATURE_HEADER)?.trim();
  const timestamp = request.header(TIMESTAMP_HEADER)?.trim();
  if (!signature || !timestamp) throw new WebhookRefusal(401, `SendGrid: the ${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} headers are required`);
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookRefusal(400, `SendGrid: ${TIMESTAMP_HEADER} must be Unix seconds`);
  let verified = false;
  try {
    verified = verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), request.body]), settings.publicKey, Buffer.from(signature, 'base64'));
  } catch {
    verified = false;
  }
  if (!verified) throw new WebhookRefusal(403, 'SendGrid: the signature does not verify');
  assertFresh(Number(timestamp), request.receivedAt, settings.maxAgeSeconds, 'SendGrid');
}

const SendgridEventSchema = z.looseObject({
  event: z.string().min(1).max(100),
  email: ReportedAddressSchema,
  timestamp: z.number().nonnegative(),
  sg_event_id: z.string().min(1).max(200),
  'smtp-id': z.string().max(998).optional(),
  type: z.string().max(100).optional(),
  status: z.union([z.string(), z.number()]).optional(),
  reason: z.string().optional(),
  response: z.string().optional(),
});
const SendgridBatchSchema = z.array(SendgridEventSchema).min(1).max(10_000);
type SendgridEvent = z.infer<typeof SendgridEventSchema>;

/** Verifies the signature, then returns the events of the batch (those it ignores left out). */
export function readSendgridWebhook(request: WebhookRequest, settings: SendgridSettings): WebhookReading {
  assertSendgridSigned(request, settings);
  const batch = parseJsonBody(request.body, SendgridBatchSchema, 'SendGrid events');
  return { events: batch.flatMap((event, index) => sendgridEvent(event, request.receivedAt, `SendGrid events: ${index}`)) };
}

function sendgridEvent(event: SendgridEvent, receivedAt: Date, what: string): ReportedEvent[] {
  const meaning = sendgridMeaning(event);
  if (meaning === undefined) return [];
  const kind: EventKind = meaning === 'hard' || meaning === 'soft' ? 'bounce' : meaning;
  const status = typeof event.status === 'string' ? enhancedStatusIn(event.status) : null;
  return [
    reportedEvent(
      {
        key: event.sg_event_id,
        source: 'sendgrid',
        kind,
        bounceType: kind === 'bounce' ? (meaning as BounceType) : null,
        status: kind === 'bounce' ? (status ?? enhancedStatusIn(event.reason)) : null,
        diagnostic: shortDiagnostic(event.reason ?? event.response),
        recipient: event.email,
        occurredAt: isoTime(event.timestamp, receivedAt),
        returnPath: null,
        messageId: bracketedMessageId(event['smtp-id']),
      },
      what,
    ),
  ];
}

/** What one SendGrid event means for us (see the module comment); undefined: ignored. */
export function sendgridMeaning(event: Pick<SendgridEvent, 'event' | 'type' | 'reason'>): BounceType | Exclude<EventKind, 'bounce'> | undefined {
  switch (event.event) {
    case 'bounce':
      return event.type === 'blocked' ? 'soft' : 'hard';
    case 'dropped':
      switch (event.reason) {
        case 'Bounced Address':
          return 'hard';
        case 'Spam Reporting Address':
          return 'complaint';
        case 'Unsubscribed Address':
          return 'unsubscribe';
        default:
          return undefined;
      }
    case 'delivered':
      return 'delivered';
    case 'spamreport':
      return 'complaint';
    case 'unsubscribe':
    case 'group_unsubscribe':
      return 'unsubscribe';
    default:
      return undefined;
  }
}
