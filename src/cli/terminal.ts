/**
 * What papermail prints comes partly from paper lists nobody here wrote. Direction overrides
 * (U+202E shows "moc.elpmaxe" as "example.com") and control characters (escape sequences that
 * recolour or rewrite the terminal) are removed or escaped before anything reaches a terminal,
 * as the email already does (render/text.ts).
 */
import { BIDI_CONTROLS } from '../render/text.js';

// C0 and C1 controls except tab and line feed, which papermail's own output uses.
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text safe to print: direction overrides dropped, other control characters shown as spaces. */
export function terminalText(text: string): string {
  return text.replace(BIDI_CONTROLS, '').replace(TERMINAL_CONTROLS, ' ');
}

// JSON.stringify escapes C0 controls itself; these it leaves raw inside strings.
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** Pretty JSON whose strings carry direction and C1 control characters as \u escapes: the same data, printed harmlessly. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(RAW_IN_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
