import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MatchedEvent } from '../../src/feedback/event-store.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import { linesOf, useCliSandboxes, type CliResult, type CliSandbox } from './run-cli.js';

const sandboxes = useCliSandboxes();
const day = '2025-09-30';
const rules = { hardBounceLimit: 2, softBounceLimit: 3, softBounceWindowDays: 15 };

function event(subscriberId: number, overrides: Partial<MatchedEvent>): MatchedEvent {
  return {
    key: `${overrides.kind}-${subscriberId}`,
    source: 'mailbox',
    kind: 'delivered',
    bounceType: null,
    status: null,
    diagnostic: null,
    recipient: null,
    occurredAt: `${day}T12:00:00.000Z`,
    returnPath: null,
    messageId: null,
    subscriberId,
    issueDate: day,
    ...overrides,
  };
}

describe('papermail report', () => {
  let sandbox: CliSandbox;
  const runs: Record<string, CliResult> = {};

  beforeAll(async () => {
    sandbox = await sandboxes.create();
    const csv = sandbox.path('list.csv');
    await writeFile(csv, 'email\nada@example.com\nbob@example.com\ncy@example.com\ndee@example.com\n');
    await sandbox.run(['subscribers', 'import', csv]);
    await sandbox.run(['send', '--source', `samples/${day}.json`]);
    // What came back after the relay took them: one delivered, one hard bounce, one complaint.
    const store = openSqliteStore(sandbox.path('papermail.db'));
    try {
      const id = async (email: string) => (await store.findByEmail(email))!.id;
      await store.recordDeliveryEvent(event(await id('ada@example.com'), { kind: 'delivered' }), rules);
      await store.recordDeliveryEvent(event(await id('bob@example.com'), { kind: 'bounce', bounceType: 'hard', status: '5.1.1' }), rules);
      await store.recordDeliveryEvent(event(await id('cy@example.com'), { kind: 'complaint', source: 'ses' }), rules);
    } finally {
      await store.close();
    }
    [runs.text, runs.json, runs.sameDay, runs.otherDay, runs.badDate] = await Promise.all([
      sandbox.run(['report']),
      sandbox.run(['report', '--json']),
      sandbox.run(['report', '--date', day, '--json']),
      sandbox.run(['report', '--date', '2025-10-01']),
      sandbox.run(['report', '--date', '2025-13-01']),
    ]);
  }, 120_000);

  it('prints one line per issue under a heading, with the rates', () => {
    expect(runs.text!.code).toBe(0);
    const [heading, row] = linesOf(runs.text!.stdout);
    expect(heading).toMatch(/^issue\s+accepted\s+delivered\s+hard\s+soft\s+complained\s+unsubscribed\s+deferred\s+bounce rate\s+complaint rate$/);
    expect(row!.split(/\s{2,}/)).toEqual([day, '4', '1', '1', '0', '1', '0', '0', '25.00 %', '25.00 %']);
  });

  it('warns when the complaint rate is above Gmail’s 0.3 % line, and when the bounce rate is high', () => {
    const warnings = linesOf(runs.text!.stdout).filter((line) => line.startsWith('warning: '));
    expect(warnings).toEqual([
      `warning: ${day}: complaint rate 25.00 % is above Gmail's 0.30 % line (1 of 4); mail only people who asked for it, and make unsubscribing easy`,
      `warning: ${day}: bounce rate 25.00 % is above 2.00 % (1 hard, 0 soft); check where the list came from`,
    ]);
  });

  it('prints the same report as one JSON document with --json', () => {
    expect(runs.json!.code).toBe(0);
    const document = JSON.parse(runs.json!.stdout) as { issues: unknown[]; warnings: Array<{ rate: string }> };
    expect(document.issues).toEqual([
      {
        issueDate: day,
        accepted: 4,
        delivered: 1,
        bounced: { hard: 1, soft: 0 },
        complained: 1,
        unsubscribed: 0,
        deferred: 0,
        bounceRate: 0.25,
        complaintRate: 0.25,
      },
    ]);
    expect(document.warnings.map((warning) => warning.rate)).toEqual(['complaint', 'bounce']);
  });

  it('reports only the day given with --date, and says so when nothing was sent that day', () => {
    expect(runs.sameDay!.stdout).toBe(runs.json!.stdout);
    expect(runs.otherDay!.code).toBe(0);
    expect(runs.otherDay!.stdout).toMatch(/^no issue of 2025-10-01 has been sent \(store: /);
  });

  it('refuses a date that is not a real day with exit 2 and one line', () => {
    expect(runs.badDate!.code).toBe(2);
    expect(linesOf(runs.badDate!.stderr)).toEqual(['papermail: --date must be an issue: a real date as YYYY-MM-DD, or an ISO week as YYYY-Www (got "2025-13-01")']);
  });
});

describe('papermail report before anything was sent', () => {
  it('says nothing was sent yet, and creates no store', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run(['report']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^no issue has been sent yet \(store: /);
    expect(existsSync(sandbox.path('papermail.db'))).toBe(false);
  });
});
