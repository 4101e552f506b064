/**
 * The reader of bounce mail (a ReadBounceMessage, src/feedback/bounce-message.ts), shared by
 * the IMAP bounce mailbox and `papermail bounces scan`. One message in, the events it
 * reports out: RFC 3464 delivery status notifications, RFC 5965 ARF complaints, and the
 * plain-text dialects of src/feedback/dsn/plain-text.ts. Anything else — an out-of-office,
 * a person's answer, garbage, a message too large to be a report — is 'unreadable' with a
 * reason, never an error: the mailbox leaves it where it is and counts it.
 *
 * Every event carries what can find its delivery (src/feedback/record.ts): the address the
 * report was sent to (our VERP return path, read from the envelope headers the receiving
 * server added) and the Message-ID of the original. Its key is a hash of the report's own
 * Message-ID (or, without one, its bytes) and the recipient, so the same report read twice,
 * from the mailbox and from an export, is recorded once.
 */
import { createHash } from 'node:crypto';
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import type { BounceMessageReading, ReadBounceMessage } from './bounce-message.js';
import { ReportedEventSchema, type ReportedEvent } from './delivery-event.js';
import { notABounceReason } from './dsn/auto-reply.js';
import { readDeliveryStatus } from './dsn/delivery-status.js';
import { readFeedbackReport } from './dsn/feedback-report.js';
import { addressIn, MAX_REPORT_TEXT, reportText, type Finding } from './dsn/finding.js';
import { messageIdIn, NO_ORIGINAL, readOriginalHeaders, type OriginalMessage } from './dsn/original-message.js';
import { readPlainTextBounce, splitAtOriginalCopy } from './dsn/plain-text.js';

/**
 * Larger than any report about our mail: a DSN returns at most the original (an issue is
 * some tens of kilobytes, with no attachments) and most return only its headers. A bigger
 * message is not parsed at all (unreadable, so the mailbox leaves it there and counts it).
 */
export const MAX_BOUNCE_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The headers that say where the receiving server delivered the report, best first; To last (a person can write anything there). */
const ENVELOPE_HEADERS = ['x-original-to', 'delivered-to', 'envelope-to', 'x-envelope-to', 'x-delivered-to', 'to'];

const PARSER_OPTIONS = {
  keepDeliveryStatus: true,
  ignoreEmbedded: true,
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  maxHtmlLengthToParse: 500_000,
  checksumAlgo: false,
} as const;

type Report = { findings: Finding[]; original: OriginalMessage; envelopeSender: string | null } | { unreadable: string };

export const readBounceMessage: ReadBounceMessage = async (raw, received) => {
  if (raw.length > MAX_BOUNCE_MESSAGE_BYTES) {
    return unreadable(`${raw.length} bytes, larger than any report (${MAX_BOUNCE_MESSAGE_BYTES} at most)`);
  }
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, PARSER_OPTIONS);
  } catch (error) {
    return unreadable(`not a mail message that can be parsed (${error instanceof Error ? error.message : String(error)})`);
  }
  const headers = rawHeaders(mail);
  const report = readReport(mail, headers);
  if ('unreadable' in report) return unreadable(report.unreadable);

  const returnPath = returnPathOf(headers, report);
  const reportId = messageIdIn(mail.messageId) ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const events: ReportedEvent[] = [];
  for (const [index, finding] of report.findings.entries()) {
    const parsed = ReportedEventSchema.safeParse({
      key: `mailbox:${createHash('sha256').update(`${reportId}\n${finding.recipient ?? `#${index}`}\n${finding.kind}`).digest('hex')}`,
      source: 'mailbox',
      kind: finding.kind,
      bounceType: finding.kind === 'bounce' ? finding.bounceType : null,
      status: finding.kind === 'complaint' ? null : finding.status,
      diagnostic: finding.diagnostic,
      recipient: finding.recipient,
      occurredAt: (finding.occurredAt ?? validDate(mail.date) ?? received).toISOString(),
      returnPath,
      messageId: report.original.messageId,
    });
    if (!parsed.success) return unreadable(`a report papermail misread (${parsed.error.issues[0]?.message ?? 'invalid event'})`);
    events.push(parsed.data);
  }
  return { kind: 'report', events };
};

function readReport(mail: ParsedMail, headers: Map<string, string[]>): Report {
  const part = (...types: string[]) => mail.attachments.find((attachment) => types.includes(attachment.contentType.toLowerCase()));
  const original = originalOf(part('message/rfc822', 'message/global'), part('text/rfc822-headers', 'message/global-headers'));

  const feedback = part('message/feedback-report');
  if (feedback) {
    const reading = readFeedbackReport(partText(feedback), original.to);
    if (reading.kind === 'not-a-complaint') return { unreadable: `a feedback report of type "${reading.feedbackType}", not a complaint` };
    return { findings: [reading.finding], original, envelopeSender: reading.mailFrom };
  }

  const status = part('message/delivery-status', 'message/global-delivery-status');
  const statusReading = status ? readDeliveryStatus(partText(status)) : undefined;
  if (statusReading && statusReading.findings.length > 0) return { ...statusReading, original };

  const text = reportText(mail.text ?? '');
  const plain = readPlainTextBounce({
    text,
    failedRecipients: headers.get('x-failed-recipients')?.join(',') ?? null,
    from: mail.from?.text ?? '',
    subject: mail.subject ?? '',
  });
  if (plain) {
    const quoted = original.messageId ? original : readOriginalHeaders(splitAtOriginalCopy(text).original);
    return { findings: plain.findings, original: quoted, envelopeSender: null };
  }
  // Relayed or expanded only: the report is genuine but says nothing about the reader.
  if (statusReading) return { unreadable: 'a delivery status report that names no failed, delayed or delivered recipient' };
  return { unreadable: notABounceReason({ subject: mail.subject ?? '', from: mail.from?.text ?? '', header: (name) => headers.get(name)?.[0] }) };
}

function originalOf(message: Attachment | undefined, headersOnly: Attachment | undefined): OriginalMessage {
  const source = message ?? headersOnly;
  return source ? readOriginalHeaders(partText(source)) : NO_ORIGINAL;
}

function partText(attachment: Attachment): string {
  // Four bytes a character at most: enough bytes for MAX_REPORT_TEXT characters, no more decoded.
  return reportText(attachment.content.subarray(0, 4 * MAX_REPORT_TEXT).toString('utf8'));
}

/**
 * The address the report was delivered to. A "+" in the local part marks the VERP return
 * path, wherever it is found (the envelope headers; the envelope sender a report names, as
 * Postfix's X-Postfix-Sender or ARF's Original-Mail-From; the original's Return-Path a
 * feedback loop quotes); without one, the first envelope address.
 */
function returnPathOf(headers: Map<string, string[]>, report: Exclude<Report, { unreadable: string }>): string | null {
  const candidates: string[] = [];
  for (const name of ENVELOPE_HEADERS) {
    for (const value of headers.get(name) ?? []) {
      for (const part of value.split(',')) {
        const address = addressIn(part);
        if (address) candidates.push(address);
      }
    }
  }
  if (report.envelopeSender) candidates.push(report.envelopeSender);
  if (report.original.returnPath) candidates.push(report.original.returnPath);
  return candidates.find((address) => address.slice(0, address.lastIndexOf('@')).includes('+')) ?? candidates[0] ?? null;
}

/** The message's own header lines, by lower-cased name, values unfolded and in order. */
function rawHeaders(mail: ParsedMail): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    headers.set(key, [...(headers.get(key) ?? []), value]);
  }
  return headers;
}

function validDate(date: Date | undefined): Date | undefined {
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function unreadable(reason: string): BounceMessageReading {
  return { kind: 'unreadable', reason };
}
