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
}

export function compilePattern(match: string): TextPattern {
  const trimmed = match.trim();
  if (!trimmed.endsWith('*')) return { words: normaliseText(trimmed), prefix: false };
  const words = rawWords(trimmed.slice(0, -1));
  // A stem is kept as written: folding the "s" off "gaussians*" would match more than was asked for.
  const folded = [...words.slice(0, -1).map(singular), ...words.slice(-1)];
  return { words: folded.join(' '), prefix: true };
}

/** Whole-word match of a pattern inside already-normalised text. */
export function matchesPattern(normalisedText: string, pattern: TextPattern): boolean {
  return matchesPaddedPattern(` ${normalisedText} `, pattern);
}

/**
 * The same on normalised text padded with a space at each end (` ${text} `), for text matched
 * many times (a day's abstracts, against every reader's rules): padding once spares a copy
 * of the text per match.
 */
export function matchesPaddedPattern(paddedText: string, pattern: TextPattern): boolean {
  if (pattern.words === '') return false;
  return paddedText.includes(pattern.prefix ? ` ${pattern.words}` : ` ${pattern.words} `);
}
