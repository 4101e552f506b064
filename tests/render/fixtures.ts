/** Shared inputs for the render tests. */
import type { IssueOptions, RecipientFields } from '../../src/render/index.js';

export const OPTIONS: IssueOptions = {
  newsletterName: 'papermail',
  postalAddress: 'papermail, 1 Example Street, 00000 Example City',
  publicUrl: 'https://papers.example.com',
};

export function recipient(id: string, overrides: Partial<RecipientFields> = {}): RecipientFields {
  return {
    name: `Reader ${id}`,
    email: `reader-${id}@example.com`,
    unsubscribeUrl: `https://papers.example.com/unsubscribe?token=unsub-${id}`,
    preferencesUrl: `https://papers.example.com/preferences?token=prefs-${id}`,
    viewInBrowserUrl: 'https://papers.example.com/archive/2025-09-30',
    ...overrides,
  };
}

/** The href values of every link in an HTML document, entity-decoded the way a browser reads them. */
export function hrefs(html: string): string[] {
  return [...html.matchAll(/<a\b[^>]*\shref="([^"]*)"/gi)].map((match) => decodeEntities(match[1]!));
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
