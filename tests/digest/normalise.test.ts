import { describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern, normaliseText } from '../../src/digest/normalise.js';

const matches = (text: string, rule: string) => matchesPattern(normaliseText(text), compilePattern(rule));

describe('normaliseText', () => {
  it('lower-cases and turns hyphens, underscores and punctuation into single spaces', () => {
    expect(normaliseText('Text-to-Image_Diffusion: (A) Survey!')).toBe('text to image diffusion a survey');
  });

  it('folds simple plurals to the singular', () => {
    expect(normaliseText('LLMs agents policies patches')).toBe('llm agent policy patch');
  });

  it('leaves words ending in ss, us and is alone', () => {
    expect(normaliseText('loss corpus analysis')).toBe('loss corpus analysis');
  });

  it('drops accents and keeps a possessive as one word', () => {
    expect(normaliseText("Boletín Euclid's")).toBe('boletin euclid');
  });
});

describe('matchesPattern', () => {
  it('matches a singular rule against a plural in the text', () => {
    expect(matches('Scaling Diffusion Models', 'diffusion model')).toBe(true);
  });

  it('matches a hyphenated phrase written with spaces', () => {
    expect(matches('Chain-of-Thought prompting', 'chain of thought')).toBe(true);
  });

  it('matches an acronym written in capitals and in the plural', () => {
    expect(matches('Can LLMs plan?', 'llm')).toBe(true);
  });

  it('matches whole words only', () => {
    expect(matches('A ragged edge', 'rag')).toBe(false);
  });

  it('matches any word beginning with a stem ending in *', () => {
    expect(matches('Post-training quantization of transformers', 'quantiz*')).toBe(true);
  });

  it('does not let a stem match in the middle of a word', () => {
    expect(matches('dequantization', 'quantiz*')).toBe(false);
  });

  it('matches any word ending in a stem that begins with *', () => {
    expect(matches('OmniBench: one benchmark', '*bench')).toBe(true);
    expect(matches('IWR-Bench', '*bench')).toBe(true);
    expect(matches('Benchmarking agents', '*bench')).toBe(false);
  });
});
