import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showsStackTrace, useCliSandboxes, type CliResult, type CliSandbox, type ServingCli } from './run-cli.js';

const sandboxes = useCliSandboxes();

/** A header as written, folded lines joined, or undefined when the message has none. */
function rawHeader(message: ParsedMail, name: string): string | undefined {
  const header = message.headerLines.find((line) => line.key === name.toLowerCase());
  return header?.line.slice(header.line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim();
}

function recipientOf(message: ParsedMail): string {
  const to = Array.isArray(message.to) ? message.to[0] : message.to;
  return to?.value[0]?.address ?? '';
}

/** The paper count from the text part's header line ("50 papers · 14 topics …"). */
function paperCountOf(message: ParsedMail): number {
  const count = /(\d+) papers ·/.exec(message.text ?? '')?.[1];
  return Number(count);
}

describe('papermail demo, the quick start', () => {
  let sandbox: CliSandbox;
  let firstRun: CliResult;
  let filesAfterFirstRun: string[];
  let messages: Map<string, ParsedMail>;
  let secondRun: CliResult;
  let filesAfterSecondRun: string[];

  beforeAll(async () => {
    sandbox = await sandboxes.create();
    firstRun = await sandbox.run(['demo']);
    filesAfterFirstRun = await sandbox.outboxFiles();
    const parsed = await Promise.all(filesAfterFirstRun.map(async (file) => simpleParser(await readFile(file))));
    messages = new Map(parsed.map((message) => [recipientOf(message), message]));
    secondRun = await sandbox.run(['demo']);
    filesAfterSecondRun = await sandbox.outboxFiles();
  });

  it('exits 0, importing the five sample subscribers and sending to all five', () => {
    expect(firstRun.code).toBe(0);
    expect(firstRun.stdout).toMatch(/\b5 added\b/);
    expect(firstRun.stdout).toMatch(/\b5 sent\b/);
  });

  it('writes five .eml files to the outbox folder of the issue day', () => {
    expect(filesAfterFirstRun).toHaveLength(5);
    for (const file of filesAfterFirstRun) expect(dirname(file)).toBe(join(sandbox.outboxDirectory, '2025-09-30'));
    expect([...messages.keys()].sort()).toEqual([
      'ada@example.com',
      'alan@example.org',
      'barbara@example.com',
      'edsger@example.org',
      'grace@example.com',
    ]);
  });

  it('writes each message as multipart/alternative with an HTML and a text part', () => {
    for (const message of messages.values()) {
      expect(message.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
      expect(message.html).toEqual(expect.stringContaining('<html'));
      expect(message.text).toEqual(expect.stringContaining('Hugging Face'));
    }
  });

  it('gives each message its own Message-ID and a Date', () => {
    const ids = [...messages.values()].map((message) => message.messageId);
    for (const id of ids) expect(id).toMatch(/^<[^<>@\s]+@[^<>@\s]+>$/);
    expect(new Set(ids).size).toBe(5);
    for (const message of messages.values()) expect(message.date).toBeInstanceOf(Date);
  });

  it('offers one-click unsubscribing: an http(s) token link and a mailto in List-Unsubscribe', () => {
    for (const message of messages.values()) {
      const listUnsubscribe = rawHeader(message, 'List-Unsubscribe');
      expect(listUnsubscribe).toMatch(/<https?:\/\/[^>\s]+\/unsubscribe\?token=[^>\s]+>/);
      expect(listUnsubscribe).toMatch(/<mailto:[^>\s]+>/);
      expect(rawHeader(message, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    }
  });

  it('sends Grace, who follows two topics, a smaller issue than Ada, who follows all', () => {
    const ada = messages.get('ada@example.com')!;
    const grace = messages.get('grace@example.com')!;
    expect(paperCountOf(ada)).toBe(50);
    expect(paperCountOf(grace)).toBeGreaterThan(0);
    expect(paperCountOf(grace)).toBeLessThan(paperCountOf(ada));
    expect(String(grace.html).length).toBeLessThan(String(ada.html).length);
  });

  it('run again, exits 0, adds nobody and sends nothing twice', () => {
    expect(secondRun.code).toBe(0);
    expect(secondRun.stdout).toMatch(/\b0 added\b.*\b5 unchanged\b/);
    expect(secondRun.stdout).toMatch(/\b0 sent, 5 already sent before\b/);
  });

  it('run again, leaves exactly the five files of the first run', () => {
    expect(filesAfterSecondRun).toEqual(filesAfterFirstRun);
  });
});

describe('the server after the demo, offline (the API on a port nobody listens on)', () => {
  const adminToken = 'demo-admin-token-0123456789abcdef';
  const admin = { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' };
  let sandbox: CliSandbox;
  let server: ServingCli;
  let stopped: CliResult;
  let preview: Response;
  let previewPage: string;
  let resend: Response;
  let uncachedDay: Response;

  beforeAll(async () => {
    sandbox = await sandboxes.create();
    const demo = await sandbox.run(['demo']);
    expect(demo.code).toBe(0);
    server = await sandbox.serve(['--no-schedule'], { env: { ADMIN_TOKEN: adminToken } });
    preview = await fetch(`${server.url}/preview?date=2025-09-30`);
    previewPage = await preview.text();
    resend = await fetch(`${server.url}/admin/send`, { method: 'POST', headers: admin, body: '{"date":"2025-09-30"}' });
    uncachedDay = await fetch(`${server.url}/admin/send`, { method: 'POST', headers: admin, body: '{"date":"2025-09-29"}' });
    stopped = await server.stop();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('previews the demo day from the papers cache', () => {
    expect(preview.status).toBe(200);
    expect(previewPage).toContain('Tuesday, 30 September 2025');
    expect(previewPage).toContain('Democratizing AI scientists using ToolUniverse');
  });

  it('resends the demo day through POST /admin/send without sending anyone a second copy', async () => {
    expect(resend.status).toBe(200);
    expect(await resend.json()).toMatchObject({ outcome: 'sent', issueDate: '2025-09-30', sent: 0, alreadySent: 5 });
    expect(await sandbox.outboxFiles()).toHaveLength(5);
  });

  it('answers 503 naming the unreachable API for a day that was never fetched', async () => {
    expect(uncachedDay.status).toBe(503);
    expect(await uncachedDay.json()).toMatchObject({ error: 'ENETWORK', message: expect.stringMatching(/^could not reach 127\.0\.0\.1:9 for 2025-09-29/) });
  });

  it('logs that failure in one line, with no stack trace anywhere in the log', () => {
    const log = stopped.stderr;
    expect(log.split('\n').filter((line) => line.includes('failed:'))).toEqual([
      expect.stringMatching(/^error: POST \/admin\/send failed: ENETWORK could not reach 127\.0\.0\.1:9 for 2025-09-29/),
    ]);
    expect(showsStackTrace(log)).toBe(false);
  });
});
