/**
 * The multi-worker fault soak, small: 3 `papermail worker` processes share one day's issue to
 * 400 subscribers on PostgreSQL (a throwaway cluster), through a server that defers, refuses
 * and drops a known share of them, while one worker at a time is killed with SIGKILL three
 * times and replaced, until the day is complete.
 * `npm run soak -- --workers 3 --store postgres` runs the same with 5,000 subscribers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runSoak, type SoakReport } from '../../bench/soak-run.js';

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

  it('ran three workers on PostgreSQL, killed one three times, and completed the day', () => {
    expect(report.store).toBe('postgres');
    expect(report.workers).toBe(WORKERS);
    expect(report.kills).toHaveLength(KILLS);
    expect(report.runs.length).toBeGreaterThanOrEqual(WORKERS + KILLS);
    expect(report.completed).toBe(true);
  });

  it('met deferrals, dropped connections and hard bounces on the way', () => {
    expect(report.sink.deferred).toBeGreaterThan(0);
    expect(report.sink.dropped).toBeGreaterThan(0);
    expect(report.expectedBounces).toBeGreaterThan(0);
  });

  it('leaves no subscriber with neither the issue nor a recorded bounce', () => {
    expect(report.missing).toBe(0);
    expect(report.delivered + report.bounced).toBe(report.subscribers);
  });

  it('sends no more duplicates than the messages in flight at the kills', () => {
    expect(report.duplicateLimit).toBe(IN_FLIGHT_PER_WORKER * KILLS);
    expect(report.duplicated).toBeLessThanOrEqual(IN_FLIGHT_PER_WORKER * KILLS);
  });

  it('records every address the server refused with 550 as failed and suppresses it', () => {
    expect(report.bounced).toBe(report.expectedBounces);
    expect(report.unsuppressedRejections).toBe(0);
  });

  it('bounces nobody whose mail the server would have taken', () => {
    expect(report.wronglyBounced).toBe(0);
  });

  it('records every delivered copy as sent in the ledger', () => {
    expect(report.unrecorded).toBe(0);
  });

  it('reports no missed target', () => {
    expect(report.problems).toEqual([]);
  });
});
