/**
 * Topics: how the shipped topics.json files labelled sample-day papers against human readers'
 * labels (tests/digest/topic-labels.ts). Not a timing.
 *
 * The headline figures are on the held-out third of the expert dev set (by a hash of the id fixed
 * before any tuning): topics.json's rules were tuned while looking at the training data only (the
 * dev set's other two thirds and the team labels: 91 more papers of the same days, labelled blind
 * by a second reader), and nothing is ever fitted or chosen on the held-out papers. The tuning
 * part, all 120 and the team labels are printed beside them; for the rules all but the held-out
 * third are in-sample.
 *
 * The training data (tuning part + team labels) also cross-validates the learned candidate the
 * rules are measured against: one-vs-rest logistic models (src/digest/linear-model.ts) over a
 * paper's TF-IDF vector and the rules' verdict, trained on K-1 folds and scored on the K-th. It
 * is not shipped (see README, "Measured and not shipped"); it is here so the comparison can be
 * run again when more labels arrive.
 */
import { decideTopics, primaryTopic, scoreTopics } from '../src/digest/classify.js';
import type { Paper } from '../src/digest/paper.js';
import { loadTaxonomy, type Taxonomy } from '../src/digest/taxonomy.js';
import { createVectoriser, fitVocabulary, termsOfPaper, type SparseVector, type Vectoriser } from '../src/digest/text-features.js';
import { scoreOf, trainLogisticModel, type LinearModel } from '../src/digest/linear-model.js';
import { plural } from '../src/render/text.js';
import {
  foldOf,
  labelledPapers,
  teamLabelledPapers,
  topicConfusion,
  topicFigures,
  type LabelledPaper,
  type TopicConfusion,
  type TopicFigures,
  type TopicOutcome,
} from '../tests/digest/topic-labels.js';
import { benchConfig } from './workspace.js';

/** Cross-validation folds over the training data. */
export const FOLDS = 5;

/** Figures on the three parts of the training data. */
export interface TrainingFigures {
  tuning: TopicFigures;
  team: TopicFigures;
  together: TopicFigures;
}

export interface TopicsFigures {
  heldOut: TopicFigures;
  tuning: TopicFigures;
  all: TopicFigures;
  /** The shipped rules on the team labels (in-sample: the rules were tuned on them too). */
  team: TopicFigures;
  /** Per labelled primary topic, over the 120 expert-labelled papers. */
  confusion: TopicConfusion[];
  /** The same over the team labels. */
  teamConfusion: TopicConfusion[];
  /** The shipped rules on the training data (in-sample for them: they were tuned on it). */
  rulesOnTraining: TrainingFigures;
  /** The learned candidate, FOLDS-fold cross-validated on the training data. */
  learnedCrossValidated: TrainingFigures;
}

export async function measureTopics(): Promise<TopicsFigures> {
  const taxonomy = await loadTaxonomy(benchConfig().TOPICS_FILE);
  const fileByRules = (labelled: LabelledPaper): TopicOutcome => ({ labelled, filed: primaryTopic(labelled.paper, taxonomy).slug });
  const expert = labelledPapers().map(fileByRules);
  const team = teamLabelledPapers().map(fileByRules);
  const fallback = taxonomy.fallback.slug;
  const tuning = expert.filter((outcome) => !outcome.labelled.heldOut);
  return {
    heldOut: topicFigures(expert.filter((outcome) => outcome.labelled.heldOut), fallback),
    tuning: topicFigures(tuning, fallback),
    all: topicFigures(expert, fallback),
    team: topicFigures(team, fallback),
    confusion: topicConfusion(expert),
    teamConfusion: topicConfusion(team),
    rulesOnTraining: trainingFigures(tuning, team, fallback),
    learnedCrossValidated: crossValidateLearned(taxonomy, tuning.map((outcome) => outcome.labelled), team.map((outcome) => outcome.labelled)),
  };
}

function trainingFigures(tuning: readonly TopicOutcome[], team: readonly TopicOutcome[], fallback: string): TrainingFigures {
  return { tuning: topicFigures(tuning, fallback), team: topicFigures(team, fallback), together: topicFigures([...tuning, ...team], fallback) };
}

/** How much the rules' verdict counts beside the (L2-normalised) TF-IDF vector. */
const RULE_FEATURE_SCALE = 4;
const L2 = 0.001;

/** Each training paper filed by the candidate trained on the folds it is not in. */
function crossValidateLearned(taxonomy: Taxonomy, tuning: readonly LabelledPaper[], team: readonly LabelledPaper[]): TrainingFigures {
  const training = [...tuning, ...team];
  const classifiers = Array.from({ length: FOLDS }, (_, fold) =>
    trainCandidate(taxonomy, training.filter((item) => foldOf(item.label.id, FOLDS) !== fold)),
  );
  const fileByCandidate = (labelled: LabelledPaper): TopicOutcome => ({
    labelled,
    filed: classifiers[foldOf(labelled.label.id, FOLDS)]!(labelled.paper),
  });
  return trainingFigures(tuning.map(fileByCandidate), team.map(fileByCandidate), taxonomy.fallback.slug);
}

/** One model per topic and the fallback; a paper goes to the class whose model scores highest. */
function trainCandidate(taxonomy: Taxonomy, training: readonly LabelledPaper[]): (paper: Paper) => string {
  const classes = [...taxonomy.topics.map((topic) => topic.slug), taxonomy.fallback.slug];
  const vectoriser = createVectoriser(fitVocabulary(training.map((item) => termsOfPaper(item.paper))));
  const features = vectoriser.vocabulary.terms.length + 2 * classes.length;
  const vectors = training.map((item) => candidateVector(item.paper, taxonomy, vectoriser, classes));
  const models: LinearModel[] = classes.map((slug) =>
    trainLogisticModel(
      training.map((item, index) => ({ vector: vectors[index]!, label: item.label.primary === slug ? 1 : 0 })),
      features,
      { l2: L2 },
    ),
  );
  return (paper) => {
    const vector = candidateVector(paper, taxonomy, vectoriser, classes);
    let best = 0;
    models.forEach((model, index) => {
      if (scoreOf(model, vector) > scoreOf(models[best]!, vector)) best = index;
    });
    return classes[best]!;
  };
}

/**
 * The paper's TF-IDF vector, then per class its share of the rules' best score and 1 for the
 * class the rules chose (that part L2-normalised and scaled by RULE_FEATURE_SCALE).
 */
function candidateVector(paper: Paper, taxonomy: Taxonomy, vectoriser: Vectoriser, classes: readonly string[]): SparseVector {
  const text = vectoriser.vectorOf(termsOfPaper(paper));
  const scores = scoreTopics(paper, taxonomy).map((entry) => entry.score);
  const best = Math.max(...scores);
  const shares = scores.map((score) => (best >= taxonomy.minimumScore ? score / best : 0));
  const chosen = classes.indexOf(decideTopics(paper, taxonomy).primary.slug);
  const verdict = [...shares, 0, ...classes.map((_, index) => (index === chosen ? 1 : 0))];
  const norm = Math.sqrt(verdict.reduce((sum, value) => sum + value * value, 0));
  const offset = vectoriser.vocabulary.terms.length;
  const indices = [...text.indices];
  const values = [...text.values];
  verdict.forEach((value, index) => {
    if (value === 0) return;
    indices.push(offset + index);
    values.push((value / norm) * RULE_FEATURE_SCALE);
  });
  return { indices: Int32Array.from(indices), values: Float64Array.from(values) };
}

/** "92.5% (37/40)" */
export function shareOf(share: number, papers: number): string {
  return `${(share * 100).toFixed(1)}% (${Math.round(share * papers)}/${papers})`;
}

/** "acceptable 92.3% (84/91), primary 69.2% (63/91), Other 3.3% (3/91)" */
export function figuresLine(figures: TopicFigures): string {
  return `acceptable ${shareOf(figures.acceptable, figures.papers)}, primary ${shareOf(figures.primary, figures.papers)}, Other ${shareOf(figures.otherShare, figures.papers)}`;
}

/** "vision-language: 12 papers, 9 primary, 11 acceptable; misfiled as language-models 1" */
export function confusionLine(entry: TopicConfusion): string {
  const misfiled = entry.misfiledAs.map((item) => `${item.topic} ${item.papers}`).join(', ');
  return `${plural(entry.papers, 'paper')}, ${entry.primary} primary, ${entry.acceptable} acceptable${misfiled === '' ? '' : `; misfiled as ${misfiled}`}`;
}
