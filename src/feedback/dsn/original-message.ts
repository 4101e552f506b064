/**
 * What a bounce quotes of the message that failed: its Message-ID (which the ledger keeps),
 * its To (whom it was for, when the report redacts the recipient) and its Return-Path (our
 * VERP address, which the receiving server stamped on it; feedback loops keep it). From a
 * message/rfc822 or text/rfc822-headers part, or the copy below a plain-text bounce.
 */
import { addressIn } from './finding.js';
import { readFieldGroups } from './fields.js';

export interface OriginalMessage {
  messageId: string | null;
  to: string | null;
  returnPath: string | null;
}

export const NO_ORIGINAL: OriginalMessage = { messageId: null, to: null, returnPath: null };

/** Reads the header block at the start of `text` (an mbox "From " line before it is skipped). */
export function readOriginalHeaders(text: string): OriginalMessage {
  const headers = readFieldGroups(text.replace(/^\s*From [^\n]*\n/, ''))[0];
  if (!headers) return NO_ORIGINAL;
  return {
    messageId: messageIdIn(headers.get('message-id')),
    to: addressIn(headers.get('to')?.split(',')[0]),
    returnPath: addressIn(headers.get('return-path')),
  };
}

/** `<id@host>` as the ledger keeps it; a value without the angle brackets gets them. */
export function messageIdIn(value: string | undefined): string | null {
  if (!value) return null;
  const angle = /<[^<>\s]+>/.exec(value)?.[0] ?? (/^[^\s<>]+@[^\s<>]+$/.test(value.trim()) ? `<${value.trim()}>` : null);
  return angle && angle.length <= 998 ? angle : null;
}
