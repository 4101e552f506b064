/**
 * Bounce mail for the mailbox tests, and a small reader of it: the RFC 3464 fields
 * Final-Recipient and Status of a delivery-status part, and nothing else. The real reader of
 * DSNs, ARF complaints and the non-standard dialects is tested on its own; these tests are
 * about what the mailbox does with a reading.
 */
import { createHash } from 'node:crypto';
import type { ReadBounceMessage } from '../../src/feedback/bounce-message.js';

/** A delivery status notification (RFC 3464) for one recipient, in the shape Postfix sends. */
export function deliveryStatusNotification({ recipient, status, subject = `Undelivered Mail: ${recipient}` }: { recipient: string; status: string; subject?: string }) {
  return [
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    'To: bounces@papers.example.org',
    `Subject: ${subject}`,
    'Date: Tue, 01 Dec 2026 09:00:00 +0000',
    `Message-ID: <${createHash('sha256').update(subject + recipient + status).digest('hex').slice(0, 16)}@mx.example.net>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    `I could not deliver your message to <${recipient}>.`,
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    `Status: ${status}`,
    'Diagnostic-Code: smtp; 550 5.1.1 no such user',
    '',
    '--b1--',
    '',
  ].join('\r\n');
}

/** An auto-reply: mail that reaches the bounce address but reports nothing. */
export const OUT_OF_OFFICE = [
  'From: reader@example.com',
  'To: bounces@papers.example.org',
  'Subject: Out of office',
  'Date: Tue, 01 Dec 2026 09:05:00 +0000',
  '',
  'I am away until Monday.',
  '',
].join('\r\n');

/** The test's reader: the Final-Recipient and Status fields of a delivery-status part; anything else is unreadable. */
export const readTestReport: ReadBounceMessage = async (raw, received) => {
  const text = raw.toString('utf8');
  const recipient = /^Final-Recipient: rfc822; *(\S+)\r?$/im.exec(text)?.[1];
  const status = /^Status: *(\S+)\r?$/im.exec(text)?.[1];
  if (!/report-type=delivery-status/i.test(text) || !recipient || !status) {
    return { kind: 'unreadable', reason: 'not a delivery status notification' };
  }
  return {
    kind: 'report',
    events: [
      {
        key: createHash('sha256').update(raw).digest('hex'),
        source: 'mailbox',
        kind: 'bounce',
        bounceType: status.startsWith('5') ? 'hard' : 'soft',
        status,
        diagnostic: 'smtp; 550 5.1.1 no such user',
        recipient,
        occurredAt: received.toISOString(),
        returnPath: null,
        messageId: null,
      },
    ],
  };
};
