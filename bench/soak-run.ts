/**
 * The fault soak: one issue to a list of subscribers through an SMTP sink (its own process)
 * that defers, rejects and drops a known share of recipients, while the sender — the real
 * `papermail send` command — is killed with SIGKILL at random moments and started again until
 * a run finishes. Then it counts, from what the sink accepted and from the ledger, whether
 * every subscriber got the issue exactly once (or was recorded as a hard bounce).
 *
 * With `workers` set, the multi-worker mode: that many `papermail worker` processes share the
 * day on one store (a throwaway PostgreSQL cluster by default); at each kill moment one of
 * them, picked at random, is killed with SIGKILL and a new one started in its place, and
 * workers are started again until the day is complete. Duplicates are then bounded by the
 * messages in flight at each kill: a worker has at most SMTP_POOL_CONNECTIONS × 2 recipients
 * between claim and record at once (the send loop's concurrency, send-issue.ts), and only a
 * message the server accepted and the killed worker had not yet recorded 'sent' can go out again.
 *
 * Bounded: a fixed number of kills, at most `maxRuns` sender runs, `timeLimitMs` in all;
 * loopback only. Used by `npm run soak` (bench/soak.ts) and, small, by tests/soak.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { EnvSchema } from '../src/config/config.js';
import { openStore } from '../src/subscribers/open-store.js';
import { startPostgresCluster, type PostgresCluster } from '../tests/support/throwaway-postgres.js';
import { plannedFault, type FaultPlan } from './faults.js';
import { exitOf, spawnScript, type Exit } from './processes.js';
import { seedSubscribers, storeAt } from './seed.js';
import { startSinkProcess, type SinkProcess } from './sink.js';
import type { SinkStats } from './smtp-sink-process.js';
import { FULL_DAY_SOURCE, REPO_ROOT, scratchFolder, SENDER_ENVIRONMENT } from './workspace.js';

export interface SoakOptions {
  subscribers: number;
  kills: number;
  faults: FaultPlan;
  /** SMTP_POOL_CONNECTIONS of the sender: at most this many copies can be in flight at a kill. */
  poolSize: number;
  /** Seeds the kill moments; the same seed gives the same plan. */
  seed: number;
  /** Sender runs allowed in all (kills included) before the soak gives up. */
  maxRuns: number;
  timeLimitMs: number;
  /** The multi-worker mode: this many `papermail worker` processes at once (see the top of this file). */
  workers?: number;
  /** The store of the multi-worker mode; PostgreSQL by default. The single-sender mode always uses SQLite. */
  store?: 'postgres' | 'sqlite';
  log?: (line: string) => void;
}

export interface SoakReport {
  subscribers: number;
  /** Subscribers the sink accepted at least one copy for. */
  delivered: number;
  /** Copies beyond the first, summed over subscribers. */
  duplicated: number;
  /** Confirmed subscribers with neither an accepted copy nor a recorded permanent failure. */
  missing: number;
  /** Subscribers the ledger records as permanently failed. */
  bounced: number;
  /** Subscribers the sink refuses with 550: each must be recorded as failed and suppressed. */
  expectedBounces: number;
  /** 550'd subscribers not recorded as failed, or not suppressed. */
  unsuppressedRejections: number;
  /** Subscribers recorded as failed although the sink would have taken their copy. */
  wronglyBounced: number;
  /** Subscribers with an accepted copy whose ledger row does not say 'sent'. */
  unrecorded: number;
  duplicateLimit: number;
  /** How duplicateLimit is made up, in words. */
  duplicateBound: string;
  /** 'sqlite' for the single-sender mode; the multi-worker mode's store otherwise. */
  store: 'postgres' | 'sqlite';
  /** Workers at once (1 in the single-sender mode). */
  workers: number;
  kills: Array<{ afterAccepted: number; worker?: number }>;
  runs: string[];
  completed: boolean;
  sink: Omit<SinkStats, 'perRecipient'>;
  durationSeconds: number;
  /** Every missed target, in words; empty when the soak passed. */
  problems: string[];
}

const CLI = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');
const ISSUE_DATE = '2025-09-30';
/** Kills land between these shares of the deliverable messages, spread evenly. */
const FIRST_KILL_AT = 0.1;
const LAST_KILL_AT = 0.85;
/** After the sink reports a kill threshold, wait up to this long, so kills land in every phase of a send. */
const KILL_JITTER_MS = 25;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  if (options.workers !== undefined) return runWorkerSoak({ ...options, workers: options.workers });
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  const scratch = await scratchFolder('soak');
  const sink = await startSinkProcess(options.faults);
  try {
    const databasePath = path.join(scratch.folder, 'papermail.db');
    const addresses = await seedSubscribers(databasePath, options.subscribers);
    const deliverable = addresses.filter((address) => plannedFault(address, options.faults) !== 'reject').length;
    const random = seededRandom(options.seed);
    const thresholds = killThresholds(deliverable, options.kills, random);
    log(`soak: ${options.subscribers} subscribers, ${options.kills} kills after ${thresholds.join(', ')} accepted messages, seed ${options.seed}`);

    const kills: SoakReport['kills'] = [];
    const runs: string[] = [];
    const problems: string[] = [];
    let completed = false;
    while (!completed) {
      if (runs.length >= options.maxRuns) {
        problems.push(`no sender run completed within ${options.maxRuns} runs`);
        break;
      }
      const remainingMs = options.timeLimitMs - (Date.now() - startedAt);
      if (remainingMs <= 0) {
        problems.push(`the soak ran out of its ${Math.round(options.timeLimitMs / 1000)} s`);
        break;
      }
      const threshold = thresholds[kills.length];
      const run = await runSender({ sink, databasePath, folder: scratch.folder, options, threshold, jitterMs: random() * KILL_JITTER_MS, remainingMs });
      if (run.killedAfter !== undefined) kills.push({ afterAccepted: run.killedAfter });
      runs.push(run.description);
      log(`  run ${runs.length}: ${run.description}`);
      if (run.timedOut) {
        problems.push(`the soak ran out of its ${Math.round(options.timeLimitMs / 1000)} s`);
        break;
      }
      completed = run.killedAfter === undefined && run.exit.code === 0;
    }

    const stats = await sink.stats({ perRecipient: true });
    const ledger = await readLedger(databasePath);
    const bound = { limit: kills.length * options.poolSize, words: `pool ${options.poolSize} × ${kills.length} kills` };
    const report = account({ addresses, ledger, stats, options, kills, runs, completed, problems, bound, store: 'sqlite', workers: 1 });
    return { ...report, durationSeconds: Math.round((Date.now() - startedAt) / 1000) };
  } finally {
    await sink.close();
    await scratch.remove();
  }
}

/** The multi-worker mode (see the top of this file). */
async function runWorkerSoak(options: SoakOptions & { workers: number }): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  const storeKind = options.store ?? 'postgres';
  const scratch = await scratchFolder('soak-workers');
  let cluster: PostgresCluster | undefined;
  let sink: SinkProcess | undefined;
  try {
    cluster = storeKind === 'postgres' ? await startPostgresCluster() : undefined;
    sink = await startSinkProcess(options.faults);
    const location = cluster ? await cluster.newDatabase() : path.join(scratch.folder, 'papermail.db');
    const addresses = await seedSubscribers(location, options.subscribers);
    const deliverable = addresses.filter((address) => plannedFault(address, options.faults) !== 'reject').length;
    const random = seededRandom(options.seed);
    const thresholds = killThresholds(deliverable, options.kills, random);
    log(
      `soak: ${options.workers} workers on ${storeKind === 'postgres' ? 'PostgreSQL' : 'SQLite'}, ${options.subscribers} subscribers, ` +
        `${options.kills} kills after ${thresholds.join(', ')} accepted messages, seed ${options.seed}`,
    );
    const store = await openStore(storeAt(location));
    try {
      const crew = new WorkerCrew({ sink, location, folder: scratch.folder, options, log, isDayComplete: () => store.isIssueComplete(ISSUE_DATE) });
      const outcome = await crew.run(thresholds, random, startedAt + options.timeLimitMs);
      const stats = await sink.stats({ perRecipient: true });
      const ledger = await readLedger(location);
      const inFlight = options.poolSize * 2;
      const bound = { limit: outcome.kills.length * inFlight, words: `pool ${options.poolSize} × 2 in flight × ${outcome.kills.length} kills` };
      const report = account({
        addresses,
        ledger,
        stats,
        options,
        kills: outcome.kills,
        runs: outcome.runs,
        completed: outcome.completed,
        problems: outcome.problems,
        bound,
        store: storeKind,
        workers: options.workers,
      });
      return { ...report, durationSeconds: Math.round((Date.now() - startedAt) / 1000) };
    } finally {
      await store.close();
    }
  } finally {
    await sink?.close();
    await cluster?.stop();
    await scratch.remove();
  }
}

interface Worker {
  number: number;
  child: ChildProcess;
  killed: boolean;
}

/**
 * Keeps `workers` worker processes on the day: a killed one is replaced at once, one that
 * fails is started again, and when the last one has exited while the day is not complete
 * (rows deferred past a run's retries) the crew starts again. Resolves when every worker
 * has exited and the day is complete, or when the runs or the time are used up.
 */
class WorkerCrew {
  private readonly live = new Set<Worker>();
  private readonly runs: string[] = [];
  private readonly kills: SoakReport['kills'] = [];
  private readonly problems: string[] = [];
  private started = 0;
  private finish: ((completed: boolean) => void) | undefined;
  private over = false;

  constructor(
    private readonly setup: {
      sink: SinkProcess;
      location: string;
      folder: string;
      options: SoakOptions & { workers: number };
      log: (line: string) => void;
      isDayComplete: () => Promise<boolean>;
    },
  ) {}

  async run(thresholds: number[], random: () => number, deadline: number): Promise<{ completed: boolean; runs: string[]; kills: SoakReport['kills']; problems: string[] }> {
    const done = new Promise<boolean>((resolve) => {
      this.finish = resolve;
    });
    const outOfTime = setTimeout(() => this.stop(`the soak ran out of its ${Math.round(this.setup.options.timeLimitMs / 1000)} s`), Math.max(0, deadline - Date.now()));
    try {
      for (let index = 0; index < this.setup.options.workers; index += 1) this.start();
      await this.killAt(thresholds, random, done);
      const completed = await done;
      return { completed, runs: this.runs, kills: this.kills, problems: this.problems };
    } finally {
      clearTimeout(outOfTime);
    }
  }

  /** At each threshold of accepted messages (plus a random jitter), one live worker picked at random is killed. */
  private async killAt(thresholds: number[], random: () => number, done: Promise<boolean>): Promise<void> {
    for (const threshold of thresholds) {
      const reached = await Promise.race([this.setup.sink.whenAccepted(threshold), done.then(() => undefined)]);
      if (reached === undefined || this.over) return;
      await delay(random() * KILL_JITTER_MS);
      const candidates = [...this.live].filter((worker) => !worker.killed);
      const victim = candidates[Math.floor(random() * candidates.length)];
      if (victim === undefined || victim.child.exitCode !== null || victim.child.signalCode !== null) continue;
      victim.killed = true;
      victim.child.kill('SIGKILL');
      this.kills.push({ afterAccepted: reached, worker: victim.number });
    }
  }

  private start(): void {
    const { options } = this.setup;
    if (this.over) return;
    if (this.started >= options.maxRuns) {
      this.stop(`the day was not complete after ${options.maxRuns} worker runs`);
      return;
    }
    this.started += 1;
    const child = spawnScript(CLI, ['worker', '--source', FULL_DAY_SOURCE], {
      cwd: this.setup.folder,
      output: 'pipe',
      // Only the settings below count, whatever this shell has exported.
      withoutVariables: Object.keys(EnvSchema.shape),
      env: {
        ...SENDER_ENVIRONMENT,
        ...storeEnvironment(this.setup.location),
        SMTP_URL: this.setup.sink.url,
        SMTP_POOL_CONNECTIONS: String(options.poolSize),
        // One 550 suppresses the address, so "every 550 recorded and suppressed" can be checked.
        HARD_BOUNCE_LIMIT: '1',
        LOG_LEVEL: 'error',
      },
    });
    const worker: Worker = { number: this.started, child, killed: false };
    this.live.add(worker);
    const output = lastLines(child);
    void exitOf(child).then((exit) => this.exited(worker, exit, output()));
  }

  private exited(worker: Worker, exit: Exit, output: string): void {
    this.live.delete(worker);
    const how = worker.killed ? 'killed (SIGKILL)' : exit.signal ? `ended by ${exit.signal}` : `exit ${exit.code}`;
    const said = exit.code !== 0 && !worker.killed && output.trim() !== '' ? ` — ${output.trim()}` : '';
    this.runs.push(`worker ${worker.number}: ${how}${said}`);
    this.setup.log(`  worker ${worker.number}: ${how}${said}`);
    if (this.over) {
      if (this.live.size === 0) this.finish?.(false);
      return;
    }
    // A killed or failed worker is replaced at once; one that found nothing left to claim is not.
    if (worker.killed || exit.code !== 0) return this.start();
    if (this.live.size > 0) return;
    void this.setup.isDayComplete().then(
      (complete) => {
        if (complete) {
          this.over = true;
          this.finish?.(true);
          return;
        }
        for (let index = 0; index < this.setup.options.workers; index += 1) this.start();
      },
      (error: unknown) => this.stop(`could not read whether the day is complete: ${(error as Error).message}`),
    );
  }

  /** Gives up: every live worker is killed, and the run resolves once they are gone. */
  private stop(problem: string): void {
    if (this.over) return;
    this.over = true;
    this.problems.push(problem);
    if (this.live.size === 0) this.finish?.(false);
    for (const worker of this.live) worker.child.kill('SIGKILL');
  }
}

/** The store settings of a worker: DATABASE_URL for PostgreSQL, else DATABASE_PATH. */
function storeEnvironment(location: string): Record<string, string> {
  const settings = storeAt(location);
  return settings.DATABASE_URL ? { DATABASE_URL: settings.DATABASE_URL } : { DATABASE_PATH: settings.DATABASE_PATH };
}

interface SenderRun {
  exit: Exit;
  killedAfter?: number;
  timedOut: boolean;
  description: string;
}

/** One `papermail send`, killed once the sink has accepted `threshold` messages in all (if given). */
async function runSender(request: {
  sink: SinkProcess;
  databasePath: string;
  folder: string;
  options: SoakOptions;
  threshold: number | undefined;
  jitterMs: number;
  remainingMs: number;
}): Promise<SenderRun> {
  const { sink, databasePath, folder, options, threshold } = request;
  const child = spawnScript(CLI, ['send', '--source', FULL_DAY_SOURCE], {
    cwd: folder,
    output: 'pipe',
    // Only the settings below count, whatever this shell has exported.
    withoutVariables: Object.keys(EnvSchema.shape),
    env: {
      ...SENDER_ENVIRONMENT,
      SMTP_URL: sink.url,
      DATABASE_PATH: databasePath,
      SMTP_POOL_CONNECTIONS: String(options.poolSize),
      // One 550 suppresses the address, so "every 550 recorded and suppressed" can be checked.
      HARD_BOUNCE_LIMIT: '1',
      LOG_LEVEL: 'error',
    },
  });
  const output = lastLines(child);
  const exited = exitOf(child);
  let killedAfter: number | undefined;
  if (threshold !== undefined) {
    const first = await Promise.race([sink.whenAccepted(threshold).then((accepted) => ({ accepted })), exited.then(() => undefined)]);
    if (first) {
      await delay(request.jitterMs);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        killedAfter = first.accepted;
      }
    }
  }
  // Unreferenced: a finished soak must not wait for this timer to let the process exit.
  const timeout = delay(request.remainingMs, undefined, { ref: false }).then(() => 'timeout' as const);
  const finished = await Promise.race([exited, timeout]);
  if (finished === 'timeout') {
    child.kill('SIGKILL');
    return { exit: await exited, timedOut: true, description: 'stopped: out of time' };
  }
  const exit = finished;
  const how = killedAfter !== undefined ? `killed (SIGKILL) after ${killedAfter} accepted` : exit.signal ? `ended by ${exit.signal}` : `exit ${exit.code}`;
  const said = exit.code !== 0 && killedAfter === undefined ? ` — ${output().trim() || 'no output'}` : '';
  return { exit, ...(killedAfter !== undefined ? { killedAfter } : {}), timedOut: false, description: how + said };
}

/** The end of a child's stdout and stderr, for saying why a run failed. */
function lastLines(child: ReturnType<typeof spawnScript>): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-600);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.split('\n').slice(-3).join(' | ');
}

interface LedgerRow {
  email: string;
  status: string;
  state: string | null;
}

function account(input: {
  addresses: string[];
  ledger: Map<string, LedgerRow>;
  stats: SinkStats;
  options: SoakOptions;
  kills: SoakReport['kills'];
  runs: string[];
  completed: boolean;
  problems: string[];
  /** Duplicates allowed: the messages that can be in flight at the kills. */
  bound: { limit: number; words: string };
  store: SoakReport['store'];
  workers: number;
}): Omit<SoakReport, 'durationSeconds'> {
  const { addresses, ledger, stats, options, problems } = input;
  let delivered = 0;
  let duplicated = 0;
  let missing = 0;
  let bounced = 0;
  let expectedBounces = 0;
  let unsuppressedRejections = 0;
  let wronglyBounced = 0;
  let unrecorded = 0;
  for (const address of addresses) {
    const accepted = stats.perRecipient?.[address.toLowerCase()]?.accepted ?? 0;
    const row = ledger.get(address.toLowerCase());
    const failed = row?.state === 'failed';
    const rejected = plannedFault(address, options.faults) === 'reject';
    if (accepted > 0) delivered += 1;
    duplicated += Math.max(0, accepted - 1);
    if (accepted === 0 && !failed) missing += 1;
    if (failed) bounced += 1;
    if (rejected) {
      expectedBounces += 1;
      if (!failed || row?.status !== 'bounced' || accepted > 0) unsuppressedRejections += 1;
    } else if (failed) {
      wronglyBounced += 1;
    }
    if (accepted > 0 && row?.state !== 'sent') unrecorded += 1;
  }
  const duplicateLimit = input.bound.limit;
  if (!input.completed) problems.push(input.workers > 1 || input.store === 'postgres' ? 'the workers did not complete the day' : 'no sender run finished the issue');
  if (missing > 0) problems.push(`${missing} subscribers got neither the issue nor a recorded bounce`);
  if (duplicated > duplicateLimit) problems.push(`${duplicated} duplicate copies, more than ${duplicateLimit} (${input.bound.words})`);
  if (unsuppressedRejections > 0) problems.push(`${unsuppressedRejections} of ${expectedBounces} rejected (550) subscribers are not recorded as failed and suppressed`);
  if (wronglyBounced > 0) problems.push(`${wronglyBounced} subscribers recorded as failed although the server would take their mail`);
  if (unrecorded > 0) problems.push(`${unrecorded} delivered subscribers are not recorded as sent`);
  const { perRecipient: _perRecipient, ...sink } = stats;
  return {
    subscribers: addresses.length,
    delivered,
    duplicated,
    missing,
    bounced,
    expectedBounces,
    unsuppressedRejections,
    wronglyBounced,
    unrecorded,
    duplicateLimit,
    duplicateBound: input.bound.words,
    store: input.store,
    workers: input.workers,
    kills: input.kills,
    runs: input.runs,
    completed: input.completed,
    sink,
    problems,
  };
}

const LEDGER_QUERY = `SELECT s.email AS email, s.status AS status, d.state AS state FROM subscribers AS s
  LEFT JOIN deliveries AS d ON d.subscriber_id = s.id AND d.issue_date = `;

/** Every subscriber's status and ledger state for the issue, read straight from the SQLite file or the PostgreSQL database. */
async function readLedger(location: string): Promise<Map<string, LedgerRow>> {
  const rows = storeAt(location).DATABASE_URL ? await readPostgresLedger(location) : readSqliteLedger(location);
  return new Map(rows.map((row) => [row.email.toLowerCase(), row]));
}

function readSqliteLedger(databasePath: string): LedgerRow[] {
  const db = new Database(databasePath, { readonly: true });
  try {
    return db.prepare(`${LEDGER_QUERY}?`).all(ISSUE_DATE) as LedgerRow[];
  } finally {
    db.close();
  }
}

async function readPostgresLedger(url: string): Promise<LedgerRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<LedgerRow>(`${LEDGER_QUERY}$1`, [ISSUE_DATE])).rows;
  } finally {
    await client.end();
  }
}

/** Kill points spread over the send: one random point in each equal slice of [10 %, 85 %] of the messages. */
export function killThresholds(deliverable: number, kills: number, random: () => number): number[] {
  const from = deliverable * FIRST_KILL_AT;
  const slice = (deliverable * (LAST_KILL_AT - FIRST_KILL_AT)) / Math.max(1, kills);
  return Array.from({ length: kills }, (_, index) => Math.max(1, Math.round(from + slice * (index + 0.2 + 0.6 * random()))));
}

/** mulberry32: a small seeded generator, so a soak can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function formatSoakReport(report: SoakReport): string {
  const killed = (kill: SoakReport['kills'][number]) => (kill.worker === undefined ? String(kill.afterAccepted) : `${kill.afterAccepted} (worker ${kill.worker})`);
  const rows: Array<[string, string, string]> = [
    ['store, workers at once', `${report.store === 'postgres' ? 'PostgreSQL' : 'SQLite'}, ${report.workers}`, ''],
    ['subscribers (confirmed)', String(report.subscribers), ''],
    ['delivered', String(report.delivered), ''],
    ['duplicated', String(report.duplicated), `≤ ${report.duplicateLimit} (${report.duplicateBound})`],
    ['missing', String(report.missing), '= 0'],
    ['bounced (550, recorded)', String(report.bounced), `= ${report.expectedBounces} expected`],
    ['550s not suppressed', String(report.unsuppressedRejections), '= 0'],
    ['wrongly bounced', String(report.wronglyBounced), '= 0'],
    ['delivered, not recorded sent', String(report.unrecorded), '= 0'],
    ['kills (SIGKILL) after accepted', report.kills.map(killed).join(', ') || 'none', ''],
    [report.workers > 1 ? 'worker runs' : 'sender runs', String(report.runs.length), ''],
    ['sink: deferred 421/451', String(report.sink.deferred), ''],
    ['sink: connections dropped', String(report.sink.dropped), ''],
    ['sink: RCPT refused 550', String(report.sink.rejected), ''],
    ['sink: messages accepted', String(report.sink.accepted), ''],
    ['duration', `${report.durationSeconds} s`, ''],
  ];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map(([name, value, target]) => `${name.padEnd(widths[0]!)}  ${value.padEnd(widths[1]!)}  ${target}`.trimEnd());
  const verdict = report.problems.length === 0 ? 'soak passed' : `soak FAILED:\n${report.problems.map((problem) => `  - ${problem}`).join('\n')}`;
  return [...table, verdict].join('\n');
}
