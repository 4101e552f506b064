import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorLines, linesOf, showsStackTrace, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();

// Two good rows and three bad ones, on file lines 3, 5 and 6 (the header is line 1).
const MIXED_CSV = [
  'email,name,status,topics',
  'good1@example.com,Good One,confirmed,agents',
  'not-an-email,Bad Address,confirmed,',
  'good2@example.org,,confirmed,',
  'stars@example.com,Star Gazer,confirmed,astrology',
  'maybe@example.com,Maybe Later,perhaps,',
].join('\n');

describe('papermail subscribers add and list', () => {
  let added: CliResult;
  let listed: CliResult;
  let invalidEmail: CliResult;
  let unknownTopic: CliResult;

  beforeAll(async () => {
    // Separate sandboxes, so the refused commands run alongside without touching Ann's store.
    const [annSandbox, refusalSandbox, topicSandbox] = await Promise.all([sandboxes.create(), sandboxes.create(), sandboxes.create()]);
    const addThenList = async () => {
      added = await annSandbox.run(['subscribers', 'add', 'Ann@Example.COM', '--name', 'Ann', '--topics', 'agents,code']);
      listed = await annSandbox.run(['subscribers', 'list', '--json']);
    };
    [, invalidEmail, unknownTopic] = await Promise.all([
      addThenList(),
      refusalSandbox.run(['subscribers', 'add', 'x', '--confirmed']),
      topicSandbox.run(['subscribers', 'add', 'bob@example.com', '--topics', 'astrology']),
    ]);
  });

  it('adds a subscriber as pending, with the domain of the address lower-cased', () => {
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Ann@example.com');
    expect(added.stdout).toContain('pending');
  });

  it('lists the subscriber as one JSON object per line with name, status and topics', () => {
    expect(listed.code).toBe(0);
    const lines = linesOf(listed.stdout);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ email: 'Ann@example.com', name: 'Ann', status: 'pending', topics: ['agents', 'code'] });
  });

  it('refuses an invalid address as a bad argument: exit 2 and one line', () => {
    expect(invalidEmail.code).toBe(2);
    expect(linesOf(invalidEmail.stderr)).toHaveLength(1);
    expect(invalidEmail.stderr).toMatch(/^papermail: <email>: .*"x"/);
    expect(showsStackTrace(invalidEmail.stderr)).toBe(false);
  });

  it('refuses an unknown topic with exit 1 and one line naming it', () => {
    expect(unknownTopic.code).toBe(1);
    expect(errorLines(unknownTopic.stderr)).toHaveLength(1);
    expect(errorLines(unknownTopic.stderr)[0]).toMatch(/^papermail: .*astrology/);
  });
});

describe('papermail subscribers import, export and remove', () => {
  let firstImport: CliResult;
  let secondImport: CliResult;
  let exported: CliResult;
  let importOfExport: CliResult;
  let removeUnknown: CliResult;

  beforeAll(async () => {
    const [sandbox, emptySandbox] = await Promise.all([sandboxes.create(), sandboxes.create()]);
    const csv = sandbox.path('mixed.csv');
    const exportedCsv = sandbox.path('exported.csv');
    await writeFile(csv, MIXED_CSV + '\n');
    const importAndExport = async () => {
      firstImport = await sandbox.run(['subscribers', 'import', csv]);
      secondImport = await sandbox.run(['subscribers', 'import', csv]);
      exported = await sandbox.run(['subscribers', 'export']);
      await writeFile(exportedCsv, exported.stdout);
      importOfExport = await sandbox.run(['subscribers', 'import', exportedCsv]);
    };
    [, removeUnknown] = await Promise.all([importAndExport(), emptySandbox.run(['subscribers', 'remove', 'nobody@example.com'])]);
  });

  it('imports the good rows and skips the bad ones, exiting 0', () => {
    expect(firstImport.code).toBe(0);
    expect(firstImport.stdout).toMatch(/\b2 added\b.*\b3 skipped\b/);
  });

  it('names the line and the reason of each skipped row on stderr', () => {
    const warnings = errorLines(firstImport.stderr);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/line 3: .*not-an-email/);
    expect(warnings[1]).toMatch(/line 5: .*astrology/);
    expect(warnings[2]).toMatch(/line 6: .*perhaps/);
  });

  it('changes nothing when the same file is imported again', () => {
    expect(secondImport.code).toBe(0);
    expect(secondImport.stdout).toMatch(/\b0 added\b.*\b2 unchanged\b/);
  });

  it('exports every subscriber as CSV with the import header', () => {
    expect(exported.code).toBe(0);
    expect(linesOf(exported.stdout)).toEqual([
      'email,name,status,topics',
      'good1@example.com,Good One,confirmed,agents',
      'good2@example.org,,confirmed,',
    ]);
  });

  it('reads its own export back without changing anyone', () => {
    expect(importOfExport.code).toBe(0);
    expect(importOfExport.stdout).toMatch(/\b0 added, 0 updated, 2 unchanged, 0 skipped\b/);
  });

  it('refuses to remove an address that is not subscribed, with exit 1', () => {
    expect(removeUnknown.code).toBe(1);
    expect(errorLines(removeUnknown.stderr)).toHaveLength(1);
    expect(removeUnknown.stderr).toContain('nobody@example.com');
  });
});
