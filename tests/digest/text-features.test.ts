import { describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  createVectoriser,
  fitVocabulary,
  termsOfPaper,
  termKey,
  termsOfText,
  VocabularySchema,
} from '../../src/digest/text-features.js';
import { samplePapers } from './sample-papers.js';

describe('termsOfText', () => {
  it('keeps content words, folded like topic rules, and the bigrams of adjacent ones', () => {
    expect(termsOfText('Speculative Decoding for the KV Cache')).toEqual([
      'speculative',
      'decoding',
      'kv',
      'cache',
      'speculative decoding',
      'decoding kv',
      'kv cache',
    ]);
  });

  it('drops function words, bare numbers and single letters', () => {
    expect(termsOfText('A study of 3 models in the wild')).toEqual(['wild']);
  });
});

describe('termsOfPaper', () => {
  it('counts title and AI keywords twice and the abstract once', () => {
    const terms = termsOfPaper({ title: 'Agents', abstract: 'Robots', aiKeywords: ['planning'] });
    expect(terms.filter((term) => term === 'agent')).toHaveLength(2);
    expect(terms.filter((term) => term === 'planning')).toHaveLength(2);
    expect(terms.filter((term) => term === 'robot')).toHaveLength(1);
  });
});

describe('fitVocabulary', () => {
  const documents = [['kv cache', 'agent'], ['kv cache', 'robot'], ['agent', 'kv cache'], ['once']];

  it('keeps terms in at least minDocuments papers and at most maxDocumentShare of them', () => {
    const vocabulary = fitVocabulary(documents, { minDocuments: 2, maxDocumentShare: 0.5 });
    expect(vocabulary.terms).toEqual(['agent']);
  });

  it('orders terms by document frequency then alphabetically, whatever the input order', () => {
    const forwards = fitVocabulary(documents, { minDocuments: 1, maxDocumentShare: 1 });
    const backwards = fitVocabulary([...documents].reverse(), { minDocuments: 1, maxDocumentShare: 1 });
    expect(forwards.terms).toEqual(['kv cache', 'agent', 'once', 'robot']);
    expect(backwards).toEqual(forwards);
  });

  it('gives rarer terms a higher idf, and is valid stored data', () => {
    const vocabulary = fitVocabulary(documents, { minDocuments: 1, maxDocumentShare: 1 });
    const idf = (term: string) => vocabulary.idf[vocabulary.terms.indexOf(term)] ?? 0;
    expect(idf('once')).toBeGreaterThan(idf('agent'));
    expect(idf('agent')).toBeGreaterThan(idf('kv cache'));
    expect(VocabularySchema.parse(JSON.parse(JSON.stringify(vocabulary)))).toEqual(vocabulary);
  });
});

describe('createVectoriser', () => {
  const papers = samplePapers('2025-09-30');
  const vocabulary = fitVocabulary(papers.map(termsOfPaper));
  const vectoriser = createVectoriser(vocabulary);

  it('gives an L2-normalised vector with ascending feature numbers', () => {
    const vector = vectoriser.vectorOf(termsOfPaper(papers[0]!));
    const norm = Math.sqrt(vector.values.reduce((sum, value) => sum + value * value, 0));
    expect(norm).toBeCloseTo(1, 10);
    expect([...vector.indices]).toEqual([...vector.indices].sort((a, b) => a - b));
  });

  it('ignores terms outside the vocabulary and gives an empty vector for none', () => {
    expect(vectoriser.vectorOf(['not a term of any paper']).indices).toHaveLength(0);
  });

  it('finds a paper most similar to itself', () => {
    const vectors = papers.map((paper) => vectoriser.vectorOf(termsOfPaper(paper)));
    const first = vectors[0]!;
    const similarities = vectors.map((vector) => cosineSimilarity(first, vector));
    expect(Math.max(...similarities)).toBeCloseTo(1, 10);
    expect(similarities.indexOf(Math.max(...similarities))).toBe(0);
  });
});

describe('termKey', () => {
  it('is the same number for the same term, in any vocabulary, and tells the terms of a real day apart', () => {
    expect(termKey('kv cache')).toBe(termKey('kv cache'));
    expect(termKey('kv cache')).not.toBe(termKey('kv cach'));
    // FNV-1a's published check value for "a", cut to 30 bits.
    expect(termKey('a')).toBe(0xe40c292c & 0x3fffffff);
    expect(termKey('speculative decoding')).toBeLessThan(2 ** 30);
    const terms = new Set(samplePapers('2025-09-30').flatMap((paper) => termsOfPaper(paper)));
    expect(new Set([...terms].map(termKey)).size).toBe(terms.size);
  });
});
