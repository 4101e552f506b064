import { contributionPhrase } from './contribution.js';
import type { Paper } from './paper.js';
import { matchableText, matchesPattern, normaliseText, type MatchableText } from './normalise.js';
import { UNSCOPED_FIELDS, type FallbackTopic, type FieldName, type FieldWeights, type Taxonomy, type Topic } from './taxonomy.js';

/** One rule that matched a paper: where, and what it added to its topic's score. */
export interface RuleMatch {
  /** The rule as written in topics.json ("quantiz*"). */
  match: string;
  weight: number;
  /** The fields it matched in, in the order title, keywords, abstract, contribution. */
  fields: FieldName[];
  /** weight × the sum of those fields' weights. */
  points: number;
}

/** How strongly a paper belongs to one topic, and which rules said so (for tuning topics.json). */
export interface TopicScore {
  topic: Topic;
  score: number;
  matched: RuleMatch[];
}

/** Where a paper goes, and why: what `digest --why` prints. */
export interface TopicDecision {
  /** The paper's one section. */
  primary: Topic | FallbackTopic;
  /** The runner-up, when it scores close to the primary (see `secondaryShare` in topics.json). */
  secondary?: Topic;
  /** Every topic's score, best first (ties in the order the primary is chosen by). */
  scores: TopicScore[];
}

/** One field of a paper to match rules against: a rule counts once per field, however often it occurs. */
interface Field {
  name: FieldName;
  /** Normalised text; keywords are joined by " | ", which no rule contains, so a phrase never spans two. */
  text: MatchableText;
  weight: number;
}

/**
 * The fields a paper is judged by: the title (the authors' own framing), Hugging Face's AI
 * keywords (a cleaned-up digest of the abstract, when it has them), the abstract, and the noun
 * phrase the abstract names its contribution with ("a novel benchmark"). Each counts by its
 * field weight.
 */
function paperFields(paper: Paper, weights: FieldWeights): Field[] {
  const fields: Field[] = [];
  const add = (name: FieldName, text: () => string) => {
    if (weights[name] > 0) fields.push({ name, text: matchableText(text()), weight: weights[name] });
  };
  add('title', () => normaliseText(paper.title));
  if (paper.aiKeywords.length > 0) add('keywords', () => paper.aiKeywords.map(normaliseText).join(' | '));
  add('abstract', () => normaliseText(paper.abstract));
  add('contribution', () => normaliseText(contributionPhrase(paper.abstract)));
  return fields;
}

/** Every topic's score for a paper, in taxonomy order. */
export function scoreTopics(paper: Paper, taxonomy: Taxonomy): TopicScore[] {
  const fields = paperFields(paper, taxonomy.fieldWeights);
  return taxonomy.topics.map((topic) => {
    let score = 0;
    const matched: RuleMatch[] = [];
    for (const rule of topic.rules) {
      let fieldWeight = 0;
      const where: FieldName[] = [];
      for (const field of fields) {
        if ((rule.fields ?? UNSCOPED_FIELDS).includes(field.name) && matchesPattern(field.text, rule.pattern)) {
          fieldWeight += field.weight;
          where.push(field.name);
        }
      }
      if (fieldWeight > 0) {
        score += rule.weight * fieldWeight;
        matched.push({ match: rule.match, weight: rule.weight, fields: where, points: rule.weight * fieldWeight });
      }
    }
    return { topic, score, matched };
  });
}

/**
 * The topic a paper is listed under: the highest score; a tie goes to the higher priority, then
 * to the topic listed first. Below the taxonomy's minimum score, the fallback topic. The
 * runner-up is the secondary topic when it reaches the minimum score too and at least
 * `secondaryShare` of the best score: a paper close to two topics reaches the readers of both.
 */
export function decideTopics(paper: Paper, taxonomy: Taxonomy): TopicDecision {
  const scores = scoreTopics(paper, taxonomy)
    .map((entry, order) => ({ entry, order }))
    .sort((a, b) => b.entry.score - a.entry.score || b.entry.topic.priority - a.entry.topic.priority || a.order - b.order)
    .map(({ entry }) => entry);
  const [best, second] = scores;
  if (best === undefined || best.score < taxonomy.minimumScore) return { primary: taxonomy.fallback, scores };
  const close = second !== undefined && second.score >= taxonomy.minimumScore && second.score >= taxonomy.secondaryShare * best.score;
  return { primary: best.topic, ...(close ? { secondary: second.topic } : {}), scores };
}

export function primaryTopic(paper: Paper, taxonomy: Taxonomy): Topic | FallbackTopic {
  return decideTopics(paper, taxonomy).primary;
}
