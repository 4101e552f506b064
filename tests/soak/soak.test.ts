/**
 * The fault soak, small: 400 subscribers, a server that defers, refuses and drops a known share
 * of them, and a sender (the real `papermail send`) killed twice with SIGKILL mid-send and
 * restarted until it finishes. `npm run soak` runs the same with 5,000 subscribers and 4 kills.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runSoak, type SoakReport } from '../../bench/soak-run.js';
import { itMeetsTheSoakTargets } from './soak-targets.js';

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

  itMeetsTheSoakTargets(() => report, POOL_SIZE * KILLS);
});
