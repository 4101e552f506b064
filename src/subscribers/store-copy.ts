/**
 * Moving up from SQLite to PostgreSQL (`papermail db copy --to postgres://…`): every row as
 * stored — subscribers with their ids (links in mail already sent carry them), status
 * versions, preferences, bounce counts and suppressions; the send ledger; the delivery events
 * (the rules count them, and the report reads them); the issue archive; each day's
 * frozen issue (so a day half sent before the move goes on with the same content); each reader's
 * votes, interests and trained model, and the vocabulary the models share — read from
 * one store and written into the other in one transaction. Copying again copies only what
 * is new: a row the target already has is kept as the target has it (it may be newer).
 */
import type { FrozenIssueRecord } from '../delivery/send-ledger.js';
import type { MatchedEvent } from '../feedback/event-store.js';
import type { Interests, ReaderSignalStore, StoredReaderModel, Vote } from '../personal/reader-signals.js';
import type { ArchivedIssue, DeliveryState } from './store.js';
import type { SubscriberRecord } from './rules.js';

export interface CopiedSubscriber extends SubscriberRecord {
  lastBounceReason: string | null;
}

export interface CopiedDelivery {
  issueDate: string;
  subscriberId: number;
  state: DeliveryState;
  messageId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A delivery event as stored: what was reported, its delivery, and when it was recorded. */
export type CopiedDeliveryEvent = Omit<MatchedEvent, 'returnPath' | 'messageId'> & { recordedAt: string };

/** One reader's vote as stored, with whose it is. */
export type CopiedVote = Vote & { subscriberId: number };

/** A store read row by row, for copying (SQLite implements it). */
export interface StoreExport extends Pick<ReaderSignalStore, 'latestVocabulary'> {
  exportSubscribers(): AsyncIterable<CopiedSubscriber>;
  exportDeliveries(): AsyncIterable<CopiedDelivery>;
  /** In the order they were recorded. */
  exportDeliveryEvents(): AsyncIterable<CopiedDeliveryEvent>;
  exportIssues(): AsyncIterable<ArchivedIssue>;
  /** Each day's frozen issue and when it was frozen and prepared. */
  exportIssueDays(): AsyncIterable<FrozenIssueRecord>;
  /** Every reader's votes, by subscriber and paper. */
  exportVotes(): AsyncIterable<CopiedVote>;
  /** The interests of every reader who has some, by subscriber. */
  exportInterests(): AsyncIterable<{ subscriberId: number; interests: Interests }>;
  exportReaderModels(): AsyncIterable<StoredReaderModel>;
  /** The highest subscriber id ever handed out, deleted subscribers' included: the target must never hand one out again. */
  highestSubscriberId(): Promise<number>;
}

/** Rows written, and rows the target already had, per kind. */
export interface CopyReport {
  subscribers: CopyCount;
  deliveries: CopyCount;
  /** Delivery events, one per (source, key). */
  events: CopyCount;
  issues: CopyCount;
  /** Frozen issues of days (frozen-issue.ts). */
  days: CopyCount;
  votes: CopyCount;
  /** Readers' interests, one per reader. */
  interests: CopyCount;
  /** Readers' trained models, one per reader. */
  models: CopyCount;
  /** The shared vocabulary: at most one. */
  vocabulary: CopyCount;
}

export interface CopyCount {
  copied: number;
  alreadyThere: number;
}

/** A store that can take a copy of another (PostgreSQL implements it). */
export interface CopyTarget {
  /**
   * Copies everything `source` has in one transaction: all or nothing. Refuses (ESTORE,
   * nothing written) when a subscriber's id or address belongs to someone else here.
   */
  receiveCopy(source: StoreExport): Promise<CopyReport>;
}

/** The items of `source` in arrays of at most `size`, for batched writes. */
export async function* batches<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of source) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
