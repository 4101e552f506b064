import { describe, expect, it } from 'vitest';
import { byline, compactCount, dayAndMonth, humanDate, issueCounts, shortAuthors, shortDate } from '../../src/render/format.js';

describe('dates', () => {
  it('writes the issue day for people', () => {
    expect(humanDate('2025-09-30')).toBe('Tuesday, 30 September 2025');
  });

  it('writes a short day', () => {
    expect(shortDate('2025-09-30')).toBe('30 Sep 2025');
  });

  it('writes day and month for subject lines', () => {
    expect(dayAndMonth('2025-09-30')).toBe('30 Sep');
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

  it('leaves out an author named like the organisation, so the organisation is named once', () => {
    expect(byline(['NVIDIA', 'Felix Abecassis', 'Anjulie Agrusa', 'Kyle Aubrey', 'Ada Lovelace'], 'NVIDIA')).toBe(
      'Felix Abecassis, Anjulie Agrusa, Kyle Aubrey +1 · NVIDIA',
    );
    expect(byline(['nvidia '], 'NVIDIA')).toBe('NVIDIA');
  });
});

describe('compactCount', () => {
  it('shortens thousands', () => {
    expect([compactCount(844), compactCount(1234), compactCount(15_600)]).toEqual(['844', '1.2k', '16k']);
  });
});
