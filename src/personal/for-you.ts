/**
 * The "For you" block of one reader's copy, and the papers their rules leave out of it: pure,
 * from the day's papers read once per issue (DayFeatures) and the reader's model.
 *
 * Per reader the work is a pass over the model's weights (at most MAX_FEATURES Map lookups
 * into the day's postings), the reader's rules looked up in the day's word index, and a sort
 * of the few papers that scored: a few microseconds, independent of how many readers there are.
 */
import { normaliseText } from '../digest/normalise.js';
import { termsOfPaper, type Vectoriser } from '../digest/text-features.js';
import type { Paper } from '../digest/paper.js';
import { FOR_YOU_ENTRIES } from '../render/issue-view.js';
import type { ForYouEntry } from '../render/types.js';
import type { ReaderModel } from './reader-model.js';
import { dayText, paperMatches, papersMatching, type DayText, type PhraseRule } from './rules.js';

/**
 * A paper reaches the block when its evidence (the model's weights · its TF-IDF vector) is at
 * least this share of the evidence of a typical paper the reader liked (ReaderModel.typical,
 * measured on their own positive examples when the model was trained). Relative, because a
 * model's scale depends on how many votes it was trained on: a reader with 3 votes and one with
 * 300 both have a "typical liked paper". A day where no paper clears it shows no block.
 *
 * Where 0.2 comes from: for a reader with four 👍 on video papers of the other sample days,
 * 2025-09-30's video papers land at 23-46 % of their typical evidence, every other paper at
 * 20 % or less (tests/personal/for-you.test.ts). On the personal bench (bench/personal.ts),
 * precision@5 after 5 and 20 votes was 0.35 and 0.47 at a bar of 0.15, 0.31 and 0.46 at 0.2,
 * 0.23 and 0.41 at 0.35: lower fills the block more often, but also lets in papers that
 * share only a word or two with what the reader liked, on days with nothing for them.
 */
export const FOR_YOU_BAR = 0.2;

/** The day's papers as personal ranking reads them, built once per issue. */
export interface DayFeatures {
  /** How many papers: positions 0 … count - 1 are the ranking (IssueParts.papers). */
  readonly count: number;
  /** Term → the papers (positions) that have it and its TF-IDF value in each. */
  readonly postings: ReadonlyMap<string, { readonly papers: Int32Array; readonly values: Float64Array }>;
  /** Title, abstract and AI keywords: what include, exclude and interest phrases match. */
  readonly text: DayText;
  /** Authors and organisation: what followed names match. */
  readonly people: DayText;
}

/** `papers` in the ranking order (rankedPapers), read with the current vocabulary. */
export function dayFeatures(papers: readonly Paper[], vectoriser: Vectoriser): DayFeatures {
  const postings = new Map<string, { papers: number[]; values: number[] }>();
  papers.forEach((paper, position) => {
    const vector = vectoriser.vectorOf(termsOfPaper(paper));
    vector.indices.forEach((feature, slot) => {
      const term = vectoriser.vocabulary.terms[feature]!;
      let posting = postings.get(term);
      if (posting === undefined) postings.set(term, (posting = { papers: [], values: [] }));
      posting.papers.push(position);
      posting.values.push(vector.values[slot]!);
    });
  });
  return {
    count: papers.length,
    postings: new Map([...postings].map(([term, posting]) => [term, { papers: Int32Array.from(posting.papers), values: Float64Array.from(posting.values) }])),
    text: dayText(papers.map((paper) => [paper.title, paper.abstract, ...paper.aiKeywords].map(normaliseText).join(' | '))),
    people: dayText(papers.map((paper) => [...paper.authors, paper.organization ?? ''].map(normaliseText).join(' | '))),
  };
}

export interface PersonalChoice {
  /** Positions the reader's must-exclude rules leave out of their copy, ascending. */
  excluded: number[];
  /** The "For you" block, best first; empty when nothing clears the bar. */
  forYou: ForYouEntry[];
}

/**
 * The reader's block and exclusions for the day. `unavailable` flags positions the copy does
 * not hold for other reasons (papers sent to the reader before): they are never in the block.
 */
export function personalChoice(day: DayFeatures, model: ReaderModel, unavailable?: readonly boolean[]): PersonalChoice {
  const excludedFlags = new Uint8Array(day.count);
  for (const rule of model.exclude) for (const position of papersMatching(day.text, rule)) excludedFlags[position] = 1;
  const isOpen = (position: number) => excludedFlags[position] === 0 && unavailable?.[position] !== true;

  const evidence = new Float64Array(day.count);
  for (const term in model.weights) {
    const posting = day.postings.get(term);
    if (posting === undefined) continue;
    const weight = model.weights[term]!;
    for (let slot = 0; slot < posting.papers.length; slot += 1) evidence[posting.papers[slot]!]! += weight * posting.values[slot]!;
  }

  const forced = new Map<number, string>();
  const force = (rules: readonly PhraseRule[], field: DayText, reason: (rule: PhraseRule) => string) => {
    for (const rule of rules) for (const position of papersMatching(field, rule)) if (isOpen(position) && !forced.has(position)) forced.set(position, reason(rule));
  };
  force(model.follow, day.people, (rule) => `you follow ${rule.phrase}`);
  force(model.include, day.text, (rule) => `matches: ${rule.phrase}`);

  const bar = FOR_YOU_BAR * model.typical;
  const chosen: number[] = [];
  for (let position = 0; position < day.count; position += 1) {
    if (isOpen(position) && (forced.has(position) || (model.typical > 0 && evidence[position]! > 0 && evidence[position]! >= bar))) chosen.push(position);
  }
  // Rules first (they always reach the block), then by evidence; ties keep the day's ranking.
  chosen.sort((a, b) => Number(forced.has(b)) - Number(forced.has(a)) || evidence[b]! - evidence[a]! || a - b);
  const forYou = chosen.slice(0, FOR_YOU_ENTRIES).map((position) => ({ position, reason: forced.get(position) ?? learnedReason(day, model, position) }));

  const excluded: number[] = [];
  excludedFlags.forEach((flag, position) => {
    if (flag === 1) excluded.push(position);
  });
  return { excluded, forYou };
}

/** A paper the model chose: the interest phrase it matches, else the papers the reader liked. */
function learnedReason(day: DayFeatures, model: ReaderModel, position: number): string {
  const phrase = model.interests.find((rule) => paperMatches(day.text, position, rule));
  if (phrase !== undefined) return `matches: ${phrase.phrase}`;
  return model.liked.length > 0 ? 'like papers you 👍' : 'close to your interests';
}
