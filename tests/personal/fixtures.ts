/** Shared inputs for the personal-ranking tests: the real sample days, read as a send reads them. */
import { arxivIdWithoutVersion, type Paper } from '../../src/digest/paper.js';
import { createVectoriser, termKey, termsOfPaper, type Vectoriser } from '../../src/digest/text-features.js';
import { rankedPapers } from '../../src/render/issue-view.js';
import { trainReaderModel, type ArchiveVector, type ReaderModel } from '../../src/personal/reader-model.js';
import { NO_INTERESTS, type Interests, type Vote } from '../../src/personal/reader-signals.js';
import { fitPaperVocabulary } from '../../src/personal/vocabulary.js';
import { sampleDay } from '../render/sample-days.js';

export interface Archive {
  papers: Paper[];
  vectoriser: Vectoriser;
  vectors: ArchiveVector[];
  byId: Map<string, Paper>;
}

/** The archive of the sample days 2024-05-27 and 2026-08-21 (2025-09-30 is "today" in these tests). */
export async function sampleArchive(): Promise<Archive> {
  const papers = [...rankedPapers(await sampleDay('2024-05-27')), ...rankedPapers(await sampleDay('2026-08-21'))];
  const today = rankedPapers(await sampleDay('2025-09-30'));
  const vectoriser = createVectoriser(fitPaperVocabulary([...papers, ...today]));
  const byId = new Map([...papers, ...today].map((paper) => [arxivIdWithoutVersion(paper.id), paper]));
  return { papers, vectoriser, byId, vectors: papers.map((paper) => ({ id: arxivIdWithoutVersion(paper.id), vector: vectoriser.vectorOf(termsOfPaper(paper)) })) };
}

export function vote(paper: Paper, kind: 'up' | 'down', at = '2025-10-01T08:00:00.000Z'): Vote {
  return { paperId: arxivIdWithoutVersion(paper.id), vote: kind, issueId: paper.day, title: paper.title, at };
}

export function modelOf(archive: Archive, votes: Vote[], interests: Partial<Interests> = {}): ReaderModel | null {
  return trainReaderModel({
    signals: { votes, interests: { ...NO_INTERESTS, ...interests } },
    vectoriser: archive.vectoriser,
    paperText: (id) => archive.byId.get(id),
    archive: archive.vectors,
  });
}

/** A model's weight of one term (0 when it kept none). */
export function weightOf(model: ReaderModel, term: string): number {
  const at = model.keys.indexOf(termKey(term));
  return at === -1 ? 0 : model.weights[at]!;
}

/**
 * Someone who liked four video papers of the archive's days (iVideoGPT, 4DAnyone, ForgeWM, NARU)
 * and passed over three about agents and executable software tasks (EnvHarness, FACET, SWE-bench Science).
 */
export function videoVotes(archive: Archive): Vote[] {
  const paper = (id: string) => archive.byId.get(id)!;
  return [
    ...['2405.15223', '2608.20335', '2608.14022', '2608.13210'].map((id) => vote(paper(id), 'up')),
    ...['2608.19880', '2608.18580', '2608.19799'].map((id) => vote(paper(id), 'down')),
  ];
}
