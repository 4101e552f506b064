/**
 * VERP return paths (variable envelope return path): with BOUNCE_ADDRESS=bounces@example.org
 * an issue's message to subscriber 42 on 2025-10-01 has the envelope sender
 *
 *     bounces+20251001-42-<20 hex digits of a MAC>@example.org
 *
 * and its message of the weekly issue 2025-W40 has `bounces+2025w40-42-<MAC>@example.org` (a lower-case
 * "w": the week's id, as lower-cased mail systems would return it anyway).
 *
 * A delivery status notification goes to the envelope sender, so the address it was sent to
 * names the delivery even when the report quotes nothing of the original message (many
 * don't). The MAC (HMAC-SHA256 under the app secret, bound to this purpose) makes a tag
 * unforgeable: a report to a made-up tag cannot suppress anyone. Lower-case hex and digits
 * only, because some mail systems lower-case the local part on the way back. The local part
 * stays well under RFC 5321's 64 characters (about 45 for a six-digit subscriber id).
 */
import { timingSafeEqual } from 'node:crypto';
import { isWeekIssueId } from '../digest/issue-id.js';
import { secretHmac } from '../subscribers/tokens.js';
import type { DeliveryRef } from './delivery-event.js';

const MAC_CONTEXT = 'papermail-return-path-v1\n';
const MAC_HEX_DIGITS = 20;
/** The stamp is a day (20251001) or a week (2025w40), then the subscriber id, then the MAC. */
const TAG = /^(\d{8}|\d{4}w\d{2})-([1-9]\d{0,15})-([0-9a-f]{20})$/;

/** The envelope sender of `delivery`'s message: BOUNCE_ADDRESS with a signed tag after a "+". */
export function returnPathFor(bounceAddress: string, delivery: DeliveryRef, secret: string): string {
  const { local, domain } = splitAddress(bounceAddress);
  const stamp = stampOf(delivery.issueDate);
  return `${local}+${stamp}-${delivery.subscriberId}-${tagMac(secret, stamp, delivery.subscriberId)}@${domain}`;
}

/** What an address says about a delivery, read against BOUNCE_ADDRESS. */
export type ReturnPathReading =
  /** A tag of ours that verifies: the report is about this delivery. */
  | { kind: 'delivery'; delivery: DeliveryRef }
  /** Our bounce address with a tag that does not verify (altered, or from another installation): ignore it, and log it. */
  | { kind: 'forged'; tag: string }
  /** Not a tagged bounce address of ours. */
  | { kind: 'other' };

/**
 * Reads `address` (a bare address, `<address>` or `Name <address>`, any case) as one of our
 * tagged return paths. Pure: the caller logs a forged tag.
 */
export function readReturnPath(address: string, bounceAddress: string, secret: string): ReturnPathReading {
  const bare = bareAddress(address);
  const ours = splitAddress(bounceAddress);
  const at = bare.lastIndexOf('@');
  if (at <= 0) return { kind: 'other' };
  const local = bare.slice(0, at);
  const domain = bare.slice(at + 1).toLowerCase();
  const plus = local.indexOf('+');
  if (plus < 0 || domain !== ours.domain || local.slice(0, plus).toLowerCase() !== ours.local.toLowerCase()) return { kind: 'other' };
  const tag = local.slice(plus + 1).toLowerCase();
  const parts = TAG.exec(tag);
  if (!parts) return { kind: 'forged', tag };
  const [, stamp, id, mac] = parts as unknown as [string, string, string, string];
  const subscriberId = Number(id);
  const expected = Buffer.from(tagMac(secret, stamp, subscriberId), 'latin1');
  if (!Number.isSafeInteger(subscriberId) || !timingSafeEqual(expected, Buffer.from(mac, 'latin1'))) return { kind: 'forged', tag };
  return { kind: 'delivery', delivery: { issueDate: issueIdOfStamp(stamp), subscriberId } };
}

/** "2025-10-01" → "20251001"; a weekly issue's "2025-W40" → "2025w40". */
function stampOf(issueId: string): string {
  return isWeekIssueId(issueId) ? issueId.replace('-W', 'w') : issueId.replaceAll('-', '');
}

function issueIdOfStamp(stamp: string): string {
  return stamp.includes('w') ? stamp.replace('w', '-W') : `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6)}`;
}

function tagMac(secret: string, stamp: string, subscriberId: number): string {
  return secretHmac(secret, `${MAC_CONTEXT}${stamp}\n${subscriberId}`, 'hex').slice(0, MAC_HEX_DIGITS);
}

/** The address inside `Name <address>` or `<address>`, trimmed. */
function bareAddress(value: string): string {
  const angle = /<([^<>]*)>/.exec(value);
  return (angle ? angle[1]! : value).trim();
}

function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}
