/**
 * The shipped topics.json against real days from samples/: the grouping must read as right to a person.
 * Tuning aid: npx tsx tests/digest/topic-table.ts samples/2025-09-30.json --why
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { primaryTopic } from '../../src/digest/classify.js';
import type { Paper } from '../../src/digest/paper.js';
import { loadTaxonomy, type Taxonomy } from '../../src/digest/taxonomy.js';
import { samplePapers } from './sample-papers.js';

let taxonomy: Taxonomy;
beforeAll(async () => {
  taxonomy = await loadTaxonomy('topics.json');
});

const day = (date: string) => ({ date, papers: samplePapers(date) });
const otherCount = (papers: Paper[]) => papers.filter((item) => primaryTopic(item, taxonomy).slug === 'other').length;
const topicOf = (papers: Paper[], id: string) => primaryTopic(papers.find((item) => item.id === id)!, taxonomy).slug;

describe('topics.json on sample 2025-09-30', () => {
  const { papers } = day('2025-09-30');

  it('puts at most 5 of the 50 papers in Other', () => {
    expect(otherCount(papers)).toBeLessThanOrEqual(5);
  });

  it('spreads the day over many topics rather than a few catch-alls', () => {
    const digest = buildDigest(papers, { date: '2025-09-30', taxonomy, topN: 50, minUpvotes: 0, highlights: 3 });
    expect(digest.sections.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...digest.sections.map((section) => section.papers.length))).toBeLessThanOrEqual(12);
  });

  it.each([
    ['2509.24981', 'Random Policy Valuation is Enough for LLM Reasoning with Verifiable Rewards', 'llm-reasoning'],
    ['2509.23866', 'Efficient Multi-turn RL for GUI Agents via Decoupled Training ...', 'agents'],
    ['2509.22824', 'Critique-Coder: Enhancing Coder Models by Critique Reinforcement Learning', 'code'],
    // A dataset first: its abstract introduces "a large-scale dataset" (the team labels' primary topic).
    ['2509.24900', 'OpenGPT-4o-Image: A Comprehensive Dataset for Advanced Image Generation and Editing', 'datasets-benchmarks'],
    ['2509.24695', 'SANA-Video: Efficient Video Generation with Block Linear Diffusion Transformer', 'video-generation'],
    ['2509.25191', 'VGGT-X: When VGGT Meets Dense Novel View Synthesis', '3d-vision'],
    ['2509.25131', 'MGM-Omni: Scaling Omni LLMs to Personalized Long-Horizon Speech', 'speech-audio'],
    ['2509.24910', 'Learning Goal-Oriented Language-Guided Navigation ...', 'robotics'],
    ['2509.24269', 'AdvChain: Adversarial Chain-of-Thought Tuning for Robust Safety Alignment ...', 'safety'],
    ['2509.25149', 'Pretraining Large Language Models with NVFP4', 'efficiency'],
    ['2509.24786', 'LOVE-R1: Advancing Long Video Understanding ...', 'vision-language'],
    ['2509.25175', 'EasySteer: A Unified Framework for ... LLM Steering', 'interpretability'],
  ])('files %s (%s) under %s', (id, _title, slug) => {
    expect(topicOf(papers, id)).toBe(slug);
  });
});

describe('topics.json on the other samples', () => {
  it.each(['2024-05-27', '2026-08-21'])('puts at most 10%% of %s in Other', (date) => {
    const { papers } = day(date);
    expect(otherCount(papers)).toBeLessThanOrEqual(Math.floor(papers.length * 0.1));
  });

  it.each([
    ['2024-05-27', '2405.15682', 'The Road Less Scheduled', 'training'],
    ['2024-05-27', '2405.15216', 'Denoising LM: ... Error Correction Models for Speech Recognition', 'speech-audio'],
    ['2024-05-27', '2405.15738', 'ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models', 'vision-language'],
    ['2024-05-27', '2405.15125', 'HDR-GS: ... Novel View Synthesis ... via Gaussian Splatting', '3d-vision'],
    // A benchmark of coding tasks: a benchmark first (its abstract introduces "a repository-level benchmark").
    ['2026-08-21', '2608.19799', 'SWE-bench Science: Can Coding Agents Resolve Engineering Tasks in Science?', 'datasets-benchmarks'],
    ['2026-08-21', '2608.19758', 'FlashPrefill V2: Block-Sparse Prefill Attention for Long-Context LLM Serving', 'efficiency'],
    ['2026-08-21', '2608.19891', 'EXIMO: VLM Guided Exploration of VLA Policies', 'robotics'],
  ])('files %s %s (%s) under %s', (date, id, _title, slug) => {
    expect(topicOf(day(date).papers, id)).toBe(slug);
  });
});
