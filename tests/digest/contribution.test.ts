import { describe, expect, it } from 'vitest';
import { contributionPhrase } from '../../src/digest/contribution.js';

describe('contributionPhrase', () => {
  it('is the noun phrase after a named contribution: what the paper is, not what it is for', () => {
    expect(contributionPhrase('Webpages are hard. We introduce IWR-Bench, a novel benchmark for evaluating LVLMs on videos.')).toBe('a novel benchmark');
    expect(contributionPhrase('In this paper, we propose DART, a Decoupled Agentic RL Training framework for GUI agents.')).toBe('a Decoupled Agentic RL Training framework');
  });

  it('reads the first contribution statement only, so a benchmark built on the side does not name the paper', () => {
    expect(contributionPhrase('We propose Code2Video, a code-centric agent framework for videos. We also build MMMC, a benchmark of lectures.')).toBe('a code-centric agent framework');
  });

  it('keeps an unnamed object whole up to the word that says what it is for', () => {
    expect(contributionPhrase('We present a methodology for quantifying benchmark optimization in ASR models.')).toBe('a methodology');
    expect(contributionPhrase('We introduce DeeptraceReward, the first fine-grained, spatially- and temporally- aware benchmark that annotates fakes.')).toBe('the first fine-grained spatially- and temporally- aware benchmark');
  });

  it('is the name alone when no appositive says what it is', () => {
    expect(contributionPhrase('We introduce MemTrapBench, which covers two forms of cognitive traps.')).toBe('MemTrapBench');
  });

  it('is empty without a contribution statement, or when the statement starts with what it is for', () => {
    expect(contributionPhrase('Large models are trained on the web. Results improve on three benchmarks.')).toBe('');
    expect(contributionPhrase('We propose to treat geometry as a surrogate task.')).toBe('');
  });

  it('stops after ten words however long the phrase runs', () => {
    expect(contributionPhrase('We present a very large new open shared public multilingual spoken document retrieval benchmark.').split(' ')).toHaveLength(10);
  });
});
