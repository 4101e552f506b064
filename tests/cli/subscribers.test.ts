import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import { verifyConfirmToken } from '../../src/subscribers/tokens.js';
import { errorLines, linesOf, showsStackTrace, useCliSandboxes, type CliResult, type CliSandbox } from './run-cli.js';

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

/** `subscribers list --json` as objects, by address. */
async function listed(sandbox: CliSandbox): Promise<Map<string, Record<string, unknown>>> {
  const result = await sandbox.run(['subscribers', 'list', '--json']);
  expect(result.code).toBe(0);
  const all = linesOf(result.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Map(all.map((subscriber) => [String(subscriber.email), subscriber]));
}

/** The confirmation emails in a sandbox's outbox, parsed, with the file each came from. */
async function confirmationsIn(sandbox: CliSandbox): Promise<Array<{ file: string; mail: ParsedMail }>> {
  const files = (await sandbox.outboxFiles()).filter((file) => basename(dirname(file)) === 'confirmations');
  return Promise.all(files.map(async (file) => ({ file, mail: await simpleParser(await readFile(file)) })));
}

function recipientOf(mail: ParsedMail): string {
  return [mail.to].flat()[0]?.value[0]?.address ?? '';
}

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

  it('refuses an unknown topic as a bad argument: exit 2 and one line naming --topics and the slug', () => {
    expect(unknownTopic.code).toBe(2);
    expect(errorLines(unknownTopic.stderr)).toHaveLength(1);
    expect(errorLines(unknownTopic.stderr)[0]).toMatch(/^papermail: --topics: .*astrology/);
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
      'email,name,status,topics,suppression,cadence,interests,include,exclude,follow',
      'good1@example.com,Good One,confirmed,agents,,daily,,,,',
      'good2@example.org,,confirmed,,,daily,,,,',
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

describe('papermail subscribers add on an address that exists', () => {
  let sandbox: CliSandbox;
  let refusalSandbox: CliSandbox;
  const runs: Record<string, CliResult> = {};
  let afterBareAdd: Map<string, Record<string, unknown>>;
  let afterUpdates: Map<string, Record<string, unknown>>;
  let afterRefusals: Map<string, Record<string, unknown>>;
  let afterForce: Map<string, Record<string, unknown>>;

  beforeAll(async () => {
    [sandbox, refusalSandbox] = await Promise.all([sandboxes.create(), sandboxes.create()]);
    const updates = async () => {
      runs.first = await sandbox.run(['subscribers', 'add', 'fresh@example.com', '--name', 'Fresh Person', '--topics', 'agents,code', '--no-email']);
      runs.again = await sandbox.run(['subscribers', 'add', 'fresh@example.com', '--no-email']);
      afterBareAdd = await listed(sandbox);
      runs.confirm = await sandbox.run(['subscribers', 'add', 'fresh@example.com', '--confirmed']);
      runs.rename = await sandbox.run(['subscribers', 'add', 'fresh@example.com', '--name', 'Fresh P.']);
      afterUpdates = await listed(sandbox);
    };
    const refusals = async () => {
      const csv = refusalSandbox.path('leavers.csv');
      await writeFile(csv, 'email,name,status,topics\nleaver@example.com,Leaver,unsubscribed,code\nbouncer@example.com,,bounced,\n');
      runs.import = await refusalSandbox.run(['subscribers', 'import', csv]);
      [runs.leaver, runs.leaverConfirmed, runs.bouncer] = await Promise.all([
        refusalSandbox.run(['subscribers', 'add', 'leaver@example.com']),
        refusalSandbox.run(['subscribers', 'add', 'leaver@example.com', '--confirmed', '--name', 'Someone Else']),
        refusalSandbox.run(['subscribers', 'add', 'bouncer@example.com']),
      ]);
      afterRefusals = await listed(refusalSandbox);
      runs.force = await refusalSandbox.run(['subscribers', 'add', 'leaver@example.com', '--force']);
      afterForce = await listed(refusalSandbox);
    };
    await Promise.all([updates(), refusals()]);
    // Up to six CLI runs one after another in each sandbox: room for a loaded machine.
  }, 180_000);

  it('keeps the name and topics that a later add does not give', () => {
    expect(runs.again!.code).toBe(0);
    expect(runs.again!.stdout).toMatch(/^updated fresh@example\.com \(pending\)/);
    expect(afterBareAdd.get('fresh@example.com')).toMatchObject({ name: 'Fresh Person', topics: ['agents', 'code'], status: 'pending' });
    expect(runs.confirm!.code).toBe(0);
    expect(afterUpdates.get('fresh@example.com')).toMatchObject({ name: 'Fresh P.', topics: ['agents', 'code'], status: 'confirmed' });
  });

  it('never moves a confirmed subscriber back to pending, and mails them nothing', () => {
    expect(runs.rename!.stdout).toMatch(/^updated fresh@example\.com \(confirmed\); no confirmation email needed/);
  });

  it('refuses an unsubscribed or bounced address with exit 1 and one line, with or without --confirmed', () => {
    expect(runs.import!.code).toBe(0);
    for (const run of [runs.leaver!, runs.leaverConfirmed!, runs.bouncer!]) {
      expect(run.code).toBe(1);
      expect(linesOf(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(/^papermail: (leaver|bouncer)@example\.com is (unsubscribed|bounced); .*--force/);
      expect(run.stdout).toBe('');
    }
    expect(afterRefusals.get('leaver@example.com')).toMatchObject({ status: 'unsubscribed', name: 'Leaver', topics: ['code'] });
    expect(afterRefusals.get('bouncer@example.com')).toMatchObject({ status: 'bounced' });
  });

  it('subscribes such an address again with --force, says so in the log, and asks them to confirm', async () => {
    expect(runs.force!.code).toBe(0);
    expect(runs.force!.stderr).toMatch(/^warn: --force: subscribing leaver@example\.com again, who was unsubscribed$/m);
    expect(afterForce.get('leaver@example.com')).toMatchObject({ status: 'pending', name: 'Leaver', topics: ['code'] });
    expect((await confirmationsIn(refusalSandbox)).map(({ mail }) => recipientOf(mail))).toEqual(['leaver@example.com']);
  });
});

describe('papermail subscribers add and the confirmation email', () => {
  let sandbox: CliSandbox;
  const runs: Record<string, CliResult> = {};
  let subscribers: Map<string, Record<string, unknown>>;
  let confirmations: Array<{ file: string; mail: ParsedMail }>;
  let others: CliSandbox[];

  beforeAll(async () => {
    // One sandbox per run: they run at once, and each outbox holds only its own run's mail.
    [sandbox, ...others] = await Promise.all([sandboxes.create(), sandboxes.create(), sandboxes.create()]);
    [runs.mailed, runs.quiet, runs.confirmed] = await Promise.all([
      sandbox.run(['subscribers', 'add', 'new@example.com', '--name', 'New Reader']),
      others[0]!.run(['subscribers', 'add', 'quiet@example.com', '--no-email']),
      others[1]!.run(['subscribers', 'add', 'agreed@example.com', '--confirmed']),
    ]);
    subscribers = new Map([...(await listed(sandbox)), ...(await listed(others[0]!))]);
    confirmations = await confirmationsIn(sandbox);
  }, 120_000);

  it('sends a pending subscriber the confirmation email through the transport and says where it went', () => {
    expect(runs.mailed!.code).toBe(0);
    expect(confirmations.map(({ mail }) => recipientOf(mail))).toEqual(['new@example.com']);
    const { file } = confirmations[0]!;
    expect(runs.mailed!.stdout).toBe(
      `added new@example.com (pending); confirmation email sent via outbox folder ${sandbox.outboxDirectory}: written to ${file}\n`,
    );
  });

  it('puts a link in it that confirms this subscriber at their current status version', () => {
    const { mail } = confirmations[0]!;
    const token = /\/confirm\?token=([A-Za-z0-9._-]+)/.exec(mail.text ?? '')?.[1];
    const claims = verifyConfirmToken(loadConfig({}).secret, decodeURIComponent(token ?? ''));
    const stored = subscribers.get('new@example.com')!;
    expect(claims).toEqual({ subscriberId: stored.id, email: 'new@example.com', statusVersion: stored.statusVersion });
    expect([mail.to].flat()[0]?.value).toEqual([{ address: 'new@example.com', name: '' }]);
  });

  it('says plainly that no email was sent with --no-email', async () => {
    expect(runs.quiet!.code).toBe(0);
    expect(runs.quiet!.stdout).toMatch(/^added quiet@example\.com \(pending\); no confirmation email sent \(--no-email\)/);
    expect(subscribers.get('quiet@example.com')).toMatchObject({ status: 'pending' });
    expect(await others[0]!.outboxFiles()).toEqual([]);
  });

  it('sends nothing to someone added as confirmed', async () => {
    expect(runs.confirmed!.stdout).toMatch(/^added agreed@example\.com \(confirmed\); no confirmation email needed/);
    expect(await others[1]!.outboxFiles()).toEqual([]);
  });
});

describe('papermail subscribers import and empty status cells', () => {
  const CSV = 'email,name,status\nempty@example.com,Empty,\nsaid@example.com,Said,confirmed\nmissing@example.com,Missing\n';
  let byDefault: CliResult;
  let asPending: CliResult;
  let badStatus: CliResult;
  let pendingAgain: CliResult;
  let defaultList: Map<string, Record<string, unknown>>;
  let pendingList: Map<string, Record<string, unknown>>;
  let pendingSandbox: CliSandbox;

  beforeAll(async () => {
    const [defaultSandbox, pending, badSandbox] = await Promise.all([sandboxes.create(), sandboxes.create(), sandboxes.create()]);
    pendingSandbox = pending;
    await Promise.all([defaultSandbox, pending, badSandbox].map((sandbox) => writeFile(sandbox.path('list.csv'), CSV)));
    [byDefault, asPending, badStatus] = await Promise.all([
      defaultSandbox.run(['subscribers', 'import', defaultSandbox.path('list.csv')]),
      pending.run(['subscribers', 'import', '--status', 'pending', pending.path('list.csv')]),
      badSandbox.run(['subscribers', 'import', '--status', 'maybe', badSandbox.path('list.csv')]),
    ]);
    // The same file again: the two it made pending were asked already.
    pendingAgain = await pending.run(['subscribers', 'import', '--status', 'pending', pending.path('list.csv')]);
    [defaultList, pendingList] = await Promise.all([listed(defaultSandbox), listed(pending)]);
  }, 120_000);

  it('imports rows with an empty or missing status as confirmed and says how many in the summary', () => {
    expect(byDefault.code).toBe(0);
    expect(byDefault.stdout).toMatch(/: 3 added, 0 updated, 0 unchanged, 0 skipped; 2 with an empty status taken as confirmed \(use --status pending/);
    expect([...defaultList.values()].map((subscriber) => subscriber.status)).toEqual(['confirmed', 'confirmed', 'confirmed']);
  });

  it('imports them as pending with --status pending and sends each a confirmation email', async () => {
    expect(asPending.code).toBe(0);
    expect(asPending.stdout).toMatch(/; 2 with an empty status taken as pending; 2 confirmation emails sent via outbox folder /);
    expect(pendingList.get('empty@example.com')).toMatchObject({ status: 'pending' });
    expect(pendingList.get('missing@example.com')).toMatchObject({ status: 'pending' });
    expect(pendingList.get('said@example.com')).toMatchObject({ status: 'confirmed' });
    const recipients = (await confirmationsIn(pendingSandbox)).map(({ mail }) => recipientOf(mail)).sort();
    expect(recipients).toEqual(['empty@example.com', 'missing@example.com']);
  });

  it('does not mail someone again whom an earlier import left pending, and says so', () => {
    expect(pendingAgain.code).toBe(0);
    expect(pendingAgain.stdout).toMatch(/; 0 confirmation emails sent via outbox folder .*; 2 already pending not mailed again \(`papermail subscribers add <address>` sends one again\)\n$/);
  });

  it('refuses any other --status with exit 2 and one line naming it', () => {
    expect(badStatus.code).toBe(2);
    expect(linesOf(badStatus.stderr)).toEqual(['papermail: --status must be confirmed or pending (got "maybe")']);
  });
});

describe('papermail subscribers and an address that complained', () => {
  let sandbox: CliSandbox;
  const runs: Record<string, CliResult> = {};
  let afterRuns: Map<string, Record<string, unknown>>;

  beforeAll(async () => {
    sandbox = await sandboxes.create();
    await sandbox.run(['subscribers', 'add', 'ann@example.com', '--confirmed']);
    await sandbox.run(['subscribers', 'add', 'bob@example.com', '--confirmed']);
    // Ann marks an issue as spam: the complaint arrives as a delivery event.
    const store = openSqliteStore(sandbox.path('papermail.db'));
    try {
      const ann = (await store.findByEmail('ann@example.com'))!;
      await store.markSent('2025-10-01', ann.id, '<2025-10-01.1@example.org>');
      await store.recordDeliveryEvent(
        {
          key: 'feedback-1',
          source: 'ses',
          kind: 'complaint',
          bounceType: null,
          status: null,
          diagnostic: 'abuse',
          recipient: 'ann@example.com',
          occurredAt: '2025-10-01T12:00:00.000Z',
          returnPath: null,
          messageId: null,
          subscriberId: ann.id,
          issueDate: '2025-10-01',
        },
        { hardBounceLimit: 2, softBounceLimit: 3, softBounceWindowDays: 15 },
      );
    } finally {
      await store.close();
    }
    const csv = sandbox.path('again.csv');
    await writeFile(csv, 'email,status\nann@example.com,confirmed\n');
    runs.force = await sandbox.run(['subscribers', 'add', 'ann@example.com', '--force', '--confirmed']);
    runs.import = await sandbox.run(['subscribers', 'import', csv]);
    runs.list = await sandbox.run(['subscribers', 'list']);
    runs.export = await sandbox.run(['subscribers', 'export']);
    afterRuns = await listed(sandbox);
  }, 120_000);

  it('refuses to add them again, even with --force, in one line that says why', () => {
    expect(runs.force!.code).toBe(1);
    expect(linesOf(runs.force!.stderr)).toHaveLength(1);
    expect(runs.force!.stderr).toMatch(/^papermail: ann@example\.com complained \(marked an issue as spam\) on \d{4}-\d{2}-\d{2}; add never subscribes them again, not even with --force/);
    expect(afterRuns.get('ann@example.com')).toMatchObject({ status: 'unsubscribed', suppression: { reason: 'complaint' } });
  });

  it('refuses to import them again, saying they complained', () => {
    expect(runs.import!.code).toBe(0);
    expect(runs.import!.stdout).toMatch(/\b0 added, 0 updated, 0 unchanged, 1 skipped\b/);
    expect(errorLines(runs.import!.stderr)).toEqual([expect.stringMatching(/line 2: ann@example\.com complained \(marked an issue as spam\)/)]);
  });

  it('lists why the address gets no mail', () => {
    expect(runs.list!.code).toBe(0);
    expect(linesOf(runs.list!.stdout)).toEqual([
      expect.stringMatching(/^ann@example\.com\tunsubscribed\t\tall\tdaily\tsuppressed: complaint since \d{4}-\d{2}-\d{2} \(.*abuse\)$/),
      'bob@example.com\tconfirmed\t\tall\tdaily\t',
    ]);
  });

  it('keeps the suppression in the export', () => {
    expect(linesOf(runs.export!.stdout)).toEqual([
      'email,name,status,topics,suppression,cadence,interests,include,exclude,follow',
      'ann@example.com,,unsubscribed,,complaint,daily,,,,',
      'bob@example.com,,confirmed,,,daily,,,,',
    ]);
  });
});

describe("papermail subscribers and what readers told papermail (interests, votes)", () => {
  const runs: Record<string, CliResult> = {};
  let sandbox: CliSandbox;

  beforeAll(async () => {
    sandbox = await sandboxes.create();
    runs.add = await sandbox.run([
      'subscribers', 'add', 'ann@example.com', '--confirmed',
      '--interests', 'speculative decoding, KV cache',
      '--include', 'KV cache, MoE',
      '--exclude', 'robotics',
      '--follow', 'DeepSeek,Tsinghua University',
    ]);
    runs.change = await sandbox.run(['subscribers', 'add', 'ann@example.com', '--exclude', '']);
    runs.tooLong = await sandbox.run(['subscribers', 'add', 'bob@example.com', '--confirmed', '--follow', `Meta, ${'x'.repeat(101)}`]);
    // Ann votes: as the vote page would record it.
    const store = openSqliteStore(sandbox.path('papermail.db'));
    try {
      const ann = (await store.findByEmail('ann@example.com'))!;
      await store.recordVote(ann.id, { paperId: '2509.25541', vote: 'up', issueId: '2025-09-30', title: 'A paper Ann liked' });
    } finally {
      await store.close();
    }
    runs.csv = await sandbox.run(['subscribers', 'export']);
    runs.json = await sandbox.run(['subscribers', 'export', '--json']);
    const csv = sandbox.path('interests.csv');
    await writeFile(csv, 'email,status,include,follow\ncy@example.com,confirmed,agents;tool use,\ndi@example.com,confirmed,"ok, ' + 'y'.repeat(101) + '",\n');
    runs.import = await sandbox.run(['subscribers', 'import', csv]);
    runs.remove = await sandbox.run(['subscribers', 'remove', 'ann@example.com']);
  });

  it('adds a subscriber with their interests, lists split on commas, and a later add replaces only the field it gives', async () => {
    expect(runs.add!.code).toBe(0);
    expect(runs.change!.code).toBe(0);
    const exported = linesOf(runs.json!.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(exported[0]).toMatchObject({
      email: 'ann@example.com',
      interests: { text: 'speculative decoding, KV cache', include: ['KV cache', 'MoE'], exclude: [], follow: ['DeepSeek', 'Tsinghua University'] },
    });
  });

  it('refuses an interest entry that breaks the rules as a bad argument naming the option and the entry, and adds nobody', () => {
    expect(runs.tooLong!.code).toBe(2);
    expect(linesOf(runs.tooLong!.stderr)).toHaveLength(1);
    expect(runs.tooLong!.stderr).toMatch(/^papermail: --follow: interests follow\.1: must be at most 100 characters/);
    expect(runs.csv!.stdout).not.toContain('bob@example.com');
  });

  it('exports interests as CSV columns and, with --json, each reader’s votes too', () => {
    expect(linesOf(runs.csv!.stdout)).toEqual([
      'email,name,status,topics,suppression,cadence,interests,include,exclude,follow',
      'ann@example.com,,confirmed,,,daily,"speculative decoding, KV cache","KV cache, MoE",,"DeepSeek, Tsinghua University"',
    ]);
    const [ann] = linesOf(runs.json!.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ann!.votes).toEqual([{ paperId: '2509.25541', vote: 'up', issueId: '2025-09-30', title: 'A paper Ann liked', at: expect.any(String) }]);
  });

  it('imports interest columns, skipping a row whose cell breaks the rules with its line and column', () => {
    expect(runs.import!.code).toBe(0);
    expect(runs.import!.stdout).toMatch(/\b1 added\b.*\b1 skipped\b/);
    expect(errorLines(runs.import!.stderr)).toEqual([expect.stringMatching(/interests\.csv: line 3: include entry 2: must be at most 100 characters$/)]);
  });

  it('deletes a removed subscriber’s votes and interests with them', async () => {
    expect(runs.remove!.code).toBe(0);
    const store = openSqliteStore(sandbox.path('papermail.db'));
    try {
      // Ann was the first subscriber: her id is never handed out again, and nothing of hers is left.
      expect(await store.readerSignals(1)).toEqual({ votes: [], interests: { text: '', include: [], exclude: [], follow: [] } });
      const cy = (await store.findByEmail('cy@example.com'))!;
      expect((await store.readerSignals(cy.id)).interests.include).toEqual(['agents', 'tool use']);
    } finally {
      await store.close();
    }
  });
});
