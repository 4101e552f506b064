import type { Digest } from '../digest/paper.js';
import { compileIssueParts, joinedCopy, type IssueParts } from './issue-parts.js';
import type { CompiledIssue, IssueOptions } from './types.js';

export interface IssueRenderer {
  /** The day's issue compiled once for every selection: MJML runs on the first call only. */
  parts(): Promise<IssueParts>;
  /**
   * A selection's issue (null = all topics) as strings, joined from the same parts: for
   * previews and the digest command. Null when the selection has no papers today.
   */
  forTopics(topics: readonly string[] | null): Promise<CompiledIssue | null>;
}

/**
 * The issue of one day, compiled once whatever topics readers pick: a reader's copy is
 * chosen from the compiled pieces (issue-parts.ts), so MJML runs once per issue and the
 * memory held depends on the issue, never on the number of readers or of selections.
 */
export function createIssueRenderer(digest: Digest, options: IssueOptions): IssueRenderer {
  let compiled: Promise<IssueParts> | undefined;
  const parts = (): Promise<IssueParts> => {
    if (!compiled) {
      const compiling = compileIssueParts(digest, options);
      compiled = compiling;
      // A failed compile is not remembered, so a later call reports the error again rather than a stale promise.
      compiling.catch(() => {
        if (compiled === compiling) compiled = undefined;
      });
    }
    return compiled;
  };
  return rendererOver(parts);
}

/** A renderer over parts compiled earlier (a frozen issue): nothing is compiled. */
export function rendererFromParts(issue: IssueParts): IssueRenderer {
  return rendererOver(async () => issue);
}

function rendererOver(parts: () => Promise<IssueParts>): IssueRenderer {
  return {
    parts,
    async forTopics(topics) {
      const issue = await parts();
      const selection = issue.select(topics);
      if (!selection) return null;
      return {
        subject: selection.subject,
        date: issue.date,
        personalise: (fields) => joinedCopy(issue.pieces, selection.copyFor(fields)),
      };
    },
  };
}
