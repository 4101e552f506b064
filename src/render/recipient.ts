import { PapermailError } from '../errors.js';
import type { PlaceholderValues } from './placeholders.js';
import { foldWhitespace } from './text.js';
import type { RecipientFields } from './types.js';

/** The placeholders an issue leaves for the per-recipient stage. */
export const RECIPIENT_PLACEHOLDERS = ['name', 'email', 'unsubscribeUrl', 'preferencesUrl', 'viewInBrowserUrl'] as const;

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
  };
}

function checkedUrl(value: string, field: string): string {
  if (!HTTP_URL.test(value)) {
    throw new PapermailError('EINPUT', `${field} must be a single-line http(s) URL (got ${JSON.stringify(value)})`);
  }
  return value;
}
