import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DigestJson } from '../../src/digest/digest-json.js';
import { REPO_ROOT, errorLines, linesOf, showsStackTrace, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();

describe('papermail digest with a source it cannot read', () => {
  let broken: CliResult;
  let missing: CliResult;
  let unknownFormat: CliResult;
  let unknownFormatPath: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    unknownFormatPath = sandbox.path('notes.txt');
    await writeFile(unknownFormatPath, 'Shopping list for Saturday\nmilk, eggs, flour\n\ncall the plumber about the kitchen tap\n');
    [broken, missing, unknownFormat] = await Promise.all([
      sandbox.run(['digest', '--source', 'samples/2024-12-11.broken.json']),
      sandbox.run(['digest', '--source', 'samples/no-such-day.json']),
      sandbox.run(['digest', '--source', unknownFormatPath]),
    ]);
  });

  it('exits 1 on a file of broken entries, with one line naming the file and the first bad entry', () => {
    expect(broken.code).toBe(1);
    expect(linesOf(broken.stderr)).toHaveLength(1);
    expect(broken.stderr).toMatch(/^papermail: samples\/2024-12-11\.broken\.json: entry 0/);
    expect(broken.stdout).toBe('');
  });

  it('shows no stack trace for a broken file', () => {
    expect(showsStackTrace(broken.stderr)).toBe(false);
  });

  it('exits 1 on a missing file, with one line naming its path', () => {
    expect(missing.code).toBe(1);
    expect(linesOf(missing.stderr)).toHaveLength(1);
    expect(missing.stderr).toMatch(/^papermail: .*samples\/no-such-day\.json/);
    expect(showsStackTrace(missing.stderr)).toBe(false);
  });

  it('exits 1 on a file in no known format, with one line naming it', () => {
    expect(unknownFormat.code).toBe(1);
    expect(linesOf(unknownFormat.stderr)).toHaveLength(1);
    expect(unknownFormat.stderr).toContain(unknownFormatPath);
    expect(showsStackTrace(unknownFormat.stderr)).toBe(false);
  });
});

describe('papermail with invalid settings', () => {
  let badNumber: CliResult;
  let publicWithoutSecret: CliResult;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    const digest = ['digest', '--source', 'samples/2025-09-30.json', '--json'];
    [badNumber, publicWithoutSecret] = await Promise.all([
      sandbox.run(digest, { env: { TOP_N: 'lots' } }),
      sandbox.run(digest, { env: { PUBLIC_URL: 'https://example.org' } }),
    ]);
  });

  it('exits 1 with one line naming TOP_N, what it expects and its value when TOP_N is not a number', () => {
    expect(badNumber.code).toBe(1);
    expect(linesOf(badNumber.stderr)).toEqual(['papermail: TOP_N must be a whole number from 1 to 500 (got "lots")']);
    expect(badNumber.stdout).toBe('');
  });

  it('exits 1 with one line asking for APP_SECRET when PUBLIC_URL is not localhost', () => {
    expect(publicWithoutSecret.code).toBe(1);
    expect(linesOf(publicWithoutSecret.stderr)).toHaveLength(1);
    expect(publicWithoutSecret.stderr).toMatch(/^papermail: APP_SECRET /);
    expect(publicWithoutSecret.stdout).toBe('');
  });
});

describe('papermail reads .env from its working directory', () => {
  let fromDotenv: DigestJson;
  let overriddenByEnvironment: DigestJson;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    await writeFile(sandbox.path('.env'), '# chosen by the operator\nTOP_N=5\n');
    // Outside the repository, so every path it needs is absolute.
    const digest = ['digest', '--source', join(REPO_ROOT, 'samples/2025-09-30.json'), '--json'];
    const topics = join(REPO_ROOT, 'topics.json');
    const [withDotenv, withBoth] = await Promise.all([
      sandbox.run(digest, { cwd: sandbox.directory, env: { TOP_N: undefined, TOPICS_FILE: topics } }),
      sandbox.run(digest, { cwd: sandbox.directory, env: { TOP_N: '7', TOPICS_FILE: topics } }),
    ]);
    expect(withDotenv.stderr).toBe('');
    expect(withBoth.stderr).toBe('');
    fromDotenv = JSON.parse(withDotenv.stdout) as DigestJson;
    overriddenByEnvironment = JSON.parse(withBoth.stdout) as DigestJson;
  });

  it('takes a setting from .env when the environment does not have it', () => {
    expect(fromDotenv.total).toBe(5);
  });

  it('lets the real environment win over .env', () => {
    expect(overriddenByEnvironment.total).toBe(7);
  });
});

describe('papermail with a path it cannot use', () => {
  let folder: string;
  let missingFolder: string;
  let digestOfFolder: CliResult;
  let importOfFolder: CliResult;
  let previewIntoFolder: CliResult;
  let previewIntoMissingFolder: CliResult;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    folder = sandbox.path('a-folder.html');
    missingFolder = sandbox.path('no', 'such', 'folder');
    await mkdir(folder);
    const source = ['--source', 'samples/2025-09-30.json'];
    [digestOfFolder, importOfFolder, previewIntoFolder, previewIntoMissingFolder] = await Promise.all([
      sandbox.run(['digest', '--source', folder]),
      sandbox.run(['subscribers', 'import', folder]),
      sandbox.run(['preview', ...source, '--out', folder]),
      sandbox.run(['preview', ...source, '--out', join(missingFolder, 'x.html')]),
    ]);
  });

  it('says "it is a folder" in the same words when reading a source and importing a CSV', () => {
    const line = `papermail: cannot read ${folder}: it is a folder`;
    expect(digestOfFolder.code).toBe(1);
    expect(errorLines(digestOfFolder.stderr)).toEqual([line]);
    expect(importOfFolder.code).toBe(1);
    expect(errorLines(importOfFolder.stderr)).toEqual([line]);
  });

  it('creates no subscriber store when the CSV to import cannot be read', async () => {
    expect(linesOf(importOfFolder.stderr)).toEqual([`papermail: cannot read ${folder}: it is a folder`]);
    await expect(stat(join(folder, '..', 'papermail.db'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to write the preview over a folder, with one line and no stack trace', () => {
    expect(previewIntoFolder.code).toBe(1);
    expect(linesOf(previewIntoFolder.stderr)).toEqual([`papermail: cannot write ${folder}: it is a folder`]);
    expect(showsStackTrace(previewIntoFolder.stderr)).toBe(false);
  });

  it('refuses to write the preview into a folder that does not exist, and does not create it', async () => {
    expect(previewIntoMissingFolder.code).toBe(1);
    expect(linesOf(previewIntoMissingFolder.stderr)).toEqual([
      `papermail: cannot write ${join(missingFolder, 'x.html')}: its folder ${missingFolder} does not exist`,
    ]);
    await expect(stat(join(missingFolder, '..', '..'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('papermail prints paper text without direction overrides or control characters', () => {
  // U+202E shows what follows right to left; ESC [31m would turn the terminal red.
  const hostileTitle = 'Safe title \u202egnp.exe \u001b[31mred';
  let plain: CliResult;
  let json: CliResult;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    const source = sandbox.path('2025-09-30.json');
    const entries = (await import('../../samples/2025-09-30.json', { with: { type: 'json' } })).default as Array<{ paper: Record<string, unknown> }>;
    const [first, ...rest] = structuredClone(entries).slice(0, 3);
    first!.paper.title = hostileTitle;
    first!.paper.githubRepo = 'javascript:alert(1)//\u202etxt.';
    await writeFile(source, JSON.stringify([first, ...rest]));
    [plain, json] = await Promise.all([sandbox.run(['digest', '--source', source]), sandbox.run(['digest', '--source', source, '--json'])]);
  });

  it('strips them from the digest and from the warnings', () => {
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Safe title gnp.exe');
    expect(plain.stderr).toMatch(/dropped githubRepo/);
    for (const output of [plain.stdout, plain.stderr]) {
      expect(output).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u001b]/);
    }
  });

  it('escapes them in --json, which still reads back as the same title', () => {
    expect(json.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u001b]/);
    const titles = (JSON.parse(json.stdout) as DigestJson).sections.flatMap((section) => section.papers.map((paper) => paper.title));
    expect(titles.some((title) => title.includes('\u202egnp.exe'))).toBe(true);
  });
});
