import type { Interests } from './reader-signals.js';

/**
 * Lists of keywords, authors and organisations as people type them — on the preferences
 * page, in `subscribers add --include "a, b"`, in a CSV cell — and as papermail writes them
 * back. One reading everywhere, so what an export writes an import reads the same.
 */

/** Entries separated by commas, semicolons or line breaks; blanks and repeats dropped, order kept. */
export function splitInterestList(text: string): string[] {
  const entries = text
    .split(/[,;\r\n]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return [...new Set(entries)];
}

/** A list as one line of text, read back by splitInterestList. */
export function joinInterestList(entries: readonly string[]): string {
  return entries.join(', ');
}

/** The interest fields an operator gave (`subscribers add` options, a file's columns), or undefined for none: each replaces that field only. */
export function givenInterests(fields: { [Field in keyof Interests]: Interests[Field] | undefined }): Partial<Interests> | undefined {
  const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<Interests>;
  return Object.keys(given).length === 0 ? undefined : given;
}
