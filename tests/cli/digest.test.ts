import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DigestJson, PaperJson } from '../../src/digest/digest-json.js';
import { REPO_ROOT, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();

function papersOf(digest: DigestJson): PaperJson[] {
  return digest.sections.flatMap((section) => section.papers);
}

describe('papermail digest --json on a saved API response', () => {
  let result: CliResult;
  let digest: DigestJson;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    result = await sandbox.run(['digest', '--source', 'samples/2025-09-30.json', '--json']);
    digest = JSON.parse(result.stdout) as DigestJson;
  });

  it('exits 0 and prints nothing on stderr', () => {
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('prints the day and the number of papers', () => {
    expect(digest.date).toBe('2025-09-30');
    expect(digest.total).toBe(50);
  });

  it('prints sections of papers with id, title, upvotes and an https url', () => {
    expect(digest.sections.length).toBeGreaterThan(1);
    for (const section of digest.sections) {
      expect(section.topic).toEqual(expect.any(String));
      expect(section.papers.length).toBeGreaterThan(0);
      for (const paper of section.papers) {
        expect(paper).toMatchObject({ id: expect.any(String), title: expect.any(String), upvotes: expect.any(Number) });
        expect(paper.url).toMatch(/^https:\/\//);
      }
    }
  });

  it('lists the papers of each section in ranked order, most upvoted first', () => {
    for (const section of digest.sections) {
      const upvotes = section.papers.map((paper) => paper.upvotes);
      expect(upvotes).toEqual([...upvotes].sort((a, b) => b - a));
    }
  });

  it('puts every paper in exactly one section', () => {
    const ids = papersOf(digest).map((paper) => paper.id);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  });
});

describe('papermail digest --why <paper id>', () => {
  const day = ['digest', '--source', 'samples/2025-09-30.json'];
  let digest: DigestJson;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    digest = JSON.parse((await sandbox.run([...day, '--json'])).stdout) as DigestJson;
  });

  it('names the section the digest put the paper in, and every topic with a rule that matched, with each rule, its fields and its points', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run([...day, '--why', '2509.25149']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const section = digest.sections.find((entry) => entry.papers.some((paper) => paper.id === '2509.25149'))!;
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('2509.25149  Pretraining Large Language Models with NVFP4');
    expect(lines[1]).toMatch(new RegExp(`^section: .* \\(${section.slug}\\), score \\d`));
    // Each topic line: its score, then the rules that matched; the points add up to the score.
    const topicLines = lines.filter((line) => /^  [a-z0-9-]+ +-?[\d.]+  /.test(line));
    expect(topicLines.length).toBeGreaterThan(1);
    expect(topicLines[0]).toMatch(new RegExp(`^  ${section.slug} `));
    expect(topicLines[0]).toContain('nvfp4 +9 (title, keywords, abstract)');
    for (const line of topicLines) {
      const [, score, rules] = /^  [a-z0-9-]+ +(-?[\d.]+)  (.*)$/.exec(line)!;
      const sum = [...rules!.matchAll(/ ([+-][\d.]+) \(/g)].reduce((total, match) => total + Number(match[1]), 0);
      expect(sum, line).toBeCloseTo(Number(score), 5);
    }
  });

  it('with --json prints the same decision as data: the topic the digest chose, and the scores best first', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run([...day, '--why', '2509.25149v1', '--json']);
    expect(result.code).toBe(0);
    const why = JSON.parse(result.stdout) as { topic: string; secondaryTopic: string | null; scores: { topic: string; score: number }[] };
    const paper = digest.sections.flatMap((entry) => entry.papers.map((item) => ({ ...item, slug: entry.slug }))).find((item) => item.id === '2509.25149')!;
    expect(why.topic).toBe(paper.slug);
    expect(why.secondaryTopic).toBe(paper.secondaryTopic);
    const scores = why.scores.map((entry) => entry.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(why.scores[0]!.topic).toBe(paper.slug);
  });

  it('shows the phrase the abstract names its contribution with, and the rules that counted in it', async () => {
    // GSM8K-V: no "bench" in the title; its abstract introduces "a purely visual ... benchmark".
    const sandbox = await sandboxes.create();
    const result = await sandbox.run([...day, '--why', '2509.25160']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nfield weights: title [\d.]+, keywords [\d.]+, abstract [\d.]+, contribution [\d.]+; minimum score /);
    expect(result.stdout).toContain('\ncontribution: "a purely visual multi-image mathematical reasoning benchmark"\n');
    expect(result.stdout).toMatch(/\n  datasets-benchmarks +[\d.]+  .*benchmark\* \+[\d.]+ \([a-z, ]*contribution\)/);
  });

  it('names a paper of the day with a close runner-up as having a secondary topic', async () => {
    const withSecondary = digest.sections.flatMap((entry) => entry.papers).find((paper) => paper.secondaryTopic !== null)!;
    const sandbox = await sandboxes.create();
    const result = await sandbox.run([...day, '--why', withSecondary.id]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`\\nsecondary: .* \\(${withSecondary.secondaryTopic}\\), score `));
  });

  it('refuses an id that is not in the issue with exit 2 and one line naming it', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run([...day, '--why', '9999.00001']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('papermail: --why 9999.00001: no such paper in the issue of 2025-09-30 (50 papers; see papermail digest)\n');
  });
});

describe('papermail digest as text', () => {
  it('says "1 paper" for a topic with one paper (2026-08-21: 9 of 11 topics)', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run(['digest', '--source', 'samples/2026-08-21.json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^2026-08-21: 17 papers in 11 topics \(17 listed\)$/m);
    expect(result.stdout.match(/ \(1 paper, \d+ upvotes?\)$/gm)).toHaveLength(9);
    expect(result.stdout).not.toMatch(/\b1 papers\b/);
  });
});

describe('papermail digest: the day of the issue', () => {
  let fromFileName: DigestJson;
  let fromOption: DigestJson;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    const [named, overridden] = await Promise.all([
      sandbox.run(['digest', '--source', 'samples/2024-05-27.json', '--json']),
      sandbox.run(['digest', '--source', 'samples/2024-05-27.json', '--date', '2024-05-28', '--json']),
    ]);
    expect(named.code).toBe(0);
    expect(overridden.code).toBe(0);
    fromFileName = JSON.parse(named.stdout) as DigestJson;
    fromOption = JSON.parse(overridden.stdout) as DigestJson;
  });

  it('comes from the source file name when no --date is given', () => {
    expect(fromFileName.date).toBe('2024-05-27');
  });

  it('is the --date option when one is given, whatever the file is called', () => {
    expect(fromOption.date).toBe('2024-05-28');
    expect(fromOption.total).toBe(fromFileName.total);
  });
});

describe('papermail digest --json on text copied from the Daily Papers page', () => {
  let result: CliResult;
  let digest: DigestJson;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    result = await sandbox.run(['digest', '--source', 'samples/daily-papers-page.txt', '--date', '2024-12-12', '--json']);
    digest = JSON.parse(result.stdout) as DigestJson;
  });

  it('exits 0 with the given day and all 36 papers of the page', () => {
    expect(result.code).toBe(0);
    expect(digest.date).toBe('2024-12-12');
    expect(digest.total).toBe(36);
    expect(papersOf(digest)).toHaveLength(36);
  });

  it('reads each paper’s upvotes from the page (SageAttention2: 9)', () => {
    const sageAttention = papersOf(digest).filter((paper) => paper.title.startsWith('SageAttention2 Technical Report'));
    expect(sageAttention).toHaveLength(1);
    expect(sageAttention[0]!.upvotes).toBe(9);
  });
});

describe('papermail digest --weekly on the bundled week (samples/week-2025-W40)', () => {
  let result: CliResult;
  let digest: DigestJson;
  let text: CliResult;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    [result, text] = await Promise.all([
      sandbox.run(['digest', '--weekly', '--source', 'samples/week-2025-W40', '--json']),
      sandbox.run(['digest', '--weekly', '--week', '2025-W40', '--source', 'samples/week-2025-W40']),
    ]);
    digest = JSON.parse(result.stdout) as DigestJson;
  });

  it('exits 0 with the week, its days and its top 20 papers (WEEKLY_TOP_N), each once', () => {
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(digest.period).toEqual({ week: '2025-W40', from: '2025-09-29', to: '2025-10-05' });
    expect(digest.total).toBe(20);
    const ids = papersOf(digest).map((paper) => paper.id);
    expect(new Set(ids).size).toBe(20);
  });

  it('gives each paper the day it was listed on, from every weekday of the week', () => {
    expect(new Set(papersOf(digest).map((paper) => paper.day))).toEqual(new Set(['2025-09-29', '2025-09-30', '2025-10-01', '2025-10-02', '2025-10-03']));
  });

  it('prints the week and its days as text, each paper with its day', () => {
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^2025-W40 \(2025-09-29 to 2025-10-05\): 20 papers in \d+ topics \(181 listed\)$/m);
    expect(text.stdout).toMatch(/^ {2}▲ {2}100 {2}29 Sep {2}LongLive: Real-time Interactive Long Video Generation$/m);
  });
});

describe('papermail digest --weekly with upvotes changed since the days were saved', () => {
  it('ranks by the counts of the folder it reads now, and honours WEEKLY_TOP_N', async () => {
    const sandbox = await sandboxes.create();
    const folder = sandbox.path('week');
    await cp(join(REPO_ROOT, 'samples/week-2025-W40'), folder, { recursive: true });
    const friday = JSON.parse(await readFile(join(folder, '2025-10-03.json'), 'utf8')) as Array<{ paper: { id: string; upvotes: number } }>;
    friday.find((entry) => entry.paper.id === '2509.26330')!.paper.upvotes = 150;
    await writeFile(join(folder, '2025-10-03.json'), JSON.stringify(friday));

    const result = await sandbox.run(['digest', '--weekly', '--week', '2025-W40', '--source', folder, '--json'], { env: { WEEKLY_TOP_N: '3' } });
    expect(result.code).toBe(0);
    const papers = papersOf(JSON.parse(result.stdout) as DigestJson);
    expect(papers.map((paper) => [paper.id, paper.upvotes]).sort((a, b) => Number(b[1]) - Number(a[1]))).toEqual([
      ['2509.26330', 150],
      ['2509.22622', 100],
      ['2509.22611', 84],
    ]);
  });
});

describe('papermail digest --weekly refusals, in one line each', () => {
  const cases: Array<{ name: string; args: string[]; code: number; message: RegExp }> = [
    { name: 'a week that does not exist', args: ['--weekly', '--week', '2025-W53'], code: 2, message: /^papermail: --week must be a week of its year: 2025 has weeks W01 to W52 \(got "2025-W53"\)$/ },
    { name: 'a week in another format', args: ['--weekly', '--week', '2025-40'], code: 2, message: /^papermail: --week must be an ISO week as YYYY-Www, such as 2025-W40 \(got "2025-40"\)$/ },
    { name: '--week without --weekly', args: ['--week', '2025-W40'], code: 2, message: /^papermail: --week goes with --weekly/ },
    { name: '--date with --weekly', args: ['--weekly', '--date', '2025-09-30', '--source', 'samples/week-2025-W40'], code: 2, message: /^papermail: --date is for a daily issue; a weekly issue takes --week/ },
    { name: "a day's file as the source", args: ['--weekly', '--source', 'samples/2025-09-30.json'], code: 2, message: /^papermail: --source of a weekly issue must be a folder/ },
    { name: 'the wrong week for the folder', args: ['--weekly', '--week', '2025-W41', '--source', 'samples/week-2025-W40'], code: 1, message: /^papermail: samples\/week-2025-W40: no 2025-10-06\.json, 2025-10-07\.json, 2025-10-08\.json, 2025-10-09\.json, 2025-10-10\.json; a weekly issue of 2025-W41 needs a file for each weekday/ },
  ];

  it.each(cases.map((each) => [each.name, each] as const))('%s', async (_, { args, code, message }) => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run(['digest', ...args]);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
  });
});
