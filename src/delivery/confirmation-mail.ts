/**
 * The double opt-in email. It is transactional mail to one person, not list mail: no
 * List-Unsubscribe header, and nothing is recorded in the ledger.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import { issueOptionsFrom, renderConfirmationEmail } from '../render/index.js';
import type { Subscriber } from '../subscribers/store.js';
import { normaliseEmail, normaliseName } from '../subscribers/email.js';
import { senderAddress } from './message.js';
import type { MailTransport } from './transport.js';

export interface ConfirmationMailer {
  sendConfirmation(subscriber: Subscriber, confirmUrl: string): Promise<void>;
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
      const name = normaliseName(subscriber.name);
      await transport.send({
        issueDate: 'confirmations',
        recipient: address,
        mail: {
          from: config.MAIL_FROM,
          ...(config.MAIL_REPLY_TO ? { replyTo: config.MAIL_REPLY_TO } : {}),
          to: name ? { name, address } : address,
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
