/**
 * The vocabulary personal ranking works in: TF-IDF terms (src/digest/text-features.ts) fitted on
 * the archive of past issues (the frozen issues' digests) plus the issue being sent, and kept in
 * the store as data (StoredVocabulary), so a model trained on Monday's votes reads Tuesday's
 * papers with the same words and weights. It is fitted again only when the archive has grown
 * past the day it was fitted through.
 */
import { frozenDigest } from '../delivery/frozen-issue.js';
import { lastDayOf } from '../delivery/paper-history.js';
import type { FrozenIssues } from '../delivery/send-ledger.js';
import { arxivIdWithoutVersion, type Digest, type Paper } from '../digest/paper.js';
import { createVectoriser, fitVocabulary, termsOfPaper, VocabularySchema, type Vectoriser, type Vocabulary } from '../digest/text-features.js';
import { PapermailError } from '../errors.js';
import type { Logger } from '../logger.js';
import { frozenUnreadable } from '../render/issue-parts.js';
import { rankedPapers } from '../render/issue-view.js';
import type { ReaderSignalStore, StoredVocabulary } from './reader-signals.js';

export type ArchiveStore = Pick<FrozenIssues, 'frozenIssueIds' | 'frozenIssue'>;
export type VocabularyStore = Pick<ReaderSignalStore, 'latestVocabulary' | 'saveVocabulary'>;

/**
 * The archive's papers, each once by arXiv id without version (the latest listing wins): every
 * frozen issue's digest (a few hundred a year); an unreadable one is skipped with a warning.
 */
export async function readArchivePapers(store: ArchiveStore, logger?: Logger): Promise<ReadonlyMap<string, Paper>> {
  const papers = new Map<string, Paper>();
  const ids = [...(await store.frozenIssueIds())].sort();
  for (const id of ids) {
    const record = await store.frozenIssue(id);
    if (record === undefined) continue;
    let digest: Digest | undefined;
    try {
      digest = frozenDigest(record);
    } catch (error) {
      if (!(error instanceof PapermailError)) throw error;
      logger?.warn(`personal ranking: ${error.message}; its papers are not learned from`);
      continue;
    }
    if (digest === undefined) continue;
    for (const paper of rankedPapers(digest)) papers.set(arxivIdWithoutVersion(paper.id), paper);
  }
  return papers;
}

/** The vocabulary of some papers, independent of their order (fitVocabulary sorts its terms). */
export function fitPaperVocabulary(papers: Iterable<Paper>): Vocabulary {
  return fitVocabulary([...papers].map((paper) => termsOfPaper(paper)));
}

/** A stored vocabulary read back, validated like any outside input. */
export function parseStoredVocabulary(stored: StoredVocabulary): Vocabulary {
  let json: unknown;
  try {
    json = JSON.parse(stored.json);
  } catch (error) {
    throw new PapermailError('ESTORE', `the stored vocabulary is not JSON: ${(error as Error).message}`);
  }
  const parsed = VocabularySchema.safeParse(json);
  if (!parsed.success) throw frozenUnreadable('the stored vocabulary', parsed.error);
  return parsed.data;
}

/** The last day an issue id covers, or of several: what a vocabulary fitted on them is fitted through. */
function laterDay(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

/**
 * The vocabulary to read `issue` with (once per issue, before the first recipient): the stored
 * one while it is fitted through the newest issue of the archive and this one; otherwise fitted
 * now on the archive plus this issue, and saved. `issue` is undefined when training a reader.
 */
export async function currentVectoriser(store: VocabularyStore & ArchiveStore, issue: { id: string; digest: Digest } | undefined, logger?: Logger): Promise<Vectoriser> {
  const ids = await store.frozenIssueIds();
  const newest = laterDay(
    ids.reduce<string | undefined>((latest, id) => laterDay(latest, lastDayOf(id)), undefined),
    issue === undefined ? undefined : lastDayOf(issue.id),
  );
  const stored = await store.latestVocabulary();
  if (stored !== null && (newest === undefined || stored.fittedThrough >= newest)) {
    try {
      return vectoriserOf(stored.json, () => parseStoredVocabulary(stored));
    } catch (error) {
      // Personal ranking is an extra: a vocabulary nobody can read (written by hand, by another
      // version) is fitted again from the archive rather than stopping a send or a vote.
      if (!(error instanceof PapermailError)) throw error;
      logger?.warn(`personal ranking: ${error.message}; fitting the vocabulary again`);
    }
  }
  const papers = new Map(await readArchivePapers(store, logger));
  for (const paper of issue === undefined ? [] : rankedPapers(issue.digest)) papers.set(arxivIdWithoutVersion(paper.id), paper);
  const vocabulary = fitPaperVocabulary(papers.values());
  const fittedThrough = newest ?? new Date(0).toISOString().slice(0, 10);
  const json = JSON.stringify(vocabulary);
  await store.saveVocabulary({ json, fittedThrough });
  logger?.info(`personal ranking: vocabulary of ${vocabulary.terms.length} terms fitted on ${vocabulary.documents} papers through ${fittedThrough}`);
  return vectoriserOf(json, () => vocabulary);
}

// The vocabulary read last, as a vectoriser: reading the same stored text again (every vote a
// reader makes, every send) gives the same object, so what is kept per vocabulary stays valid.
let lastVectoriser: { json: string; vectoriser: Vectoriser } | undefined;

function vectoriserOf(json: string, vocabulary: () => Vocabulary): Vectoriser {
  if (lastVectoriser?.json !== json) lastVectoriser = { json, vectoriser: createVectoriser(vocabulary()) };
  return lastVectoriser.vectoriser;
}
