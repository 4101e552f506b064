/** Small hand-written taxonomies for digest tests, built through the real parser. */
import { parseTaxonomy, type FieldWeights, type Taxonomy } from '../../src/digest/taxonomy.js';

export interface TopicSpec {
  slug: string;
  name?: string;
  priority?: number;
  rules: Record<string, number>;
}

/** `taxonomyOf([{ slug: 'agents', rules: { agent: 3 } }])` — rules as match → weight. */
export function taxonomyOf(topics: TopicSpec[], options: { minimumScore?: number; fieldWeights?: Partial<FieldWeights>; secondaryShare?: number } = {}): Taxonomy {
  return parseTaxonomy(
    {
      topics: topics.map((topic) => ({
        slug: topic.slug,
        name: topic.name ?? topic.slug,
        priority: topic.priority ?? 0,
        rules: Object.entries(topic.rules).map(([match, weight]) => ({ match, weight })),
      })),
      fallback: { slug: 'other', name: 'Other' },
      minimumScore: options.minimumScore ?? 1,
      fieldWeights: options.fieldWeights ?? { title: 2, keywords: 1, abstract: 1 },
      // 1: only exact ties are close, so tests about the primary topic see no secondary one.
      secondaryShare: options.secondaryShare ?? 1,
    },
    'test taxonomy',
  );
}

/** Three topics that can be told apart by one word each: "agent", "speech", "robot". */
export const threeTopicSpecs: TopicSpec[] = [
  { slug: 'agents', name: 'Agents', priority: 30, rules: { agent: 3 } },
  { slug: 'speech', name: 'Speech', priority: 20, rules: { speech: 3 } },
  { slug: 'robotics', name: 'Robotics', priority: 10, rules: { robot: 3 } },
];
export const threeTopics = taxonomyOf(threeTopicSpecs);
