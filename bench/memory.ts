/**
 * Memory: peak RSS of the sending process for a whole day's issue (runIssue: load and digest
 * the day, archive it, compile, then stream the list from SQLite and write the ledger for
 * every recipient) at two list sizes. The figure that shows streaming is the ratio between
 * them: a sender that loaded the list would grow with it.
 *
 * The sender is papermail-sender.mjs: compiled JavaScript (dist/, built here first), as
 * production runs, with a discarding transport (see there why). The SMTP figure at the send
 * bench's size is reported next to these (send.oursRssMB).
 */
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { runForResult } from './processes.js';
import { seedSubscribers } from './seed.js';
import type { SenderResult } from './sender-process.js';
import { median } from './stats.js';
import { PAPERMAIL_SENDER } from './send.js';
import { buildDist, FULL_DAY_SOURCE, scratchFolder, SENDER_ENVIRONMENT } from './workspace.js';



interface PeakRss {
  subscribers: number;
  rssMB: number;
  runs: number;
  seconds: number;
}

export interface MemoryFigures {
  small: PeakRss;
  large: PeakRss;
  largeOverSmall: number;
  /** The same sends to lists where each subscriber has 2-6 random topics (seeded). */
  variedSmall: PeakRss;
  variedLarge: PeakRss;
  variedLargeOverSmall: number;
}

export interface MemoryOptions {
  small: { subscribers: number; runs: number };
  large: { subscribers: number; runs: number };
  log: (line: string) => void;
}

export async function measureMemory(options: MemoryOptions): Promise<MemoryFigures> {
  await buildDist();
  const scratch = await scratchFolder('bench-memory');
  try {
    const small = await peakRss(scratch.folder, options.small.subscribers, options.small.runs, options.log);
    const large = await peakRss(scratch.folder, options.large.subscribers, options.large.runs, options.log);
    const variedSmall = await peakRss(scratch.folder, options.small.subscribers, options.small.runs, options.log, true);
    const variedLarge = await peakRss(scratch.folder, options.large.subscribers, options.large.runs, options.log, true);
    return { small, large, largeOverSmall: large.rssMB / small.rssMB, variedSmall, variedLarge, variedLargeOverSmall: variedLarge.rssMB / variedSmall.rssMB };
  } finally {
    await scratch.remove();
  }
}

/** Each run is a fresh process on a fresh copy of the list: there is nothing to warm up. */
async function peakRss(folder: string, subscribers: number, runs: number, log: (line: string) => void, variedTopics = false): Promise<PeakRss> {
  const kind = variedTopics ? 'varied' : 'all';
  const list = path.join(folder, `list-${kind}-${subscribers}.db`);
  await seedSubscribers(list, subscribers, { variedTopics });
  const results: SenderResult[] = [];
  for (let run = 0; run < runs; run += 1) {
    const copy = path.join(folder, `run-${kind}-${subscribers}-${run}.db`);
    await copyFile(list, copy);
    const job = { databasePath: copy, day: '2025-09-30', source: FULL_DAY_SOURCE, environment: SENDER_ENVIRONMENT };
    const result = await runForResult<SenderResult>(PAPERMAIL_SENDER, [JSON.stringify(job)]);
    // A varied list has subscribers none of whose topics has a paper that day: skipped, not sent.
    if (variedTopics ? result.sent === 0 : result.sent !== subscribers) throw new Error(`the memory run sent ${result.sent} of ${subscribers} messages`);
    log(`  memory ${subscribers} subscribers (${kind} topics), run ${run + 1}/${runs}: peak RSS ${result.maxRssMB.toFixed(0)} MB, ${(result.durationMs / 1000).toFixed(1)} s`);
    results.push(result);
  }
  return {
    subscribers,
    runs,
    rssMB: median(results.map((result) => result.maxRssMB)),
    seconds: median(results.map((result) => result.durationMs / 1000)),
  };
}
