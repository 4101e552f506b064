/**
 * The fault soak, small: 400 subscribers, a server that defers, refuses and drops a known share
 * of them, and a sender (the real `papermail send`) killed twice with SIGKILL mid-send and
 * restarted until it finishes. `npm run soak` runs the same with 5,000 subscribers and 4 kills.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runSoak, type SoakReport } from '../../bench/soak-run.js';

const POOL_SIZE = 5;
const KILLS = 2;

describe('a send killed twice while the server defers, refuses and drops messages', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak({
      subscribers: 400,
      kills: KILLS,
      faults: { temporary: 0.05, reject: 0.03, drop: 0.03 },
      poolSize: POOL_SIZE,
      seed: 20_251_001,
      maxRuns: KILLS + 10,
      // A bound, not a measurement: the soak normally takes well under a minute.
      timeLimitMs: 170_000,
    });
  }, 180_000);

  it('was killed twice and finished on a later run', () => {
    expect(report.kills).toHaveLength(KILLS);
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
    expect(report.duplicated).toBeLessThanOrEqual(POOL_SIZE * KILLS);
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
