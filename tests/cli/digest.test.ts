import { beforeAll, describe, expect, it } from 'vitest';
import type { DigestJson, PaperJson } from '../../src/digest/digest-json.js';
import { useCliSandboxes, type CliResult } from './run-cli.js';

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

describe('papermail digest as text', () => {
  it('says "1 paper" for a topic with one paper (2026-08-21: 10 of 13 topics)', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run(['digest', '--source', 'samples/2026-08-21.json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^2026-08-21: 17 papers in 13 topics \(17 listed\)$/m);
    expect(result.stdout.match(/ \(1 paper, \d+ upvotes?\)$/gm)).toHaveLength(10);
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
