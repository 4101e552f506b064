/**
 * What every fault soak must show, single sender or several workers: the faults really
 * happened, nobody is missing, duplicates stay within the messages in flight at the kills,
 * every 550 is recorded and suppressed, and the ledger agrees with what the server took.
 */
import { expect, it } from 'vitest';
import type { SoakReport } from '../../bench/soak-run.js';

/** The shared tests, on the report `report()` returns once the soak has run; `duplicateLimit` is the soak's bound. */
export function itMeetsTheSoakTargets(report: () => SoakReport, duplicateLimit: number): void {
  it('met deferrals, dropped connections and hard bounces on the way', () => {
    expect(report().sink.deferred).toBeGreaterThan(0);
    expect(report().sink.dropped).toBeGreaterThan(0);
    expect(report().expectedBounces).toBeGreaterThan(0);
  });

  it('leaves no subscriber with neither the issue nor a recorded bounce', () => {
    expect(report().missing).toBe(0);
    expect(report().delivered + report().bounced).toBe(report().subscribers);
  });

  it('sends no more duplicates than the messages in flight at the kills', () => {
    expect(report().duplicateLimit).toBe(duplicateLimit);
    expect(report().duplicated).toBeLessThanOrEqual(duplicateLimit);
  });

  it('records every address the server refused with 550 as failed and suppresses it', () => {
    expect(report().bounced).toBe(report().expectedBounces);
    expect(report().unsuppressedRejections).toBe(0);
  });

  it('bounces nobody whose mail the server would have taken', () => {
    expect(report().wronglyBounced).toBe(0);
  });

  it('records every delivered copy as sent in the ledger', () => {
    expect(report().unrecorded).toBe(0);
  });

  it('reports no missed target', () => {
    expect(report().problems).toEqual([]);
  });
}
