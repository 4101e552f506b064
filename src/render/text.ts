/**
 * Plain-string helpers shared by the HTML and text renderings. Paper text is untrusted and
 * arrives with hard line breaks (arXiv abstracts are wrapped at ~80 columns).
 */

/** Collapses line breaks, tabs, runs of spaces and other control characters to single spaces. */
export function foldWhitespace(text: string): string {
  return text
    .replace(BIDI_CONTROLS, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ')
    .trim();
}

/** Direction overrides can make untrusted text display as something else ("moc.elpmaxe"). */
export const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * Breaks every `{{` in untrusted text. Rendered issues are themselves Handlebars templates
 * (the per-recipient stage), so a title containing `{{unsubscribeUrl}}` must not become a
 * placeholder there. A zero-width space keeps the text looking the same to a reader.
 */
export function inertBraces(text: string): string {
  return text.replace(/\{(?=\{)/g, '{\u200b');
}

/** One line of untrusted text, safe to place in an issue (folded, brace-inert; escaping is the template's job). */
export function untrustedText(text: string): string {
  return inertBraces(foldWhitespace(text));
}

/** Cuts `text` to at most `maxLength` characters at a word boundary, adding an ellipsis when cut. */
export function trimAtWordBoundary(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const room = text.slice(0, maxLength); // keeps room for the ellipsis that replaces the cut word
  const lastSpace = room.lastIndexOf(' ');
  // A single very long "word" (a URL, a formula) is cut mid-word rather than dropped.
  const cut = lastSpace > maxLength * 0.6 ? room.slice(0, lastSpace) : room.slice(0, maxLength - 1);
  return cut.replace(/[\s,;:.\-–—(]+$/u, '') + '…';
}

/** Word-wraps one paragraph to `width` columns, each line prefixed with `indent` spaces. */
export function wrapText(text: string, width = 72, indent = 0): string {
  const prefix = ' '.repeat(indent);
  const room = Math.max(20, width - indent);
  const lines: string[] = [];
  let line = '';
  for (const word of foldWhitespace(text).split(' ')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= room) line += ' ' + word;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((each) => prefix + each).join('\n');
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
