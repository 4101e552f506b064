import { describe, expect, it } from 'vitest';
import { planDetailLevels, type DetailLevel } from '../../src/render/budget.js';

const SIZES: Record<DetailLevel, number> = { full: 100, brief: 50, title: 20, omitted: 0 };
const sizeOf = (_id: string, level: DetailLevel) => SIZES[level];
const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
/** The top two papers are protected in these tests. */
const plan = (budget: number) => [...planDetailLevels(ids, sizeOf, budget, 2).values()];

describe('planDetailLevels', () => {
  it('keeps every paper in full when the issue fits', () => {
    expect(plan(500)).toEqual(['full', 'full', 'full', 'full', 'full']);
  });

  it('shortens the lowest-ranked papers first', () => {
    expect(plan(400)).toEqual(['full', 'full', 'full', 'brief', 'brief']);
  });

  it('makes lower papers title-only, then omits them, before touching the protected top', () => {
    expect(plan(330)).toEqual(['full', 'full', 'brief', 'brief', 'title']);
    expect(plan(210)).toEqual(['full', 'full', 'omitted', 'omitted', 'omitted']);
  });

  it('shrinks the protected top last and never omits the top paper', () => {
    expect(plan(1)).toEqual(['title', 'omitted', 'omitted', 'omitted', 'omitted']);
  });

  it('gives the same plan for the same input, whatever was planned before', () => {
    // Worked out by hand: 500 in full; p5 and p4 brief (400), p3 brief (350), p5 title-only (320).
    const expected = ['full', 'full', 'brief', 'brief', 'title'];
    expect(plan(330)).toEqual(expected);
    plan(1);
    plan(500);
    expect(plan(330)).toEqual(expected);
  });

  it('plans an issue whose estimated size fits the budget whenever shrinking can make it fit', () => {
    const smallest = SIZES.title; // the top paper, title-only; everything else omitted
    for (const budget of [smallest, 100, 199, 250, 333, 401, 499]) {
      const total = [...planDetailLevels(ids, sizeOf, budget, 2).values()].reduce((sum, level) => sum + SIZES[level], 0);
      expect(total, `budget ${budget}`).toBeLessThanOrEqual(budget);
    }
  });
});
