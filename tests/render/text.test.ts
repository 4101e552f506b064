import { describe, expect, it } from 'vitest';
import { foldWhitespace, inertBraces, trimAtWordBoundary, wrapText } from '../../src/render/text.js';

describe('foldWhitespace', () => {
  it('folds line breaks, tabs and runs of spaces to single spaces', () => {
    expect(foldWhitespace('  Sparse\n  Linear\tAttention \r\n')).toBe('Sparse Linear Attention');
  });

  it('removes direction overrides that could disguise text', () => {
    expect(foldWhitespace('evil\u202Etxt.exe')).toBe('eviltxt.exe');
  });
});

describe('inertBraces', () => {
  it('breaks every {{ so the text can never become a placeholder', () => {
    expect(inertBraces('a {{name}} and {{{x}}}')).not.toContain('{{');
  });

  it('leaves single braces alone', () => {
    expect(inertBraces('O(N^{2})')).toBe('O(N^{2})');
  });
});

describe('trimAtWordBoundary', () => {
  it('returns short text unchanged', () => {
    expect(trimAtWordBoundary('Short text.', 300)).toBe('Short text.');
  });

  it('cuts long text at a word boundary, with an ellipsis, within the limit', () => {
    const trimmed = trimAtWordBoundary('one two three four five six seven eight', 20);
    expect(trimmed).toBe('one two three four…');
    expect(trimmed.length).toBeLessThanOrEqual(20);
  });

  it('cuts a single overlong word rather than dropping it', () => {
    expect(trimAtWordBoundary('x'.repeat(50), 10)).toBe('x'.repeat(9) + '…');
  });
});

describe('wrapText', () => {
  it('wraps at the given width and indents every line', () => {
    const wrapped = wrapText('word '.repeat(40), 30, 4);
    for (const line of wrapped.split('\n')) {
      expect(line.startsWith('    word')).toBe(true);
      expect(line.length).toBeLessThanOrEqual(30);
    }
  });
});
