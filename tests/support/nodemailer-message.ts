/**
 * The test oracle for papermail's own messages: the same content and headers as
 * assembleIssueMessage (src/delivery/message.ts), as Nodemailer options, so tests can compare
 * an assembled message with the one Nodemailer composes from the same content. src/ never
 * sends these: it has one message builder.
 */
import type { SendMailOptions } from 'nodemailer';
import { type AssembledMessageRequest, listId, senderAddress, stableMessageId, unsubscribeMailto } from '../../src/delivery/message.js';
import type { PersonalisedIssue } from '../../src/render/types.js';
import { normaliseEmail, normaliseName } from '../../src/subscribers/email.js';

/** What assembleIssueMessage is given, with the copy as the strings Nodemailer composes from. */
export interface NodemailerMessageRequest extends Omit<AssembledMessageRequest, 'issue' | 'copy'> {
  issue: PersonalisedIssue;
}

export interface NodemailerMessage {
  issueDate: string;
  recipient: string;
  mail: SendMailOptions;
}

export function buildMessage(request: NodemailerMessageRequest): NodemailerMessage {
  const { issue, recipient, config, issueDate } = request;
  const sender = senderAddress(config.MAIL_FROM);
  const address = normaliseEmail(recipient.email);
  const name = normaliseName(recipient.name);
  const headers: Record<string, string> = { Precedence: 'bulk', 'X-Auto-Response-Suppress': 'OOF, AutoReply' };
  if (request.unsubscribeUrl) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  const mail: SendMailOptions = {
    from: config.MAIL_FROM,
    ...(config.MAIL_REPLY_TO ? { replyTo: config.MAIL_REPLY_TO } : {}),
    to: name ? { name, address } : address,
    envelope: { from: sender.address, to: [address] },
    subject: issue.subject,
    html: issue.html,
    text: issue.text,
    date: request.date ?? new Date(),
    messageId: request.messageId ?? stableMessageId(config, issueDate, recipient.id, address, sender.domain),
    list: {
      id: { url: listId(config.NEWSLETTER_NAME, sender.domain), comment: config.NEWSLETTER_NAME },
      // Nested: one List-Unsubscribe header listing both (a flat array would make two headers).
      ...(request.unsubscribeUrl ? { unsubscribe: [[request.unsubscribeUrl, unsubscribeMailto(config, sender.address)]] } : {}),
    },
    headers,
    xMailer: false,
  };
  return { issueDate, recipient: address, mail };
}
