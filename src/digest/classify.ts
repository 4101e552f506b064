import type { Paper } from './paper.js';
import { matchesPattern, normaliseText } from './normalise.js';
import type { FallbackTopic, FieldName, FieldWeights, Taxonomy, Topic } from './taxonomy.js';

/** How strongly a paper belongs to one topic, and which rules said so (for tuning topics.json). */
export interface TopicScore {
  topic: Topic;
  score: number;
  matched: string[];
}

/** One field of a paper to match rules against: a rule counts once per field, however often it occurs. */
interface Field {
  name: FieldName;
  /** Normalised text; keywords are joined by " | ", which no rule contains, so a phrase never spans two. */
  text: string;
  weight: number;
}

/**
 * The fields a paper is judged by: the title (the authors' own framing), Hugging Face's AI
 * keywords (a cleaned-up digest of the abstract, when it has them) and the abstract. Each
 * counts by its field weight.
 */
function paperFields(paper: Paper, weights: FieldWeights): Field[] {
  const fields: Field[] = [{ name: 'title', text: normaliseText(paper.title), weight: weights.title }];
  if (paper.aiKeywords.length > 0) fields.push({ name: 'keywords', text: paper.aiKeywords.map(normaliseText).join(' | '), weight: weights.keywords });
  fields.push({ name: 'abstract', text: normaliseText(paper.abstract), weight: weights.abstract });
  return fields.filter((field) => field.weight > 0);
}

/** Every topic's score for a paper, in taxonomy order. */
export function scoreTopics(paper: Paper, taxonomy: Taxonomy): TopicScore[] {
  const fields = paperFields(paper, taxonomy.fieldWeights);
  return taxonomy.topics.map((topic) => {
    let score = 0;
    const matched: string[] = [];
    for (const rule of topic.rules) {
      let fieldWeight = 0;
      for (const field of fields) {
        if ((rule.fields === undefined || rule.fields.includes(field.name)) && matchesPattern(field.text, rule.pattern)) fieldWeight += field.weight;
      }
      if (fieldWeight > 0) {
        score += rule.weight * fieldWeight;
        matched.push(rule.match);
      }
    }
    return { topic, score, matched };
  });
}

/**
 * The one topic a paper is listed under: the highest score; a tie goes to the higher priority,
 * then to the topic listed first. Below the taxonomy's minimum score, the fallback topic.
 */
export function primaryTopic(paper: Paper, taxonomy: Taxonomy): Topic | FallbackTopic {
  let best: TopicScore | undefined;
  for (const candidate of scoreTopics(paper, taxonomy)) {
    if (
      best === undefined ||
      candidate.score > best.score ||
      (candidate.score === best.score && candidate.topic.priority > best.topic.priority)
    ) {
      best = candidate;
    }
  }
  return best !== undefined && best.score >= taxonomy.minimumScore ? best.topic : taxonomy.fallback;
}
