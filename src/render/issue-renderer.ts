import type { Digest } from '../digest/paper.js';
import { compileIssue } from './issue.js';
import type { CompiledIssue, IssueOptions } from './types.js';

export type DigestFilter = (digest: Digest, topics: string[] | null) => Digest | null;

export interface IssueRenderer {
  /** The issue for a topic selection (null = all topics); null when the selection has no papers today. */
  forTopics(topics: string[] | null): Promise<CompiledIssue | null>;
}

/**
 * Caches one CompiledIssue per distinct topic selection: most subscribers share "all", so a
 * send of thousands of messages compiles MJML a handful of times.
 */
export function createIssueRenderer(digest: Digest, options: IssueOptions, filter: DigestFilter): IssueRenderer {
  const compiled = new Map<string, Promise<CompiledIssue | null>>();
  return {
    forTopics(topics) {
      const key = selectionKey(topics);
      let issue = compiled.get(key);
      if (!issue) {
        issue = compileSelection(digest, options, filter, topics);
        compiled.set(key, issue);
        // A failed compile is not remembered, so a later call reports the error again rather than a stale promise.
        issue.catch(() => compiled.delete(key));
      }
      return issue;
    },
  };
}

async function compileSelection(
  digest: Digest,
  options: IssueOptions,
  filter: DigestFilter,
  topics: string[] | null,
): Promise<CompiledIssue | null> {
  const selected = filter(digest, topics);
  return selected ? compileIssue(selected, options) : null;
}

/** The same selection in any order, with duplicates, is the same issue. */
function selectionKey(topics: string[] | null): string {
  return topics === null ? '*' : [...new Set(topics)].sort().join('\n');
}
