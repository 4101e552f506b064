/**
 * Fetched days on disk, one `<cacheDir>/<day>.json` per day holding the API entries exactly as
 * received (all pages joined). The file is itself a saved API response, so it can be passed back
 * as `--source`, and it is parsed again on every read, so parser fixes apply to old days too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseIssueDay } from '../digest/dates.js';

export function cacheFileFor(cacheDir: string, day: string): string {
  // The day becomes part of a path: only a real YYYY-MM-DD gets that far.
  return join(cacheDir, `${parseIssueDay(day, 'day')}.json`);
}

/** The cached text, or undefined when the day has not been cached. */
export async function readCachedText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isNodeError(error) && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes through a temporary file in the same folder and renames it into place: a crash or a
 * concurrent run (preview and send at once) sees the old file or the new one, never half a file.
 */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * A day's list fills during that day and the next (people submit and upvote), so only a day that
 * has ended in UTC — the zone of `submittedOnDailyAt` — is cached, and never an empty list: an
 * empty answer is cheap to ask again and may be a hiccup rather than a quiet day.
 */
export function isWorthCaching(day: string, entryCount: number, now: Date): boolean {
  return entryCount > 0 && day < now.toISOString().slice(0, 10);
}

export function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}
