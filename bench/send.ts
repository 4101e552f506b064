/**
 * Send throughput: the day's issue to N confirmed subscribers through papermail (runIssue:
 * ledger, tokens, personalisation, pooled Nodemailer) against the ceiling, plain Nodemailer
 * with the same pool sending N copies of one pre-rendered message. Both senders are child
 * processes and the SMTP sink is a third, so neither sender is charged for the sink's work.
 * Runs alternate which sender goes first, so a change in background load hits both alike.
 */
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runForResult } from './processes.js';
import { seedSubscribers } from './seed.js';
import type { SenderJob, SenderResult } from './sender-process.js';
import { startSinkProcess, type SinkProcess } from './sink.js';
import { median } from './stats.js';
import { buildDist, FULL_DAY_SOURCE, REPO_ROOT, scratchFolder, SENDER_ENVIRONMENT } from './workspace.js';

export interface SendFigures {
  subscribers: number;
  oursPerSec: number;
  ceilingPerSec: number;
  /** ours / ceiling messages per second: the median of the per-run ratios (each run sends both back to back). */
  ratio: number;
  oursCpuMsPerMessage: number;
  ceilingCpuMsPerMessage: number;
  /** ceiling / ours CPU time per message: the same comparison, nearly free of background load. */
  cpuRatio: number;
  /** Peak RSS of the papermail sender in these runs (median), for comparison with the memory figures. */
  oursRssMB: number;
  ceilingRssMB: number;
  pairs: Array<{ ours: number; ceiling: number; ratio: number }>;
  /** The same papermail send to a list where each subscriber has 2-6 random topics (seeded). */
  variedOursPerSec: number;
  /** varied / ceiling msg/s, the median of the per-run ratios (the varied send runs in the same run as the ceiling). */
  variedRatio: number;
  variedCpuMsPerMessage: number;
  variedRssMB: number;
}

export interface SendOptions {
  subscribers: number;
  warmUpSubscribers: number;
  runs: number;
  log: (line: string) => void;
  /** Extra node flags for the papermail sender (e.g. --cpu-prof). */
  nodeOptions?: string[];
}

/** The ceiling's sender (plain Nodemailer). */
export const SENDER_SCRIPT = path.join(REPO_ROOT, 'bench', 'sender-process.ts');
/** papermail's sender: compiled JavaScript, as production runs it (papermail-sender.mjs says why). */
export const PAPERMAIL_SENDER = path.join(REPO_ROOT, 'bench', 'papermail-sender.mjs');

const ISSUE_DAY = '2025-09-30';

export async function measureSend(options: SendOptions): Promise<SendFigures> {
  await buildDist();
  const scratch = await scratchFolder('bench-send');
  const sink = await startSinkProcess();
  try {
    const lists = {
      warmUp: await seedList(scratch.folder, 'warm-up', options.warmUpSubscribers),
      measured: await seedList(scratch.folder, 'measured', options.subscribers),
      varied: await seedList(scratch.folder, 'varied', options.subscribers, true),
    };
    const pairs: Array<{ ours: SenderResult; ceiling: SenderResult; varied: SenderResult }> = [];
    for (let run = -1; run < options.runs; run += 1) {
      const warmUp = run < 0;
      const list = warmUp ? lists.warmUp : lists.measured;
      const count = warmUp ? options.warmUpSubscribers : options.subscribers;
      const oursFirst = run % 2 === 0 || warmUp;
      const senders = {
        ours: () => sendWithPapermail(sink, list, path.join(scratch.folder, `run${run}.db`), count, options.nodeOptions ?? []),
        ceiling: () => sendCeiling(sink, count),
      };
      const first = oursFirst ? await senders.ours() : await senders.ceiling();
      const second = oursFirst ? await senders.ceiling() : await senders.ours();
      // The varied-topics send comes right after, against the same run's ceiling.
      const varied = warmUp ? first : await sendWithPapermail(sink, lists.varied, path.join(scratch.folder, `varied${run}.db`), count, [], false);
      const pair = oursFirst ? { ours: first, ceiling: second, varied } : { ours: second, ceiling: first, varied };
      options.log(
        `  send ${warmUp ? 'warm-up' : `run ${run + 1}/${options.runs}`} (${count} messages): papermail ${describe(pair.ours)}, ceiling ${describe(pair.ceiling)}${warmUp ? '' : `, varied topics ${describe(varied)}`}`,
      );
      if (!warmUp) pairs.push(pair);
    }
    const oursCpuMsPerMessage = median(pairs.map((pair) => pair.ours.cpuMsPerMessage));
    const ceilingCpuMsPerMessage = median(pairs.map((pair) => pair.ceiling.cpuMsPerMessage));
    return {
      subscribers: options.subscribers,
      oursPerSec: median(pairs.map((pair) => pair.ours.perSecond)),
      ceilingPerSec: median(pairs.map((pair) => pair.ceiling.perSecond)),
      ratio: median(pairs.map((pair) => pair.ours.perSecond / pair.ceiling.perSecond)),
      oursCpuMsPerMessage,
      ceilingCpuMsPerMessage,
      cpuRatio: ceilingCpuMsPerMessage / oursCpuMsPerMessage,
      oursRssMB: median(pairs.map((pair) => pair.ours.maxRssMB)),
      ceilingRssMB: median(pairs.map((pair) => pair.ceiling.maxRssMB)),
      pairs: pairs.map((pair) => ({ ours: pair.ours.perSecond, ceiling: pair.ceiling.perSecond, ratio: pair.ours.perSecond / pair.ceiling.perSecond })),
      variedOursPerSec: median(pairs.map((pair) => pair.varied.perSecond)),
      variedRatio: median(pairs.map((pair) => pair.varied.perSecond / pair.ceiling.perSecond)),
      variedCpuMsPerMessage: median(pairs.map((pair) => pair.varied.cpuMsPerMessage)),
      variedRssMB: median(pairs.map((pair) => pair.varied.maxRssMB)),
    };
  } finally {
    await sink.close();
    await scratch.remove();
  }
}

function describe(result: SenderResult): string {
  return `${result.perSecond.toFixed(1)} msg/s (${result.cpuMsPerMessage.toFixed(2)} ms CPU/msg)`;
}

async function seedList(folder: string, name: string, count: number, variedTopics = false): Promise<string> {
  const file = path.join(folder, `${name}.db`);
  await seedSubscribers(file, count, { variedTopics });
  return file;
}

/** Each papermail run gets its own copy of the list, so every run starts with an empty ledger. */
async function sendWithPapermail(sink: SinkProcess, list: string, copy: string, count: number, nodeOptions: string[], everyone = true): Promise<SenderResult> {
  await copyFile(list, copy);
  try {
    const job = { databasePath: copy, day: ISSUE_DAY, source: FULL_DAY_SOURCE, environment: SENDER_ENVIRONMENT, smtpUrl: sink.url };
    return await checkedSend(sink, count, () => runForResult<SenderResult>(PAPERMAIL_SENDER, [JSON.stringify(job)], { nodeOptions }), everyone);
  } finally {
    await rm(copy, { force: true });
    await rm(`${copy}-wal`, { force: true });
    await rm(`${copy}-shm`, { force: true });
  }
}

function sendCeiling(sink: SinkProcess, count: number): Promise<SenderResult> {
  const job: SenderJob = { mode: 'ceiling', smtpUrl: sink.url, count };
  return checkedSend(sink, count, () => runForResult<SenderResult>(SENDER_SCRIPT, [JSON.stringify(job)]));
}

/**
 * A run only counts if the sink really accepted every message. With varied topics a few
 * subscribers may have no paper in their topics that day (skipped, not sent): then every
 * message sent must have been accepted, and nearly everyone must have been sent one.
 */
async function checkedSend(sink: SinkProcess, count: number, send: () => Promise<SenderResult>, everyone = true): Promise<SenderResult> {
  sink.reset();
  const result = await send();
  const { accepted } = await sink.stats();
  const complete = everyone ? result.sent === count && accepted === count : accepted === result.sent && result.sent >= count * 0.9;
  if (!complete) {
    throw new Error(`a measured send was incomplete: ${result.sent} sent, ${accepted} accepted by the sink, ${count} expected`);
  }
  return result;
}
