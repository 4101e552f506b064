/**
 * `npm run soak` — the fault soak (see soak-run.ts): one issue to 5,000 subscribers through a
 * local SMTP server that defers 2 % of recipients once (421/451 after DATA), refuses 1 % for good
 * (550 at RCPT), and cuts the connection on 1 % once, while `papermail send` is killed with
 * SIGKILL at 4 random moments and restarted until a run completes. Prints the accounting and
 * exits 1 when a target is missed: missing = 0, duplicates ≤ pool size × kills, every 550
 * recorded and suppressed.
 *
 * With --workers W, the multi-worker soak: W `papermail worker` processes share the day on
 * PostgreSQL (a throwaway local cluster; --store sqlite for one SQLite file), one of them
 * killed with SIGKILL at each kill moment and replaced, until the day is complete; duplicates
 * ≤ pool size × 2 (the recipients a worker has in flight) × kills.
 *
 *   npm run soak -- [--subscribers 5000] [--kills 4] [--temporary 0.02] [--reject 0.01]
 *                   [--drop 0.01] [--pool 5] [--seed N] [--time-limit-seconds 900]
 *                   [--workers 3] [--store postgres|sqlite]
 */
import { formatSoakReport, runSoak, type SoakOptions } from './soak-run.js';

const options = readArguments(process.argv.slice(2));
const report = await runSoak({ ...options, log: (line) => process.stderr.write(line + '\n') });
process.stdout.write(formatSoakReport(report) + '\n');
process.exitCode = report.problems.length === 0 ? 0 : 1;

function readArguments(args: string[]): Omit<SoakOptions, 'log'> {
  let store: SoakOptions['store'];
  const values: Record<string, number> = {
    subscribers: 5_000,
    kills: 4,
    temporary: 0.02,
    reject: 0.01,
    drop: 0.01,
    pool: 5,
    seed: Math.floor(Math.random() * 2 ** 31),
    'time-limit-seconds': 900,
  };
  for (let index = 0; index < args.length; index += 2) {
    const name = args[index]!.replace(/^--/, '');
    if (name === 'store' && (args[index + 1] === 'postgres' || args[index + 1] === 'sqlite')) {
      store = args[index + 1] as SoakOptions['store'];
      continue;
    }
    const value = Number(args[index + 1]);
    if (name === 'workers' && Number.isInteger(value) && value >= 1) {
      values[name] = value;
      continue;
    }
    if (!(name in values) || !Number.isFinite(value) || value < 0) {
      process.stderr.write(`soak: bad argument ${args[index]} ${args[index + 1] ?? ''}\n`);
      process.exit(2);
    }
    values[name] = value;
  }
  const workers = values['workers'] ?? (store === undefined ? undefined : 3);
  return {
    ...(workers === undefined ? {} : { workers, store: store ?? 'postgres' }),
    subscribers: values['subscribers']!,
    kills: values['kills']!,
    faults: { temporary: values['temporary']!, reject: values['reject']!, drop: values['drop']! },
    poolSize: values['pool']!,
    seed: values['seed']!,
    // The multi-worker mode starts `workers` runs at once and may start them all again.
    maxRuns: values['kills']! + 10 + 2 * (workers ?? 0),
    timeLimitMs: values['time-limit-seconds']! * 1000,
  };
}
