/**
 * Header fields of an assembled message, encoded the way Nodemailer encodes them when it
 * composes a message (its own encoder, so a received message reads the same either way):
 * RFC 2047 encoded words for non-ASCII names and subjects, quoted display names, RFC 5322
 * folding at 76 characters. Every value is one line before folding: a CR or LF in a name or
 * subject becomes a space or an encoded word, never a new header.
 */
import { encodeWord, foldLines, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { PapermailError } from '../errors.js';

/** A mailbox for From, To and Reply-To: an address with an optional display name, or a configured "Name <address>" string. */
export type Mailbox = string | { name?: string | null; address: string };

/** One encoded, folded header field, without the closing CRLF. */
export type HeaderLine = string;

// One encoder for every header: a MimeNode is only used here for its header-value encoding.
const encoder = new MimeNode(false);

/** RFC 5322 §2.1.1: a line is at most 998 characters; folding keeps every line under that. */
const MAX_LINE = 998;

export function mailboxHeader(name: 'From' | 'To' | 'Reply-To', mailbox: Mailbox): HeaderLine {
  const plain = typeof mailbox === 'string' ? null : plainMailboxField(name, mailbox.name ?? '', mailbox.address);
  if (plain !== null) return checked(plain);
  const value = typeof mailbox === 'string' ? mailbox : { name: mailbox.name ?? '', address: mailbox.address };
  return field(name, encoder.encodeHeaderValue(name, value));
}

/** Unstructured text (Subject) or a header Nodemailer knows how to shape (Message-ID, Date). */
export function textHeader(name: string, value: string | Date): HeaderLine {
  if (name === 'Message-ID' && typeof value === 'string' && PLAIN_MESSAGE_ID.test(value) && value.length <= SHORT_FIELD - 'Message-ID: '.length) {
    // Nodemailer keeps such an id as it is and a short line is not folded: the same field, without the encoder.
    return checked(`Message-ID: ${value}`);
  }
  return field(name, encoder.encodeHeaderValue(name, value));
}

/**
 * The fields most recipients get, written without the encoder: the same bytes as Nodemailer's
 * (tests/delivery/mime-headers.test.ts compares them on many random mailboxes). A dot-atom
 * address with a lower-case ASCII domain (what the store holds) is kept as it is, and so is a
 * name of letters, digits and single spaces; a field of at most 76 characters is not folded.
 * Anything else (a quoted or non-ASCII name, an international domain, a long field) takes the encoder.
 */
const SHORT_FIELD = 76;
const PLAIN_ADDRESS = /^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
const PUNYCODE_LABEL = /[@.]xn--/;
const PLAIN_NAME = /^[A-Za-z0-9_]+(?: [A-Za-z0-9_]+)*$/;
const PLAIN_MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]+>$/;

function plainMailboxField(field: string, name: string, address: string): HeaderLine | null {
  if (!PLAIN_ADDRESS.test(address) || PUNYCODE_LABEL.test(address)) return null;
  if (name !== '' && !PLAIN_NAME.test(name)) return null;
  const line = name === '' ? `${field}: ${address}` : `${field}: ${name} <${address}>`;
  return line.length <= SHORT_FIELD ? line : null;
}

/** RFC 2919 `List-Id: "Name" <list.example.org>`, as Nodemailer's `list.id` writes it. */
export function listIdHeader(listName: string, id: string): HeaderLine {
  const comment = listName.replace(/\r?\n|\r/g, ' ');
  const shown = !isPlainText(comment) || comment.includes('\x7f') ? encodeWord(comment) : quoteString(comment);
  return prepared('List-ID', `${shown} <${angleContent(id)}>`);
}

/** RFC 2369 List-Unsubscribe with its URIs in one header, as Nodemailer's nested `list.unsubscribe` writes it. */
export function listUnsubscribeHeader(uris: readonly string[]): HeaderLine {
  return prepared('List-Unsubscribe', uris.map((uri) => `<${angleContent(uri)}>`).join(', '));
}

/** The header block: the fields in order, each line ending in CRLF, and the empty line that ends the head. */
export function headerBlock(lines: readonly HeaderLine[]): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
}

/** What goes in angle brackets has no quoting: drop what could end it or the line. */
function angleContent(value: string): string {
  return value.replace(/[\x00-\x20\x7f<>]+/g, '');
}

function prepared(name: string, value: string): HeaderLine {
  return checked(folded(`${name}: ${value}`));
}

function field(name: string, encodedValue: string): HeaderLine {
  return checked(folded(`${name}: ${encodedValue}`));
}

const FOLD_AT = 76;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Nodemailer's foldLines(line, 76); a line of printable ASCII (every field we write per message) skips its regular expressions. */
function folded(line: string): string {
  return PRINTABLE_ASCII.test(line) ? foldAsciiLine(line) : foldLines(line, FOLD_AT);
}

/**
 * foldLines(line, 76) for a line of printable ASCII, step for step: take 76 characters; if
 * fewer are left, they end the field. Otherwise break before the last run of spaces in them
 * (unless it starts the piece), else run on to the end of the word; the spaces begin the
 * next line. tests/delivery/mime-headers.test.ts compares the two on many lines.
 */
export function foldAsciiLine(line: string): string {
  const length = line.length;
  if (length < FOLD_AT) return line;
  let result = '';
  let start = 0;
  while (start < length) {
    const windowEnd = start + FOLD_AT;
    if (windowEnd > length) {
      result += line.slice(start);
      break;
    }
    let end = windowEnd;
    // The start of the last run of spaces in the window, if any.
    let lastSpaceRun = line.lastIndexOf(' ', windowEnd - 1);
    while (lastSpaceRun > start && line.charCodeAt(lastSpaceRun - 1) === SPACE) lastSpaceRun -= 1;
    if (lastSpaceRun > start) end = lastSpaceRun;
    else if (windowEnd < length && line.charCodeAt(windowEnd) !== SPACE) {
      const nextSpace = line.indexOf(' ', windowEnd);
      end = nextSpace === -1 ? length : nextSpace;
    }
    result += line.slice(start, end);
    start = end;
    if (start < length) result += '\r\n';
  }
  return result;
}

const SPACE = 0x20;

/**
 * The last guard against header injection, whatever the encoders above did: a field that is
 * anything but one folded field (a bare CR or LF, a line break not followed by whitespace,
 * an over-long line) is refused rather than sent.
 */
function checked(line: string): HeaderLine {
  if (!isOneFoldedField(line)) {
    throw new PapermailError('EINPUT', `header ${JSON.stringify(line.slice(0, 60))} would not be one header field`);
  }
  return line;
}

/** A field name of printable characters but ":", then lines of at most 998 characters joined only by CRLF + space or tab. */
export function isOneFoldedField(line: string): boolean {
  const colon = line.indexOf(':');
  if (colon <= 0 || !FIELD_NAME.test(line.slice(0, colon))) return false;
  // One scan per physical line (indexOf, not a regular expression: this runs for every message).
  for (let start = 0; ; ) {
    const cr = line.indexOf('\r', start);
    const lf = line.indexOf('\n', start);
    if (cr === -1 && lf !== -1) return false;
    if ((cr === -1 ? line.length : cr) - start > MAX_LINE) return false;
    if (cr === -1) return true;
    const next = line.charCodeAt(cr + 2);
    if (lf !== cr + 1 || (next !== SPACE && next !== TAB)) return false;
    start = cr + 2;
  }
}

const FIELD_NAME = /^[!-9;-~]+$/;
const TAB = 0x09;
