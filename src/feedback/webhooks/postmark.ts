/**
 * Postmark (POST /webhooks/postmark): the bounce, spam-complaint and delivery webhooks, one
 * record per request, behind HTTP basic auth — Postmark has no signature, so the webhook URL
 * is set to https://<user>:<password>@host/webhooks/postmark with POSTMARK_WEBHOOK_USER and
 * POSTMARK_WEBHOOK_PASSWORD.
 *
 * Postmark's MessageID is its own id, not our Message-ID header, and its return path is its
 * own bounce domain, so a record is matched by the recipient (`Email`, `Recipient`): that
 * subscriber's latest accepted issue.
 *
 * Bounce types (Postmark's `Type`), decided as follows:
 * - hard: HardBounce, BadEmailAddress, ManuallyDeactivated — and any bounce Postmark marks
 *   `Inactive` (it will not send to that address again, so neither should we count it soft);
 * - soft: SoftBounce, Transient, DnsError, Blocked, SpamNotification, DMARCPolicy, Unknown —
 *   temporary or not the address's fault, so they count within the soft-bounce window;
 * - complaint: SpamComplaint (also the SpamComplaint record type); unsubscribe: Unsubscribe;
 * - ignored (not about the recipient's mailbox): AutoResponder, AddressChange, Subscribe,
 *   ChallengeVerification, OpenRelayTest, VirusNotification, Unconfirmed, SMTPApiError,
 *   InboundError, TemplateRenderingFailed, and types Postmark adds later.
 */
import { z } from 'zod';
import type { BounceType, EventKind, ReportedEvent } from '../delivery-event.js';
import {
  enhancedStatusIn,
  eventKey,
  isoTime,
  parseJsonBody,
  ReportedAddressSchema,
  reportedEvent,
  sameSecret,
  shortDiagnostic,
  type WebhookReading,
  WebhookRefusal,
  type WebhookRequest,
} from './webhook-request.js';

/** One record, with the bounced message's content at most when "include content" is on. */
export const POSTMARK_MAX_BODY_BYTES = 256 * 1024;

const HARD_TYPES: ReadonlySet<string> = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
const SOFT_TYPES: ReadonlySet<string> = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'SpamNotification', 'DMARCPolicy', 'Unknown']);

export interface PostmarkCredentials {
  user: string;
  password: string;
}

/** Refuses (401) a request without the configured basic-auth user and password; both compared in constant time. */
export function assertPostmarkAuthorised(authorization: string | undefined, expected: PostmarkCredentials): void {
  const encoded = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '')?.[1];
  const decoded = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? '' : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  // Both compared every time, so the answer's timing does not say which one was wrong.
  const userMatches = sameSecret(user, expected.user);
  const passwordMatches = sameSecret(password, expected.password);
  if (!(userMatches && passwordMatches)) throw new WebhookRefusal(401, 'Postmark: basic auth with POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD required');
}

const Id = z.string().regex(/^\d{1,30}$/, 'must be a number');
const PostmarkRecordSchema = z.discriminatedUnion('RecordType', [
  z.object({
    RecordType: z.enum(['Bounce', 'SpamComplaint']),
    ID: Id,
    Type: z.string().min(1).max(100),
    Email: ReportedAddressSchema,
    BouncedAt: z.string().optional(),
    Description: z.string().nullish(),
    Details: z.string().nullish(),
    Inactive: z.boolean().optional(),
  }),
  z.object({
    RecordType: z.literal('Delivery'),
    MessageID: z.string().min(1).max(100),
    Recipient: ReportedAddressSchema,
    DeliveredAt: z.string().optional(),
    Details: z.string().nullish(),
  }),
]);
/** Record types Postmark also posts (Open, Click, SubscriptionChange): accepted and ignored. */
const RecordTypeSchema = z.looseObject({ RecordType: z.string().min(1).max(100) });
const HANDLED_RECORDS: ReadonlySet<string> = new Set(['Bounce', 'SpamComplaint', 'Delivery']);

/** Checks basic auth, then returns the events of the posted record. */
export function readPostmarkWebhook(request: WebhookRequest, credentials: PostmarkCredentials): WebhookReading {
  assertPostmarkAuthorised(request.header('authorization'), credentials);
  const body = withQuotedIds(request.body.toString('utf8'));
  const { RecordType } = parseJsonBody(body, RecordTypeSchema, 'Postmark record');
  if (!HANDLED_RECORDS.has(RecordType)) return { events: [] };
  const record = parseJsonBody(body, PostmarkRecordSchema, 'Postmark record');
  const event = (kind: EventKind, fields: { key: string; recipient: string; at: string | undefined; bounceType?: BounceType; status?: string | null; diagnostic: string | null }) =>
    reportedEvent(
      {
        key: fields.key,
        source: 'postmark',
        kind,
        bounceType: fields.bounceType ?? null,
        status: fields.status ?? null,
        diagnostic: fields.diagnostic,
        recipient: fields.recipient,
        occurredAt: isoTime(fields.at, request.receivedAt),
        returnPath: null,
        messageId: null,
      },
      'Postmark record',
    );

  if (record.RecordType === 'Delivery') {
    // A delivery record has no ID of its own: Postmark's message id and the recipient name it.
    return { events: [event('delivered', { key: eventKey('delivery', record.MessageID, record.Recipient.toLowerCase()), recipient: record.Recipient, at: record.DeliveredAt, diagnostic: shortDiagnostic(record.Details) })] };
  }
  const base = { key: record.ID, recipient: record.Email, at: record.BouncedAt, diagnostic: shortDiagnostic(record.Description, record.Details) };
  const kind = postmarkKind(record.RecordType === 'SpamComplaint' ? 'SpamComplaint' : record.Type, record.Inactive === true);
  if (kind === undefined) return { events: [] };
  if (kind === 'hard' || kind === 'soft') return { events: [event('bounce', { ...base, bounceType: kind, status: enhancedStatusIn(record.Details) })] };
  return { events: [event(kind, base)] };
}

/**
 * Postmark's IDs are 64-bit integers, written as JSON numbers: JSON.parse would round one
 * above 2^53 to a neighbour's value, and two bounces would share a key. Every `"ID": <digits>`
 * is read as a string instead. Only a key can match: inside a JSON string every quote is escaped.
 */
function withQuotedIds(json: string): string {
  return json.replace(/"ID"(\s*):(\s*)(\d+)/g, '"ID"$1:$2"$3"');
}

/** What a Postmark bounce `Type` means for us; undefined: ignored. */
export function postmarkKind(type: string, inactive: boolean): BounceType | 'complaint' | 'unsubscribe' | undefined {
  if (type === 'SpamComplaint') return 'complaint';
  if (type === 'Unsubscribe') return 'unsubscribe';
  if (HARD_TYPES.has(type)) return 'hard';
  if (SOFT_TYPES.has(type)) return inactive ? 'hard' : 'soft';
  return undefined;
}
