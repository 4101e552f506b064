/**
 * Another process holding a SQLite file's write lock, as a second papermail (an import, a
 * send from cron) does: a real child node process runs BEGIN IMMEDIATE and keeps the
 * transaction open until it is told to let go or its time is up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface HeldLock {
  /** Resolves once the child has committed and exited. */
  released: Promise<void>;
  /** Lets go now (idempotent) and waits until it has. */
  release(): Promise<void>;
}

// Plain CommonJS so the child needs no TypeScript loader; better-sqlite3 resolves from the repository.
const HOLDER = `
const Database = require('better-sqlite3');
const [path, holdMs] = process.argv.slice(1);
const db = new Database(path);
db.pragma('busy_timeout = 10000');
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
const letGo = () => { db.exec('COMMIT'); db.close(); process.exit(0); };
setTimeout(letGo, Number(holdMs));
process.stdin.on('data', letGo);
`;

/** Starts the holder and resolves once it has the write lock. */
export async function holdWriteLock(path: string, holdMs: number): Promise<HeldLock> {
  const child: ChildProcess = spawn(process.execPath, ['-e', HOLDER, path, String(holdMs)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(() => undefined);
  // The child may exit on its own timer just as we tell it to let go.
  child.stdin!.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before taking the lock`)));
  });
  return {
    released: exited,
    async release() {
      if (child.exitCode === null && child.stdin?.writable) child.stdin.write('go\n');
      await exited;
    },
  };
}
