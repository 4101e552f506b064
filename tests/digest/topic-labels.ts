/**
 * The topic dev set (fixtures/topic-labels-dev.json): 120 papers of the sample days, each labelled
 * by an expert reader with a primary topic and every topic under which it would not look misfiled.
 * Shared by the floor test (topic-labels.test.ts) and `npm run bench -- --only topics`.
 *
 * The held-out part was fixed before anything was tuned: a paper is held out when the first byte
 * of the SHA-256 of its id is divisible by 3 (about a third). Whoever edits topics.json looks at
 * the training data only (`npx tsx tests/digest/topic-table.ts --dev --team`); the held-out
 * figures are the ones that say how the grouping does on papers it was not fitted on.
 *
 * The team labels (fixtures/topic-labels-team.json): the other 91 papers of the same sample days,
 * labelled by a second reader blind to the classifier, with the same conventions. With the tuning
 * part they are the training data: what topics.json's rules are tuned on, and what a learned
 * classifier may be fitted and cross-validated on (`foldOf`); the held-out part never is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Paper } from '../../src/digest/paper.js';
import { samplePapers } from './sample-papers.js';

const LABELS_FILE = fileURLToPath(new URL('./fixtures/topic-labels-dev.json', import.meta.url));
const TEAM_LABELS_FILE = fileURLToPath(new URL('./fixtures/topic-labels-team.json', import.meta.url));

/** Every sample day the dev set draws from, as samplePapers names them. */
const SAMPLE_DAYS = [
  '2024-05-27',
  '2025-09-30',
  '2026-08-21',
  'week-2025-W40/2025-09-29',
  'week-2025-W40/2025-10-01',
  'week-2025-W40/2025-10-02',
  'week-2025-W40/2025-10-03',
];

const TopicLabelSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  /** Where a reader would look for the paper first. */
  primary: z.string().min(1),
  /** Every topic under which the paper would not look misfiled (includes `primary`). */
  acceptable: z.array(z.string().min(1)).min(1),
});
export type TopicLabel = z.infer<typeof TopicLabelSchema>;

export interface LabelledPaper {
  paper: Paper;
  label: TopicLabel;
  heldOut: boolean;
}

/** Decided before any tuning and never changed: see the module comment. */
export function isHeldOut(id: string): boolean {
  return (createHash('sha256').update(id).digest()[0] ?? 0) % 3 === 0;
}

/** Every paper of the sample days the dev set draws from, each once (a day in two folders counts once). */
export function sampleDayPapers(): Paper[] {
  const seen = new Set<string>();
  const papers: Paper[] = [];
  for (const day of SAMPLE_DAYS) {
    const slash = day.lastIndexOf('/');
    const directory = slash < 0 ? undefined : fileURLToPath(new URL(`../../samples/${day.slice(0, slash + 1)}`, import.meta.url));
    for (const paper of samplePapers(day.slice(slash + 1), directory)) {
      if (seen.has(paper.id)) continue;
      seen.add(paper.id);
      papers.push(paper);
    }
  }
  return papers;
}

/**
 * Which of `folds` cross-validation folds a training paper is in: by a hash of its id (not the
 * one `isHeldOut` uses), so the folds never depend on the order of the labels.
 */
export function foldOf(id: string, folds: number): number {
  return (createHash('sha256').update(`fold:${id}`).digest()[0] ?? 0) % folds;
}

/** The dev set with each label's paper from the sample days. */
export function labelledPapers(papers: readonly Paper[] = sampleDayPapers()): LabelledPaper[] {
  return labelsWithPapers(LABELS_FILE, papers).map(({ paper, label }) => ({ paper, label, heldOut: isHeldOut(label.id) }));
}

/** The team labels with their papers; none is held out (they are training data, see the module comment). */
export function teamLabelledPapers(papers: readonly Paper[] = sampleDayPapers()): LabelledPaper[] {
  return labelsWithPapers(TEAM_LABELS_FILE, papers).map(({ paper, label }) => ({ paper, label, heldOut: false }));
}

function labelsWithPapers(file: string, papers: readonly Paper[]): { paper: Paper; label: TopicLabel }[] {
  const labels = z.array(TopicLabelSchema).parse(JSON.parse(readFileSync(file, 'utf8')));
  const byId = new Map(papers.map((paper) => [paper.id, paper]));
  return labels.map((label, index) => {
    const paper = byId.get(label.id);
    if (paper === undefined) throw new Error(`${file}: [${index}].id ${label.id} is in no sample day`);
    return { paper, label };
  });
}

export interface TopicFigures {
  papers: number;
  /** Share of papers filed under one of their acceptable topics. */
  acceptable: number;
  /** Share of papers filed under their primary topic. */
  primary: number;
  /** Share of papers filed under the fallback topic. */
  otherShare: number;
}

export interface TopicOutcome {
  labelled: LabelledPaper;
  filed: string;
}

export function topicFigures(outcomes: readonly TopicOutcome[], fallback: string): TopicFigures {
  const count = (test: (outcome: TopicOutcome) => boolean) => outcomes.filter(test).length / Math.max(1, outcomes.length);
  return {
    papers: outcomes.length,
    acceptable: count(({ labelled, filed }) => labelled.label.acceptable.includes(filed)),
    primary: count(({ labelled, filed }) => labelled.label.primary === filed),
    otherShare: count(({ filed }) => filed === fallback),
  };
}

export interface TopicConfusion {
  /** The labelled primary topic. */
  topic: string;
  papers: number;
  /** Filed under the primary topic. */
  primary: number;
  /** Filed under an acceptable topic (the primary included). */
  acceptable: number;
  /** Where the papers filed under no acceptable topic went, most often first. */
  misfiledAs: { topic: string; papers: number }[];
}

/** Per labelled primary topic: how many were filed there, how many acceptably, and where the rest went. */
export function topicConfusion(outcomes: readonly TopicOutcome[]): TopicConfusion[] {
  const byTopic = new Map<string, TopicOutcome[]>();
  for (const outcome of outcomes) {
    const list = byTopic.get(outcome.labelled.label.primary) ?? [];
    list.push(outcome);
    byTopic.set(outcome.labelled.label.primary, list);
  }
  return [...byTopic]
    .map(([topic, list]) => {
      const misfiled = new Map<string, number>();
      for (const { labelled, filed } of list) if (!labelled.label.acceptable.includes(filed)) misfiled.set(filed, (misfiled.get(filed) ?? 0) + 1);
      return {
        topic,
        papers: list.length,
        primary: list.filter(({ filed }) => filed === topic).length,
        acceptable: list.filter(({ labelled, filed }) => labelled.label.acceptable.includes(filed)).length,
        misfiledAs: [...misfiled].map(([slug, papers]) => ({ topic: slug, papers })).sort((a, b) => b.papers - a.papers || (a.topic < b.topic ? -1 : 1)),
      };
    })
    .sort((a, b) => b.papers - a.papers || (a.topic < b.topic ? -1 : 1));
}
