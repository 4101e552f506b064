import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { returnPathFor } from '../../src/feedback/return-path.js';
import { errorLines, linesOf, REPO_ROOT, showsStackTrace, useCliSandboxes, type CliResult, type CliSandbox } from './run-cli.js';

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
    expect(errorLines(scan.stderr)).toEqual(['bounces scan: 16 messages read: 12 hard, 1 soft, 2 complaints; 2 unreadable']);
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

describe('papermail bounces scan against a store holding sent deliveries', () => {
  const secret = 'a-secret-for-the-bounces-scan-test-0123456789';
  const env = { BOUNCE_ADDRESS: 'bounces@example.org', APP_SECRET: secret, HARD_BOUNCE_LIMIT: '1' };
  const issueDate = '2025-09-30';
  let sandbox: CliSandbox;
  let ids: Map<string, number>;
  let folder: string;

  /** A fixture as our relay's report of the 2025-09-30 issue to `email` would come back: its VERP tags signed with this store's secret. */
  async function reportFor(name: string, email: string): Promise<void> {
    const tag = returnPathFor('bounces@example.org', { issueDate, subscriberId: ids.get(email)! }, secret);
    const text = await readFile(join(FIXTURES, name), 'utf8');
    await writeFile(join(folder, name), text.replace(/bounces\+20251001-\d+-[0-9a-f]{20}@example\.org/g, tag));
  }

  async function subscribers(): Promise<Map<string, Line>> {
    const list = await sandbox.run(['subscribers', 'list', '--json'], { env });
    return new Map(parsedLines(list).map((subscriber) => [String(subscriber.email), subscriber]));
  }

  beforeAll(async () => {
    sandbox = await sandboxes.create();
    const csv = sandbox.path('list.csv');
    await writeFile(csv, 'email,name,status,topics\nreader@example.net,Reader,confirmed,\nannoyed.reader@example.net,Annoyed,confirmed,\nfine@example.net,Fine,confirmed,\n');
    expect((await sandbox.run(['subscribers', 'import', csv], { env })).code).toBe(0);
    expect((await sandbox.run(['send', '--source', 'samples/2025-09-30.json'], { env })).code).toBe(0);
    ids = new Map([...(await subscribers())].map(([email, subscriber]) => [email, Number(subscriber.id)]));
    folder = sandbox.path('bounces');
    await mkdir(folder);
    await reportFor('postfix.eml', 'reader@example.net');
    await reportFor('arf-yahoo.eml', 'annoyed.reader@example.net');
    // A report to a tag this installation did not sign, for an address it does not know.
    await writeFile(join(folder, 'qmail.eml'), await readFile(join(FIXTURES, 'qmail.eml')));
  });

  it('without --record, names the issue and subscriber each report is about, and changes nothing', async () => {
    const scan = await sandbox.run(['bounces', 'scan', folder], { env });
    expect(scan.code).toBe(0);
    expect(parsedLines(scan).map((line) => [line.recipient, line.kind, line.issue, line.subscriberId])).toEqual([
      ['annoyed.reader@example.net', 'complaint', issueDate, ids.get('annoyed.reader@example.net')],
      ['reader@example.net', 'hard', issueDate, ids.get('reader@example.net')],
      ['nouser@example.net', 'hard', null, null],
    ]);
    expect(scan.stderr).toMatch(/tag that does not verify/);
    const after = await subscribers();
    expect([...after.values()].map((subscriber) => subscriber.status)).toEqual(['confirmed', 'confirmed', 'confirmed']);
  });

  it('with --record, records each report once and suppresses as the rules say', async () => {
    const first = await sandbox.run(['bounces', 'scan', folder, '--record'], { env });
    expect(first.code).toBe(0);
    expect(parsedLines(first).map((line) => [line.recipient, line.outcome])).toEqual([
      ['annoyed.reader@example.net', 'recorded'],
      ['reader@example.net', 'recorded'],
      ['nouser@example.net', 'unmatched'],
    ]);
    expect(errorLines(first.stderr).at(-1)).toBe(
      'bounces scan: 3 messages read: 2 hard, 0 soft, 1 complaint; 0 unreadable; recorded 2, 0 already recorded, 1 matched no subscriber',
    );
    const after = await subscribers();
    expect(after.get('reader@example.net')).toMatchObject({ status: 'bounced', suppression: { reason: 'hard-bounce' } });
    expect(after.get('annoyed.reader@example.net')).toMatchObject({ status: 'unsubscribed', suppression: { reason: 'complaint' } });
    expect(after.get('fine@example.net')).toMatchObject({ status: 'confirmed', suppression: null });

    const again = await sandbox.run(['bounces', 'scan', folder, '--record'], { env });
    expect(parsedLines(again).map((line) => line.outcome)).toEqual(['duplicate', 'duplicate', 'unmatched']);
    const report = await sandbox.run(['report', '--date', issueDate, '--json'], { env });
    expect(JSON.parse(report.stdout)).toMatchObject({ issues: [expect.objectContaining({ bounced: { hard: 1, soft: 0 }, complained: 1 })] });
  });
});

describe('papermail bounces scan --record without a store', () => {
  it('refuses in one line and creates none', async () => {
    const sandbox = await sandboxes.create();
    const scan = await sandbox.run(['bounces', 'scan', join(FIXTURES, 'postfix.eml'), '--record']);
    expect(scan.code).toBe(2);
    expect(scan.stdout).toBe('');
    expect(errorLines(scan.stderr)).toEqual([expect.stringMatching(/^papermail: --record needs the subscriber store, and there is none yet \(SQLite .*papermail\.db\)$/)]);
    await expect(stat(sandbox.path('papermail.db'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
