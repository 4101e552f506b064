/**
 * Turns one subscriber's copy of the encoded issue into the message handed to the transport:
 * addresses, the list headers mailbox providers look for (RFC 2369 List-Unsubscribe, RFC 8058
 * one-click, RFC 2919 List-Id), and a Message-ID that stays the same for a subscriber and issue
 * across retries and runs, so a resend after a crash can be recognised as the same message.
 * The links in the copy come from src/links/public-links.ts.
 */
import crypto, { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import type { Config } from '../config/config.js';
import { PapermailError } from '../errors.js';
import { normaliseEmail, normaliseName } from '../subscribers/email.js';
import { returnPathFor } from '../feedback/return-path.js';
import { secretHmac } from '../subscribers/tokens.js';
import type { Subscriber } from '../subscribers/store.js';
import { assembleMessage, type AssembledMessage, senderHeaders, type SenderHeaders } from './assembled-message.js';
import type { EncodedIssue, RecipientCopy } from './encoded-issue.js';

export type MessageSettings = Pick<Config, 'MAIL_FROM' | 'MAIL_REPLY_TO' | 'PUBLIC_URL' | 'NEWSLETTER_NAME' | 'secret'> &
  Partial<Pick<Config, 'BOUNCE_ADDRESS'>>;

export interface AssembledMessageRequest {
  /** The issue encoded once, and what this recipient's copy is made of. */
  issue: EncodedIssue;
  copy: RecipientCopy;
  recipient: Pick<Subscriber, 'id' | 'email' | 'name'>;
  config: MessageSettings;
  /**
   * The one-click unsubscribe URL for the List-Unsubscribe header, which also offers a mailto
   * to the reply address for clients that only know RFC 2369 (those requests land in that
   * inbox and must be honoured by hand). Omitted for test copies, which are not list mail.
   */
  unsubscribeUrl?: string;
  issueDate: string;
  /** Replaces the stable Message-ID (test copies, which must not look like the real one). */
  messageId?: string;
  /** The Date header; now by default. */
  date?: Date;
}

/** A subscriber's copy of the issue as papermail's own message (assembled-message.ts). */
export function assembleIssueMessage(request: AssembledMessageRequest): AssembledMessage {
  const { config, recipient, issueDate } = request;
  const sender = issueSender(config);
  const address = normaliseEmail(recipient.email);
  return assembleMessage({
    issue: request.issue,
    copy: request.copy,
    sender: sender.headers,
    issueDate,
    to: { address, name: normaliseName(recipient.name) },
    envelopeFrom: envelopeSender(request, sender),
    messageId: request.messageId ?? stableMessageId(config, issueDate, recipient.id, address, sender.domain),
    date: request.date ?? new Date(),
    ...(request.unsubscribeUrl ? { unsubscribe: [request.unsubscribeUrl, sender.unsubscribeMailto] } : {}),
  });
}

/**
 * Where bounces of this message go: with BOUNCE_ADDRESS, that address with the delivery's
 * signed VERP tag (src/feedback/return-path.ts), so a late report names its issue and
 * subscriber; a test copy, which is no delivery, uses BOUNCE_ADDRESS as it is. Without it, the
 * sender's own address.
 */
function envelopeSender(request: AssembledMessageRequest, sender: IssueSender): string {
  const bounceAddress = request.config.BOUNCE_ADDRESS;
  if (!bounceAddress) return sender.headers.envelopeFrom;
  if (request.messageId !== undefined) return bounceAddress;
  return returnPathFor(bounceAddress, { issueDate: request.issueDate, subscriberId: request.recipient.id }, request.config.secret);
}

interface IssueSender {
  headers: SenderHeaders;
  domain: string;
  /** The mailto in List-Unsubscribe. */
  unsubscribeMailto: string;
}

// The sender's fields are the same for every message of a run: encoded once per settings object.
const issueSenders = new WeakMap<MessageSettings, IssueSender>();

function issueSender(config: MessageSettings): IssueSender {
  let sender = issueSenders.get(config);
  if (!sender) {
    const { address, domain } = senderAddress(config.MAIL_FROM);
    const headers = senderHeaders({
      from: config.MAIL_FROM,
      envelopeFrom: address,
      replyTo: config.MAIL_REPLY_TO || null,
      list: { name: config.NEWSLETTER_NAME, id: listId(config.NEWSLETTER_NAME, domain) },
      // Keeps vacation replies and Exchange auto-replies away (RFC 3834).
      fixed: [
        ['Precedence', 'bulk'],
        ['X-Auto-Response-Suppress', 'OOF, AutoReply'],
      ],
    });
    sender = { headers, domain, unsubscribeMailto: unsubscribeMailto(config, address) };
    issueSenders.set(config, sender);
  }
  return sender;
}

/**
 * `<issueDate.subscriberId.hash@sender-domain>`. The keyed hash makes it unguessable and
 * unique between installations that share a domain, yet identical on every attempt.
 *
 * The key is an HMAC of the secret made once per issue; per message it is one SHA-256 of the
 * key and the recipient. That is a sound keyed hash for an identifier nobody verifies (length
 * extension only matters for a MAC), and a quarter of an HMAC's cost (Node 20 on the 2-core
 * bench machine, a loop of 200,000 calls: 1.2 against 5.4 µs), paid for every message.
 */
export function stableMessageId(config: Pick<Config, 'secret'>, issueDate: string, subscriberId: number, email: string, domain: string): string {
  const hash = sha256Hex(`${messageIdKey(config.secret, issueDate)}\n${subscriberId}\n${email}`).slice(0, 16);
  return `<${issueDate}.${subscriberId}.${hash}@${domain}>`;
}

let lastMessageIdKey = { secret: '', issueDate: '', key: '' };

function messageIdKey(secret: string, issueDate: string): string {
  if (lastMessageIdKey.secret !== secret || lastMessageIdKey.issueDate !== issueDate) {
    lastMessageIdKey = { secret, issueDate, key: secretHmac(secret, `message-id\n${issueDate}`, 'hex') };
  }
  return lastMessageIdKey.key;
}

/** crypto.hash (Node ≥ 20.12) is the one-shot digest; older Node 20 builds take the stream API. */
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : (data) => crypto.createHash('sha256').update(data).digest('hex');

export function testCopyMessageId(issueDate: string, domain: string): string {
  return `<${issueDate}.test.${randomBytes(8).toString('hex')}@${domain}>`;
}

/** The address and domain in MAIL_FROM ("papermail <papers@example.org>"). */
export function senderAddress(mailFrom: string): { address: string; domain: string } {
  const [first] = addressparser(mailFrom, { flatten: true });
  const address = first?.address ?? '';
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) {
    throw new PapermailError('ECONFIG', `MAIL_FROM must contain an address such as "papermail <papers@example.org>" (got ${JSON.stringify(mailFrom)})`);
  }
  return { address, domain: address.slice(at + 1).toLowerCase() };
}

/** `mailto:` for List-Unsubscribe: the reply address if there is one, else the sender. */
export function unsubscribeMailto(config: Pick<Config, 'MAIL_REPLY_TO'>, senderAddressValue: string): string {
  const replyTo = config.MAIL_REPLY_TO ? addressparser(config.MAIL_REPLY_TO, { flatten: true })[0]?.address : undefined;
  return `mailto:${replyTo || senderAddressValue}?subject=unsubscribe`;
}

/** RFC 2919 list identifier: "<name-slug>.<sender domain>". */
export function listId(newsletterName: string, domain: string): string {
  const slug = newsletterName
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug || 'newsletter'}.${domain}`;
}
