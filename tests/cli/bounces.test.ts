import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorLines, linesOf, REPO_ROOT, showsStackTrace, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();
const FIXTURES = join(REPO_ROOT, 'tests/feedback/fixtures/bounces');

type Line = Record<string, unknown>;
const parsedLines = (result: CliResult): Line[] => linesOf(result.stdout).map((line) => JSON.parse(line) as Line);

describe('papermail bounces scan of a folder, without a store', () => {
  let scan: CliResult;
  let databasePath: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    databasePath = sandbox.path('papermail.db');
    scan = await sandbox.run(['bounces', 'scan', FIXTURES]);
  });

  it('prints one JSON line per recipient of every .eml file, in name order', async () => {
    expect(scan.code).toBe(0);
    const files = (await readdir(FIXTURES)).filter((name) => name.endsWith('.eml')).sort();
    const lines = parsedLines(scan);
    expect([...new Set(lines.map((line) => line.file))]).toEqual(files.map((name) => join(FIXTURES, name)));
    expect(lines.filter((line) => String(line.file).endsWith('exim.eml')).map((line) => line.recipient)).toEqual(['gone@example.net', 'moved@example.net']);
  });

  it('gives each its kind, status and diagnostic, with no issue or subscriber', () => {
    const byFile = new Map(parsedLines(scan).map((line) => [String(line.file).split('/').pop(), line]));
    expect(byFile.get('postfix.eml')).toEqual({
      file: join(FIXTURES, 'postfix.eml'),
      recipient: 'reader@example.net',
      kind: 'hard',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <reader@example.net>... User Unknown',
      issue: null,
      subscriberId: null,
    });
    expect(byFile.get('postfix-delayed.eml')).toMatchObject({ kind: 'soft', status: '4.2.2' });
    expect(byFile.get('arf-yahoo.eml')).toMatchObject({ kind: 'complaint', recipient: 'annoyed.reader@example.net', status: null });
    expect(byFile.get('vacation.eml')).toMatchObject({ kind: 'unknown', recipient: null, reason: expect.stringMatching(/automatic reply/) });
  });

  it('counts what it read, and the unreadable, on stderr', () => {
    expect(errorLines(scan.stderr)).toEqual(['bounces scan: 15 messages read: 12 hard, 1 soft, 1 complaint; 2 unreadable']);
  });

  it('creates no store', async () => {
    await expect(stat(databasePath)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('papermail bounces scan of an mbox and of one file', () => {
  it('splits an mbox on its From lines and names each message file#n', async () => {
    const sandbox = await sandboxes.create();
    const mbox = sandbox.path('export.mbox');
    const parts = await Promise.all(['qmail.eml', 'vacation.eml', 'yahoo.eml'].map((name) => readFile(join(FIXTURES, name), 'utf8')));
    await writeFile(mbox, parts.map((text) => `From MAILER-DAEMON Wed Oct  1 06:35:19 2025\n${text.replace(/^From /gm, '>From ')}\n`).join(''));
    const scan = await sandbox.run(['bounces', 'scan', mbox]);
    expect(scan.code).toBe(0);
    expect(parsedLines(scan).map((line) => [line.file, line.kind, line.recipient])).toEqual([
      [`${mbox}#1`, 'hard', 'nouser@example.net'],
      [`${mbox}#2`, 'unknown', null],
      [`${mbox}#3`, 'hard', 'no.such.reader@example.net'],
    ]);
  });

  it('reads a single .eml file', async () => {
    const sandbox = await sandboxes.create();
    const scan = await sandbox.run(['bounces', 'scan', join(FIXTURES, 'office365.eml')]);
    expect(scan.code).toBe(0);
    expect(parsedLines(scan)).toEqual([expect.objectContaining({ recipient: 'ghost@contoso.example.net', kind: 'hard', status: '5.1.10' })]);
  });

  it('refuses a path that does not exist in one line, printing nothing else', async () => {
    const sandbox = await sandboxes.create();
    const missing = sandbox.path('no-such-folder');
    const scan = await sandbox.run(['bounces', 'scan', missing]);
    expect(scan.code).toBe(2);
    expect(scan.stdout).toBe('');
    expect(errorLines(scan.stderr)).toEqual([`papermail: cannot read ${missing}: no such file`]);
    expect(showsStackTrace(scan.stderr)).toBe(false);
  });
});
