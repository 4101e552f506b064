/**
 * Amazon SES through SNS (POST /webhooks/ses). SES publishes bounce, complaint and delivery
 * notifications to an SNS topic; the topic POSTs each to us as an SNS message, signed by
 * SNS with the key of a certificate it serves from sns.<region>.amazonaws.com.
 *
 * Verified here with node:crypto, in this order, before anything else is done with it:
 * 1. the message parses as an SNS message (zod) and its TopicArn is one of SES_SNS_TOPIC_ARNS;
 * 2. SigningCertURL is https://sns.<region>.amazonaws.com/….pem — anything else is refused
 *    before it is fetched, so a forged message cannot make us fetch an address of its choosing;
 * 3. the signature (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) verifies, with that
 *    certificate's key, over the canonical string of the message type's fields.
 * Certificates are cached by URL (SNS signs with one for months). A SubscriptionConfirmation
 * is confirmed by visiting its SubscribeURL (same host rule). The SNS Timestamp is not held
 * to WEBHOOK_MAX_AGE_SECONDS: SNS's own retry policy may redeliver for an hour or more, and
 * a replayed message carries its MessageId, which the store records once.
 *
 * The network (the certificate fetch, the confirmation visit) is injected: `snsOverHttps`
 * is the real one, tests pass their own certificate.
 */
import { verify, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { PapermailError } from '../../errors.js';
import type { BounceType, EventKind, ReportedEvent } from '../delivery-event.js';
import {
  bracketedMessageId,
  enhancedStatusIn,
  eventKey,
  isoTime,
  parseJsonBody,
  parseValue,
  ReportedAddressSchema,
  reportedEvent,
  shortDiagnostic,
  type WebhookReading,
  WebhookRefusal,
  type WebhookRequest,
} from './webhook-request.js';

/** SNS messages are at most 256 KB; the envelope's JSON escaping of the SES notification inside adds to that. */
export const SES_MAX_BODY_BYTES = 512 * 1024;

/** What the SES webhook needs from the network, injected. */
export interface SnsNetwork {
  /** The PEM text at a SigningCertURL (already checked to be an SNS host over https). */
  fetchCertificate(url: URL): Promise<string>;
  /** Visits a SubscribeURL (already checked), which confirms the subscription. */
  confirmSubscription(url: URL): Promise<void>;
}

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const MAX_CERTIFICATE_BYTES = 16 * 1024;
const NETWORK_TIMEOUT_MS = 10_000;

const Base64 = z.string().min(1).max(4096).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');
const SnsFields = {
  MessageId: z.string().min(1).max(100),
  TopicArn: z.string().min(1).max(256),
  Message: z.string(),
  Timestamp: z.iso.datetime({ offset: true }),
  SignatureVersion: z.enum(['1', '2']),
  Signature: Base64,
  SigningCertURL: z.string().min(1).max(2048),
};
const SnsMessageSchema = z.discriminatedUnion('Type', [
  z.object({ Type: z.literal('Notification'), Subject: z.string().optional(), ...SnsFields }),
  z.object({
    Type: z.enum(['SubscriptionConfirmation', 'UnsubscribeConfirmation']),
    Token: z.string().min(1).max(2048),
    SubscribeURL: z.string().min(1).max(2048),
    ...SnsFields,
  }),
]);
export type SnsMessage = z.infer<typeof SnsMessageSchema>;

/**
 * The string SNS signs: "Name\nvalue\n" for each of the type's fields in this order
 * (Subject only when the notification has one).
 */
export function snsStringToSign(message: SnsMessage): string {
  const fields =
    message.Type === 'Notification'
      ? (['Message', 'MessageId', ...(message.Subject === undefined ? [] : ['Subject']), 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  return fields.map((name) => `${name}\n${(message as Record<string, string>)[name]}\n`).join('');
}

/** `value` as a URL on an SNS host over https; a refusal (403) otherwise, before anything fetches it. */
export function snsUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WebhookRefusal(403, `SNS ${field} is not a URL`);
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '' || !SNS_HOST.test(url.hostname)) {
    throw new WebhookRefusal(403, `SNS ${field} must be https://sns.<region>.amazonaws.com/… (got ${url.protocol}//${url.host})`);
  }
  return url;
}

export interface SnsVerifier {
  /** Resolves when `message` is signed by SNS; a refusal (403) otherwise. */
  verify(message: SnsMessage, at: Date): Promise<void>;
}

/** A verifier that fetches each signing certificate once (a handful: one per region and rotation). */
export function createSnsVerifier(fetchCertificate: SnsNetwork['fetchCertificate'], maxCertificates = 16): SnsVerifier {
  const certificates = new Map<string, Promise<X509Certificate>>();

  const certificateAt = (url: URL): Promise<X509Certificate> => {
    const cached = certificates.get(url.href);
    if (cached) return cached;
    if (certificates.size >= maxCertificates) certificates.delete(certificates.keys().next().value as string);
    const loading = fetchCertificate(url).then((pem) => {
      try {
        return new X509Certificate(pem);
      } catch {
        throw new WebhookRefusal(403, `SNS SigningCertURL ${url.href} did not serve a certificate`);
      }
    });
    // A failed fetch is not remembered: the next message tries again.
    loading.catch(() => certificates.delete(url.href));
    certificates.set(url.href, loading);
    return loading;
  };

  return {
    async verify(message, at) {
      const url = snsUrl(message.SigningCertURL, 'SigningCertURL');
      if (!url.pathname.endsWith('.pem') || url.search !== '') throw new WebhookRefusal(403, 'SNS SigningCertURL must name a .pem file');
      const certificate = await certificateAt(url);
      if (at < new Date(certificate.validFrom) || at > new Date(certificate.validTo)) {
        throw new WebhookRefusal(403, 'the SNS signing certificate is not valid now');
      }
      if (!signatureVerifies(message, certificate.publicKey)) throw new WebhookRefusal(403, 'the SNS signature does not verify');
    },
  };
}

function signatureVerifies(message: SnsMessage, key: KeyObject): boolean {
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : 'sha256';
  try {
    return verify(algorithm, Buffer.from(snsStringToSign(message), 'utf8'), key, Buffer.from(message.Signature, 'base64'));
  } catch {
    return false;
  }
}

export interface SesWebhookSettings {
  /** SES_SNS_TOPIC_ARNS: only these topics' messages are accepted. */
  topicArns: readonly string[];
  verifier: SnsVerifier;
  confirmSubscription: SnsNetwork['confirmSubscription'];
}

/** Verifies an SNS message and returns the SES events it reports (confirming a subscription on the way). */
export async function readSesWebhook(request: WebhookRequest, settings: SesWebhookSettings): Promise<WebhookReading> {
  const message = parseJsonBody(request.body, SnsMessageSchema, 'SNS message');
  if (!settings.topicArns.includes(message.TopicArn)) throw new WebhookRefusal(403, `SNS topic ${message.TopicArn} is not in SES_SNS_TOPIC_ARNS`);
  await settings.verifier.verify(message, request.receivedAt);
  switch (message.Type) {
    case 'SubscriptionConfirmation':
      await settings.confirmSubscription(snsUrl(message.SubscribeURL, 'SubscribeURL'));
      return { events: [], action: `subscription to ${message.TopicArn} confirmed` };
    case 'UnsubscribeConfirmation':
      // Visiting its SubscribeURL would subscribe again: someone unsubscribed on purpose.
      return { events: [], action: `unsubscribed from ${message.TopicArn}; not resubscribing` };
    case 'Notification':
      return { events: sesEvents(message, request.receivedAt) };
  }
}

const SesMailSchema = z.object({
  source: z.string().max(320).optional(),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  commonHeaders: z.object({ messageId: z.string().optional() }).optional(),
});
const SesBounceSchema = z.object({
  bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
  bounceSubType: z.string().optional(),
  bouncedRecipients: z.array(z.object({ emailAddress: ReportedAddressSchema, status: z.string().optional(), diagnosticCode: z.string().optional() })).min(1),
  timestamp: z.string().optional(),
  feedbackId: z.string().min(1).max(150).optional(),
});
const SesComplaintSchema = z.object({
  complainedRecipients: z.array(z.object({ emailAddress: ReportedAddressSchema })).min(1),
  complaintFeedbackType: z.string().optional(),
  timestamp: z.string().optional(),
  feedbackId: z.string().min(1).max(150).optional(),
});
const SesDeliverySchema = z.object({ recipients: z.array(ReportedAddressSchema).min(1), timestamp: z.string().optional(), smtpResponse: z.string().optional() });
const SesNotificationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Bounce'), mail: SesMailSchema, bounce: SesBounceSchema }),
  z.object({ type: z.literal('Complaint'), mail: SesMailSchema, complaint: SesComplaintSchema }),
  z.object({ type: z.literal('Delivery'), mail: SesMailSchema, delivery: SesDeliverySchema }),
]);
/** Notifications (SES's notificationType) and event publishing (its eventType) name the type differently. */
const SesTypeSchema = z.looseObject({ notificationType: z.string().optional(), eventType: z.string().optional() });
const HANDLED_TYPES: ReadonlySet<string> = new Set(['Bounce', 'Complaint', 'Delivery']);

/**
 * The events of a verified SNS notification from SES: one per recipient. Bounce: Permanent →
 * hard; Transient and Undetermined → soft (SES could not say it is permanent). Complaint:
 * one per complained recipient, except a feedback type of "not-spam". Delivery: delivered.
 * Other types (Send, Open, DeliveryDelay, SES's subscription test) carry no event.
 */
export function sesEvents(message: Extract<SnsMessage, { Type: 'Notification' }>, receivedAt: Date): ReportedEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.Message);
  } catch {
    throw new WebhookRefusal(400, 'SES notification: the SNS Message is not JSON');
  }
  const { notificationType, eventType } = parseValue(parsed, SesTypeSchema, 'SES notification');
  const type = notificationType ?? eventType;
  if (type === undefined || !HANDLED_TYPES.has(type)) return [];
  const notification = parseValue({ ...(parsed as object), type }, SesNotificationSchema, 'SES notification');

  const original = {
    returnPath: notification.mail.source?.trim() || null,
    messageId: bracketedMessageId(
      notification.mail.headers?.find((header) => header.name.toLowerCase() === 'message-id')?.value ?? notification.mail.commonHeaders?.messageId,
    ),
  };
  const event = (kind: EventKind, recipient: string, fields: { id: string; at: string | undefined; bounceType?: BounceType; status?: string | null; diagnostic?: string | null }) =>
    reportedEvent(
      {
        key: eventKey(fields.id, recipient.toLowerCase()),
        source: 'ses',
        kind,
        bounceType: fields.bounceType ?? null,
        status: fields.status ?? null,
        diagnostic: fields.diagnostic ?? null,
        recipient,
        occurredAt: isoTime(fields.at ?? message.Timestamp, receivedAt),
        ...original,
      },
      'SES notification',
    );

  switch (notification.type) {
    case 'Bounce': {
      const { bounce } = notification;
      const bounceType: BounceType = bounce.bounceType === 'Permanent' ? 'hard' : 'soft';
      return bounce.bouncedRecipients.map((recipient) =>
        event('bounce', recipient.emailAddress, {
          id: bounce.feedbackId ?? message.MessageId,
          at: bounce.timestamp,
          bounceType,
          status: enhancedStatusIn(recipient.status) ?? enhancedStatusIn(recipient.diagnosticCode),
          diagnostic: shortDiagnostic(recipient.diagnosticCode ?? `${bounce.bounceType}${bounce.bounceSubType ? ` (${bounce.bounceSubType})` : ''}`),
        }),
      );
    }
    case 'Complaint': {
      const { complaint } = notification;
      if (complaint.complaintFeedbackType === 'not-spam') return [];
      return complaint.complainedRecipients.map((recipient) =>
        event('complaint', recipient.emailAddress, {
          id: complaint.feedbackId ?? message.MessageId,
          at: complaint.timestamp,
          diagnostic: shortDiagnostic(complaint.complaintFeedbackType),
        }),
      );
    }
    case 'Delivery': {
      const { delivery } = notification;
      return delivery.recipients.map((recipient) =>
        event('delivered', recipient, { id: message.MessageId, at: delivery.timestamp, diagnostic: shortDiagnostic(delivery.smtpResponse) }),
      );
    }
  }
}

/** The real network: global fetch over https, with a timeout; a failure is ENETWORK (a 5xx, so SNS retries). */
export function snsOverHttps(fetchImpl: typeof fetch = fetch): SnsNetwork {
  const get = async (url: URL): Promise<Response> => {
    let response: Response;
    try {
      response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(NETWORK_TIMEOUT_MS) });
    } catch (error) {
      throw new PapermailError('ENETWORK', `SNS: ${url.host} could not be reached: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (!response.ok) throw new PapermailError('ENETWORK', `SNS: ${url.host}${url.pathname} answered ${response.status}`);
    return response;
  };
  return {
    async fetchCertificate(url) {
      const text = await (await get(url)).text();
      if (text.length > MAX_CERTIFICATE_BYTES) throw new WebhookRefusal(403, `SNS SigningCertURL ${url.href} served more than a certificate`);
      return text;
    },
    async confirmSubscription(url) {
      await (await get(url)).arrayBuffer();
    },
  };
}
