/**
 * Quoted-printable (RFC 2045 §6.7) for a body that is joined from separately encoded chunks:
 * the static pieces of an issue, encoded once, and each recipient's slot values, encoded per
 * message. Every chunk starts at the beginning of a line and ends at the end of one (the
 * text's own line break, or a soft break added here), so a chunk's bytes never depend on
 * what stands before or after it and chunks can be joined in any order.
 *
 * The byte escaping and line wrapping are Nodemailer's own (nodemailer/lib/qp, the code that
 * encodes its text parts); only the chunk boundary is handled here.
 */
import { encode, wrap } from 'nodemailer/lib/qp';

/** RFC 2045: encoded lines are at most 76 characters, not counting the CRLF. */
export const QP_LINE_LENGTH = 76;

const LINE_BREAK = /\r\n|\r|\n/g;
const SOFT_BREAK = '=\r\n';
const EMPTY = Buffer.alloc(0);

/**
 * `text` as quoted-printable: UTF-8, line breaks as CRLF, lines of at most 76 characters,
 * ending with a line break. Whitespace at the very end is escaped (=20), so it survives
 * whatever follows the chunk; an empty text gives an empty chunk.
 */
export function encodeQuotedPrintable(text: string): Buffer {
  if (text === '') return EMPTY;
  if (isPlainAsciiLine(text)) {
    // Most slot values: one short line, and nothing to escape but "=".
    const escaped = encodePlainAsciiLine(text);
    return Buffer.from(escaped.length < QP_LINE_LENGTH ? escaped + SOFT_BREAK : withClosingSoftBreak(wrapPlainAsciiLine(escaped)), 'latin1');
  }
  // Text parts use CRLF line ends (RFC 2046 §4.1.1); a lone CR or LF is a line break too.
  const encoded = wrap(encode(text.replace(LINE_BREAK, '\r\n')), QP_LINE_LENGTH);
  if (encoded.endsWith('\r\n')) return Buffer.from(encoded, 'latin1');
  return Buffer.from(withClosingSoftBreak(encoded), 'latin1');
}

/**
 * One line of printable ASCII (space to "~") not ending in a space: what most slot values
 * are (links with their tokens, most names, counts). Nodemailer's encode() keeps every such
 * character as it is but "=" (RFC 2045 §6.7 rule 2; a space is only escaped at a line end),
 * so the fast path only escapes "=" and skips the UTF-8 round trip. Anything else (a line
 * break, a tab, a trailing space, a non-ASCII letter) takes Nodemailer's encoder.
 */
const PLAIN_ASCII_LINE = /^[\x20-\x7e]*[\x21-\x7e]$/;

export function isPlainAsciiLine(text: string): boolean {
  return PLAIN_ASCII_LINE.test(text);
}

/** encode(text) for a text isPlainAsciiLine accepts. */
export function encodePlainAsciiLine(text: string): string {
  return text.includes('=') ? text.replaceAll('=', '=3D') : text;
}

/** wrap()'s margin: a line is broken after a space or punctuation among its last 25 characters. */
const WRAP_MARGIN = Math.floor(QP_LINE_LENGTH / 3);
const EQUALS = 0x3d;

function isWrapBreak(code: number): boolean {
  // " ", tab, ".", ",", "!", "?": the characters wrap() prefers to break after.
  return code === 0x20 || code === 0x09 || code === 0x2e || code === 0x2c || code === 0x21 || code === 0x3f;
}

/**
 * wrap(escaped, 76) for the output of encodePlainAsciiLine (no line break, "=" only in "=3D",
 * an ASCII escape), without its per-line substrings and regular expressions: each line is
 * broken after the last space or punctuation of its last 25 characters, else not inside an
 * escape, and a full-length line gives up one character (or its closing escape) for the "=".
 */
export function wrapPlainAsciiLine(escaped: string): string {
  const length = escaped.length;
  if (length <= QP_LINE_LENGTH) return escaped;
  let result = '';
  let start = 0;
  while (start < length) {
    let end = Math.min(start + QP_LINE_LENGTH, length);
    let breakAfter = -1;
    if (end - start > QP_LINE_LENGTH - WRAP_MARGIN) {
      for (let index = end - 1; index >= end - WRAP_MARGIN; index -= 1) {
        if (isWrapBreak(escaped.charCodeAt(index))) {
          breakAfter = index + 1;
          break;
        }
      }
    }
    if (breakAfter >= 0) end = breakAfter;
    else if (escaped.charCodeAt(end - 1) === EQUALS) end -= 1;
    else if (escaped.charCodeAt(end - 2) === EQUALS) end -= 2;
    if (end < length) {
      if (end - start === QP_LINE_LENGTH) end -= escaped.charCodeAt(end - 3) === EQUALS ? 3 : 1;
      result += `${escaped.slice(start, end)}${SOFT_BREAK}`;
    } else {
      result += escaped.slice(start, end);
    }
    start = end;
  }
  return result;
}

/**
 * wrap() leaves the last line without a soft break (it is the end of its input) and up to
 * 76 characters long, so the "=" added here could make it 77: split such a line once more,
 * never inside an =XX escape.
 */
function withClosingSoftBreak(encoded: string): string {
  const lastLineStart = encoded.lastIndexOf('\n') + 1;
  const lastLine = encoded.slice(lastLineStart);
  if (lastLine.length < QP_LINE_LENGTH) return encoded + SOFT_BREAK;
  let cut = QP_LINE_LENGTH - 1;
  if (lastLine[cut - 1] === '=') cut -= 1;
  else if (lastLine[cut - 2] === '=') cut -= 2;
  return encoded.slice(0, lastLineStart) + lastLine.slice(0, cut) + SOFT_BREAK + lastLine.slice(cut) + SOFT_BREAK;
}
