/**
 * Text normalisation for topic matching. Rules in topics.json and paper text go through the
 * same functions, so "LLMs", "LLM" and "llm" meet, and so do "text-to-image" and "text to image".
 */

/** Lower-cased words separated by single spaces: punctuation gone, plurals folded. */
export function normaliseText(text: string): string {
  return rawWords(text).map(singular).join(' ');
}

/** Lower-case words without accents; every mark that is not a letter or digit separates words. */
function rawWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents: "Boletín" → "boletin"
    .toLowerCase()
    .replace(/['’]/g, '') // "Euclid's" is one word, not "euclid s"
    .split(/[^\p{L}\p{N}]+/u) // hyphens, underscores, slashes, dots, brackets
    .filter((word) => word !== '');
}

/**
 * A crude singular, good enough because both sides of every comparison are folded the same way:
 * it only has to map a plural and its singular to one form, not produce real English.
 */
function singular(word: string): string {
  if (word.length < 3 || !word.endsWith('s')) return word;
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word; // loss, corpus, analysis
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`; // policies → policy
  if (/(?:sses|ches|shes|xes)$/.test(word)) return word.slice(0, -2); // processes, patches, boxes
  return word.slice(0, -1); // models → model, LLMs → llm
}

/** A rule's text, normalised once when the taxonomy is loaded. */
export interface TextPattern {
  /** Normalised words, e.g. "diffusion model". */
  words: string;
  /** True when the rule ended in "*": its last word then matches any word it begins ("quantiz*"). */
  prefix: boolean;
  /** True when the rule began with "*": its first word then matches any word it ends ("*bench": OmniBench, IWR-Bench). */
  suffix: boolean;
  /** What a padded text must contain: the words with a space on each side that is not a "*". */
  needle: string;
  /**
   * A word the text must have whole, or null when the first word is a stem: most rules fail on
   * it, and a set lookup rejects them without searching the whole abstract.
   */
  firstWord: string | null;
}

export function compilePattern(match: string): TextPattern {
  const trimmed = match.trim();
  const suffix = trimmed.startsWith('*');
  const prefix = trimmed.endsWith('*') && trimmed.length > 1;
  const inner = trimmed.slice(suffix ? 1 : 0, prefix ? -1 : undefined);
  let words: string;
  if (!prefix) words = normaliseText(inner);
  else {
    const raw = rawWords(inner);
    // A stem is kept as written: folding the "s" off "gaussians*" would match more than was asked for.
    words = [...raw.slice(0, -1).map(singular), ...raw.slice(-1)].join(' ');
  }
  const space = words.indexOf(' ');
  const firstWord = suffix || (prefix && space < 0) ? null : space < 0 ? words : words.slice(0, space);
  return { words, prefix, suffix, needle: `${suffix ? '' : ' '}${words}${prefix ? '' : ' '}`, firstWord };
}

/** Normalised text made ready for matching many patterns against: padded once, its words in a set. */
export interface MatchableText {
  padded: string;
  words: ReadonlySet<string>;
}

export function matchableText(normalisedText: string): MatchableText {
  return { padded: ` ${normalisedText} `, words: new Set(normalisedText.split(' ')) };
}

/** Whole-word match of a pattern inside already-normalised text. */
export function matchesPattern(text: string | MatchableText, pattern: TextPattern): boolean {
  if (pattern.words === '') return false;
  const prepared = typeof text === 'string' ? matchableText(text) : text;
  if (pattern.firstWord !== null && !prepared.words.has(pattern.firstWord)) return false;
  return prepared.padded.includes(pattern.needle);
}

/**
 * The same for a rule kept as data with only its words and prefix flag (a reader's phrase in a
 * stored model, src/personal/rules.ts), on text padded with a space at each end once for many
 * matches (a day's abstracts, against every reader's rules).
 */
export function matchesPaddedPattern(paddedText: string, pattern: Pick<TextPattern, 'words' | 'prefix'>): boolean {
  if (pattern.words === '') return false;
  return paddedText.includes(pattern.prefix ? ` ${pattern.words}` : ` ${pattern.words} `);
}
