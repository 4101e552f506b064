/**
 * Crash and resume, end to end: the real `papermail send` command, in a child process, sends
 * one issue to 300 subscribers on a SQLite file through a real SMTP server; it is killed with
 * SIGKILL once the server has accepted 50 messages, run again to completion, then run a third
 * time. Only a duplicate of a message that was in flight at the kill is allowed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvSchema } from '../../src/config/config.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { LedgerCounts } from '../../src/subscribers/store.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { addresses, headerValue } from './fixtures.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SOURCE = path.join(REPO_ROOT, 'samples', '2024-05-27.json');
const ISSUE_DATE = '2024-05-27';
const SUBSCRIBERS = addresses(300, 'crash');
const KILL_AFTER_ACCEPTED = 50;
const POOL_SIZE = 3;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

describe('a send killed with SIGKILL mid-run and started again', () => {
  let folder = '';
  let sink: SmtpSink;
  /** Message-IDs of the accepted copies, by recipient. */
  const received = new Map<string, string[]>();
  let killNow: (() => void) | undefined;
  let firstRun: RunResult;
  let acceptedBeforeResume = 0;
  let resumedRun: RunResult;
  let acceptedAfterResume = 0;
  let thirdRun: RunResult;
  let ledger: LedgerCounts;
  let complete: boolean;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'papermail-crash-'));
    const databasePath = path.join(folder, 'papermail.db');
    const store = openSqliteStore(databasePath);
    await store.importSubscribers(SUBSCRIBERS.map((email, index) => ({ email, status: 'confirmed', line: index + 2 })));
    await store.close();

    sink = await startSmtpSink({
      keepMessages: false,
      respond(envelope, raw) {
        const recipient = envelope.to[0]!;
        received.set(recipient, [...(received.get(recipient) ?? []), headerValue(raw, 'Message-ID') ?? '']);
        if (sink.counts.accepted + 1 === KILL_AFTER_ACCEPTED) killNow?.();
        return undefined;
      },
    });

    const send = runSend(folder, { SMTP_URL: sink.url, DATABASE_PATH: databasePath });
    firstRun = await send((kill) => (killNow = kill));
    killNow = undefined;
    acceptedBeforeResume = sink.counts.accepted;
    resumedRun = await send();
    acceptedAfterResume = sink.counts.accepted;
    thirdRun = await send();

    const reopened = openSqliteStore(databasePath);
    ledger = await reopened.ledgerCounts(ISSUE_DATE);
    complete = await reopened.isIssueComplete(ISSUE_DATE);
    await reopened.close();
  }, 120_000);

  afterAll(async () => {
    await sink?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('killed the first run before it had sent to everyone', () => {
    expect(firstRun.signal).toBe('SIGKILL');
    expect(acceptedBeforeResume).toBeGreaterThanOrEqual(KILL_AFTER_ACCEPTED);
    expect(acceptedBeforeResume).toBeLessThan(SUBSCRIBERS.length);
  });

  it('finishes the issue on the next run', () => {
    expect(resumedRun, resumedRun.output).toMatchObject({ code: 0, signal: null });
  });

  it('delivers the issue to every confirmed subscriber', () => {
    const missing = SUBSCRIBERS.filter((address) => !received.has(address));
    expect(missing).toEqual([]);
  });

  it('sends at most one copy per pooled connection twice: only messages in flight at the kill', () => {
    const duplicates = [...received.values()].reduce((sum, copies) => sum + copies.length - 1, 0);
    expect(duplicates).toBeLessThanOrEqual(POOL_SIZE);
  });

  it('gives a resent copy the same Message-ID, so the receiver can drop it', () => {
    for (const [recipient, messageIds] of received) {
      expect(new Set(messageIds).size, recipient).toBe(1);
    }
  });

  it('records every subscriber as sent in the ledger', () => {
    expect(ledger).toMatchObject({ sending: 0, sent: SUBSCRIBERS.length, deferred: 0, failed: 0 });
    expect(complete).toBe(true);
  });

  it('sends nothing when run a third time', () => {
    expect(thirdRun, thirdRun.output).toMatchObject({ code: 0, signal: null });
    expect(sink.counts.accepted).toBe(acceptedAfterResume);
  });
});

/**
 * `papermail send --source <day>` in a scratch working directory, so no .env and no exported
 * papermail setting changes it. `onStart` receives a function that kills it with SIGKILL.
 */
function runSend(folder: string, settings: Record<string, string>) {
  return (onStart?: (kill: () => void) => void): Promise<RunResult> => {
    const environment: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(EnvSchema.shape)) delete environment[name];
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI, 'send', '--source', SOURCE], {
      cwd: folder,
      env: {
        ...environment,
        ...settings,
        MAIL_FROM: 'Paper Digest <papers@papermail.test>',
        PUBLIC_URL: 'https://papers.example.org',
        APP_SECRET: 'a-test-secret-that-is-long-enough-for-hmac',
        TOPICS_FILE: path.join(REPO_ROOT, 'topics.json'),
        SMTP_POOL_CONNECTIONS: String(POOL_SIZE),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    onStart?.(() => child.kill('SIGKILL'));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ code, signal, output }));
    });
  };
}
