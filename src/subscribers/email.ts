/**
 * Normalisation of what people type into forms, CSV cells and the command line:
 * email addresses, display names and topic choices. An address that passes here can
 * be put in a To: header as it is — anything that could smuggle a second recipient or
 * a header (line breaks, commas, angle brackets, quotes, whitespace) is refused.
 */
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { PapermailError } from '../errors.js';

// z.email()'s default pattern is ASCII-only, so the domain is converted to punycode first.
const AddressSchema = z.email();

/** RFC 5321 limits: 64 octets of local part, 254 for the whole forward path. */
const MAX_LOCAL_LENGTH = 64;
const MAX_ADDRESS_LENGTH = 254;
const MAX_NAME_LENGTH = 100;

/** Checks with a reason a person can act on, before the general syntax check. */
const forbidden: Array<{ pattern: RegExp; reason: string }> = [
  { pattern: /[\r\n]/, reason: 'contains a line break' },
  { pattern: /[\p{Cc}\p{Cf}]/u, reason: 'contains a control character' },
  { pattern: /[,;]/, reason: 'lists more than one address; give one' },
  { pattern: /[<>]/, reason: 'contains angle brackets; give the bare address' },
  { pattern: /["`]/, reason: 'contains quotes' },
  { pattern: /\s/u, reason: 'contains whitespace' },
];

/**
 * Trims, lower-cases the domain (the local part keeps its case: RFC 5321 lets a server
 * treat it as case-sensitive), converts an international domain to punycode, and throws
 * PapermailError('EINPUT') for anything that is not one plausible address.
 */
export function normaliseEmail(input: string): string {
  if (isNormalisedPlainAddress(input)) return input;
  if (typeof input !== 'string') throw invalidEmail(String(input), 'is not text');
  const address = input.trim();
  if (address === '') throw new PapermailError('EINPUT', 'email is empty');
  for (const { pattern, reason } of forbidden) {
    if (pattern.test(address)) throw invalidEmail(input, reason);
  }
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw invalidEmail(input, 'needs one "@" between a name and a domain');
  const local = address.slice(0, at);
  const domain = domainToASCII(address.slice(at + 1).toLowerCase());
  if (domain === '') throw invalidEmail(input, 'has a domain that is not a valid host name');
  const normalised = `${local}@${domain}`;
  if (local.length > MAX_LOCAL_LENGTH || normalised.length > MAX_ADDRESS_LENGTH) throw invalidEmail(input, 'is too long');
  if (!AddressSchema.safeParse(normalised).success) throw invalidEmail(input);
  return normalised;
}

/**
 * An address that normaliseEmail returns as it is: a dot-atom of letters, digits and _+-, and a
 * lower-case ASCII domain (no punycode label) ending in a TLD of letters, within the length
 * limits — what the store holds for nearly everyone. The send loop checks every recipient's
 * address again, so this answers without the full checks (tests/subscribers/email.test.ts
 * compares it with them).
 */
const NORMALISED_PLAIN_ADDRESS = /^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[a-z0-9][a-z0-9-]*\.)+[a-z]{2,}$/;

function isNormalisedPlainAddress(input: string): boolean {
  return (
    typeof input === 'string' &&
    input.length <= MAX_ADDRESS_LENGTH &&
    NORMALISED_PLAIN_ADDRESS.test(input) &&
    input.indexOf('@') <= MAX_LOCAL_LENGTH &&
    !input.includes('xn--')
  );
}

function invalidEmail(input: string, reason?: string): PapermailError {
  const shown = input.length > 100 ? `${input.slice(0, 100)}…` : input;
  // JSON.stringify shows CR/LF as \r\n, so a hostile value cannot forge log lines either.
  return new PapermailError('EINPUT', `email ${JSON.stringify(shown)} is not a valid address${reason ? ` (${reason})` : ''}`);
}

// Bidirectional overrides and other format characters can disguise a name in a mail client.
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/gu;
// A cell starting with one of these runs as a formula when an exported CSV is opened in a spreadsheet.
const FORMULA_START = /^[=+\-@]+/;

/**
 * Trims, removes control and format characters (CR/LF included), collapses runs of
 * whitespace, drops leading spreadsheet-formula characters, and keeps at most 100
 * characters. Nothing left means no name (null).
 */
export function normaliseName(input?: string | null): string | null {
  if (input === undefined || input === null) return null;
  const cleaned = String(input)
    .replace(CONTROL_OR_FORMAT, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(FORMULA_START, '')
    .trim();
  // Cut by code points so a character outside the BMP is never split in half.
  const name = Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join('').trim();
  return name === '' ? null : name;
}

/** The word that means "every topic" in a form field, a CSV cell or --topics. */
export const ALL_TOPICS = 'all';

/**
 * Reads a topic choice: a comma-, semicolon- or space-separated string, or a list (a
 * form's repeated checkbox). Returns the slugs in catalogue order without repeats, or
 * null for "every topic" (empty, or "all" anywhere). An unknown slug is an EINPUT
 * error that names it.
 */
export function parseTopics(input: string | string[] | undefined, knownSlugs: string[]): string[] | null {
  if (input === undefined) return null;
  const parts = (Array.isArray(input) ? input : [input])
    .flatMap((part) => String(part).split(/[\s,;]+/u))
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
  if (parts.length === 0 || parts.includes(ALL_TOPICS)) return null;
  const unknown = parts.filter((slug) => !knownSlugs.includes(slug));
  if (unknown.length > 0) {
    const listed = unknown.map((slug) => JSON.stringify(slug)).join(', ');
    const choices = knownSlugs.join(', ') || '(no topics configured)';
    throw new PapermailError('EINPUT', `unknown topic${unknown.length > 1 ? 's' : ''} ${listed}; choose from ${choices} or "${ALL_TOPICS}"`);
  }
  return knownSlugs.filter((slug) => parts.includes(slug));
}
