import { beforeAll, describe, expect, it } from 'vitest';
import type { Paper } from '../../src/digest/paper.js';
import { looksLikeDailyPapersPage, parseDailyPapersPage } from '../../src/sources/page-text.js';
import type { PaperList } from '../../src/sources/paper-list.js';
import { sampleText } from './helpers.js';

const DAY = '2024-12-12';
const ORIGIN = 'samples/daily-papers-page.txt';

let page: string;
let list: PaperList;

beforeAll(async () => {
  page = await sampleText('daily-papers-page.txt');
  list = parseDailyPapersPage(page, ORIGIN, DAY);
});

function titled(start: string): Paper {
  const found = list.papers.find((paper) => paper.title.startsWith(start));
  if (!found) throw new Error(`no paper titled "${start}..."`);
  return found;
}

describe('copied Daily Papers page text, on the saved sample', () => {
  it('reads 36 papers: 35 with a meta block and ARMOR, which has none', () => {
    expect(list.papers).toHaveLength(36);
    expect(list.warnings).toEqual([]);
    expect(list.papers[0]!.title).toBe('SVD-Free Low-Rank Adaptive Gradient Optimization for Large Language Models');
    expect(list.papers.at(-1)!.title).toBe(
      'Overcoming Recency Bias of Normalization Statistics in Continual Learning: Balance and Adaptation',
    );
  });

  it('takes the number after a date without a year as the upvotes ("May 19 3")', () => {
    expect(titled('FedSVD:').upvotes).toBe(3);
    expect(titled('CyberV:').upvotes).toBe(2); // "Jun 9 2": a one-digit day
  });

  it('takes the number after a date with a year as the upvotes ("Nov 16, 2024 9")', () => {
    expect(titled('SageAttention2 Technical Report').upvotes).toBe(9);
    expect(titled('Gated Linear Attention Transformers').upvotes).toBe(2);
    expect(titled('LLM.int8()').upvotes).toBe(1);
  });

  it('counts 0 upvotes when the date line has no number, with or without a year', () => {
    expect(titled('SVD-Free Low-Rank').upvotes).toBe(0); // "May 23"
    expect(titled('Low Rank Matrix Completion').upvotes).toBe(0); // "Feb 21, 2023"
    expect(list.papers.filter((paper) => paper.upvotes > 0)).toHaveLength(9); // nine date lines end in a number
  });

  it('reads the paper without a meta block with 0 upvotes, and gives the next paper its own block', () => {
    const armor = titled('ARMOR:');
    expect(armor.upvotes).toBe(0);
    expect(armor.authorCount).toBeUndefined();
    expect(armor.abstract).toMatch(/^Large language models \(LLMs\) present significant deployment challenges/);
    expect(titled('Orthogonal Matrices for MBAT').authorCount).toBe(1);
  });

  it('keeps the author count and invents no author names', () => {
    const sage = titled('SageAttention2 Technical Report');
    expect(sage.authors).toEqual([]);
    expect(sage.authorCount).toBe(6);
  });

  it("takes the organisation's display name from an organisation line (\"nvidia NVIDIA\")", () => {
    expect(titled('EoRA:').organization).toBe('NVIDIA');
    expect(titled('EoRA:').authorCount).toBeUndefined();
    expect(titled('CyberV:').organization).toBe('ByteDance');
  });

  it('does not read the page header as papers', () => {
    const titles = list.papers.map((paper) => paper.title);
    for (const noise of ['new', 'Get trending papers in your email inbox!', 'Subscribe', 'Daily Papers', 'Dec 12']) {
      expect(titles).not.toContain(noise);
    }
  });

  it('gives each paper an id from its title and a link to the Hugging Face paper search', () => {
    const sage = titled('S^{2}FT:');
    expect(sage.id).toBe('title:s-2-ft-efficient-scalable-and-generalizable-llm-fine-tuning-by-structured-sparsity');
    expect(sage.url).toBe(
      'https://huggingface.co/papers?q=S%5E%7B2%7DFT%3A%20Efficient%2C%20Scalable%20and%20Generalizable%20LLM%20Fine-tuning%20by%20Structured%20Sparsity',
    );
    expect(new Set(list.papers.map((paper) => paper.id)).size).toBe(36);
  });

  it('puts every paper on the day that was asked for, since the dates shown are arXiv dates', () => {
    expect(new Set(list.papers.map((paper) => paper.day))).toEqual(new Set([DAY]));
  });

  it('reads the same papers from text copied with Windows line endings', () => {
    const windows = parseDailyPapersPage(page.replace(/\n/g, '\r\n'), ORIGIN, DAY);
    expect(windows.papers).toEqual(list.papers);
  });
});

describe('copied Daily Papers page text, unusual layouts', () => {
  const meta = ['  • 2 authors', '·', 'Mar 3 5'];

  it('warns about a stray paragraph above a paper, naming its line, and still reads the paper', () => {
    const text = ['Some banner text', '', 'A Title', '', 'An abstract.', '', ...meta].join('\n');
    const result = parseDailyPapersPage(text, 'page.txt', DAY);
    expect(result.papers.map((paper) => [paper.title, paper.upvotes])).toEqual([['A Title', 5]]);
    expect(result.warnings).toEqual(['page.txt: line 1: ignored "Some banner text": not part of a paper']);
  });

  it('accepts the "·" and the date copied onto one line', () => {
    const text = ['A Title', '', 'An abstract.', '', '• 3 authors', '· Apr 1, 2025 12'].join('\n');
    const [paper] = parseDailyPapersPage(text, 'page.txt', DAY).papers;
    expect(paper).toMatchObject({ upvotes: 12, authorCount: 3 });
  });

  it('lists a paper copied twice once, with its higher upvote count', () => {
    const text = ['A Title', '', 'An abstract.', '', ...meta, '', 'A Title', '', 'An abstract.', '', '·', 'Mar 3 8'].join('\n');
    const result = parseDailyPapersPage(text, 'page.txt', DAY);
    expect(result.papers.map((paper) => paper.upvotes)).toEqual([8]);
    expect(result.warnings).toEqual(['page.txt: line 9 repeats paper title:a-title of line 1; kept the copy of line 9 (8 upvotes)']);
  });

  it('reports an abstract of two paragraphs instead of reading it as a paper with an abstract for a title', () => {
    const text = ['A Title', '', 'x'.repeat(400), '', 'Second paragraph.', '', ...meta].join('\n');
    const result = parseDailyPapersPage(text, 'page.txt', DAY);
    expect(result.papers).toEqual([]);
    expect(result.warnings).toEqual([
      'page.txt: line 1: ignored "A Title": not part of a paper',
      'page.txt: line 3: skipped a paper: its title is longer than 300 characters, so the text seems out of order',
    ]);
  });

  it('skips a paper whose title is only control characters, naming its line', () => {
    const text = ['\u0007', '', 'An abstract.', '', ...meta].join('\n');
    const result = parseDailyPapersPage(text, 'page.txt', DAY);
    expect(result.papers).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/^page\.txt: line 1: skipped a paper: title /)]);
  });

  it('is recognised by its meta blocks, and plain prose is not', () => {
    expect(looksLikeDailyPapersPage(page)).toBe(true);
    expect(looksLikeDailyPapersPage('Dear diary,\n\nMay 19 was a good day.\n')).toBe(false);
  });
});
