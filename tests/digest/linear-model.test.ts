import { describe, expect, it } from 'vitest';
import { probabilityOf, strongestFeatures, trainLogisticModel, type TrainingExample } from '../../src/digest/linear-model.js';
import { createVectoriser, fitVocabulary, termsOfText } from '../../src/digest/text-features.js';

const texts = {
  positive: ['speculative decoding for fast inference', 'kv cache compression and speculative decoding', 'draft model speculative decoding'],
  negative: ['robot grasping in the wild', 'robot manipulation policy', 'video generation with diffusion'],
};
const vocabulary = fitVocabulary([...texts.positive, ...texts.negative].map(termsOfText), { minDocuments: 1, maxDocumentShare: 1 });
const vectoriser = createVectoriser(vocabulary);
const vectorOf = (text: string) => vectoriser.vectorOf(termsOfText(text));
const examples: TrainingExample[] = [
  ...texts.positive.map((text) => ({ vector: vectorOf(text), label: 1 as const })),
  ...texts.negative.map((text) => ({ vector: vectorOf(text), label: 0 as const })),
];

describe('trainLogisticModel', () => {
  it('scores unseen text like its positive examples above text like its negative ones', () => {
    const model = trainLogisticModel(examples, vocabulary.terms.length);
    expect(probabilityOf(model, vectorOf('speculative decoding with a small draft'))).toBeGreaterThan(0.5);
    expect(probabilityOf(model, vectorOf('a robot policy for grasping'))).toBeLessThan(0.5);
  });

  it('gives the same weights every time for the same examples', () => {
    expect(trainLogisticModel(examples, vocabulary.terms.length)).toEqual(trainLogisticModel(examples, vocabulary.terms.length));
  });

  it('balances classes, so one positive among many negatives still counts', () => {
    const skewed = [examples[0]!, ...examples.slice(3), ...examples.slice(3), ...examples.slice(3)];
    const model = trainLogisticModel(skewed, vocabulary.terms.length);
    expect(probabilityOf(model, examples[0]!.vector)).toBeGreaterThan(0.5);
  });

  it('learns only a bias from no examples or one class', () => {
    expect(trainLogisticModel([], 3)).toEqual({ weights: [0, 0, 0], bias: 0 });
    const onlyPositive = trainLogisticModel(examples.slice(0, 3), vocabulary.terms.length);
    expect(probabilityOf(onlyPositive, vectorOf('robot'))).toBeGreaterThan(0.5);
  });
});

describe('strongestFeatures', () => {
  it('names the features that decided, strongest first', () => {
    const model = trainLogisticModel(examples, vocabulary.terms.length);
    const [first] = strongestFeatures(model, vectorOf('speculative decoding'), 2);
    expect(vocabulary.terms[first!.feature]).toMatch(/speculative|decoding/);
    expect(first!.contribution).toBeGreaterThan(0);
  });
});
