/**
 * The double opt-in email. It is transactional mail to one person, not list mail: no
 * List-Unsubscribe header, and nothing is recorded in the ledger. It is addressed to the
 * bare address: the name came from whoever filled in the form, and a stranger's text must
 * not appear in a message sent from the newsletter's domain.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import { issueOptionsFrom, renderConfirmationEmail } from '../render/index.js';
import type { Subscriber } from '../subscribers/store.js';
import { normaliseEmail } from '../subscribers/email.js';
import { senderAddress } from './message.js';
import type { MailTransport, SendResult } from './transport.js';

export interface ConfirmationMailer {
  /** Resolves with where the message went (the server's reply, or the outbox file). */
  sendConfirmation(subscriber: Pick<Subscriber, 'email'>, confirmUrl: string): Promise<SendResult>;
}

export function createConfirmationMailer(
  config: Pick<Config, 'MAIL_FROM' | 'MAIL_REPLY_TO' | 'NEWSLETTER_NAME' | 'POSTAL_ADDRESS' | 'PUBLIC_URL'>,
  transport: MailTransport,
): ConfirmationMailer {
  const sender = senderAddress(config.MAIL_FROM);
  const { newsletterName, postalAddress } = issueOptionsFrom(config);
  return {
    async sendConfirmation(subscriber, confirmUrl) {
      const email = await renderConfirmationEmail({ newsletterName, postalAddress, confirmUrl });
      const address = normaliseEmail(subscriber.email);
      return transport.send({
        issueDate: 'confirmations',
        recipient: address,
        mail: {
          from: config.MAIL_FROM,
          ...(config.MAIL_REPLY_TO ? { replyTo: config.MAIL_REPLY_TO } : {}),
          to: address,
          envelope: { from: sender.address, to: [address] },
          subject: email.subject,
          html: email.html,
          text: email.text,
          messageId: `<confirm.${randomBytes(12).toString('hex')}@${sender.domain}>`,
          headers: { 'Auto-Submitted': 'auto-generated' },
          xMailer: false,
        },
      });
    },
  };
}
