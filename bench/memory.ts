/**
 * Memory: peak RSS of the sending process for a whole day's issue (runIssue: load and digest
 * the day, archive it, compile, then stream the list from SQLite and write the ledger for
 * every recipient) at two list sizes. The figure that shows streaming is the ratio between
 * them: a sender that loaded the list would grow with it.
 *
 * The messages go to the discarding transport (see discarding-transport.ts): at about 110
 * messages a second over SMTP, 100,000 messages would take a quarter of an hour. The SMTP
 * figure at the send bench's size is reported next to these (send.oursRssMB).
 */
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { runForResult } from './processes.js';
import { seedSubscribers } from './seed.js';
import { SENDER_SCRIPT } from './send.js';
import type { SenderJob, SenderResult } from './sender-process.js';
import { median } from './stats.js';
import { scratchFolder } from './workspace.js';

export interface MemoryFigures {
  small: { subscribers: number; rssMB: number; runs: number; seconds: number };
  large: { subscribers: number; rssMB: number; runs: number; seconds: number };
  largeOverSmall: number;
}

export interface MemoryOptions {
  small: { subscribers: number; runs: number };
  large: { subscribers: number; runs: number };
  log: (line: string) => void;
}

export async function measureMemory(options: MemoryOptions): Promise<MemoryFigures> {
  const scratch = await scratchFolder('bench-memory');
  try {
    const small = await peakRss(scratch.folder, options.small.subscribers, options.small.runs, options.log);
    const large = await peakRss(scratch.folder, options.large.subscribers, options.large.runs, options.log);
    return { small, large, largeOverSmall: large.rssMB / small.rssMB };
  } finally {
    await scratch.remove();
  }
}

/** Each run is a fresh process on a fresh copy of the list: there is nothing to warm up. */
async function peakRss(folder: string, subscribers: number, runs: number, log: (line: string) => void) {
  const list = path.join(folder, `list-${subscribers}.db`);
  await seedSubscribers(list, subscribers);
  const results: SenderResult[] = [];
  for (let run = 0; run < runs; run += 1) {
    const copy = path.join(folder, `run-${subscribers}-${run}.db`);
    await copyFile(list, copy);
    const job: SenderJob = { mode: 'papermail', databasePath: copy, day: '2025-09-30' };
    const result = await runForResult<SenderResult>(SENDER_SCRIPT, [JSON.stringify(job)]);
    if (result.sent !== subscribers) throw new Error(`the memory run sent ${result.sent} of ${subscribers} messages`);
    log(`  memory ${subscribers} subscribers, run ${run + 1}/${runs}: peak RSS ${result.maxRssMB.toFixed(0)} MB, ${(result.durationMs / 1000).toFixed(1)} s`);
    results.push(result);
  }
  return {
    subscribers,
    runs,
    rssMB: median(results.map((result) => result.maxRssMB)),
    seconds: median(results.map((result) => result.durationMs / 1000)),
  };
}
