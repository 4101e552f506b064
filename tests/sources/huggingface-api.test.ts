import { describe, expect, it } from 'vitest';
import { PaperSchema } from '../../src/digest/paper.js';
import { isPapermailError } from '../../src/errors.js';
import { parseApiEntries, parseApiResponse } from '../../src/sources/huggingface-api.js';
import { sampleEntries } from './helpers.js';

const ASKED_DAY = '2024-05-27';

async function parsedSample(day: string, askedDay = day) {
  return parseApiResponse(await sampleEntries(`${day}.json`), `samples/${day}.json`, askedDay);
}

describe('the Hugging Face API format, on the saved samples', () => {
  it.each([
    ['2024-05-27', 13],
    ['2025-09-30', 50],
    ['2026-08-21', 17],
  ])('reads every entry of samples/%s.json (%i papers) without warnings', async (day, count) => {
    const list = await parsedSample(day);
    expect(list.papers).toHaveLength(count);
    expect(list.warnings).toEqual([]);
    for (const paper of list.papers) expect(PaperSchema.safeParse(paper).success).toBe(true);
  });

  it('takes the day that was asked for when entries have no submittedOnDailyAt (2024 format)', async () => {
    const list = await parsedSample('2024-05-27', '2024-05-28');
    expect(new Set(list.papers.map((paper) => paper.day))).toEqual(new Set(['2024-05-28']));
  });

  it("takes the day from submittedOnDailyAt, never from the entry's publishedAt", async () => {
    const list = await parsedSample('2025-09-30', '2000-01-01');
    const sla = list.papers.find((paper) => paper.id === '2509.24006')!;
    // Its publishedAt is 2025-09-28; it was listed on Daily Papers on 2025-09-30.
    expect(sla.day).toBe('2025-09-30');
    expect(new Set(list.papers.map((paper) => paper.day))).toEqual(new Set(['2025-09-30']));
  });

  it('folds titles wrapped over two lines into one line', async () => {
    const list = await parsedSample(ASKED_DAY);
    expect(list.papers[0]!.title).toBe('ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models');
    for (const paper of list.papers) expect(paper.title).not.toMatch(/\n| {2}/);
  });

  it("uses the paper's title, not the entry's LaTeX-flavoured copy", async () => {
    const list = await parsedSample(ASKED_DAY);
    expect(list.papers.find((paper) => paper.id === '2405.14906')!.title).toBe(
      'AutoCoder: Enhancing Code Large Language Model with AIEV-Instruct',
    );
  });

  it('unwraps the hard line breaks of the abstract', async () => {
    const list = await parsedSample('2025-09-30');
    const sla = list.papers.find((paper) => paper.id === '2509.24006')!;
    expect(sla.abstract).toMatch(/^In Diffusion Transformer \(DiT\) models, particularly for video generation, attention latency/);
    expect(sla.abstract).not.toContain('\n');
  });

  it('keeps the author names in order, including authors hidden from their profile', async () => {
    const list = await parsedSample('2025-09-30');
    const rema = list.papers.find((paper) => paper.id === '2509.22518')!;
    expect(rema.authors.slice(0, 2)).toEqual(['Bo Li', 'Guanzhi Deng']);
    expect(rema.authors).toHaveLength(8);
  });

  it('links each paper to its Hugging Face page', async () => {
    const list = await parsedSample('2025-09-30');
    expect(list.papers[0]!.url).toBe('https://huggingface.co/papers/2509.24006');
  });

  it('reads the 2025 fields: AI summary and keywords, GitHub repository and stars, project page, comments', async () => {
    const list = await parsedSample('2025-09-30');
    const harvard = list.papers.find((paper) => paper.id === '2509.23426')!;
    expect(harvard.aiSummary).toMatch(/\S/);
    expect(harvard.aiKeywords.length).toBeGreaterThan(0);
    expect(harvard.githubRepo).toMatch(/^https:\/\/github\.com\//);
    expect(harvard.githubStars).toBe(233);
    expect(list.papers.filter((paper) => paper.projectPage !== undefined)).toHaveLength(16);
    expect(list.papers[0]!.comments).toBe(2);
  });

  it("names the submitter's organisation by its full name in the 2025 format", async () => {
    const list = await parsedSample('2025-09-30');
    expect(list.papers.find((paper) => paper.id === '2509.24006')!.organization).toBe('Tsinghua University');
    expect(list.papers.find((paper) => paper.id === '2509.24897')!.organization).toBeUndefined();
  });

  it("names the paper's own organisation in the 2026 format, with its stray spaces folded", async () => {
    const list = await parsedSample('2026-08-21');
    expect(list.papers[0]!.organization).toBe('Google');
    expect(list.papers.find((paper) => paper.id === '2608.18580')!.organization).toBe(
      'university of science and technology of china',
    );
  });

  it('has no AI keywords and no optional fields for the 2024 format', async () => {
    const list = await parsedSample(ASKED_DAY);
    const paper = list.papers[0]!;
    expect(paper.aiKeywords).toEqual([]);
    expect(paper.aiSummary).toBeUndefined();
    expect(paper.githubRepo).toBeUndefined();
    expect(paper.organization).toBeUndefined();
  });
});

describe('the Hugging Face API format, field rules', () => {
  it("counts only the paper's own upvotes, not an upvote count on the entry", async () => {
    const [entry] = await sampleEntries('2025-09-30.json');
    entry!.upvotes = 999;
    entry!.paper.upvotes = 78;
    expect(parseApiEntries([entry], 'test', '2025-09-30').papers[0]!.upvotes).toBe(78);
  });

  it('counts 0 comments when the entry has no numComments', async () => {
    const [entry] = await sampleEntries('2025-09-30.json');
    delete entry!.numComments;
    expect(parseApiEntries([entry], 'test', '2025-09-30').papers[0]!.comments).toBe(0);
  });

  it('drops a javascript: GitHub link, and its star count, with a warning naming the entry', async () => {
    const entries = (await sampleEntries('2025-09-30.json')).slice(0, 6);
    entries[5]!.paper.githubRepo = 'javascript:alert(document.cookie)';
    const list = parseApiEntries(entries, 'day.json', '2025-09-30');
    const paper = list.papers.find((candidate) => candidate.id === '2509.23426')!;
    expect(paper.githubRepo).toBeUndefined();
    expect(paper.githubStars).toBeUndefined();
    expect(list.warnings).toEqual([
      expect.stringMatching(/^day\.json: entry 5 \(2509\.23426 ".*"\): dropped githubRepo "javascript:alert\(document\.cookie\)": not an http\(s\) URL$/),
    ]);
  });

  it('drops a project page that is not an http(s) URL', async () => {
    const [entry] = await sampleEntries('2025-09-30.json');
    entry!.paper.projectPage = 'ftp://example.org/paper';
    const list = parseApiEntries([entry], 'test', '2025-09-30');
    expect(list.papers[0]!.projectPage).toBeUndefined();
    expect(list.warnings[0]).toContain('dropped projectPage "ftp://example.org/paper"');
  });

  it("reads the entry's thumbnail and drops one that is not an http(s) URL", async () => {
    const [first, second] = await sampleEntries('2026-08-21.json');
    second!.thumbnail = 'javascript:alert(1)';
    const list = parseApiEntries([first, second], 'test', '2026-08-21');
    expect(list.papers[0]!.thumbnail).toBe('https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.19880.png');
    expect(list.papers[1]!.thumbnail).toBeUndefined();
    expect(list.warnings).toEqual([expect.stringContaining('dropped thumbnail "javascript:alert(1)"')]);
  });

  it('treats null optional fields as absent', async () => {
    const [entry] = await sampleEntries('2025-09-30.json');
    Object.assign(entry!.paper, { githubRepo: null, githubStars: null, ai_summary: null, ai_keywords: null, projectPage: null });
    const paper = parseApiEntries([entry], 'test', '2025-09-30').papers[0]!;
    expect(paper.githubRepo).toBeUndefined();
    expect(paper.aiSummary).toBeUndefined();
    expect(paper.aiKeywords).toEqual([]);
  });
});

describe('the Hugging Face API format, bad and repeated entries', () => {
  it('skips one bad entry with a warning naming its index, id, title and field, and keeps the rest', async () => {
    const entries = (await sampleEntries('2025-09-30.json')).slice(0, 5);
    entries[2]!.paper.upvotes = 'many';
    const list = parseApiEntries(entries, 'day.json', '2025-09-30');
    expect(list.papers.map((paper) => paper.id)).toEqual(['2509.24006', '2509.23102', '2509.25190', '2509.24900']);
    expect(list.warnings).toHaveLength(1);
    expect(list.warnings[0]).toMatch(
      /^day\.json: skipped entry 2 \(2509\.24897 "RealUnify: .*"\), which has an invalid paper\.upvotes: .*expected number/,
    );
  });

  it('names a missing required field as missing', async () => {
    const entries = (await sampleEntries('2025-09-30.json')).slice(0, 3);
    delete entries[1]!.paper.summary;
    const list = parseApiEntries(entries, 'day.json', '2025-09-30');
    expect(list.warnings[0]).toMatch(/skipped entry 1 \(2509\.23102 ".*"\), which has no paper\.summary$/);
  });

  it('skips an entry whose values pass the entry schema but cannot make a Paper', async () => {
    const entries = (await sampleEntries('2025-09-30.json')).slice(0, 3);
    entries[1]!.paper.submittedOnDailyAt = '+010000-01-01T00:00:00Z'; // a real date, not a YYYY-MM-DD day
    const list = parseApiEntries(entries, 'day.json', '2025-09-30');
    expect(list.papers).toHaveLength(2);
    expect(list.warnings[0]).toMatch(/^day\.json: skipped entry 1 \(2509\.23102 ".*"\), which has an invalid day: /);
  });

  it('names the array index inside a field path', async () => {
    const entries = (await sampleEntries('2025-09-30.json')).slice(0, 3);
    entries[0]!.paper.authors[2].name = 42;
    const list = parseApiEntries(entries, 'day.json', '2025-09-30');
    expect(list.warnings[0]).toContain('which has an invalid paper.authors[2].name');
  });

  it('skips an entry that is not an object when most of the list is good', async () => {
    const entries: unknown[] = (await sampleEntries('2025-09-30.json')).slice(0, 3);
    entries.splice(1, 0, 'not an entry');
    const list = parseApiEntries(entries, 'day.json', '2025-09-30');
    expect(list.papers).toHaveLength(3);
    expect(list.warnings).toEqual([
      'day.json: skipped entry 1, which is a string, expected an object with a "paper" field',
    ]);
  });

  it('fails when more than half of the entries are bad, naming the first bad one', async () => {
    const entries: unknown[] = (await sampleEntries('2025-09-30.json')).slice(0, 3);
    entries[0] = { title: 'no paper here' };
    entries[2] = 7;
    expect(() => parseApiEntries(entries, 'day.json', '2025-09-30')).toThrow(
      'day.json: entry 0 has no "paper" field; 2 of 3 entries are unreadable',
    );
  });

  it('keeps a list where exactly half of the entries are bad', async () => {
    const entries: unknown[] = (await sampleEntries('2025-09-30.json')).slice(0, 2);
    entries[1] = null;
    expect(parseApiEntries(entries, 'day.json', '2025-09-30').papers).toHaveLength(1);
  });

  it('fails with ESOURCE when the JSON is not an array, showing the error the API sent', () => {
    const error = catchError(() => parseApiResponse({ error: 'Invalid date' }, 'https://hf.test/api', '2025-09-30'));
    expect(isPapermailError(error, 'ESOURCE')).toBe(true);
    expect((error as Error).message).toBe(
      'https://hf.test/api: not a Hugging Face Daily Papers API response: expected a JSON array of entries, got an error object: "Invalid date"',
    );
  });

  it('reads an empty array as a day without papers', () => {
    expect(parseApiEntries([], 'day.json', '2025-09-30')).toEqual({ papers: [], warnings: [] });
  });

  it('lists a repeated paper once, keeping the copy with more upvotes in the place of the first', async () => {
    const entries = (await sampleEntries('2025-09-30.json')).slice(0, 3);
    const newer = structuredClone(entries[0]!);
    newer.paper.upvotes = 80;
    entries.push(newer);
    const list = parseApiEntries(entries, 'day.json', '2025-09-30');
    expect(list.papers.map((paper) => [paper.id, paper.upvotes])).toEqual([
      ['2509.24006', 80],
      ['2509.23102', 46],
      ['2509.24897', 36],
    ]);
    expect(list.warnings).toEqual(['day.json: entry 3 repeats paper 2509.24006 of entry 0; kept the copy of entry 3 (80 upvotes)']);
  });

  it('keeps the first copy of a repeated paper when the upvotes are equal', async () => {
    const entries = (await sampleEntries('2025-09-30.json')).slice(0, 2);
    const copy = structuredClone(entries[0]!);
    copy.paper.title = 'A later copy';
    entries.push(copy);
    const list = parseApiEntries(entries, 'day.json', '2025-09-30');
    expect(list.papers).toHaveLength(2);
    expect(list.papers[0]!.title).toMatch(/^SLA: /);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
