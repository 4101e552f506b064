/**
 * Normalising the untrusted text of a paper list. arXiv titles and abstracts arrive wrapped at
 * about 80 columns with the continuation indented ("Large Multimodal\n  Models"), and organisation
 * names come with stray spaces ("shanghai ailab ").
 */

// C0/C1 control characters and the Unicode line/paragraph separators count as white space here:
// none of them can be shown in a title, and a stray one would break a one-line log or subject.
const WHITE_SPACE_RUN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g;

/** One line: every run of white space (line breaks included) becomes a single space. */
export function foldToOneLine(text: string): string {
  return text.replace(WHITE_SPACE_RUN, ' ').trim();
}

/**
 * Undoes hard wrapping but keeps paragraphs: a blank line separates paragraphs, any other
 * line break is a wrap and becomes a space.
 */
export function unwrapParagraphs(text: string): string {
  return text
    .split(/\r?\n[ \t\u00a0]*(?:\r?\n[ \t\u00a0]*)+/)
    .map(foldToOneLine)
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
}

/** Trimmed and folded, or undefined when nothing is left: optional fields are absent, never "". */
export function nonBlank(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined) return undefined;
  const folded = foldToOneLine(text);
  return folded === '' ? undefined : folded;
}

/** Lower-case letters and digits joined by hyphens, accents removed: "S^{2}FT: Fine-tuning" → "s-2-ft-fine-tuning". */
export function slugOf(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/** A value shown inside a one-line message: quoted, folded and cut short. */
export function quoted(text: string, maxLength = 60): string {
  const folded = foldToOneLine(text);
  return JSON.stringify(folded.length > maxLength ? `${folded.slice(0, maxLength - 1)}…` : folded);
}
