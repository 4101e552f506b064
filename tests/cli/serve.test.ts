import { describe, expect, it } from 'vitest';
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
