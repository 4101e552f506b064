import { describe, expect, it } from 'vitest';
import { isPapermailError } from '../../src/errors.js';
import { readPaperList } from '../../src/sources/read-paper-list.js';
import { sampleText } from './helpers.js';

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (!isPapermailError(error, 'ESOURCE')) throw error;
    return error;
  }
  throw new Error('expected an ESOURCE error');
}

describe('readPaperList format detection', () => {
  it('reads JSON as the API format', async () => {
    const list = readPaperList(await sampleText('2025-09-30.json'), 'samples/2025-09-30.json', '2025-09-30');
    expect(list.papers).toHaveLength(50);
    expect(list.papers[0]!.id).toBe('2509.24006');
  });

  it('reads copied page text as the page format', async () => {
    const list = readPaperList(await sampleText('daily-papers-page.txt'), 'samples/daily-papers-page.txt', '2024-12-12');
    expect(list.papers).toHaveLength(36);
    expect(list.papers[0]!.id).toMatch(/^title:/);
  });

  it('reads a JSON file that starts with a byte order mark', async () => {
    const list = readPaperList(`\uFEFF${await sampleText('2026-08-21.json')}`, 'day.json', '2026-08-21');
    expect(list.papers).toHaveLength(17);
  });

  it('fails on the Python-repr file naming the file and its first entry', async () => {
    const broken = await sampleText('2024-12-11.broken.json');
    expect(errorOf(() => readPaperList(broken, 'samples/2024-12-11.broken.json', '2024-12-11')).message).toBe(
      'samples/2024-12-11.broken.json: entry 0 is a string, expected an object with a "paper" field ' +
        '(it looks like a Python dict, not JSON); all 26 entries are unreadable',
    );
  });

  it('fails on text that is neither format, naming the file', () => {
    expect(errorOf(() => readPaperList('hello\n\nworld\n', 'notes.txt', '2025-09-30')).message).toBe(
      'notes.txt: not a Hugging Face Daily Papers API response (JSON) nor a copied Daily Papers page',
    );
  });

  it('says why JSON-looking text did not parse', async () => {
    const truncated = (await sampleText('2025-09-30.json')).slice(0, 500);
    expect(errorOf(() => readPaperList(truncated, 'cut.json', '2025-09-30')).message).toMatch(
      /^cut\.json: not a Hugging Face Daily Papers API response \(JSON\) nor a copied Daily Papers page \(it looks like JSON but does not parse: .+\)$/,
    );
  });

  it('fails on an empty file, saying it is empty', () => {
    expect(errorOf(() => readPaperList(' \n', 'empty.json', '2025-09-30')).message).toMatch(/^empty\.json: is empty; /);
  });

  it('refuses a day that is not YYYY-MM-DD before reading anything', async () => {
    const text = await sampleText('2024-05-27.json');
    expect(() => readPaperList(text, 'day.json', 'yesterday')).toThrow('day must be a real date as YYYY-MM-DD (got "yesterday")');
  });
});
