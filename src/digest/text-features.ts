import { z } from 'zod';
import { normaliseText } from './normalise.js';

/**
 * TF-IDF features of a paper's text: the one vectoriser that topic grouping and personal
 * ranking share. Pure and deterministic: the same papers always give the same vocabulary, the
 * same vocabulary and paper always the same vector, so a ranking can be reproduced and tested.
 *
 * A vocabulary is data (`VocabularySchema`): it is fitted once on a set of papers (the archive,
 * the sample days) and can be stored, so a vector computed today compares with one stored
 * yesterday.
 */

/** The paper fields features are read from (a `Paper` has them all). */
export interface PaperText {
  title: string;
  abstract: string;
  aiKeywords: readonly string[];
}

/**
 * Function words and the words every abstract of the field uses ("model", "method"): they carry
 * no topic, and leaving them out keeps vectors short. Bigrams are made after removing them, so
 * "speculative decoding" and "kv cache" survive as features.
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been being but by can could do does for from had has have how however i if in into is it its ' +
    'itself more most much no not of on or our ours such than that the their them then there these they this those ' +
    'through to under up upon us via was we were what when where whether which while who whose why will with within ' +
    'without would you your also both each either all any few many other same so some very only own just over ' +
    'between across after before during about against among et al e g ie eg etc may might must should one two three ' +
    'new novel propose proposed present paper approach method model result show shows demonstrate achieve ' +
    'performance state art existing based using use used work study task while further furthermore moreover ' +
    'significantly significant effectively effective extensive experiment code available'
  )
    .split(' ')
    .map((word) => normaliseText(word)),
);

/** How many times each field's terms count: the title is the authors' own framing of the paper. */
const FIELD_REPEATS = { title: 2, keywords: 2, abstract: 1 } as const;

/** Features of one piece of text: its content words and the bigrams of adjacent content words. */
export function termsOfText(text: string): string[] {
  const words = normaliseText(text)
    .split(' ')
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word) && !/^\d+$/.test(word));
  const terms = [...words];
  for (let index = 1; index < words.length; index += 1) terms.push(`${words[index - 1]} ${words[index]}`);
  return terms;
}

/** A paper's terms with repeats for field weight: title and AI keywords count twice, the abstract once. */
export function termsOfPaper(paper: PaperText): string[] {
  const title = termsOfText(paper.title);
  const keywords = paper.aiKeywords.flatMap((keyword) => termsOfText(keyword));
  const abstract = termsOfText(paper.abstract);
  const terms: string[] = [];
  for (let repeat = 0; repeat < FIELD_REPEATS.title; repeat += 1) terms.push(...title);
  for (let repeat = 0; repeat < FIELD_REPEATS.keywords; repeat += 1) terms.push(...keywords);
  for (let repeat = 0; repeat < FIELD_REPEATS.abstract; repeat += 1) terms.push(...abstract);
  return terms;
}

export const VocabularySchema = z
  .object({
    /** Terms in a fixed order; a term's index is its feature number. */
    terms: z.array(z.string().min(1)),
    /** Inverse document frequency per term, same order: ln((1 + n) / (1 + df)) + 1. */
    idf: z.array(z.number().positive()),
    /** How many papers the vocabulary was fitted on. */
    documents: z.number().int().nonnegative(),
  })
  .refine((vocabulary) => vocabulary.terms.length === vocabulary.idf.length, {
    message: 'must have one idf per term',
    path: ['idf'],
  });
export type Vocabulary = z.infer<typeof VocabularySchema>;

export interface VocabularyOptions {
  /** A term in fewer papers than this is left out (a typo, a one-off name). Default 2. */
  minDocuments?: number;
  /** A term in more than this share of papers is left out (it tells papers apart no better than a stop word). Default 0.5. */
  maxDocumentShare?: number;
  /** At most this many terms, the most frequent first. Default 20,000. */
  maxTerms?: number;
}

/**
 * The vocabulary of a set of papers (or any term lists). Terms are ranked by document
 * frequency, then alphabetically, so the result never depends on the order of the input.
 */
export function fitVocabulary(documents: readonly (readonly string[])[], options: VocabularyOptions = {}): Vocabulary {
  const minDocuments = options.minDocuments ?? 2;
  const maxDocuments = Math.max(minDocuments, Math.floor((options.maxDocumentShare ?? 0.5) * documents.length));
  const maxTerms = options.maxTerms ?? 20_000;
  const documentFrequency = new Map<string, number>();
  for (const terms of documents) {
    for (const term of new Set(terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const kept = [...documentFrequency]
    .filter(([, frequency]) => frequency >= minDocuments && frequency <= maxDocuments)
    .sort(([termA, a], [termB, b]) => b - a || (termA < termB ? -1 : termA > termB ? 1 : 0))
    .slice(0, maxTerms);
  const n = documents.length;
  return {
    terms: kept.map(([term]) => term),
    idf: kept.map(([, frequency]) => Math.log((1 + n) / (1 + frequency)) + 1),
    documents: n,
  };
}

/**
 * A term as a number (FNV-1a over its UTF-16 code units, cut to 30 bits), the same in every
 * vocabulary: what a model stored for a long time keys its weights by, so it outlives a refit of
 * the vocabulary and is read back as numbers rather than strings. 30 bits, so V8 keeps every key
 * a small integer (no heap number per key when a model is parsed, integer hashing in a Map).
 * A reader's 64 keys meet one of another term of the day (some 5,000 among 2^30) about once in
 * 3,000 reader-days; the cost of that is a stray weight on one paper.
 */
export function termKey(term: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < term.length; index += 1) {
    hash ^= term.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & 0x3fffffff;
}

/** A sparse vector: feature numbers in ascending order and their values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

/** Looks terms up in a vocabulary; build it once per vocabulary, not per paper. */
export interface Vectoriser {
  readonly vocabulary: Vocabulary;
  /** The L2-normalised TF-IDF vector of some terms (sublinear tf: 1 + ln count); terms outside the vocabulary are ignored. */
  vectorOf(terms: readonly string[]): SparseVector;
  /** The feature number of a term, or undefined when the vocabulary lacks it. */
  indexOf(term: string): number | undefined;
}

export function createVectoriser(vocabulary: Vocabulary): Vectoriser {
  const index = new Map<string, number>();
  vocabulary.terms.forEach((term, position) => index.set(term, position));
  return {
    vocabulary,
    indexOf: (term) => index.get(term),
    vectorOf(terms) {
      const counts = new Map<number, number>();
      for (const term of terms) {
        const position = index.get(term);
        if (position !== undefined) counts.set(position, (counts.get(position) ?? 0) + 1);
      }
      const indices = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
      const values = new Float64Array(indices.length);
      let squares = 0;
      indices.forEach((position, slot) => {
        const value = (1 + Math.log(counts.get(position) ?? 1)) * (vocabulary.idf[position] ?? 1);
        values[slot] = value;
        squares += value * value;
      });
      const norm = Math.sqrt(squares);
      if (norm > 0) for (let slot = 0; slot < values.length; slot += 1) values[slot] = (values[slot] ?? 0) / norm;
      return { indices, values };
    },
  };
}

/** The dot product of a sparse vector with dense weights (features past the end count 0). */
export function dotProduct(vector: SparseVector, weights: ArrayLike<number>): number {
  let sum = 0;
  for (let slot = 0; slot < vector.indices.length; slot += 1) {
    sum += (vector.values[slot] ?? 0) * (weights[vector.indices[slot] ?? 0] ?? 0);
  }
  return sum;
}

/** The cosine similarity of two L2-normalised sparse vectors (their dot product). */
export function cosineSimilarity(a: SparseVector, b: SparseVector): number {
  let sum = 0;
  let i = 0;
  let j = 0;
  while (i < a.indices.length && j < b.indices.length) {
    const left = a.indices[i] ?? 0;
    const right = b.indices[j] ?? 0;
    if (left === right) {
      sum += (a.values[i] ?? 0) * (b.values[j] ?? 0);
      i += 1;
      j += 1;
    } else if (left < right) i += 1;
    else j += 1;
  }
  return sum;
}
