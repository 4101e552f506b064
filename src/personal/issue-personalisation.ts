/**
 * Personal ranking in the send loop: what one issue needs to give each reader their "For you"
 * block and leave out what their rules exclude. Built once per issue (the vocabulary, the day's
 * papers read once: DayFeatures); the reader models are read from the store per claimed batch
 * (one query per batch, ReaderSignalStore.readerModels) and let go as each reader's copy is
 * made, so memory holds one batch of models, never the list's.
 */
import type { Digest } from '../digest/paper.js';
import { paperSetOf, paperSetPositions } from '../digest/paper-set.js';
import { PapermailError } from '../errors.js';
import type { Logger } from '../logger.js';
import { rankedPapers } from '../render/issue-view.js';
import { dayFeatures, personalChoice, type DayFeatures, type PersonalChoice } from './for-you.js';
import { parseReaderModel } from './reader-model.js';
import type { ReaderSignalStore, StoredReaderModel } from './reader-signals.js';
import { currentVectoriser, type ArchiveStore, type VocabularyStore } from './vocabulary.js';

export type PersonalisationStore = Pick<ReaderSignalStore, 'readerModels'> & VocabularyStore & ArchiveStore;

/** A reader's copy as personal ranking changes it. */
export interface PersonalCopy {
  /** What their copy leaves out: the papers sent to them before and those their rules exclude (a paper set). */
  leaveOut: string | undefined;
  choice: PersonalChoice;
}

export interface IssuePersonalisation {
  /**
   * Reads the models of a claimed batch of recipients; a store that fails only costs that batch
   * its blocks (logged). Each model is let go when its reader's copy is made (copyFor); only
   * those of recipients never sent to (an undeliverable address, a run stopped mid-batch) wait
   * for the end of the run.
   */
  loadBatch(subscriberIds: readonly number[]): Promise<void>;
  /**
   * The reader's personal copy, or undefined when they have no model (their copy is everyone's).
   * `leaveOut`: the papers already sent to them (a paper set), which never reach the block.
   * Takes the reader's model out of the loaded batch.
   */
  copyFor(subscriberId: number, leaveOut: string | undefined): PersonalCopy | undefined;
}

export async function issuePersonalisation(store: PersonalisationStore, issue: { id: string; digest: Digest }, logger: Logger): Promise<IssuePersonalisation> {
  const day = dayFeatures(rankedPapers(issue.digest), await currentVectoriser(store, issue, logger));
  return personalisationOf(day, (ids) => store.readerModels(ids), logger);
}

/** The same over a day read already (tests, the bench): `readModels` is the store's readerModels. */
export function personalisationOf(day: DayFeatures, readModels: (ids: readonly number[]) => Promise<Map<number, StoredReaderModel>>, logger: Logger): IssuePersonalisation {
  const loaded = new Map<number, StoredReaderModel>();
  let unreadable = 0;
  return {
    async loadBatch(ids) {
      if (day.count === 0 || ids.length === 0) return;
      try {
        for (const [id, model] of await readModels(ids)) loaded.set(id, model);
      } catch (error) {
        logger.warn(`personal ranking: could not read the reader models of ${ids.length} recipients, who get the copy everyone gets: ${(error as Error).message}`);
      }
    },
    copyFor(subscriberId, leaveOut) {
      const stored = loaded.get(subscriberId);
      if (stored === undefined) return undefined;
      loaded.delete(subscriberId);
      let model;
      try {
        model = parseReaderModel(stored);
      } catch (error) {
        if (!(error instanceof PapermailError)) throw error;
        // Said once per run, not once per reader: one bad row must not flood the log.
        if (unreadable++ === 0) logger.warn(`personal ranking: ${error.message}; that reader gets the copy everyone gets`);
        return undefined;
      }
      if (model === null) return undefined;
      const sentBefore = leaveOut === undefined || leaveOut === '' ? undefined : flagsOf(leaveOut, day.count);
      const choice = personalChoice(day, model, sentBefore);
      const left = choice.excluded.length === 0 ? leaveOut : paperSetOf([...(leaveOut === undefined ? [] : paperSetPositions(leaveOut)), ...choice.excluded]);
      return { leaveOut: left, choice };
    },
  };
}

/** A copy's paper set with the block's papers added: what the reader was sent, for never the same paper twice. */
export function receivedWithBlock(received: string, choice: PersonalChoice): string {
  return choice.forYou.length === 0 ? received : paperSetOf([...paperSetPositions(received), ...choice.forYou.map((entry) => entry.position)]);
}

function flagsOf(set: string, count: number): boolean[] {
  const flags = new Array<boolean>(count).fill(false);
  for (const position of paperSetPositions(set)) if (position < count) flags[position] = true;
  return flags;
}
