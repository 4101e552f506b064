/**
 * Scale: several papermail senders on one day's prepared ledger, on PostgreSQL and on SQLite.
 *
 * Ledger throughput alone: N recipients, the day frozen and prepared beforehand (one
 * 'pending' row each), then W sender processes started together, each running papermail's
 * own send loop (papermail-sender.mjs: runIssue on the compiled dist/, the frozen issue, a
 * discarding transport), so every recipient costs what it costs in production — claim in
 * batches, hold the claim, assemble the copy, mark it sent — except the SMTP conversation.
 * The figure is recipients per second of wall-clock time, from the first sender's start to
 * the last one's end, so a sender that waits on another's locks is counted.
 *
 * Send: the same with the SMTP sink (its own process, as in send.ts), 1 and 2 senders, and the
 * ratio of their rates. On a 2-core machine the sink and PostgreSQL share the cores with the
 * senders, so the second sender mostly takes CPU from the others: the core count is printed.
 *
 * PostgreSQL is a throwaway cluster (tests/support/throwaway-postgres.ts) with crash safety on
 * and commits not waited for on disk (synchronous_commit=off), the counterpart of SQLite's
 * WAL with synchronous=NORMAL; every run gets a fresh copy of the prepared database.
 */
import { availableParallelism } from 'node:os';
import { copyFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import pg from 'pg';
import { frozenContent } from '../src/delivery/frozen-issue.js';
import { loadDailyDigest } from '../src/digest/daily-digest.js';
import { silentLogger } from '../src/logger.js';
import { createIssueRenderer, issueOptionsFrom } from '../src/render/index.js';
import { openStore } from '../src/subscribers/open-store.js';
import { startPostgresCluster } from '../tests/support/throwaway-postgres.js';
import { exitOf, spawnScript } from './processes.js';
import { processTreeCpuMs } from './server-cpu.js';
import { seedSubscribers, storeAt } from './seed.js';
import type { SenderResult } from './sender-process.js';
import { PAPERMAIL_SENDER } from './send.js';
import { startSinkProcess, type SinkProcess } from './sink.js';
import { median } from './stats.js';
import { benchConfig, buildDist, FULL_DAY_SOURCE, scratchFolder, SENDER_ENVIRONMENT } from './workspace.js';

export type StoreKind = 'postgres' | 'sqlite';

export interface ScaleOptions {
  ledger: { recipients: number; runs: number };
  send: { subscribers: number; runs: number };
  log: (line: string) => void;
}

/** One configuration's runs: recipients per second (median) and each run's figure. */
export interface ScaleRate {
  store: StoreKind;
  workers: number;
  perSecond: number;
  runs: number[];
  /** CPU time of all senders together per recipient (median), ms. */
  cpuMsPerRecipient: number;
  /** PostgreSQL only: CPU time of the server (every backend and helper process) per recipient (median), ms; 0 for SQLite, which runs inside the senders. */
  databaseCpuMsPerRecipient: number;
}

export interface ScaleFigures {
  cores: number;
  recipients: number;
  ledger: ScaleRate[];
  sendSubscribers: number;
  sendOne: ScaleRate;
  sendTwo: ScaleRate;
  /** Two senders' msg/s over one sender's, the median of the per-run ratios. */
  sendTwoOverOne: number;
  /** PostgreSQL: seconds to prepare the day's ledger rows, per 100,000 recipients (one run, 1,000 rows a statement). */
  pgPrepareSecondsPer100k: number;
  /** PostgreSQL: the deliveries table with its indexes after a day sent by one worker (dead row versions included), per recipient. */
  pgLedgerBytesPerRecipient: number;
}

/** The ledger configurations measured, in the order each round runs them. */
export const LEDGER_CONFIGURATIONS: ReadonlyArray<{ store: StoreKind; workers: number }> = [
  { store: 'postgres', workers: 1 },
  { store: 'postgres', workers: 2 },
  { store: 'postgres', workers: 4 },
  { store: 'sqlite', workers: 1 },
  { store: 'sqlite', workers: 2 },
];

const ISSUE_DAY = '2025-09-30';
/** How long the server is given, after the senders exit, for their backends to end and be counted. */
const DATABASE_SETTLE_MS = 300;

export async function measureScale(options: ScaleOptions): Promise<ScaleFigures> {
  await buildDist();
  const scratch = await scratchFolder('bench-scale');
  const cluster = await startPostgresCluster({ durable: true });
  const serverPid = await cluster.serverPid();
  const databaseCpuMs = () => processTreeCpuMs(serverPid);
  try {
    const content = await dayContent();
    const pgLedger = await preparedStore(await cluster.newDatabase(), options.ledger.recipients, content);
    const prepared = {
      postgres: pgLedger.location,
      sqlite: (await preparedStore(path.join(scratch.folder, 'ledger.db'), options.ledger.recipients, content)).location,
      send: (await preparedStore(await cluster.newDatabase(), options.send.subscribers, content)).location,
    };
    let pgLedgerBytes = 0;
    let copies = 0;
    const freshCopy = async (store: StoreKind, template: string): Promise<string> => {
      copies += 1;
      if (store === 'postgres') return cluster.copyDatabase(template);
      const file = path.join(scratch.folder, `run${copies}.db`);
      await copyFile(template, file);
      return file;
    };

    const ledgerRuns = new Map<string, RunFigures[]>();
    for (let run = -1; run < options.ledger.runs; run += 1) {
      for (const { store, workers } of LEDGER_CONFIGURATIONS) {
        // Every run is fresh processes on a fresh copy: the warm-up only warms the caches, once per store.
        if (run < 0 && workers > 1) continue;
        const location = await freshCopy(store, prepared[store]);
        const figures = await runSenders({ location, workers, expected: options.ledger.recipients, ...(store === 'postgres' ? { databaseCpuMs } : {}) });
        if (store === 'postgres' && workers === 1 && pgLedgerBytes === 0) pgLedgerBytes = await ledgerBytes(location);
        options.log(`  scale ledger ${run < 0 ? 'warm-up' : `run ${run + 1}/${options.ledger.runs}`}: ${store} × ${workers}: ${describe(figures)}`);
        if (run >= 0) push(ledgerRuns, `${store}${workers}`, figures);
      }
    }

    const sink = await startSinkProcess();
    const sendRuns: { one: RunFigures[]; two: RunFigures[] } = { one: [], two: [] };
    try {
      for (let run = -1; run < options.send.runs; run += 1) {
        // Alternating which goes first, so a change in background load hits both alike.
        const order = run % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const);
        const round: Partial<Record<1 | 2, RunFigures>> = {};
        for (const workers of order) {
          const location = await freshCopy('postgres', prepared.send);
          round[workers] = await runSenders({ location, workers, expected: options.send.subscribers, sink, databaseCpuMs });
          options.log(`  scale send ${run < 0 ? 'warm-up' : `run ${run + 1}/${options.send.runs}`}: ${workers} sender(s) to the sink: ${describe(round[workers]!)}`);
        }
        if (run >= 0) {
          sendRuns.one.push(round[1]!);
          sendRuns.two.push(round[2]!);
        }
      }
    } finally {
      await sink.close();
    }

    return {
      cores: availableParallelism(),
      recipients: options.ledger.recipients,
      ledger: LEDGER_CONFIGURATIONS.map(({ store, workers }) => rateOf(store, workers, ledgerRuns.get(`${store}${workers}`) ?? [])),
      sendSubscribers: options.send.subscribers,
      sendOne: rateOf('postgres', 1, sendRuns.one),
      sendTwo: rateOf('postgres', 2, sendRuns.two),
      sendTwoOverOne: median(sendRuns.two.map((two, index) => two.perSecond / sendRuns.one[index]!.perSecond)),
      pgPrepareSecondsPer100k: (pgLedger.prepareSeconds * 100_000) / options.ledger.recipients,
      pgLedgerBytesPerRecipient: pgLedgerBytes / options.ledger.recipients,
    };
  } finally {
    await cluster.stop();
    await scratch.remove();
  }
}

/** The frozen issue of the sample day, compiled once for every store the bench prepares. */
async function dayContent(): Promise<ReturnType<typeof frozenContent>> {
  const config = benchConfig();
  const { digest } = await loadDailyDigest({ source: FULL_DAY_SOURCE, config, logger: silentLogger });
  return frozenContent(digest, await createIssueRenderer(digest, issueOptionsFrom(config)).parts());
}

/** Seeds `count` subscribers at `location`, freezes the day and prepares its ledger (timed); closed again, so it can be copied. */
async function preparedStore(location: string, count: number, content: ReturnType<typeof frozenContent>): Promise<{ location: string; prepareSeconds: number }> {
  await seedSubscribers(location, count);
  const store = await openStore(storeAt(location));
  try {
    await store.freezeIssue(content);
    const startedAt = performance.now();
    const { added } = await store.prepareIssue(content.issueDate);
    const prepareSeconds = (performance.now() - startedAt) / 1000;
    if (added !== count) throw new Error(`preparing ${location}: ${added} ledger rows for ${count} subscribers`);
    if (storeAt(location).DATABASE_URL) await analyse(location);
    return { location, prepareSeconds };
  } finally {
    await store.close();
  }
}

/**
 * Statistics of the prepared day, as autovacuum takes them soon after a day's rows are
 * inserted: the senders then get the plans a production day gets (the statistics say every row
 * is 'pending', which is what once led the claim's plan astray), not those of a table never analysed.
 */
async function analyse(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

/** The size of the deliveries table with its indexes and TOAST, in bytes. */
async function ledgerBytes(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('deliveries') AS bytes");
    return Number(rows[0]!.bytes);
  } finally {
    await client.end();
  }
}

interface RunFigures {
  perSecond: number;
  seconds: number;
  cpuMsPerRecipient: number;
  databaseCpuMsPerRecipient: number;
  /** Recipients each sender sent: how the day was shared out. */
  shares: number[];
}

/**
 * Starts `workers` papermail senders on the store at `location`, lets them go together once
 * all are ready, and measures the day from the first start to the last end. The run counts only
 * if together they sent every recipient exactly once (and the sink, if any, accepted them all).
 * With `databaseCpuMs` (the PostgreSQL server's CPU so far), the server's share is counted
 * from the go to the moment the last sender's connections have ended.
 */
async function runSenders(request: {
  location: string;
  workers: number;
  expected: number;
  sink?: SinkProcess;
  databaseCpuMs?: () => Promise<number>;
}): Promise<RunFigures> {
  const { location, workers, expected, sink, databaseCpuMs } = request;
  sink?.reset();
  const store = storeAt(location);
  const job = {
    databasePath: store.DATABASE_PATH,
    ...(store.DATABASE_URL ? { databaseUrl: store.DATABASE_URL } : {}),
    day: ISSUE_DAY,
    source: FULL_DAY_SOURCE,
    environment: SENDER_ENVIRONMENT,
    ...(sink ? { smtpUrl: sink.url } : {}),
    waitForGo: true,
  };
  const children = Array.from({ length: workers }, () => spawnScript(PAPERMAIL_SENDER, [JSON.stringify(job)]));
  const results = children.map((child) => {
    let result: SenderResult | undefined;
    const ready = new Promise<void>((resolve) =>
      child.on('message', (message: { type?: string; result?: SenderResult }) => {
        if (message.type === 'ready') resolve();
        if (message.type === 'result') result = message.result;
      }),
    );
    const finished = exitOf(child).then((exit) => {
      if (result === undefined || exit.code !== 0) throw new Error(`a scale sender ended with ${exit.signal ?? `exit code ${exit.code}`} and ${result === undefined ? 'no result' : 'a result'}`);
      return result;
    });
    return { ready, finished };
  });
  // A sender that fails before it is ready must not leave this waiting for it.
  await Promise.race([Promise.all(results.map((result) => result.ready)), Promise.all(results.map((result) => result.finished))]);
  const databaseAtGo = await databaseCpuMs?.();
  for (const child of children) child.send({ type: 'go' });
  const finished = await Promise.all(results.map((result) => result.finished));
  // A backend's CPU is its parent's once it has exited and been waited for: give the last ones a moment.
  const databaseMs = databaseAtGo === undefined ? 0 : (await delay(DATABASE_SETTLE_MS).then(databaseCpuMs!)) - databaseAtGo;

  const sent = finished.reduce((total, result) => total + result.sent, 0);
  const accepted = sink ? (await sink.stats()).accepted : sent;
  if (sent !== expected || accepted !== expected) {
    throw new Error(`a measured scale run was incomplete: ${sent} sent by ${workers} senders, ${accepted} accepted, ${expected} expected`);
  }
  const startedAt = Math.min(...finished.map((result) => result.startedAt!));
  const endedAt = Math.max(...finished.map((result) => result.endedAt!));
  const seconds = Math.max(0.001, (endedAt - startedAt) / 1000);
  const cpuMs = finished.reduce((total, result) => total + result.cpuMsPerMessage * result.sent, 0);
  return {
    perSecond: expected / seconds,
    seconds,
    cpuMsPerRecipient: cpuMs / expected,
    databaseCpuMsPerRecipient: databaseMs / expected,
    shares: finished.map((result) => result.sent),
  };
}

function rateOf(store: StoreKind, workers: number, runs: RunFigures[]): ScaleRate {
  return {
    store,
    workers,
    perSecond: median(runs.map((run) => run.perSecond)),
    runs: runs.map((run) => run.perSecond),
    cpuMsPerRecipient: median(runs.map((run) => run.cpuMsPerRecipient)),
    databaseCpuMsPerRecipient: median(runs.map((run) => run.databaseCpuMsPerRecipient)),
  };
}

function describe(figures: RunFigures): string {
  const database = figures.databaseCpuMsPerRecipient > 0 ? ` + ${figures.databaseCpuMsPerRecipient.toFixed(3)} ms in PostgreSQL` : '';
  return `${Math.round(figures.perSecond)}/s in ${figures.seconds.toFixed(1)} s (${figures.cpuMsPerRecipient.toFixed(3)} ms CPU/recipient in the senders${database}, shares ${figures.shares.join(' + ')})`;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

/** The ledger rate of one configuration, by its key's name (ledgerPerSecPg4 …). */
export function ledgerKey(rate: Pick<ScaleRate, 'store' | 'workers'>): string {
  return `ledgerPerSec${rate.store === 'postgres' ? 'Pg' : 'Sqlite'}${rate.workers}`;
}
