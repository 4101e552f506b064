import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { linesOf, showsStackTrace, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();

// Two confirmed readers and one who has not confirmed yet (and so gets nothing).
const SUBSCRIBERS_CSV = [
  'email,name,status,topics',
  'first@example.com,First Reader,confirmed,',
  'second@example.net,,confirmed,agents',
  'waiting@example.org,Not Yet,pending,',
].join('\n');

function recipientsOf(message: ParsedMail): string[] {
  const groups = message.to === undefined ? [] : Array.isArray(message.to) ? message.to : [message.to];
  return groups.flatMap((group) => group.value.map((address) => address.address ?? ''));
}

describe('papermail send --dry-run, send --to, then send', () => {
  let dryRun: CliResult;
  let filesAfterDryRun: string[];
  let testCopy: CliResult;
  let filesAfterTestCopy: string[];
  let testMessage: ParsedMail;
  let realSend: CliResult;
  let filesAfterRealSend: string[];
  let realSendRecipients: string[];
  let rebuildAfterSend: CliResult;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    const source = ['--source', 'samples/2025-09-30.json'];
    await writeFile(sandbox.path('subscribers.csv'), SUBSCRIBERS_CSV + '\n');
    const imported = await sandbox.run(['subscribers', 'import', sandbox.path('subscribers.csv')]);
    expect(imported.stdout).toMatch(/\b3 added\b/);

    dryRun = await sandbox.run(['send', '--dry-run', ...source]);
    filesAfterDryRun = await sandbox.outboxFiles();

    testCopy = await sandbox.run(['send', '--to', 'someone@example.org', ...source]);
    filesAfterTestCopy = await sandbox.outboxFiles();
    testMessage = await simpleParser(await readFile(filesAfterTestCopy[0]!));

    realSend = await sandbox.run(['send', ...source]);
    filesAfterRealSend = await sandbox.outboxFiles();
    const newFiles = filesAfterRealSend.filter((file) => !filesAfterTestCopy.includes(file));
    realSendRecipients = (await Promise.all(newFiles.map(async (file) => recipientsOf(await simpleParser(await readFile(file)))))).flat();
    rebuildAfterSend = await sandbox.run(['send', '--rebuild', ...source]);
  });

  it('a dry run exits 0 and counts the two confirmed subscribers', () => {
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/\b2 would be sent\b/);
  });

  it('a dry run writes no message', () => {
    expect(filesAfterDryRun).toEqual([]);
  });

  it('--to exits 0 and writes exactly one message, to that address', () => {
    expect(testCopy.code).toBe(0);
    expect(testCopy.stdout).toContain('someone@example.org');
    expect(filesAfterTestCopy).toHaveLength(1);
    expect(recipientsOf(testMessage)).toEqual(['someone@example.org']);
  });

  it('--to sends a test copy without List-Unsubscribe, since the address is no subscriber', () => {
    expect(testMessage.headerLines.map((line) => line.key)).not.toContain('list-unsubscribe');
    expect(testMessage.html).toEqual(expect.stringContaining('<html'));
  });

  it('neither the dry run nor the test copy is recorded: the real send still sends to both subscribers', () => {
    expect(realSend.code).toBe(0);
    expect(realSend.stdout).toMatch(/\b2 sent\b/);
    expect(realSend.stdout).not.toMatch(/already sent/);
  });

  it('the real send adds one message per confirmed subscriber beside the test copy', () => {
    expect(filesAfterRealSend).toHaveLength(3);
    expect(realSendRecipients.sort()).toEqual(['first@example.com', 'second@example.net']);
  });

  it('--rebuild after the first accepted message exits 1 with one line saying the issue cannot be rebuilt', () => {
    expect(rebuildAfterSend.code).toBe(1);
    const errors = linesOf(rebuildAfterSend.stderr).filter((line) => line.startsWith('papermail:'));
    expect(errors).toEqual([expect.stringMatching(/^papermail: the issue of 2025-09-30 cannot be rebuilt: 2 message\(s\) of it were already accepted/)]);
    expect(showsStackTrace(rebuildAfterSend.stderr)).toBe(false);
  });
});

describe('papermail send when the mail server defers a recipient', () => {
  let sink: SmtpSink;
  let deferred: CliResult;
  let resumed: CliResult;

  beforeAll(async () => {
    let busy = true;
    // A real SMTP server that answers 451 (greylisting) for one address until told otherwise.
    sink = await startSmtpSink({
      respondToRecipient: (address) => (busy && address === 'later@example.net' ? { code: 451, message: '4.7.1 greylisted, try again later' } : undefined),
    });
    const sandbox = await sandboxes.create();
    const env = { SMTP_URL: sink.url, SEND_RETRIES: '0' };
    const source = ['--source', 'samples/2025-09-30.json'];
    await writeFile(sandbox.path('subscribers.csv'), 'email,name,status,topics\nnow@example.net,,confirmed,\nlater@example.net,,confirmed,\n');
    expect((await sandbox.run(['subscribers', 'import', sandbox.path('subscribers.csv')])).code).toBe(0);

    deferred = await sandbox.run(['send', ...source], { env });
    busy = false;
    resumed = await sandbox.run(['send', ...source], { env });
  });

  afterAll(async () => {
    await sink.close();
  });

  it('exits 75 (EX_TEMPFAIL) when the run finished with a message deferred to the next run', () => {
    expect(deferred.stdout).toMatch(/\b1 sent\b.*\b1 deferred to the next run\b/);
    expect(deferred.code).toBe(75);
  });

  it('exits 0 once the next run has delivered the deferred message', () => {
    expect(resumed.stdout).toMatch(/\b1 sent\b.*\b1 already sent before\b/);
    expect(resumed.code).toBe(0);
    expect(sink.deliveredTo('later@example.net')).toHaveLength(1);
    expect(sink.deliveredTo('now@example.net')).toHaveLength(1);
  });
});

describe('papermail worker, two at once on one store, then a third', () => {
  const readers = Array.from({ length: 30 }, (_, index) => `reader${index + 1}@example.net`);
  let sink: SmtpSink;
  let workers: CliResult[];
  let late: CliResult;
  let acceptedBeforeLate = 0;
  let dryRun: CliResult;

  beforeAll(async () => {
    sink = await startSmtpSink();
    const sandbox = await sandboxes.create();
    const env = { SMTP_URL: sink.url };
    const source = ['--source', 'samples/2025-09-30.json', '--date', '2025-09-30'];
    await writeFile(sandbox.path('subscribers.csv'), ['email', ...readers].join('\n') + '\n');
    expect((await sandbox.run(['subscribers', 'import', sandbox.path('subscribers.csv')])).code).toBe(0);

    workers = await Promise.all([sandbox.run(['worker', ...source], { env }), sandbox.run(['worker', ...source], { env })]);
    acceptedBeforeLate = sink.counts.accepted;
    late = await sandbox.run(['worker', ...source], { env });
    dryRun = await sandbox.run(['worker', '--dry-run', ...source], { env });
  });

  afterAll(async () => {
    await sink.close();
  });

  it('both workers exit 0, and between them every confirmed subscriber gets the issue exactly once', () => {
    expect(workers.map((worker) => worker.code)).toEqual([0, 0]);
    for (const reader of readers) expect(sink.deliveredTo(reader), reader).toHaveLength(1);
    expect(sink.counts.accepted).toBe(readers.length);
  });

  it('a worker started once the day is done exits 0 and sends nothing', () => {
    expect(late.code).toBe(0);
    expect(late.stdout).toMatch(/\b0 sent\b.*\b30 already sent before\b/);
    expect(sink.counts.accepted).toBe(acceptedBeforeLate);
  });

  it('has none of send’s one-off options: --dry-run is a usage error (exit 2)', () => {
    expect(dryRun.code).toBe(2);
    expect(dryRun.stderr).toContain("unknown option '--dry-run'");
  });
});

describe('papermail send with a password in SMTP_URL, to a server that offers no STARTTLS', () => {
  let sink: SmtpSink;
  let refused: CliResult;
  let loginsAfterRefusal: number;
  let optedOut: CliResult;

  beforeAll(async () => {
    sink = await startSmtpSink({ auth: { user: 'papermail', pass: 'hunter2-secret' } });
    const sandbox = await sandboxes.create();
    await writeFile(sandbox.path('subscribers.csv'), SUBSCRIBERS_CSV + '\n');
    await sandbox.run(['subscribers', 'import', sandbox.path('subscribers.csv')]);
    // The machine's name resolves to this machine, but only the literal loopback names are exempt.
    const env = { SMTP_URL: `smtp://papermail:hunter2-secret@${hostname()}:${sink.port}` };
    const send = ['send', '--source', 'samples/2025-09-30.json'];

    refused = await sandbox.run(send, { env });
    loginsAfterRefusal = sink.logins.length;
    optedOut = await sandbox.run(send, { env: { ...env, SMTP_ALLOW_PLAINTEXT_AUTH: 'true' } });
  });
  afterAll(async () => {
    await sink.close();
  });

  it('stops the run with exit 1 and one line saying the server offers no STARTTLS', () => {
    expect(refused.code).toBe(1);
    const errors = linesOf(refused.stderr).filter((line) => line.startsWith('papermail:'));
    expect(errors).toEqual([expect.stringMatching(/^papermail: mail server SMTP smtp:\/\/papermail@\S+ .*offers no STARTTLS/)]);
    expect(refused.stderr).toContain('SMTP_ALLOW_PLAINTEXT_AUTH=true');
    expect(showsStackTrace(refused.stderr)).toBe(false);
  });

  it('never sends the password or a message to that server', () => {
    expect(loginsAfterRefusal).toBe(0);
    expect(refused.stderr).not.toContain('hunter2');
  });

  it('with SMTP_ALLOW_PLAINTEXT_AUTH=true, warns at start, then logs in and sends', () => {
    expect(optedOut.code).toBe(0);
    expect(optedOut.stderr).toMatch(/^warn: SMTP_ALLOW_PLAINTEXT_AUTH=true: the SMTP password goes to smtp:\/\/papermail@\S+ unencrypted/m);
    expect(sink.logins[0]).toEqual({ user: 'papermail', secure: false });
    expect(optedOut.stdout).toMatch(/\b2 sent\b/);
    expect(sink.messages).toHaveLength(2);
  });
});

describe('papermail send --weekly, and cadence from subscribers add and import', () => {
  const runs: Record<string, CliResult> = {};
  const recipientsBy: Record<string, string[]> = {};
  let weeklyFiles: string[] = [];

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    await writeFile(sandbox.path('list.csv'), 'email,status,cadence\nann@example.com,confirmed,\nbob@example.com,confirmed,weekly\n');
    runs.import = await sandbox.run(['subscribers', 'import', sandbox.path('list.csv')]);
    const sendAndRecord = async (name: string, args: string[]) => {
      const before = await sandbox.outboxFiles();
      runs[name] = await sandbox.run(args);
      const fresh = (await sandbox.outboxFiles()).filter((file) => !before.includes(file));
      recipientsBy[name] = (await Promise.all(fresh.map(async (file) => recipientsOf(await simpleParser(await readFile(file)))))).flat().sort();
      return fresh;
    };
    await sendAndRecord('daily', ['send', '--source', 'samples/2025-09-30.json']);
    runs.dryRun = await sandbox.run(['send', '--weekly', '--dry-run', '--source', 'samples/week-2025-W40']);
    runs.toAnn = await sandbox.run(['subscribers', 'add', 'ann@example.com', '--cadence', 'weekly', '--confirmed']);
    weeklyFiles = await sendAndRecord('weekly', ['send', '--weekly', '--week', '2025-W40', '--source', 'samples/week-2025-W40']);
    await sendAndRecord('weeklyAgain', ['send', '--weekly', '--source', 'samples/week-2025-W40']);
    // The week is frozen: a worker joins it by its id alone, without any source.
    await sendAndRecord('worker', ['worker', '--weekly', '--week', '2025-W40']);
    runs.list = await sandbox.run(['subscribers', 'list']);
    runs.badCadence = await sandbox.run(['subscribers', 'add', 'cy@example.com', '--cadence', 'hourly']);
    runs.weekWithoutWeekly = await sandbox.run(['send', '--week', '2025-W40']);
  });

  it('sends a daily issue to the daily subscriber only (a missing cadence cell is daily)', () => {
    expect(runs.import!.code).toBe(0);
    expect(runs.daily!.code).toBe(0);
    expect(recipientsBy.daily).toEqual(['ann@example.com']);
  });

  it('counts the weekly subscribers in a dry run of the week', () => {
    expect(runs.dryRun!.code).toBe(0);
    expect(runs.dryRun!.stdout).toMatch(/issue 2025-W40: .*\b1 would be sent\b/);
  });

  it('sends the week 2025-W40 to weekly subscribers, a cadence change included, into the week’s outbox folder', () => {
    expect(runs.toAnn!.code).toBe(0);
    expect(runs.weekly!.code).toBe(0);
    expect(runs.weekly!.stdout).toMatch(/issue 2025-W40: .*\b2 sent\b/);
    expect(recipientsBy.weekly).toEqual(['ann@example.com', 'bob@example.com']);
    expect(weeklyFiles.every((file) => file.includes('/2025-W40/'))).toBe(true);
  });

  it('sends nobody the week twice, nor does a worker of the week', () => {
    expect(runs.weeklyAgain!.code).toBe(0);
    expect(recipientsBy.weeklyAgain).toEqual([]);
    expect(runs.worker!.code).toBe(0);
    expect(runs.worker!.stdout).toMatch(/issue 2025-W40: /);
    expect(recipientsBy.worker).toEqual([]);
  });

  it('lists each subscriber’s cadence', () => {
    expect(linesOf(runs.list!.stdout)).toEqual(['ann@example.com\tconfirmed\t\tall\tweekly\t', 'bob@example.com\tconfirmed\t\tall\tweekly\t']);
  });

  it('refuses a cadence other than daily or weekly, and --week without --weekly, as bad arguments', () => {
    expect(runs.badCadence!.code).toBe(2);
    expect(linesOf(runs.badCadence!.stderr)).toEqual([expect.stringMatching(/--cadence "hourly" must be one of daily, weekly/)]);
    expect(runs.weekWithoutWeekly!.code).toBe(2);
    expect(runs.weekWithoutWeekly!.stderr).toMatch(/--week goes with --weekly/);
  });
});
