import { beforeAll, describe, expect, it } from 'vitest';
import { linesOf, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();

describe('papermail command-line arguments', () => {
  let help: CliResult;
  let unknownCommand: CliResult;
  let impossibleDate: CliResult;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    [help, unknownCommand, impossibleDate] = await Promise.all([
      sandbox.run(['--help']),
      sandbox.run(['publish']),
      sandbox.run(['digest', '--date', '2025-02-30', '--source', 'samples/2025-09-30.json']),
    ]);
  });

  it('--help exits 0 and lists every command', () => {
    expect(help.code).toBe(0);
    for (const command of ['digest', 'preview', 'send', 'subscribers', 'serve', 'demo']) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('an unknown command exits 2, a bad argument, with commander’s message', () => {
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'publish'");
    expect(unknownCommand.stdout).toBe('');
  });

  it('a date that does not exist exits 2 with one line naming --date', () => {
    expect(impossibleDate.code).toBe(2);
    expect(linesOf(impossibleDate.stderr)).toHaveLength(1);
    expect(impossibleDate.stderr).toMatch(/^papermail: .*--date.*2025-02-30/);
    expect(impossibleDate.stdout).toBe('');
  });
});
