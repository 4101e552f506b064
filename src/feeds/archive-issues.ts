/**
 * The archived issues a feed is made of, read from the store: the newest of the archive, by
 * when they were archived (so a weekly issue sorts among the dailies by its day, whatever its
 * id), each with the papers of its frozen issue.
 */
import { frozenDigest } from '../delivery/frozen-issue.js';
import type { FrozenIssues } from '../delivery/send-ledger.js';
import type { Digest } from '../digest/paper.js';
import { PapermailError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { IssueArchive } from '../subscribers/store.js';
import type { FeedIssue } from './feed-entries.js';

/**
 * How many issues a feed of whole issues holds (the archive's, a subscriber's): three weeks of
 * dailies. A daily issue with every topic is about 30 KB of feed, so 20 keep a feed near
 * 600 KB, which every reader takes (50 made 1.5 MB, read again on every poll).
 */
export const FEED_ISSUES = 20;
/** How many issues a topic's feed looks through: a topic has a few papers a day, so it goes further back. */
export const TOPIC_FEED_ISSUES = 50;

export type FeedStore = Pick<IssueArchive, 'listIssues'> & Pick<FrozenIssues, 'frozenIssue'>;

export interface ArchiveIssues {
  /** The newest `count` issues, newest first. */
  recent(count: number): Promise<FeedIssue[]>;
}

/**
 * Reads the recent issues on every call (the archive list is small rows); each issue's digest
 * is parsed once and kept while its stored text stays the same and it is still recent, so
 * a feed reader polling every few minutes costs a list and a few lookups, not 50 parses.
 */
export function archiveIssues(store: FeedStore, logger: Logger): ArchiveIssues {
  const parsed = new Map<string, { text: string; digest: Digest | undefined }>();

  const digestOf = async (id: string): Promise<Digest | undefined> => {
    const record = await store.frozenIssue(id);
    if (record?.digest == null) return undefined;
    const kept = parsed.get(id);
    if (kept?.text === record.digest) return kept.digest;
    let digest: Digest | undefined;
    try {
      digest = frozenDigest(record);
    } catch (error) {
      // One unreadable issue must not take every feed down: its entry just links to its page.
      if (!(error instanceof PapermailError)) throw error;
      logger.warn(`feeds: ${error.message}; its entry has no papers`);
    }
    parsed.set(id, { text: record.digest, digest });
    return digest;
  };

  return {
    async recent(count) {
      const listed = await store.listIssues();
      const byArchiveTime = [...listed].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.date.localeCompare(a.date));
      const newest = byArchiveTime.slice(0, count);
      const issues = await Promise.all(
        newest.map(async (issue) => ({ id: issue.date, subject: issue.subject, archivedAt: new Date(issue.createdAt), digest: await digestOf(issue.date) })),
      );
      // What no feed reads any more is let go; the longest feed's issues stay.
      const kept = new Set(byArchiveTime.slice(0, Math.max(count, FEED_ISSUES, TOPIC_FEED_ISSUES)).map((issue) => issue.date));
      for (const id of parsed.keys()) if (!kept.has(id)) parsed.delete(id);
      return issues;
    },
  };
}
