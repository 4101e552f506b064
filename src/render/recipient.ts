import { PapermailError } from '../errors.js';
import type { PlaceholderValues } from './placeholders.js';
import { foldWhitespace } from './text.js';
import type { RecipientFields } from './types.js';

/** The placeholders an issue leaves for the per-recipient stage. */
export const RECIPIENT_PLACEHOLDERS = ['name', 'email', 'unsubscribeUrl', 'preferencesUrl', 'viewInBrowserUrl', 'voteUrl'] as const;

/**
 * What the size plan counts for the slots whose values are long, per occurrence: a copy's vote
 * link (`https://papers.example.org/vote?token=` and a token of about 33 characters: 71 bytes,
 * with room for a longer PUBLIC_URL), which every paper card holds twice, and a "For you"
 * reason ("matches: " and a phrase of up to 100 characters). Other slots count as their
 * placeholders do; HTML_BUDGET_BYTES leaves room for those.
 */
export const PLANNED_SLOT_BYTES: Readonly<Record<string, number>> = { voteUrl: 100, forYouReason: 120 };

const NAME_LENGTH = 80;
/** Cheap on purpose (runs per recipient): one line, http(s), nothing that could leave an attribute. */
const HTTP_URL = /^https?:\/\/[^\s"'<>`{}\\]+$/i;

/**
 * A recipient's fields, made safe for both parts: the HTML part escapes them again, but the
 * text part does not, so names are folded to one line (no injected headers-looking lines or
 * fake footers) and links must be single-line http(s) URLs.
 */
export function recipientValues(fields: RecipientFields): PlaceholderValues {
  const name = fields.name ? foldWhitespace(fields.name).slice(0, NAME_LENGTH).trim() : '';
  return {
    name: name === '' ? null : name,
    email: foldWhitespace(fields.email),
    unsubscribeUrl: checkedUrl(fields.unsubscribeUrl, 'unsubscribeUrl'),
    preferencesUrl: checkedUrl(fields.preferencesUrl, 'preferencesUrl'),
    viewInBrowserUrl: checkedUrl(fields.viewInBrowserUrl, 'viewInBrowserUrl'),
    voteUrl: fields.voteUrl ? checkedUrl(fields.voteUrl, 'voteUrl') : null,
  };
}

function checkedUrl(value: string, field: string): string {
  if (!HTTP_URL.test(value)) {
    throw new PapermailError('EINPUT', `${field} must be a single-line http(s) URL (got ${JSON.stringify(value)})`);
  }
  return value;
}
