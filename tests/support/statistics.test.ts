import { describe, expect, it } from 'vitest';
import { median, rankSumZ, shuffled } from './statistics.js';

describe('the rank-sum statistic used by timing tests', () => {
  const base = Array.from({ length: 60 }, (_, index) => 3 + ((index * 37) % 60) / 100);

  it('is zero for two samples with the same values in another order', () => {
    expect(rankSumZ(base, shuffled(base, 7))).toBeCloseTo(0, 10);
  });

  it('is clearly positive when the first sample is shifted up by a third of its spread, and negative the other way', () => {
    const shifted = base.map((value) => value + 0.2);
    expect(rankSumZ(shifted, base)).toBeGreaterThan(4);
    expect(rankSumZ(base, shifted)).toBeLessThan(-4);
  });

  it('is not moved by one huge outlier, as a GC pause would make', () => {
    const withPause = [...base.slice(1), 500];
    expect(Math.abs(rankSumZ(withPause, base))).toBeLessThan(0.5);
  });

  it('counts tied values at their mid-rank', () => {
    // Ranks 1, 3.5, 3.5 against 3.5, 3.5, 6: U = 2 against a mean of 4.5; the four-way tie
    // shrinks the variance from 5.25 to 0.75 × (7 - 60/30) = 3.75.
    expect(rankSumZ([1, 2, 2], [2, 2, 3])).toBeCloseTo(-2.5 / Math.sqrt(3.75), 10);
  });

  it('finds the median of odd and even samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
