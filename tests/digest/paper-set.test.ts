/** Paper sets (src/digest/paper-set.ts): an issue's papers by position, as the short text the ledger keeps. */
import { describe, expect, it } from 'vitest';
import { paperSetOf, paperSetPositions } from '../../src/digest/paper-set.js';

describe('paper sets', () => {
  it('writes four positions to a hex digit, lowest first, with nothing trailing', () => {
    expect(paperSetOf([])).toBe('');
    expect(paperSetOf([0])).toBe('1');
    expect(paperSetOf([1, 0, 3])).toBe('b');
    expect(paperSetOf([4])).toBe('01');
    expect(paperSetOf([0, 1, 2, 3, 4, 5, 6, 7])).toBe('ff');
    expect(paperSetOf([49]).length).toBe(13);
  });

  it('is the same text for the same set, whatever the order or repeats', () => {
    expect(paperSetOf([9, 2, 2, 30])).toBe(paperSetOf([2, 30, 9]));
  });

  it('reads back the positions it was made of, in order', () => {
    const positions = [0, 3, 4, 17, 49, 120];
    expect(paperSetPositions(paperSetOf(positions))).toEqual(positions);
    expect(paperSetPositions('')).toEqual([]);
  });
});
