import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lockOwnerId } from '../../src/subscribers/sqlite-store.js';
import { useTemporaryStores } from './temporary-store.js';

const stores = useTemporaryStores();
const day = '2025-10-01';

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

// The rest of the lock's behaviour is in the store contract (store-contract.ts), run against every store.
describe('prepare locks', () => {
  it('names owners <hostname>:<pid>:<random>, different on every call', () => {
    const owner = lockOwnerId();
    expect(owner).toMatch(new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[A-Za-z0-9_-]+$`));
    expect(lockOwnerId()).not.toBe(owner);
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
});
