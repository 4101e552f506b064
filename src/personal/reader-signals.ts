import { z } from 'zod';
import { IsoDaySchema } from '../digest/paper.js';

/**
 * What a reader has told papermail about their taste: their 👍/👎 on papers of past issues and
 * their written interests. These are the reader's own data: exported with them, deleted with
 * them, never sent anywhere. The "For you" ranking (src/personal) is learned from them, offline.
 */

export const VOTE_KINDS = ['up', 'down'] as const;
export const VoteKindSchema = z.enum(VOTE_KINDS);
export type VoteKind = z.infer<typeof VoteKindSchema>;

/** An arXiv id without its version ("2509.25541"): a paper keeps its votes across versions and days. */
export const VotedPaperIdSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._/-]{1,64}$/, 'must be a paper id such as 2509.25541');

/** One reader's latest vote on one paper (a new vote on the same paper replaces it). */
export const VoteSchema = z.object({
  paperId: VotedPaperIdSchema,
  vote: VoteKindSchema,
  /** The issue whose link was used: a day (2025-09-30) or a week (2025-W40). */
  issueId: z.string().regex(/^\d{4}-(?:\d{2}-\d{2}|W\d{2})$/, 'must be an issue id such as 2025-09-30 or 2025-W40'),
  /** The paper's title when voted, so the preferences page can list votes without the archive. */
  title: z.string().max(500),
  /** When the vote was recorded (the store's clock), ISO 8601. */
  at: z.string(),
});
export type Vote = z.infer<typeof VoteSchema>;

const InterestPhraseSchema = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** What a reader wrote on the preferences page (or an operator imported): all optional. */
export const InterestsSchema = z.object({
  /** Free text, "speculative decoding, KV cache, diffusion distillation": a pseudo-positive for a cold start. */
  text: z.string().trim().max(1000, 'must be at most 1,000 characters').default(''),
  /** A paper matching any of these always reaches the reader's "For you" block. */
  include: z.array(InterestPhraseSchema).max(50).default([]),
  /** A paper matching any of these is left out of the reader's copy altogether. */
  exclude: z.array(InterestPhraseSchema).max(50).default([]),
  /** Authors or organisations whose papers always reach the "For you" block. */
  follow: z.array(InterestPhraseSchema).max(50).default([]),
});
export type Interests = z.infer<typeof InterestsSchema>;

export const NO_INTERESTS: Interests = Object.freeze({ text: '', include: [], exclude: [], follow: [] }) as Interests;

export function hasInterests(interests: Interests): boolean {
  return interests.text !== '' || interests.include.length > 0 || interests.exclude.length > 0 || interests.follow.length > 0;
}

/** Everything one reader has told papermail. */
export interface ReaderSignals {
  /** Newest first. */
  votes: Vote[];
  interests: Interests;
}

/**
 * A reader's trained model as the store keeps it: opaque JSON text, written and read only by
 * src/personal (which validates it with its own schema), with the day it was trained.
 */
export interface StoredReaderModel {
  subscriberId: number;
  json: string;
  trainedAt: string;
}

/** A fitted TF-IDF vocabulary as the store keeps it (src/digest/text-features.ts VocabularySchema, as JSON). */
export interface StoredVocabulary {
  json: string;
  /** The last issue day it was fitted on, so it is refitted when the archive grows. */
  fittedThrough: z.infer<typeof IsoDaySchema>;
}

/**
 * The store methods personal ranking needs; both stores implement them. Writes are the reader's
 * own actions (a vote page's button, the preferences form) or the operator's (CLI, import).
 */
export interface ReaderSignalStore {
  /** Records or replaces the reader's vote on a paper; returns the vote as stored. */
  recordVote(subscriberId: number, vote: Omit<Vote, 'at'>): Promise<Vote>;
  /** Removes the reader's vote on a paper (undo); false when there was none. */
  removeVote(subscriberId: number, paperId: string): Promise<boolean>;
  /** Removes all of the reader's votes; returns how many there were. */
  clearVotes(subscriberId: number): Promise<number>;
  setInterests(subscriberId: number, interests: Interests): Promise<void>;
  /** The reader's votes (newest first) and interests; empty for an unknown id. */
  readerSignals(subscriberId: number): Promise<ReaderSignals>;
  /** Replaces the reader's stored model. */
  saveReaderModel(model: StoredReaderModel): Promise<void>;
  /** The stored models of these subscribers (those that have one). */
  readerModels(subscriberIds: readonly number[]): Promise<Map<number, StoredReaderModel>>;
  saveVocabulary(vocabulary: StoredVocabulary): Promise<void>;
  /** The vocabulary saved last, or null. */
  latestVocabulary(): Promise<StoredVocabulary | null>;
}

/**
 * What runs after a reader's votes or interests changed: retraining their model
 * (src/personal), so a send never trains. The server and the CLI are given it by the
 * composition root and call it after the store write succeeded.
 */
export type SignalsChanged = (subscriberId: number) => Promise<void>;
