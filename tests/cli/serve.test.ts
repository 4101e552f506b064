import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { until } from '../support/async.js';
import { useDovecot } from '../support/dovecot.js';
import { canMakeFilesReadOnly, makeReadOnly } from '../support/read-only-file.js';
import { linesOf, showsStackTrace, useCliSandboxes } from './run-cli.js';

const sandboxes = useCliSandboxes();

describe.runIf(await canMakeFilesReadOnly())('papermail serve on a read-only store', () => {
  it('refuses to start, with one line saying the database is not writable', async () => {
    const sandbox = await sandboxes.create();
    expect((await sandbox.run(['subscribers', 'list'])).code).toBe(0); // creates and migrates the store
    const undo = await makeReadOnly(sandbox.path('papermail.db'));
    // An address nobody can listen on: a server that wrongly started would stop at once on
    // "cannot listen" instead of running for ever, and fail this test with that line.
    const served = await sandbox.run(['serve', '--no-schedule'], { env: { HOST: '192.0.2.1', PORT: '8080' } }).finally(undo);

    expect(served.code).toBe(1);
    expect(linesOf(served.stderr)).toEqual([expect.stringMatching(/^papermail: not starting the server: the subscriber database .*papermail\.db is not writable/)]);
    expect(showsStackTrace(served.stderr)).toBe(false);
  }, 60_000); // two CLI runs: slow on a loaded machine
});

describe('papermail serve with a bounce mailbox (BOUNCE_IMAP_URL, a real Dovecot)', () => {
  const dovecot = useDovecot();

  it('reads the mailbox at start, records and moves the report, says so in one line, and stops cleanly on SIGTERM', async () => {
    const server = dovecot.server();
    await server.append('INBOX', await readFile('tests/feedback/fixtures/bounces/postfix.eml'));
    const sandbox = await sandboxes.create();

    const serving = await sandbox.serve(['--no-schedule'], { env: { BOUNCE_IMAP_URL: server.url() } });
    await until(async () => (await server.messages(['papermail', 'handled'])).length === 1, 100);
    await until(() => serving.stderr().includes('bounce mailbox imap://'), 20);
    const stopped = await serving.stop();

    expect(stopped.code).toBe(0);
    expect(await server.messages('INBOX')).toEqual([]);
    const lines = linesOf(stopped.stderr);
    expect(lines).toContain('bounce mailbox: polled every 300 s');
    expect(lines).toContain(
      `bounce mailbox imap://bounces@127.0.0.1:${server.port}/INBOX: read 1 message, recorded 0 events (0 already recorded, 1 matched nobody), 0 unreadable, 0 left in place`,
    );
    expect(stopped.stderr).not.toContain(server.password);
    expect(showsStackTrace(stopped.stderr)).toBe(false);
  }, 60_000);
});
