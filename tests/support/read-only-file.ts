/**
 * Making a file read-only for real, for whoever runs the tests. For root, permission bits do
 * not stop writes, so the file is made immutable (chattr +i: even root cannot open it for
 * writing); for anyone else it is chmod 444. Where neither works (root on a file system
 * without immutable files), `canMakeFilesReadOnly()` says so and those tests are skipped.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** Makes `path` read-only; the returned function makes it writable again (call it before deleting it). */
export async function makeReadOnly(path: string): Promise<() => Promise<void>> {
  if (isRoot) {
    await run('chattr', ['+i', path]);
    return async () => void (await run('chattr', ['-i', path]));
  }
  await chmod(path, 0o444);
  return () => chmod(path, 0o644);
}

export async function canMakeFilesReadOnly(): Promise<boolean> {
  const directory = await mkdtemp(join(tmpdir(), 'papermail-readonly-'));
  const probe = join(directory, 'probe');
  try {
    await writeFile(probe, '');
    const undo = await makeReadOnly(probe);
    await undo();
    return true;
  } catch {
    return false;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
