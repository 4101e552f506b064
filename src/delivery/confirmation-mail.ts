/**
 * The double opt-in email. It is transactional mail to one person, not list mail: no
 * List-Unsubscribe header, and nothing is recorded in the ledger. It is addressed to the
 * bare address: the name came from whoever filled in the form, and a stranger's text must
 * not appear in a message sent from the newsletter's domain.
 *
 * It is built like every issue copy (assembled-message.ts): the rendered HTML and text are
 * one piece each, quoted-printable encoded, and the message is papermail's own bytes.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import { issueOptionsFrom, renderConfirmationEmail, type RenderedEmail } from '../render/index.js';
import type { Subscriber } from '../subscribers/store.js';
import { normaliseEmail } from '../subscribers/email.js';
import { assembleMessage, type AssembledMessage, type SenderHeaders, senderHeaders } from './assembled-message.js';
import { encodeIssue } from './encoded-issue.js';
import { senderAddress } from './message.js';
import type { MailTransport, SendResult } from './transport.js';

export interface ConfirmationMailer {
  /** Resolves with where the message went (the server's reply, or the outbox file); `now` is the Date header. */
  sendConfirmation(subscriber: Pick<Subscriber, 'email'>, confirmUrl: string, now: Date): Promise<SendResult>;
}

export type ConfirmationSettings = Pick<Config, 'MAIL_FROM' | 'MAIL_REPLY_TO' | 'NEWSLETTER_NAME' | 'POSTAL_ADDRESS' | 'PUBLIC_URL'>;

/** The outbox folder confirmation emails are filed in (issue copies go in a folder per date). */
const OUTBOX_FOLDER = 'confirmations';
const MESSAGE_PART = 'message';

export function createConfirmationMailer(config: ConfirmationSettings, transport: MailTransport): ConfirmationMailer {
  const { newsletterName, postalAddress } = issueOptionsFrom(config);
  const sender = confirmationSender(config);
  return {
    async sendConfirmation(subscriber, confirmUrl, now) {
      const email = await renderConfirmationEmail({ newsletterName, postalAddress, confirmUrl });
      return transport.send(confirmationMessage(sender, email, normaliseEmail(subscriber.email), now));
    },
  };
}

interface ConfirmationSender {
  headers: SenderHeaders;
  domain: string;
}

function confirmationSender(config: ConfirmationSettings): ConfirmationSender {
  const { address, domain } = senderAddress(config.MAIL_FROM);
  const headers = senderHeaders({
    from: config.MAIL_FROM,
    envelopeFrom: address,
    replyTo: config.MAIL_REPLY_TO || null,
    // RFC 3834: an automatic message, which auto-responders must not answer.
    fixed: [['Auto-Submitted', 'auto-generated']],
  });
  return { headers, domain };
}

/** One rendered email as a message: its HTML and text are each one piece, encoded once. */
function confirmationMessage(sender: ConfirmationSender, email: RenderedEmail, address: string, now: Date): AssembledMessage {
  const encoded = encodeIssue({ text: { [MESSAGE_PART]: email.text }, html: { [MESSAGE_PART]: email.html } });
  const piece = [{ piece: MESSAGE_PART }];
  return assembleMessage({
    issue: encoded,
    copy: { subject: email.subject, text: piece, html: piece },
    sender: sender.headers,
    issueDate: OUTBOX_FOLDER,
    to: { address },
    // Random: a confirmation is never resent as "the same message".
    messageId: `<confirm.${randomBytes(12).toString('hex')}@${sender.domain}>`,
    date: now,
  });
}
