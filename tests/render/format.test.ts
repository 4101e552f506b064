import { describe, expect, it } from 'vitest';
import { byline, compactCount, humanDate, issueCounts, shortAuthors, shortDate } from '../../src/render/format.js';

describe('dates', () => {
  it('writes the issue day for people', () => {
    expect(humanDate('2025-09-30')).toBe('Tuesday, 30 September 2025');
  });

  it('writes a short day for subject lines', () => {
    expect(shortDate('2025-09-30')).toBe('30 Sep 2025');
  });
});

describe('issueCounts', () => {
  it('counts papers and topics with singular forms', () => {
    expect(issueCounts(50, 9)).toBe('50 papers · 9 topics');
    expect(issueCounts(1, 1)).toBe('1 paper · 1 topic');
  });
});

describe('shortAuthors', () => {
  it('names up to three authors in full', () => {
    expect(shortAuthors(['Ada Lovelace', 'Alan Turing'])).toBe('Ada Lovelace, Alan Turing');
  });

  it('names the first three and counts the rest', () => {
    expect(shortAuthors(['A', 'B', 'C', 'D', 'E'])).toBe('A, B, C +2');
  });
});

describe('byline', () => {
  it('adds the organisation after the authors', () => {
    expect(byline(['Ada Lovelace'], 'Google')).toBe('Ada Lovelace · Google');
  });

  it('shows the organisation alone when there are no authors', () => {
    expect(byline([], 'Google')).toBe('Google');
  });
});

describe('compactCount', () => {
  it('shortens thousands', () => {
    expect([compactCount(844), compactCount(1234), compactCount(15_600)]).toEqual(['844', '1.2k', '16k']);
  });
});
