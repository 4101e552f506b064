/**
 * Retraining a reader's model after their votes or interests changed: the SignalsChanged the
 * composition root hands the server and the CLI. It reads the reader's signals, the stored
 * vocabulary (fitted now when the archive has outgrown it) and the archive's papers, trains
 * (reader-model.ts, pure) and saves the model. The archive's papers and their vectors are kept
 * between calls while the archive and the vocabulary stay the same, so a reader voting on five
 * papers in a row costs one read of the archive, not five.
 */
import { termsOfPaper, type Vectoriser } from '../digest/text-features.js';
import type { Logger } from '../logger.js';
import { storedReaderModel, trainReaderModel, type ArchiveVector } from './reader-model.js';
import type { ReaderSignalStore, SignalsChanged } from './reader-signals.js';
import type { Paper } from '../digest/paper.js';
import { currentVectoriser, readArchivePapers, type ArchiveStore } from './vocabulary.js';

export interface RetrainServices {
  store: ReaderSignalStore & ArchiveStore;
  logger?: Logger;
  /** The clock a model's trainedAt is read from. */
  now?: () => Date;
}

/** The archive as read last, and its papers as vectors of the vocabulary they were made with. */
interface ArchiveReading {
  ids: string;
  papers: ReadonlyMap<string, Paper>;
  vectoriser: Vectoriser;
  vectors: ArchiveVector[];
}

export function createReaderTrainer({ store, logger, now = () => new Date() }: RetrainServices): SignalsChanged {
  let kept: ArchiveReading | undefined;

  const archiveFor = async (vectoriser: Vectoriser): Promise<ArchiveReading> => {
    const ids = (await store.frozenIssueIds()).join(' ');
    if (kept?.ids === ids && kept.vectoriser === vectoriser) return kept;
    const papers = kept?.ids === ids ? kept.papers : await readArchivePapers(store, logger);
    const vectors = [...papers.keys()].sort().map((id) => ({ id, vector: vectoriser.vectorOf(termsOfPaper(papers.get(id)!)) }));
    kept = { ids, papers, vectoriser, vectors };
    return kept;
  };

  // One training at a time: two votes in quick succession start two, and the one that read the
  // older signals must not finish last and overwrite the newer model.
  let queue: Promise<void> = Promise.resolve();
  const retrain = async (subscriberId: number): Promise<void> => {
    const signals = await store.readerSignals(subscriberId);
    const vectoriser = await currentVectoriser(store, undefined, logger);
    const archive = await archiveFor(vectoriser);
    const model = trainReaderModel({ signals, vectoriser, paperText: (id) => archive.papers.get(id), archive: archive.vectors });
    if (model !== null) return store.saveReaderModel(storedReaderModel(subscriberId, model, now()));
    // Nothing left to learn from (votes and interests cleared): a model kept from before would
    // still personalise their copy, so it is replaced by "no model". Readers who never had one get no row.
    if ((await store.readerModels([subscriberId])).has(subscriberId)) await store.saveReaderModel(storedReaderModel(subscriberId, null, now()));
  };
  return (subscriberId) => {
    const done = queue.then(() => retrain(subscriberId));
    queue = done.catch(() => undefined);
    return done;
  };
}
