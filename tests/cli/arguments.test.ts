import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, linesOf, showsStackTrace, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();

describe('papermail command-line arguments', () => {
  let help: CliResult;
  let version: CliResult;
  let unknownCommand: CliResult;
  let unknownOption: CliResult;
  let impossibleDate: CliResult;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    [help, version, unknownCommand, unknownOption, impossibleDate] = await Promise.all([
      sandbox.run(['--help']),
      sandbox.run(['--version']),
      sandbox.run(['publish']),
      sandbox.run(['digest', '--colour']),
      sandbox.run(['digest', '--date', '2025-02-30', '--source', 'samples/2025-09-30.json']),
    ]);
  });

  it('--help exits 0 and lists every command', () => {
    expect(help.code).toBe(0);
    for (const command of ['digest', 'preview', 'send', 'subscribers', 'serve', 'demo', 'status', 'report', 'bounces']) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('--version prints the version in package.json', async () => {
    const { version: expected } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(expected);
  });

  it('an unknown command exits 2 with a line starting "papermail:", like every other error', () => {
    expect(unknownCommand.code).toBe(2);
    expect(linesOf(unknownCommand.stderr)[0]).toBe("papermail: unknown command 'publish'");
    expect(unknownCommand.stdout).toBe('');
  });

  it('an unknown option of a command exits 2 with a line starting "papermail:"', () => {
    expect(unknownOption.code).toBe(2);
    expect(linesOf(unknownOption.stderr)[0]).toBe("papermail: unknown option '--colour'");
  });

  it('a date that does not exist exits 2 with one line naming --date', () => {
    expect(impossibleDate.code).toBe(2);
    expect(linesOf(impossibleDate.stderr)).toHaveLength(1);
    expect(impossibleDate.stderr).toMatch(/^papermail: .*--date.*2025-02-30/);
    expect(impossibleDate.stdout).toBe('');
  });
});

describe('papermail with a bad argument value exits 2 with one line naming the argument', () => {
  const cases: Array<{ name: string; args: string[]; line: RegExp }> = [
    { name: 'send --to not-an-email', args: ['send', '--to', 'not-an-email'], line: /^papermail: --to: email "not-an-email" is not a valid address/ },
    { name: 'subscribers add bad-email', args: ['subscribers', 'add', 'bad-email'], line: /^papermail: <email>: email "bad-email" is not a valid address/ },
    { name: 'subscribers add … --topics no-such-topic', args: ['subscribers', 'add', 'ann@example.com', '--topics', 'no-such-topic'], line: /^papermail: --topics: .*no-such-topic/ },
    { name: 'digest --source ftp://…', args: ['digest', '--source', 'ftp://example.org/2025-09-30.json'], line: /^papermail: --source must be a file or an http\(s\) URL .*\(got "ftp:\/\/example\.org\/2025-09-30\.json"\)$/ },
    { name: 'digest --source http://', args: ['digest', '--source', 'http://'], line: /^papermail: --source must be a file or an http\(s\) URL .*\(got "http:\/\/"\)$/ },
    { name: 'preview --out x.txt', args: ['preview', '--source', 'samples/2025-09-30.json', '--out', 'x.txt'], line: /^papermail: --out must be a file name ending in \.html; the text part is written beside it as \.txt \(got "x\.txt"\)$/ },
  ];
  const results = new Map<string, CliResult>();
  let sandboxDirectory: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    sandboxDirectory = sandbox.directory;
    await Promise.all(cases.map(async ({ name, args }) => results.set(name, await sandbox.run(args, { cwd: sandbox.directory }))));
  });

  it.each(cases)('$name', ({ name, line }) => {
    const result = results.get(name)!;
    expect(result.code).toBe(2);
    expect(linesOf(result.stderr)).toHaveLength(1);
    expect(linesOf(result.stderr)[0]).toMatch(line);
    expect(showsStackTrace(result.stderr)).toBe(false);
    expect(result.stdout).toBe('');
  });

  it('writes nothing for a refused --out, and creates no store for a refused address', async () => {
    await expect(stat(join(sandboxDirectory, 'x.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(join(sandboxDirectory, 'papermail.db'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
