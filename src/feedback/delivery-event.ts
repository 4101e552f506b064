/**
 * What happened to a message after papermail handed it over, as a report says it: the
 * glossary of src/feedback. The send ledger (src/delivery/send-ledger.ts) keeps what papermail
 * did — a row 'sent' means the relay *accepted* the message, nothing more. Delivery events
 * keep what was reported afterwards, by a provider's webhook, a bounce mailbox, or the SMTP
 * server's own 5xx reply during the conversation:
 *
 * - `delivered`: the receiving server took it (only some providers report this);
 * - `bounce`: it could not be delivered — `hard` (the address does not exist, the domain has
 *   no mail server, a policy refusal: never retry) or `soft` (mailbox full, a temporary
 *   failure the relay gave up on);
 * - `complaint`: the reader marked it as spam (a feedback loop, RFC 5965 ARF);
 * - `unsubscribe`: the reader left, through a link or their mail program's button.
 *
 * Every report is parsed into a ReportedEvent (zod-validated by whoever read it), then
 * src/feedback/record.ts finds its delivery and the store records it, once per `key`.
 */
import { z } from 'zod';

export const EVENT_KINDS = ['delivered', 'bounce', 'complaint', 'unsubscribe'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const BOUNCE_TYPES = ['hard', 'soft'] as const;
export type BounceType = (typeof BOUNCE_TYPES)[number];

/** Who reported it: the SMTP conversation, the bounce mailbox, a provider's webhook, or the web app. */
export const EVENT_SOURCES = ['smtp', 'mailbox', 'ses', 'postmark', 'sendgrid', 'mailgun', 'generic', 'web'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** An enhanced status code (RFC 3463), such as 5.1.1. */
export const ENHANCED_STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;

export const ReportedEventSchema = z
  .strictObject({
    /**
     * The idempotency key, unique per source: the provider's event id (webhooks/webhook-request.ts
     * eventKey), or a hash of the report (read-bounce.ts). The same report received five times is
     * recorded once.
     */
    key: z.string().min(1).max(200),
    source: z.enum(EVENT_SOURCES),
    kind: z.enum(EVENT_KINDS),
    /** For a bounce: hard or soft; null for every other kind. */
    bounceType: z.enum(BOUNCE_TYPES).nullable(),
    /** The enhanced status code, or null when the report gives none. */
    status: z.string().regex(ENHANCED_STATUS).nullable(),
    /** The remote server's words, or the provider's, shortened; null when there are none. */
    diagnostic: z.string().max(1000).nullable(),
    /** The address the report is about (the failed or complaining recipient), when it names one. */
    recipient: z.string().min(3).max(320).nullable(),
    /** When it happened, as the report says (ISO 8601); the time it was received when it says nothing. */
    occurredAt: z.iso.datetime({ offset: true }),
    /**
     * What can find the delivery it is about, best first: the address the report was sent to
     * (our VERP return path, src/feedback/return-path.ts), then the Message-ID of the original.
     */
    returnPath: z.string().max(320).nullable(),
    messageId: z.string().max(998).nullable(),
  })
  .refine((event) => (event.kind === 'bounce') === (event.bounceType !== null), {
    message: 'a bounce has a bounceType (hard or soft), and nothing else has one',
    path: ['bounceType'],
  });
export type ReportedEvent = z.infer<typeof ReportedEventSchema>;

/** Which issue and subscriber a report is about. */
export interface DeliveryRef {
  issueDate: string;
  subscriberId: number;
}
