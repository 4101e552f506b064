/**
 * Owners of the prepare lock and of claimed ledger rows are `<hostname>:<pid>:<random>`. The host and pid let a new run on
 * the same machine see at once that the previous holder was killed (kill -9, OOM, a
 * reboot), instead of waiting for the lock to expire; the random part tells apart two
 * runs inside one process.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function lockOwnerId(host: string = hostname(), pid: number = process.pid): string {
  return `${host}:${pid}:${randomBytes(6).toString('base64url')}`;
}

const OWNER = /^(?<host>.+):(?<pid>\d+):(?<nonce>[A-Za-z0-9_-]+)$/;

/**
 * True only when the owner names this host and a process that no longer exists. Any
 * doubt (another host, an unreadable owner, a pid we may not signal) counts as alive:
 * the lock then waits for its expiry, which is slow but never sends twice.
 */
export function isOwnerDeadOnThisHost(owner: string, host: string = hostname()): boolean {
  const match = OWNER.exec(owner);
  if (!match?.groups || match.groups['host'] !== host) return false;
  const pid = Number(match.groups['pid']);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  return !isProcessAlive(pid);
}

function isProcessAlive(pid: number): boolean {
  try {
    // Signal 0 checks existence and permission without delivering anything.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
