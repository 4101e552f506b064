/**
 * The "For you" block of one reader's copy, and the papers their rules leave out of it: pure,
 * from the day's papers read once per issue (DayFeatures) and the reader's model.
 *
 * Per reader the work is a pass over the model's weights (at most MAX_FEATURES Map lookups
 * into the day's postings), the reader's rules looked up in the day's word index, and a sort
 * of the few papers that scored: a few microseconds, independent of how many readers there are.
 */
import { normaliseText } from '../digest/normalise.js';
import { termKey, termsOfPaper, type Vectoriser } from '../digest/text-features.js';
import type { Paper } from '../digest/paper.js';
import { FOR_YOU_ENTRIES } from '../render/issue-view.js';
import type { ForYouEntry } from '../render/types.js';
import type { ReaderModel } from './reader-model.js';
import { dayText, paperMatches, papersMatching, type DayText } from './rules.js';

/**
 * A paper reaches the block when its evidence (the model's weights · its TF-IDF vector) is at
 * least this share of the evidence of a typical paper the reader liked (ReaderModel.typical,
 * measured on their own positive examples when the model was trained). Relative, because a
 * model's scale depends on how many votes it was trained on: a reader with 3 votes and one with
 * 300 both have a "typical liked paper". A day where no paper clears it shows no block.
 *
 * Where 0.25 comes from: for a reader with four 👍 on video papers of the other sample days,
 * four of 2025-09-30's video papers land at 35-48 % of their typical evidence, a fifth at 24 %,
 * a long-horizon speech paper at 22 % and every other paper at 16 % or less
 * (tests/personal/for-you.test.ts). On the personal bench (bench/personal.ts), precision@5
 * after 5 and 20 votes was 0.37 and 0.49 at a bar of 0.15, 0.35 and 0.49 at 0.2, 0.28 and 0.49
 * at 0.25, 0.26 and 0.45 at 0.3: a lower bar fills the block sooner for a new reader, but lets
 * in papers that share only a word or two with what they liked on days with nothing for them.
 */
export const FOR_YOU_BAR = 0.25;

/** The day's papers as personal ranking reads them, built once per issue. */
export interface DayFeatures {
  /** How many papers: positions 0 … count - 1 are the ranking (IssueParts.papers). */
  readonly count: number;
  /** Term (as its termKey) → the papers (positions) that have it and its TF-IDF value in each. */
  readonly postings: ReadonlyMap<number, { readonly papers: Int32Array; readonly values: Float64Array }>;
  /** Title, abstract and AI keywords: what include, exclude and interest phrases match. */
  readonly text: DayText;
  /** Authors and organisation: what followed names match. */
  readonly people: DayText;
}

/** `papers` in the ranking order (rankedPapers), read with the current vocabulary. */
export function dayFeatures(papers: readonly Paper[], vectoriser: Vectoriser): DayFeatures {
  const postings = new Map<number, { papers: number[]; values: number[] }>();
  const keys = vectoriser.vocabulary.terms.map(termKey);
  papers.forEach((paper, position) => {
    const vector = vectoriser.vectorOf(termsOfPaper(paper));
    vector.indices.forEach((feature, slot) => {
      const term = keys[feature]!;
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
 * Written as plain loops: it runs once per recipient, and closures cost here what the rest does.
 */
export function personalChoice(day: DayFeatures, model: ReaderModel, unavailable?: readonly boolean[]): PersonalChoice {
  const count = day.count;
  const excluded: number[] = [];
  let closed: Uint8Array | undefined;
  if (model.exclude.length > 0) {
    closed = new Uint8Array(count);
    for (const rule of model.exclude) for (const position of papersMatching(day.text, rule)) closed[position] = 1;
    for (let position = 0; position < count; position += 1) if (closed[position] === 1) excluded.push(position);
  }

  const evidence = new Float64Array(count);
  const { keys, weights } = model;
  for (let feature = 0; feature < keys.length; feature += 1) {
    const posting = day.postings.get(keys[feature]!);
    if (posting === undefined) continue;
    const weight = weights[feature]!;
    for (let slot = 0; slot < posting.papers.length; slot += 1) evidence[posting.papers[slot]!]! += weight * posting.values[slot]!;
  }

  // Rules first: they always reach the block, whatever the model says.
  let forced: Map<number, string> | undefined;
  if (model.follow.length > 0 || model.include.length > 0) {
    forced = new Map();
    for (const rule of model.follow) for (const position of papersMatching(day.people, rule)) if (!forced.has(position)) forced.set(position, `you follow ${rule.phrase}`);
    for (const rule of model.include) for (const position of papersMatching(day.text, rule)) if (!forced.has(position)) forced.set(position, `matches: ${rule.phrase}`);
  }

  const bar = model.typical > 0 ? Math.max(Number.MIN_VALUE, FOR_YOU_BAR * model.typical) : Number.POSITIVE_INFINITY;
  const chosen: number[] = [];
  for (let position = 0; position < count; position += 1) {
    if (closed?.[position] === 1 || unavailable?.[position] === true) continue;
    if (evidence[position]! >= bar || forced?.has(position) === true) chosen.push(position);
  }
  // Then by evidence; ties keep the day's ranking.
  if (chosen.length > 1) chosen.sort((a, b) => Number(forced?.has(b) === true) - Number(forced?.has(a) === true) || evidence[b]! - evidence[a]! || a - b);
  const forYou: ForYouEntry[] = [];
  for (let index = 0; index < chosen.length && index < FOR_YOU_ENTRIES; index += 1) {
    const position = chosen[index]!;
    forYou.push({ position, reason: forced?.get(position) ?? learnedReason(day, model, position) });
  }
  return { excluded, forYou };
}

/** A paper the model chose: the interest phrase it matches, else the papers the reader liked. */
function learnedReason(day: DayFeatures, model: ReaderModel, position: number): string {
  const phrase = model.interests.find((rule) => paperMatches(day.text, position, rule));
  if (phrase !== undefined) return `matches: ${phrase.phrase}`;
  return model.liked > 0 ? 'like papers you 👍' : 'close to your interests';
}
