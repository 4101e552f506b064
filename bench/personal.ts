/**
 * Personal: how well "For you" finds what a reader wants, and what it adds to a copy.
 *
 * Simulated readers. Each has a few hidden keywords: what they really care about, the ground
 * truth (a paper is relevant when its title, abstract or AI keywords match one, whole words, as
 * topic rules match). They vote on the papers of the bundled days the way those keywords say:
 * 👍 on relevant papers (in a seeded random order), 👎 on irrelevant ones from the top of the
 * day's upvote ranking (what a reader sees first and passes over), three 👍 for every two 👎.
 *
 * Honesty: the model never sees the hidden keywords. Each reader also wrote an interests text
 * by hand that is vaguer than their keywords and mostly uses other words ("making language
 * models cheaper and faster to serve" for speculative decoding / KV cache / quantisation): that
 * text alone is the 0-vote case, and it stays beside the votes in the 5- and 20-vote cases, as
 * it would for a real reader. No include or exclude rules are used (those match by construction).
 *
 * Held back: the last two days (2025-10-03 and 2026-08-21) are never voted on; the vocabulary is
 * fitted on the other days (the archive) for training, and on the archive plus the day for
 * reading it, as a send does. precision@5 is over the first five papers the reader sees: the
 * "For you" block, then the day's upvote order after it (a short or missing block leaves those
 * places to upvotes); the baseline is the first five by upvotes alone. Averaged over every
 * (reader, held-back day) with at least one relevant paper.
 *
 * extraMicros: one reader's message assembled with their block (model parsed from its stored
 * JSON, their choice made, the block's items added) against the same readers' messages without
 * it, side by side in alternating runs, the median of the differences (compiled dist/, in a
 * process of its own: bench/personal-process.mjs).
 */
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { runForResult } from './processes.js';
import { recipientsFor } from './sample-day.js';
import { buildDist, FULL_DAY_SOURCE, scratchFolder, SENDER_ENVIRONMENT } from './workspace.js';
import { compilePattern, matchesPattern, normaliseText } from '../src/digest/normalise.js';
import { arxivIdWithoutVersion, type Digest, type Paper } from '../src/digest/paper.js';
import { createVectoriser, termsOfPaper } from '../src/digest/text-features.js';
import { rankedPapers } from '../src/render/issue-view.js';
import { dayFeatures, personalChoice } from '../src/personal/for-you.js';
import { storedReaderModel, trainReaderModel, type ReaderModel } from '../src/personal/reader-model.js';
import { NO_INTERESTS, type Vote } from '../src/personal/reader-signals.js';
import { fitPaperVocabulary } from '../src/personal/vocabulary.js';
import { loadSampleDigest } from './sample-day.js';
import { REPO_ROOT } from './workspace.js';

export interface PersonalFigures {
  precisionAt5Votes0: number;
  precisionAt5Votes5: number;
  precisionAt5Votes20: number;
  upvoteBaselineAt5: number;
  /** Pairs of (reader, held-back day) averaged over. */
  pairs: number;
  extraMicros: number;
  /** The same readers' copies without a block, µs per message: what the extra is added to. */
  plainMicros: number;
}

interface SimulatedReader {
  keywords: string[];
  interests: string;
}

/** Hidden keywords (the truth) and the vaguer words the same reader wrote as interests. */
export const READERS: readonly SimulatedReader[] = [
  { keywords: ['speculative decoding', 'kv cache', 'quantiz*', 'inference'], interests: 'making language models cheaper and faster to serve' },
  { keywords: ['diffusion', 'image generation', 'text to image'], interests: 'generative models that make pictures' },
  { keywords: ['robot*', 'embodied', 'manipulation'], interests: 'machines acting in the physical world' },
  { keywords: ['reinforcement learning', 'reward', 'rlhf'], interests: 'training with feedback and trial and error' },
  { keywords: ['video'], interests: 'moving images, film and motion' },
  { keywords: ['agent*', 'tool'], interests: 'autonomous assistants that operate software' },
  { keywords: ['math*', 'theorem'], interests: 'solving olympiad problems and proofs' },
  { keywords: ['speech', 'audio'], interests: 'sound and spoken language' },
  { keywords: ['3d', 'gaussian splatting', 'point cloud'], interests: 'three-dimensional scenes and geometry' },
  { keywords: ['benchmark', 'evaluation'], interests: 'how models are measured and compared' },
];

const TRAINING_DAY_FILES = ['2024-05-27.json', '2025-09-30.json', 'week-2025-W40/2025-09-29.json', 'week-2025-W40/2025-10-01.json', 'week-2025-W40/2025-10-02.json'];
const HELD_BACK_DAY_FILES = ['week-2025-W40/2025-10-03.json', '2026-08-21.json'];
const VOTE_COUNTS = [0, 5, 20] as const;

export async function measurePersonal(options: { runs: number; recipients: number }): Promise<PersonalFigures> {
  const load = (file: string) => loadSampleDigest(path.join(REPO_ROOT, 'samples', file));
  const training = await Promise.all(TRAINING_DAY_FILES.map(load));
  const heldBack = await Promise.all(HELD_BACK_DAY_FILES.map(load));
  const archive = uniquePapers(training.flatMap((digest) => rankedPapers(digest)));
  const trainingVectoriser = createVectoriser(fitPaperVocabulary(archive));
  const archiveVectors = archive.map((paper) => ({ id: arxivIdWithoutVersion(paper.id), vector: trainingVectoriser.vectorOf(termsOfPaper(paper)) }));
  const textOf = new Map(archive.map((paper) => [arxivIdWithoutVersion(paper.id), paper]));

  const sums = { votes0: 0, votes5: 0, votes20: 0, baseline: 0 };
  let pairs = 0;
  const trainedOn20: ReaderModel[] = [];
  for (const [index, reader] of READERS.entries()) {
    const relevant = relevanceOf(reader);
    const votes = simulatedVotes(training, relevant, 20, index + 1);
    const models = VOTE_COUNTS.map((count) =>
      trainReaderModel({
        signals: { votes: votes.slice(0, count), interests: { ...NO_INTERESTS, text: reader.interests } },
        vectoriser: trainingVectoriser,
        paperText: (id) => textOf.get(id),
        archive: archiveVectors,
      })!,
    );
    trainedOn20.push(models[2]!);
    for (const digest of heldBack) {
      const papers = rankedPapers(digest);
      if (!papers.some(relevant)) continue;
      pairs += 1;
      const day = dayFeatures(papers, createVectoriser(fitPaperVocabulary(uniquePapers([...archive, ...papers]))));
      const byUpvotes = papers.map((_, position) => position);
      const precision = (order: readonly number[]) => order.slice(0, 5).filter((position) => relevant(papers[position]!)).length / 5;
      const seen = (model: ReaderModel) => firstSeen(personalChoice(day, model).forYou.map((entry) => entry.position), byUpvotes);
      sums.baseline += precision(byUpvotes);
      sums.votes0 += precision(seen(models[0]!));
      sums.votes5 += precision(seen(models[1]!));
      sums.votes20 += precision(seen(models[2]!));
    }
  }
  const { extraMicros, plainMicros } = await measureExtra(trainedOn20, archive, options);
  return {
    precisionAt5Votes0: sums.votes0 / pairs,
    precisionAt5Votes5: sums.votes5 / pairs,
    precisionAt5Votes20: sums.votes20 / pairs,
    upvoteBaselineAt5: sums.baseline / pairs,
    pairs,
    extraMicros,
    plainMicros,
  };
}

/**
 * The bench's 50-paper day assembled for `recipients` readers, each with one of the simulated
 * readers' 20-vote models, with their block and without: bench/personal-process.mjs, on dist/
 * in a process of its own, as production runs it (the render bench's assembly figure does the same).
 */
async function measureExtra(models: readonly ReaderModel[], archive: readonly Paper[], options: { runs: number; recipients: number }) {
  await buildDist();
  const digest = await loadSampleDigest(FULL_DAY_SOURCE);
  const vocabulary = fitPaperVocabulary(uniquePapers([...archive, ...rankedPapers(digest)]));
  const recipients = recipientsFor(digest, options.recipients).map((fields, index) => ({ id: index + 1, email: fields.email, name: fields.name ?? null }));
  const scratch = await scratchFolder('bench-personal');
  try {
    const jobFile = path.join(scratch.folder, 'job.json');
    const job = {
      source: FULL_DAY_SOURCE,
      environment: SENDER_ENVIRONMENT,
      runs: options.runs,
      vocabulary: JSON.stringify(vocabulary),
      models: models.map((model, index) => storedReaderModel(index + 1, model, new Date(0)).json),
      recipients,
    };
    await writeFile(jobFile, JSON.stringify(job));
    const { extraMs, plainMs } = await runForResult<{ extraMs: number; plainMs: number }>(path.join(REPO_ROOT, 'bench', 'personal-process.mjs'), [jobFile]);
    return { extraMicros: extraMs * 1000, plainMicros: plainMs * 1000 };
  } finally {
    await scratch.remove();
  }
}

/** The block's papers, then the day's upvote order without them: what the top of the reader's copy shows. */
function firstSeen(block: readonly number[], byUpvotes: readonly number[]): number[] {
  const shown = new Set(block);
  return [...block, ...byUpvotes.filter((position) => !shown.has(position))];
}

/** The ground truth: whether a paper's text matches one of the reader's hidden keywords. */
function relevanceOf(reader: SimulatedReader): (paper: Paper) => boolean {
  const patterns = reader.keywords.map(compilePattern);
  return (paper) => {
    const text = [paper.title, paper.abstract, ...paper.aiKeywords].map(normaliseText).join(' | ');
    return patterns.some((pattern) => matchesPattern(text, pattern));
  };
}

/** 👍 on relevant papers in a seeded order, 👎 on the highest-upvoted irrelevant ones; 3 up for every 2 down, newest first. */
function simulatedVotes(days: readonly Digest[], relevant: (paper: Paper) => boolean, count: number, seed: number): Vote[] {
  const papers = days.flatMap((digest) => rankedPapers(digest).map((paper) => ({ paper, issueId: digest.date })));
  const liked = shuffled(papers.filter(({ paper }) => relevant(paper)), seed);
  const passed = papers.filter(({ paper }) => !relevant(paper)).sort((a, b) => b.paper.upvotes - a.paper.upvotes || (a.paper.id < b.paper.id ? -1 : 1));
  const votes: Vote[] = [];
  const seenIds = new Set<string>();
  for (let step = 0; votes.length < count && (liked.length > 0 || passed.length > 0); step += 1) {
    const up = step % 5 < 3 ? liked.shift() : undefined;
    const next = up ?? passed.shift() ?? liked.shift();
    if (!next || seenIds.has(next.paper.id)) continue;
    seenIds.add(next.paper.id);
    const at = new Date(Date.UTC(2025, 9, 1, 0, count - votes.length)).toISOString();
    votes.push({ paperId: arxivIdWithoutVersion(next.paper.id), vote: relevant(next.paper) ? 'up' : 'down', issueId: next.issueId, title: next.paper.title, at });
  }
  // The store lists votes newest first: the first vote made is the last listed.
  return votes;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed * 2_654_435_761;
  for (let index = result.length - 1; index > 0; index -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other]!, result[index]!];
  }
  return result;
}

function uniquePapers(papers: readonly Paper[]): Paper[] {
  const byId = new Map<string, Paper>();
  for (const paper of papers) byId.set(arxivIdWithoutVersion(paper.id), paper);
  return [...byId.values()];
}

