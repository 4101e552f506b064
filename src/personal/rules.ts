/**
 * A reader's keyword and author rules, matched as topic rules are (src/digest/normalise.ts):
 * the same folding, whole words, a trailing "*" for word beginnings. Matching runs against an
 * index of the day built once per issue (DayText), so a reader's rule costs a Map lookup or
 * two, not a scan of every abstract.
 */
import { z } from 'zod';
import { compilePattern, matchesPaddedPattern, normaliseText, type TextPattern } from '../digest/normalise.js';

/** A rule as a reader's model keeps it: the phrase as they wrote it (for the reason shown) and its pattern. */
export const PhraseRuleSchema = z.strictObject({
  phrase: z.string(),
  words: z.string(),
  prefix: z.boolean(),
});
export type PhraseRule = z.infer<typeof PhraseRuleSchema>;

export function phraseRule(phrase: string): PhraseRule {
  const pattern = compilePattern(phrase);
  return { phrase: phrase.trim(), words: pattern.words, prefix: pattern.prefix };
}

/** The phrases of an interests text: split at commas, semicolons and line breaks ("speculative decoding, KV cache"). */
export function interestPhrases(text: string): string[] {
  return text
    .split(/[,;\n]+/)
    .map((phrase) => phrase.trim())
    .filter((phrase) => phrase !== '' && normaliseText(phrase) !== '');
}

/** One field of the day's papers (their text, or their authors and organisation), indexed by word. */
export interface DayText {
  /** Each paper's field, normalised and padded with a space at each end, by its position in the ranking. */
  readonly padded: readonly string[];
  /** Word → the positions of the papers whose field has it, ascending. */
  readonly papersByWord: ReadonlyMap<string, readonly number[]>;
  /** Every word of the field, sorted: word beginnings ("quantiz*") are a range of it. */
  readonly words: readonly string[];
}

/** Indexes one field of the day's papers, normalised; a list of names is joined with " | " so a phrase never spans two names. */
export function dayText(fields: readonly string[]): DayText {
  const papersByWord = new Map<string, number[]>();
  fields.forEach((field, position) => {
    for (const word of new Set(field.split(' '))) {
      if (word === '' || word === '|') continue;
      let papers = papersByWord.get(word);
      if (papers === undefined) papersByWord.set(word, (papers = []));
      papers.push(position);
    }
  });
  return { padded: fields.map((field) => ` ${field} `), papersByWord, words: [...papersByWord.keys()].sort() };
}

/** The positions of the day's papers whose field matches the rule, ascending. */
export function papersMatching(day: DayText, rule: Pick<TextPattern, 'words' | 'prefix'>): number[] {
  if (rule.words === '') return [];
  const words = rule.words.split(' ');
  const single = words.length === 1;
  if (single && rule.prefix) return papersWithWordBeginning(day, words[0]!);
  // The first whole word narrows the papers to a few; a phrase is then checked on those only.
  // (Only a phrase's last word can be a word beginning, so its first is always whole.)
  const candidates = day.papersByWord.get(words[0]!) ?? [];
  if (single) return [...candidates];
  return candidates.filter((position) => matchesPaddedPattern(day.padded[position]!, rule));
}

function papersWithWordBeginning(day: DayText, stem: string): number[] {
  const found = new Set<number>();
  let low = 0;
  let high = day.words.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (day.words[middle]! < stem) low = middle + 1;
    else high = middle;
  }
  for (let index = low; index < day.words.length && day.words[index]!.startsWith(stem); index += 1) {
    for (const position of day.papersByWord.get(day.words[index]!)!) found.add(position);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * Whether one paper's field matches the rule (for the few papers a block shows): first whether
 * the paper has each whole word of it at all (a lookup each), and only then where.
 */
export function paperMatches(day: DayText, position: number, rule: Pick<TextPattern, 'words' | 'prefix'>): boolean {
  if (rule.words === '') return false;
  const words = rule.words.split(' ');
  const whole = rule.prefix ? words.length - 1 : words.length;
  for (let index = 0; index < whole; index += 1) {
    const papers = day.papersByWord.get(words[index]!);
    if (papers === undefined || !papers.includes(position)) return false;
  }
  return words.length === 1 && !rule.prefix ? true : matchesPaddedPattern(day.padded[position]!, rule);
}
