/** Where the bench runs: the repository, the sample day, a scratch folder, and one configuration for every sender. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig, type Config } from '../src/config/config.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The largest sample day: 50 papers, the most an issue lists by default (TOP_N). */
export const FULL_DAY_SOURCE = path.join(REPO_ROOT, 'samples', '2025-09-30.json');

/** Every sender in the bench and the soak uses this: a real public URL (long signed links) and the default pool of 5. */
export const SENDER_ENVIRONMENT: Readonly<Record<string, string>> = {
  MAIL_FROM: 'Paper Digest <papers@papermail.example>',
  PUBLIC_URL: 'https://papers.example.org',
  APP_SECRET: 'bench-secret-bench-secret-bench-secret-42',
  NEWSLETTER_NAME: 'Paper Digest',
  TOPICS_FILE: path.join(REPO_ROOT, 'topics.json'),
  SMTP_POOL_CONNECTIONS: '5',
  LOG_LEVEL: 'warn',
};

export function benchConfig(environment: Record<string, string> = {}): Config {
  return loadConfig({ ...SENDER_ENVIRONMENT, ...environment });
}

/** A fresh folder under the system temp dir, and a function that deletes it. */
export async function scratchFolder(prefix: string): Promise<{ folder: string; remove: () => Promise<void> }> {
  const folder = await mkdtemp(path.join(tmpdir(), `papermail-${prefix}-`));
  return { folder, remove: () => rm(folder, { recursive: true, force: true }) };
}

let built: Promise<void> | undefined;

/**
 * Builds dist/ from this checkout, once per bench run: the papermail sender, the assembly
 * figure and the start-up figure run the compiled code, so they measure this code.
 */
export function buildDist(): Promise<void> {
  built ??= promisify(execFile)('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT }).then(() => undefined);
  return built;
}
