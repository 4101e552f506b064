/**
 * What one dialect reader makes of a bounce or complaint: one finding per recipient it is
 * about, before src/feedback/read-bounce.ts adds what every event of the message shares
 * (its key, the return path, the original's Message-ID).
 */
import type { BounceType } from '../delivery-event.js';

export type Finding =
  | { kind: 'bounce'; bounceType: BounceType; recipient: string | null; status: string | null; diagnostic: string | null; occurredAt?: Date }
  | { kind: 'complaint'; recipient: string | null; diagnostic: string | null; occurredAt?: Date }
  | { kind: 'delivered'; recipient: string | null; status: string | null; diagnostic: string | null; occurredAt?: Date };

/**
 * How much of a report's text (the human part, a delivery-status or feedback-report part, the
 * original's headers) is read. Ours go to one recipient each, so a real report is a few
 * kilobytes; a larger one is read no further, which also bounds the work a crafted message costs.
 */
export const MAX_REPORT_TEXT = 64 * 1024;

/** The start of `text` that is read, line breaks made "\n". */
export function reportText(text: string): string {
  return unixLines(text.length > MAX_REPORT_TEXT ? text.slice(0, MAX_REPORT_TEXT) : text);
}

/** Line breaks as "\n" whatever the mail used (CRLF from IMAP, CR alone from old Mac mailers). */
export function unixLines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

// No control characters either: a recipient is logged, and an escape sequence in it would forge log lines.
const ADDRESS = /^[^\s<>@"(),;:\p{Cc}]+@[^\s<>@"(),;:\p{Cc}]+\.[^\s<>@"(),;:\p{Cc}]+$/u;

/**
 * The address in `rfc822; a@example.net`, `<a@example.net>`, `"Name" <a@example.net>` or
 * `a@example.net`, trimmed and without a trailing dot; null when it is no address at all.
 */
export function addressIn(value: string | undefined | null): string | null {
  if (!value) return null;
  let text = value.trim();
  const typed = /^(?:rfc822|x-[\w-]+)\s*;\s*(.*)$/is.exec(text);
  if (typed) text = typed[1]!.trim();
  const angle = /<([^<>\s]+)>/.exec(text);
  if (angle) text = angle[1]!;
  text = text.replace(/^mailto:/i, '').replace(/[.,;:]+$/, '');
  if (text.length > 320 || !ADDRESS.test(text)) return null;
  const at = text.lastIndexOf('@');
  return `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}`;
}

/** A date a report gives, or undefined when it gives none that parses. */
export function dateIn(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value.replace(/\s*\([^)]*\)\s*$/, '').trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}
