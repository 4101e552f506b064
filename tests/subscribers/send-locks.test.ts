import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lockOwnerId } from '../../src/subscribers/sqlite-store.js';
import { manualClock, useTemporaryStores } from './temporary-store.js';

const stores = useTemporaryStores();
const day = '2025-10-01';
const minute = 60_000;

/** The pid of a real process that has exited: a holder killed with kill -9 looks like this. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

/** Starts a process that tries to take the lock and stays alive until its stdin closes. */
function contender(path: string): { child: ChildProcess; answer: Promise<string> } {
  const script = new URL('./fixtures/acquire-lock.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', script, path, day], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answer = new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('\n')) resolve(output.trim());
    });
    child.on('exit', (code) => reject(new Error(`contender exited with ${code} before answering`)));
  });
  return { child, answer };
}

describe('send locks', () => {
  it('names owners <hostname>:<pid>:<random>, different on every call', () => {
    const owner = lockOwnerId();
    expect(owner).toMatch(new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[A-Za-z0-9_-]+$`));
    expect(lockOwnerId()).not.toBe(owner);
  });

  it('refuses a second owner while the first holds the lock', async () => {
    const store = stores.open(manualClock());
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(true);
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(false);
  });

  it('lets the holder acquire again', async () => {
    const store = stores.open(manualClock());
    const owner = lockOwnerId();
    await store.acquireSendLock(day, owner, 10 * minute);
    expect(await store.acquireSendLock(day, owner, 10 * minute)).toBe(true);
  });

  it('locks each issue date separately', async () => {
    const store = stores.open(manualClock());
    await store.acquireSendLock(day, lockOwnerId(), 10 * minute);
    expect(await store.acquireSendLock('2025-10-02', lockOwnerId(), 10 * minute)).toBe(true);
  });

  it('hands an expired lock to the next owner', async () => {
    const clock = manualClock();
    const store = stores.open(clock);
    await store.acquireSendLock(day, 'elsewhere.example:1234:abc', 10 * minute);
    clock.advance(10 * minute);
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(true);
  });

  it('takes over at once from a holder on this host whose process has died', async () => {
    const store = stores.open(manualClock());
    const dead = `${hostname()}:${await deadPid()}:abc`;
    await store.acquireSendLock(day, dead, 60 * minute);
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(true);
    expect(await store.refreshSendLock(day, dead, 10 * minute)).toBe(false);
  });

  it('does not judge a holder on another host by its pid, and waits for its expiry', async () => {
    const store = stores.open(manualClock());
    await store.acquireSendLock(day, `another-host.example:${await deadPid()}:abc`, 60 * minute);
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(false);
  });

  it('does not take over from a live process on this host', async () => {
    const store = stores.open(manualClock());
    await store.acquireSendLock(day, `${hostname()}:${process.ppid}:abc`, 60 * minute);
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(false);
  });

  it('extends the lock only for its owner', async () => {
    const clock = manualClock();
    const store = stores.open(clock);
    const owner = lockOwnerId();
    await store.acquireSendLock(day, owner, 10 * minute);
    expect(await store.refreshSendLock(day, lockOwnerId(), 10 * minute)).toBe(false);
    clock.advance(8 * minute);
    expect(await store.refreshSendLock(day, owner, 10 * minute)).toBe(true);
    clock.advance(8 * minute);
    // 16 minutes after taking a 10-minute lock, the refresh still keeps others out.
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(false);
  });

  it('is released only by its owner', async () => {
    const store = stores.open(manualClock());
    const owner = lockOwnerId();
    await store.acquireSendLock(day, owner, 10 * minute);
    await store.releaseSendLock(day, lockOwnerId());
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(false);
    await store.releaseSendLock(day, owner);
    expect(await store.acquireSendLock(day, lockOwnerId(), 10 * minute)).toBe(true);
  });

  it('is shared by two connections to the same file, as the cron run and a manual send are', async () => {
    const cron = stores.open(manualClock());
    const manual = stores.open(manualClock());
    const cronOwner = lockOwnerId();
    const manualOwner = lockOwnerId();
    const results = await Promise.all([
      cron.acquireSendLock(day, cronOwner, 10 * minute),
      manual.acquireSendLock(day, manualOwner, 10 * minute),
    ]);
    expect(results).toEqual([true, false]);
    await cron.releaseSendLock(day, cronOwner);
    expect(await manual.acquireSendLock(day, manualOwner, 10 * minute)).toBe(true);
    expect(await cron.refreshSendLock(day, cronOwner, 10 * minute)).toBe(false);
  });

  it('goes to exactly one of several processes asking at the same moment', async () => {
    const path = stores.path();
    stores.open(); // creates and migrates the file first, so the contenders only race for the lock
    const contenders = Array.from({ length: 3 }, () => contender(path));
    try {
      const answers = await Promise.all(contenders.map((one) => one.answer));
      expect(answers.filter((answer) => answer === 'true')).toHaveLength(1);
      expect(answers.filter((answer) => answer === 'false')).toHaveLength(2);
    } finally {
      for (const { child } of contenders) child.stdin!.end();
      await Promise.all(contenders.map(({ child }) => (child.exitCode === null ? once(child, 'exit') : undefined)));
    }
  });

  it('rejects a lock time that is not a positive whole number', async () => {
    const store = stores.open(manualClock());
    await expect(store.acquireSendLock(day, lockOwnerId(), 0)).rejects.toMatchObject({ code: 'EINPUT', message: expect.stringContaining('ttlMs') });
  });
});
