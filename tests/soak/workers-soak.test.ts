/**
 * The multi-worker fault soak, small: 3 `papermail worker` processes share one day's issue to
 * 400 subscribers on PostgreSQL (a throwaway cluster), through a server that defers, refuses
 * and drops a known share of them, while one worker at a time is killed with SIGKILL three
 * times and replaced, until the day is complete.
 * `npm run soak -- --workers 3 --store postgres` runs the same with 5,000 subscribers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runSoak, type SoakReport } from '../../bench/soak-run.js';
import { itMeetsTheSoakTargets } from './soak-targets.js';

const WORKERS = 3;
const POOL_SIZE = 5;
const KILLS = 3;
/** A worker has at most pool × 2 recipients between claim and record (the send loop's concurrency). */
const IN_FLIGHT_PER_WORKER = POOL_SIZE * 2;

describe('three workers on PostgreSQL, killed three times while the server defers, refuses and drops messages', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak({
      workers: WORKERS,
      store: 'postgres',
      subscribers: 400,
      kills: KILLS,
      faults: { temporary: 0.05, reject: 0.03, drop: 0.03 },
      poolSize: POOL_SIZE,
      seed: 20_251_202,
      maxRuns: WORKERS * 3 + KILLS + 10,
      // A bound, not a measurement: the soak normally takes well under a minute.
      timeLimitMs: 200_000,
    });
  }, 230_000);

  it('ran three workers on PostgreSQL, killed one of them three times, replaced each, and completed the day', () => {
    expect(report.store).toBe('postgres');
    expect(report.workers).toBe(WORKERS);
    expect(report.kills).toHaveLength(KILLS);
    expect(report.runs.length).toBeGreaterThanOrEqual(WORKERS + KILLS);
    expect(report.completed).toBe(true);
  });

  itMeetsTheSoakTargets(() => report, IN_FLIGHT_PER_WORKER * KILLS);
});
