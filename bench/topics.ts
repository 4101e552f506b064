/**
 * Topics: how the shipped topics.json files the 120 papers of the dev set
 * (tests/digest/fixtures/topic-labels-dev.json) against an expert reader's labels. Not a timing.
 *
 * The headline figures are on the held-out third of the dev set (tests/digest/topic-labels.ts
 * says which papers, by a hash of the id fixed before any tuning): topics.json's rules were
 * tuned while looking at the other two thirds only, so those figures are the ones for papers the
 * classifier was not fitted on. The tuning part and all 120 are printed beside them.
 */
import { primaryTopic } from '../src/digest/classify.js';
import { loadTaxonomy } from '../src/digest/taxonomy.js';
import { plural } from '../src/render/text.js';
import { labelledPapers, topicConfusion, topicFigures, type TopicConfusion, type TopicFigures, type TopicOutcome } from '../tests/digest/topic-labels.js';
import { benchConfig } from './workspace.js';

export interface TopicsFigures {
  heldOut: TopicFigures;
  tuning: TopicFigures;
  all: TopicFigures;
  /** Per labelled primary topic, over all 120 papers. */
  confusion: TopicConfusion[];
}

export async function measureTopics(): Promise<TopicsFigures> {
  const taxonomy = await loadTaxonomy(benchConfig().TOPICS_FILE);
  const outcomes: TopicOutcome[] = labelledPapers().map((labelled) => ({ labelled, filed: primaryTopic(labelled.paper, taxonomy).slug }));
  const fallback = taxonomy.fallback.slug;
  return {
    heldOut: topicFigures(outcomes.filter((outcome) => outcome.labelled.heldOut), fallback),
    tuning: topicFigures(outcomes.filter((outcome) => !outcome.labelled.heldOut), fallback),
    all: topicFigures(outcomes, fallback),
    confusion: topicConfusion(outcomes),
  };
}

/** "92.5% (37/40)" */
export function shareOf(share: number, papers: number): string {
  return `${(share * 100).toFixed(1)}% (${Math.round(share * papers)}/${papers})`;
}

/** "vision-language: 12 papers, 9 primary, 11 acceptable; misfiled as language-models 1" */
export function confusionLine(entry: TopicConfusion): string {
  const misfiled = entry.misfiledAs.map((item) => `${item.topic} ${item.papers}`).join(', ');
  return `${plural(entry.papers, 'paper')}, ${entry.primary} primary, ${entry.acceptable} acceptable${misfiled === '' ? '' : `; misfiled as ${misfiled}`}`;
}
