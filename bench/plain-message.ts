/**
 * The ceiling's message: what plain Nodemailer is given to compose on every send — the
 * personalised issue as `{ from, to, subject, html, text, list, headers }`, with the same
 * header fields papermail's assembled copy carries. papermail itself never sends these
 * options (src/ has one message builder); the bench keeps its own.
 */
import type { SendMailOptions } from 'nodemailer';
import { listId, type MessageSettings, senderAddress, stableMessageId, unsubscribeMailto } from '../src/delivery/message.js';
import type { PersonalisedIssue } from '../src/render/index.js';

export function plainMessage(
  config: MessageSettings,
  issue: PersonalisedIssue,
  recipient: { id: number; email: string; name: string | null },
  unsubscribeUrl: string,
  issueDate: string,
): SendMailOptions {
  const sender = senderAddress(config.MAIL_FROM);
  return {
    from: config.MAIL_FROM,
    ...(config.MAIL_REPLY_TO ? { replyTo: config.MAIL_REPLY_TO } : {}),
    to: recipient.name ? { name: recipient.name, address: recipient.email } : recipient.email,
    envelope: { from: sender.address, to: [recipient.email] },
    subject: issue.subject,
    html: issue.html,
    text: issue.text,
    messageId: stableMessageId(config, issueDate, recipient.id, recipient.email, sender.domain),
    list: {
      id: { url: listId(config.NEWSLETTER_NAME, sender.domain), comment: config.NEWSLETTER_NAME },
      unsubscribe: [[unsubscribeUrl, unsubscribeMailto(config, sender.address)]],
    },
    headers: { Precedence: 'bulk', 'X-Auto-Response-Suppress': 'OOF, AutoReply', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    xMailer: false,
  };
}
