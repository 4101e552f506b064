import { describe, expect, it } from 'vitest';
import { foldToOneLine, nonBlank, slugOf, unwrapParagraphs } from '../../src/sources/text.js';

describe('text normalisation for paper lists', () => {
  it('folds a title wrapped with a hard line break and an indent into one line', () => {
    expect(foldToOneLine('Meteor: Mamba-based Traversal of Rationale for Large Language and Vision\n  Models')).toBe(
      'Meteor: Mamba-based Traversal of Rationale for Large Language and Vision Models',
    );
  });

  it('folds tabs, carriage returns, control characters and line separators to single spaces', () => {
    expect(foldToOneLine(' A\t\tB\r\nC\u0007D\u2028E  ')).toBe('A B C D E');
  });

  it('unwraps hard-wrapped lines but keeps blank-line paragraph breaks', () => {
    expect(unwrapParagraphs('First line\nwrapped here.\n\n  Second\nparagraph.\n')).toBe(
      'First line wrapped here.\n\nSecond paragraph.',
    );
  });

  it('turns blank optional text into absent text', () => {
    expect(nonBlank('  shanghai ailab ')).toBe('shanghai ailab');
    expect(nonBlank(' \n ')).toBeUndefined();
    expect(nonBlank(null)).toBeUndefined();
  });

  it('slugs a title to lower-case words joined by hyphens, without accents', () => {
    expect(slugOf('S^{2}FT: Efficient, Scalable')).toBe('s-2-ft-efficient-scalable');
    expect(slugOf('Boletín Oficial — Résumé')).toBe('boletin-oficial-resume');
  });
});
