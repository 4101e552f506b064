import { z } from 'zod';
import { dotProduct, type SparseVector } from './text-features.js';

/**
 * A linear classifier over TF-IDF vectors (logistic regression with an L2 penalty), trained by
 * full-batch gradient descent: no randomness, so the same examples in the same order always give
 * the same weights. Small enough to train in milliseconds on a reader's votes and in a second on
 * a few thousand papers, which is what papermail has.
 */

export interface TrainingExample {
  vector: SparseVector;
  /** 1 for a positive example (a 👍, a paper of the topic), 0 for a negative one. */
  label: 0 | 1;
  /** How much the example counts; default 1 (an interests text as a pseudo-positive may count less). */
  weight?: number;
}

export interface TrainingOptions {
  /** L2 penalty on the weights (not the bias). Default 0.01. */
  l2?: number;
  /** Passes over the examples. Default 200. */
  epochs?: number;
  /** Gradient step. Default 1 (vectors are L2-normalised, so this is stable). */
  learningRate?: number;
  /**
   * Weigh each class so both count as much in total, whatever their sizes (a reader with 18 👍
   * and 2 👎, a topic with 30 papers out of 600). Default true.
   */
  balanceClasses?: boolean;
}

export const LinearModelSchema = z.object({
  /** One weight per vocabulary feature. */
  weights: z.array(z.number()),
  bias: z.number(),
});
/** Plain arrays so a model can be stored as JSON; `scoreOf` reads it without copying. */
export type LinearModel = z.infer<typeof LinearModelSchema>;

/** Logistic regression over `features` dimensions. With no examples of one class, the bias alone learns the other. */
export function trainLogisticModel(
  examples: readonly TrainingExample[],
  features: number,
  options: TrainingOptions = {},
): LinearModel {
  const l2 = options.l2 ?? 0.01;
  const epochs = options.epochs ?? 200;
  const rate = options.learningRate ?? 1;
  const weights = new Float64Array(features);
  let bias = 0;
  if (examples.length === 0) return { weights: [...weights], bias };

  const exampleWeights = weightsOfExamples(examples, options.balanceClasses ?? true);
  const totalWeight = exampleWeights.reduce((sum, weight) => sum + weight, 0);
  const gradient = new Float64Array(features);
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    gradient.fill(0);
    let biasGradient = 0;
    examples.forEach((example, position) => {
      const error = (sigmoid(dotProduct(example.vector, weights) + bias) - example.label) * (exampleWeights[position] ?? 0);
      biasGradient += error;
      const { indices, values } = example.vector;
      for (let slot = 0; slot < indices.length; slot += 1) {
        const feature = indices[slot] ?? 0;
        gradient[feature] = (gradient[feature] ?? 0) + error * (values[slot] ?? 0);
      }
    });
    for (let feature = 0; feature < features; feature += 1) {
      const current = weights[feature] ?? 0;
      weights[feature] = current - rate * ((gradient[feature] ?? 0) / totalWeight + l2 * current);
    }
    bias -= rate * (biasGradient / totalWeight);
  }
  return { weights: [...weights], bias };
}

/** The model's raw score for a vector (log-odds); `probabilityOf` maps it to 0..1. */
export function scoreOf(model: LinearModel, vector: SparseVector): number {
  return dotProduct(vector, model.weights) + model.bias;
}

export function probabilityOf(model: LinearModel, vector: SparseVector): number {
  return sigmoid(scoreOf(model, vector));
}

/** The features that pushed a vector's score most, strongest first: for "why did this paper go here". */
export function strongestFeatures(
  model: LinearModel,
  vector: SparseVector,
  count: number,
): { feature: number; contribution: number }[] {
  const contributions: { feature: number; contribution: number }[] = [];
  for (let slot = 0; slot < vector.indices.length; slot += 1) {
    const feature = vector.indices[slot] ?? 0;
    contributions.push({ feature, contribution: (vector.values[slot] ?? 0) * (model.weights[feature] ?? 0) });
  }
  return contributions
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature - b.feature)
    .slice(0, count);
}

function weightsOfExamples(examples: readonly TrainingExample[], balance: boolean): number[] {
  const own = examples.map((example) => example.weight ?? 1);
  if (!balance) return own;
  let positive = 0;
  let negative = 0;
  examples.forEach((example, position) => {
    if (example.label === 1) positive += own[position] ?? 0;
    else negative += own[position] ?? 0;
  });
  if (positive === 0 || negative === 0) return own;
  const total = positive + negative;
  return examples.map((example, position) => ((own[position] ?? 0) * total) / (2 * (example.label === 1 ? positive : negative)));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
