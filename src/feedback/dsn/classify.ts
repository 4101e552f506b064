/**
 * Hard or soft, from what a report says: the enhanced status code first (RFC 3463: 5.x.x is
 * permanent, 4.x.x transient), then the SMTP reply code in the diagnostic, then the words.
 * When nothing decides it, soft: a soft bounce needs several within the window to suppress
 * anyone, so a misread report costs little; a wrongly hard one loses a reader.
 */
import type { BounceType } from '../delivery-event.js';

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const SMTP_REPLY = /(?:^|[\s(:;'"])([245])\d\d(?=[\s\-:;,.)'"]|$)/;

/** The first enhanced status code (such as 5.1.1) in `text`, or null. */
export function enhancedStatusIn(text: string | null | undefined): string | null {
  if (!text) return null;
  const match = ENHANCED.exec(text);
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null;
}

/** The class (2, 4 or 5) of the first SMTP reply code in `text`, or null. */
function smtpReplyClass(text: string): string | null {
  return SMTP_REPLY.exec(text)?.[1] ?? null;
}

const PERMANENT_WORDS =
  /permanent|user unknown|unknown user|no such (?:user|mailbox|address)|does not exist|doesn't exist|not found|unknown recipient|recipient rejected|address rejected|invalid (?:recipient|address|mailbox)|mailbox unavailable|account (?:has been )?disabled|host unknown|domain (?:not found|does not exist)|no mx|given up|failed permanently/i;
const TRANSIENT_WORDS = /temporar|delayed|deferr|will (?:retry|keep trying|continue)|still trying|try again later|not yet been delivered|over quota|quota exceeded|mailbox (?:is )?full|insufficient storage|greylist/i;

/**
 * Hard or soft for a failure whose status is `status` (may be null) and whose remote words
 * are `diagnostic`; `wording` is the report's own sentence about it ("This is a permanent error").
 */
export function bounceTypeOf(status: string | null, diagnostic: string | null, wording = ''): BounceType {
  const statusClass = status?.[0] ?? enhancedStatusIn(diagnostic)?.[0] ?? (diagnostic ? smtpReplyClass(diagnostic) : null);
  if (statusClass === '5') return 'hard';
  if (statusClass === '4') return 'soft';
  const words = `${diagnostic ?? ''}\n${wording}`;
  if (TRANSIENT_WORDS.test(words)) return 'soft';
  if (PERMANENT_WORDS.test(words)) return 'hard';
  return 'soft';
}

const MAX_DIAGNOSTIC = 1000;

/** A diagnostic as one line: `smtp; ` type prefix dropped, white space and control characters collapsed, shortened to what an event keeps. */
export function cleanDiagnostic(text: string | null | undefined): string | null {
  if (!text) return null;
  const line = text
    .replace(/^\s*(?:smtp|x-[\w-]+|x400|mta)\s*;\s*/i, '')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
  if (line === '') return null;
  return shorten(withoutContinuationCodes(line));
}

/**
 * A multi-line SMTP reply written out on one line repeats its code on every line
 * ("550-5.1.1 The email account … 550-5.1.1 double-checking …"): keep the first only.
 */
function withoutContinuationCodes(line: string): string {
  const first = /^(\d{3})[ -](\d\.\d{1,3}\.\d{1,3} )?/.exec(line);
  if (!first) return line;
  const repeated = new RegExp(`\\s${first[1]}[ -]${first[2] ? first[2].replaceAll('.', '\\.') : ''}\\s*`, 'g');
  return first[0] + line.slice(first[0].length).replace(repeated, ' ').replace(/\s+/g, ' ').trim();
}

function shorten(line: string): string {
  return line.length > MAX_DIAGNOSTIC ? `${line.slice(0, MAX_DIAGNOSTIC - 1)}…` : line;
}
