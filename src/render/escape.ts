/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  // Most values (every link, most names) have nothing to escape: one scan, no new string.
  return NEEDS_ESCAPE.test(text) ? text.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character]!) : text;
}

const NEEDS_ESCAPE = /[&<>"']/;

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
