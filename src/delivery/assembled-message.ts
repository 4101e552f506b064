/**
 * papermail's own message: an envelope, a Message-ID, the header fields in order and the
 * body as Buffers, put together per recipient from an issue encoded once (encoded-issue.ts).
 * The transport hands the bytes to Nodemailer as `raw` with the envelope, so Nodemailer
 * composes nothing: per recipient only the headers are encoded, the slot values are
 * quoted-printable encoded, and the chosen pieces are joined as they are.
 *
 * The message is multipart/alternative, text then HTML (RFC 2046: the preferred part last),
 * both UTF-8 and quoted-printable, with the issue's fixed boundary.
 */
import { type EncodedIssue, encodedItems, type RecipientCopy } from './encoded-issue.js';
import { headerBlock, type HeaderLine, listIdHeader, listUnsubscribeHeader, mailboxHeader, type Mailbox, textHeader } from './mime-headers.js';

export interface AssembledMessage {
  /**
   * The issue the message belongs to (YYYY-MM-DD, or YYYY-Www for a weekly issue); the outbox files messages in a folder of
   * that name. Mail outside an issue passes a plain folder name instead, e.g. "confirmations".
   */
  issueDate: string;
  /** Whatever the headers say, the SMTP envelope names exactly one recipient. */
  envelope: { from: string; to: [string] };
  /** `<…@domain>`, as in the Message-ID header. */
  messageId: string;
  /** Encoded, folded header fields in order, without line ends. */
  headers: readonly HeaderLine[];
  /** The body after the empty line: boundary lines, part headers, encoded pieces and slots. */
  body: readonly Buffer[];
}

/** The fields that are the same for every message a sender sends (built once per run). */
export interface SenderHeaders {
  /** The envelope sender (bounces go there). */
  envelopeFrom: string;
  /** From, Reply-To, List-ID and any fixed fields, encoded once. */
  lines: readonly HeaderLine[];
}

export interface SenderHeadersRequest {
  from: Mailbox;
  envelopeFrom: string;
  replyTo?: Mailbox | null;
  /** RFC 2919 List-Id, for list mail. */
  list?: { name: string; id: string };
  /** Fixed fields such as Precedence or Auto-Submitted, in order; values must be plain ASCII text. */
  fixed?: ReadonlyArray<readonly [name: string, value: string]>;
}

export function senderHeaders(request: SenderHeadersRequest): SenderHeaders {
  const lines = [mailboxHeader('From', request.from)];
  if (request.replyTo) lines.push(mailboxHeader('Reply-To', request.replyTo));
  if (request.list) lines.push(listIdHeader(request.list.name, request.list.id));
  for (const [name, value] of request.fixed ?? []) lines.push(textHeader(name, value));
  return { envelopeFrom: request.envelopeFrom, lines };
}

export interface AssembleRequest {
  issue: EncodedIssue;
  copy: RecipientCopy;
  sender: SenderHeaders;
  issueDate: string;
  /** The one recipient: the envelope and the To header. */
  to: { address: string; name?: string | null };
  /** This message's envelope sender (a VERP return path); the sender's `envelopeFrom` when omitted. */
  envelopeFrom?: string;
  messageId: string;
  date: Date;
  /**
   * RFC 2369 List-Unsubscribe URIs (the http(s) one-click link first, then a mailto). With an
   * http(s) link, RFC 8058's List-Unsubscribe-Post is added. Omitted for mail that is not list mail.
   */
  unsubscribe?: readonly string[];
}

export function assembleMessage(request: AssembleRequest): AssembledMessage {
  const { issue, copy, sender, to } = request;
  const headers = [
    ...sender.lines,
    mailboxHeader('To', to),
    subjectHeader(issue, copy.subject),
    dateHeader(request.date),
    textHeader('Message-ID', request.messageId),
  ];
  if (request.unsubscribe && request.unsubscribe.length > 0) {
    headers.push(listUnsubscribeHeader(request.unsubscribe));
    // As Nodemailer composes it (tests/support/nodemailer-message.ts): the one-click link is whatever PUBLIC_URL says (http on a local demo, https in production).
    if (request.unsubscribe.some((uri) => /^https?:/i.test(uri))) headers.push(LIST_UNSUBSCRIBE_POST);
  }
  headers.push('MIME-Version: 1.0', `Content-Type: multipart/alternative;\r\n boundary="${issue.boundary}"`);
  return {
    issueDate: request.issueDate,
    envelope: { from: request.envelopeFrom ?? sender.envelopeFrom, to: [to.address] },
    messageId: request.messageId,
    headers,
    body: multipartBody(issue, copy),
  };
}

const LIST_UNSUBSCRIBE_POST = textHeader('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click');

/** The whole message, as written to the outbox and handed to the SMTP pool. */
export function messageBytes(message: AssembledMessage): Buffer {
  return Buffer.concat([headerBlock(message.headers), ...message.body]);
}

const PART_HEADERS = {
  text: 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
  html: 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
} as const;

interface IssueFrames {
  text: Buffer;
  html: Buffer;
  close: Buffer;
  /** Encoded Subject fields by subject: a few distinct subjects per issue (one per top paper of a selection). */
  subjects: Map<string, HeaderLine>;
}

/** Boundary lines and part headers are ASCII and fixed per issue: built once per issue and reused. */
const framesByIssue = new WeakMap<EncodedIssue, IssueFrames>();
const MAX_SUBJECTS_PER_ISSUE = 1_000;

function framesOf(issue: EncodedIssue): IssueFrames {
  let frames = framesByIssue.get(issue);
  if (!frames) {
    const delimiter = `--${issue.boundary}\r\n`;
    frames = {
      text: Buffer.from(delimiter + PART_HEADERS.text, 'latin1'),
      // The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1).
      html: Buffer.from(`\r\n${delimiter}${PART_HEADERS.html}`, 'latin1'),
      close: Buffer.from(`\r\n--${issue.boundary}--\r\n`, 'latin1'),
      subjects: new Map(),
    };
    framesByIssue.set(issue, frames);
  }
  return frames;
}

function subjectHeader(issue: EncodedIssue, subject: string): HeaderLine {
  const { subjects } = framesOf(issue);
  let line = subjects.get(subject);
  if (line === undefined) {
    line = textHeader('Subject', subject);
    if (subjects.size < MAX_SUBJECTS_PER_ISSUE) subjects.set(subject, line);
  }
  return line;
}

// A send stamps many messages within the same second: the Date field is formatted once per second.
let lastDate = { second: Number.NaN, line: '' };

function dateHeader(date: Date): HeaderLine {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastDate.second) lastDate = { second, line: textHeader('Date', date) };
  return lastDate.line;
}

function multipartBody(issue: EncodedIssue, copy: RecipientCopy): Buffer[] {
  const frames = framesOf(issue);
  // A part's last chunk ends in a line break, soft or hard; the delimiter's own CRLF follows it.
  const body = [frames.text];
  const ownValues = new Map<string, Buffer>();
  encodedItems(issue, 'text', copy.text, body, ownValues);
  body.push(frames.html);
  encodedItems(issue, 'html', copy.html, body, ownValues);
  body.push(frames.close);
  return body;
}
