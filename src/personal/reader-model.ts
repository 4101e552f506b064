/**
 * A reader's model: a linear model over TF-IDF features of title, abstract and AI keywords
 * (src/digest/text-features.ts, src/digest/linear-model.ts), trained on their 👍 (1) and 👎 (0)
 * and, for a cold start, on their interests, plus the rules they wrote. Trained when their votes
 * or interests change (retrain.ts), never per send; the same signals and archive always give the
 * same model.
 *
 * Cold start, deterministic:
 *  - the interests text and the must-include phrases are one positive document, counting as
 *    INTERESTS_WEIGHT votes (so a few real votes soon outweigh it);
 *  - the WEAK_NEGATIVES papers of the archive least like the reader's positives (cosine to their
 *    centroid, ties by arXiv id) are negatives counting WEAK_NEGATIVE_WEIGHT each: without any
 *    negative a logistic model only learns "everything is liked".
 *
 * Stored compact (StoredReaderModel.json): only the MAX_FEATURES strongest weights, keyed by
 * their terms (termKey) rather than by feature number, so a model keeps working when the
 * vocabulary is refitted.
 */
import { z } from 'zod';
import { arxivIdWithoutVersion } from '../digest/paper.js';
import { trainLogisticModel, type TrainingExample } from '../digest/linear-model.js';
import { cosineSimilarity, termKey, termsOfPaper, termsOfText, type PaperText, type SparseVector, type Vectoriser } from '../digest/text-features.js';
import { PapermailError } from '../errors.js';
import { frozenUnreadable } from '../render/issue-parts.js';
import { hasInterests, type ReaderSignals, type StoredReaderModel } from './reader-signals.js';
import { interestPhrases, phraseRule, PhraseRuleSchema } from './rules.js';

/** The interests document counts as this many 👍. */
export const INTERESTS_WEIGHT = 2;
/** How many of the archive's least similar papers stand in as 👎 … */
export const WEAK_NEGATIVES = 20;
/** … each counting this much of a real 👎. */
export const WEAK_NEGATIVE_WEIGHT = 0.2;
/**
 * Weights kept per reader, the strongest: the model is read per recipient, so its size is the
 * per-recipient cost (about 10 µs to parse and validate 64 terms here, 35 µs for 256). On the
 * personal bench 64 kept precision@5 after 20 votes at 0.49, against 0.47 with 128 and 0.46 with
 * 256: the strongest terms carry a reader's taste, the rest is mostly noise from single votes.
 */
export const MAX_FEATURES = 64;
/** Stored weights are whole ten-thousandths: a weight is 0.01-3, and 4 decimals are far finer than any vote moves it. */
export const WEIGHT_SCALE = 10_000;

export const ReaderModelSchema = z
  .strictObject({
  version: z.literal(1),
  /**
   * The MAX_FEATURES strongest weights, as two lists: their terms' keys (termKey, in ascending
   * order) and the weights in the same order, in ten-thousandths. Keys, not feature numbers, so
   * a model outlives a refit of the vocabulary; small integers, not terms and decimals, because
   * the model is read per recipient, and integers parse, validate and look up several times
   * faster (about 3 µs for a model here against 15 µs with terms and decimal weights). A key no
   * paper of the day has counts nothing, whatever it is.
   */
  keys: z.array(z.number()).max(MAX_FEATURES),
  weights: z.array(z.number()),
  /**
   * The evidence (weights · vector, in the weights' ten-thousandths) of a typical paper the
   * reader liked, the median of their positive examples; 0 when they liked nothing. The "For
   * you" bar is a share of it (for-you.ts).
   */
  typical: z.number().nonnegative(),
  /** Always in the block, whatever the score: must-include phrases and followed authors or organisations. */
  include: z.array(PhraseRuleSchema),
  follow: z.array(PhraseRuleSchema),
  /** Left out of the reader's copy altogether. */
  exclude: z.array(PhraseRuleSchema),
  /** The phrases of the interests text, for the reason "matches: KV cache". */
  interests: z.array(PhraseRuleSchema),
  /** How many papers the reader 👍: the reason "like papers you 👍" needs some. */
  liked: z.number().int().nonnegative(),
  })
  .refine((model) => model.keys.length === model.weights.length, { message: 'must have one weight per key', path: ['weights'] });
export type ReaderModel = z.infer<typeof ReaderModelSchema>;

export interface ArchiveVector {
  /** arXiv id without version. */
  id: string;
  vector: SparseVector;
}

export interface ReaderTraining {
  signals: ReaderSignals;
  vectoriser: Vectoriser;
  /** A voted paper's text by arXiv id (without version), from the archive; undefined when it is not there (its title is used). */
  paperText(paperId: string): PaperText | undefined;
  /** The archive's papers as vectors, in a fixed order: where weak negatives come from. */
  archive: readonly ArchiveVector[];
}

/** The reader's model, or null when they have neither votes nor interests (no model: their copy stays as it is). */
export function trainReaderModel({ signals, vectoriser, paperText, archive }: ReaderTraining): ReaderModel | null {
  const { votes, interests } = signals;
  if (votes.length === 0 && !hasInterests(interests)) return null;
  // Sorted, so the model does not depend on the order the store lists the votes in.
  const byPaper = [...votes].sort((a, b) => (a.paperId < b.paperId ? -1 : a.paperId > b.paperId ? 1 : 0));
  const examples: TrainingExample[] = byPaper.map((vote) => {
    const text = paperText(arxivIdWithoutVersion(vote.paperId)) ?? { title: vote.title, abstract: '', aiKeywords: [] };
    return { vector: vectoriser.vectorOf(termsOfPaper(text)), label: vote.vote === 'up' ? 1 : 0 };
  });
  const interestTerms = [...termsOfText(interests.text), ...interests.include.flatMap((phrase) => termsOfText(phrase))];
  const interestVector = vectoriser.vectorOf(interestTerms);
  if (interestVector.indices.length > 0) examples.push({ vector: interestVector, label: 1, weight: INTERESTS_WEIGHT });
  const positives = examples.filter((example) => example.label === 1);
  const voted = new Set(byPaper.map((vote) => arxivIdWithoutVersion(vote.paperId)));
  for (const negative of weakNegatives(positives, archive, voted)) examples.push({ vector: negative, label: 0, weight: WEAK_NEGATIVE_WEIGHT });

  const trained = positives.length === 0 ? { weights: [] as number[] } : trainLogisticModel(examples, vectoriser.vocabulary.terms.length);
  const weights = strongestWeights(trained.weights, vectoriser.vocabulary.terms);
  return {
    version: 1,
    keys: [...weights.keys()].map(termKey),
    weights: [...weights.values()],
    typical: positives.length === 0 ? 0 : Math.max(0, median(positives.map((example) => evidenceOf(weights, example.vector, vectoriser)))),
    include: interests.include.map(phraseRule),
    follow: interests.follow.map(phraseRule),
    exclude: interests.exclude.map(phraseRule),
    interests: interestPhrases(interests.text).map(phraseRule),
    liked: byPaper.filter((vote) => vote.vote === 'up').length,
  };
}

/** The archive papers least like the positives' centroid; none when there are no positives (nothing to be unlike). */
function weakNegatives(positives: readonly TrainingExample[], archive: readonly ArchiveVector[], voted: ReadonlySet<string>): SparseVector[] {
  if (positives.length === 0) return [];
  const centroid = centroidOf(positives.map((example) => example.vector));
  return archive
    .filter((paper) => !voted.has(paper.id))
    .map((paper) => ({ paper, similarity: cosineSimilarity(paper.vector, centroid) }))
    .sort((a, b) => a.similarity - b.similarity || (a.paper.id < b.paper.id ? -1 : a.paper.id > b.paper.id ? 1 : 0))
    .slice(0, WEAK_NEGATIVES)
    .map(({ paper }) => paper.vector);
}

function centroidOf(vectors: readonly SparseVector[]): SparseVector {
  const sums = new Map<number, number>();
  for (const vector of vectors) vector.indices.forEach((feature, slot) => sums.set(feature, (sums.get(feature) ?? 0) + vector.values[slot]!));
  const indices = Int32Array.from([...sums.keys()].sort((a, b) => a - b));
  return { indices, values: Float64Array.from(indices, (feature) => sums.get(feature)!) };
}

/** The MAX_FEATURES largest weights by size (ties by term), in ten-thousandths, by term in the order of their keys. */
function strongestWeights(weights: readonly number[], terms: readonly string[]): Map<string, number> {
  const kept = weights
    .map((weight, feature) => ({ term: terms[feature]!, weight }))
    .filter(({ weight }) => weight !== 0)
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.term < b.term ? -1 : 1))
    .slice(0, MAX_FEATURES)
    .sort((a, b) => termKey(a.term) - termKey(b.term));
  return new Map(kept.map(({ term, weight }) => [term, Math.round(weight * WEIGHT_SCALE)]));
}

/** weights · vector, with the weights by term. */
function evidenceOf(weights: ReadonlyMap<string, number>, vector: SparseVector, vectoriser: Vectoriser): number {
  let sum = 0;
  vector.indices.forEach((feature, slot) => {
    sum += (weights.get(vectoriser.vocabulary.terms[feature]!) ?? 0) * vector.values[slot]!;
  });
  return sum;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The model as the store keeps it; null is stored as JSON null, "this reader has no model": the
 * store interface replaces models and never deletes one, and a reader who cleared their votes
 * and interests must get the copy everyone gets.
 */
export function storedReaderModel(subscriberId: number, model: ReaderModel | null, trainedAt: Date): StoredReaderModel {
  return { subscriberId, json: JSON.stringify(model), trainedAt: trainedAt.toISOString() };
}

/** A stored model read back, validated like any outside input; null when the reader has none. */
export function parseReaderModel(stored: StoredReaderModel): ReaderModel | null {
  const what = `the reader model of subscriber #${stored.subscriberId}`;
  let json: unknown;
  try {
    json = JSON.parse(stored.json);
  } catch (error) {
    throw new PapermailError('ESTORE', `${what} is not JSON: ${(error as Error).message}`);
  }
  if (json === null) return null;
  const parsed = ReaderModelSchema.safeParse(json);
  if (!parsed.success) throw frozenUnreadable(what, parsed.error);
  return parsed.data;
}
