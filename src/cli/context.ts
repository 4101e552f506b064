import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { config as loadDotenv } from 'dotenv';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../logger.js';
import { openStore } from '../subscribers/open-store.js';
import type { SubscriberStore } from '../subscribers/store.js';
import { terminalText } from './terminal.js';

/** The folder papermail is installed in (the one with package.json), from src/cli/ and dist/cli/ alike. */
export const PROJECT_FOLDER = resolve(fileURLToPath(new URL('../../', import.meta.url)));

export interface CliContext {
  config: Config;
  logger: Logger;
  /** The `.env` file that was read, if any. */
  envFile: string | undefined;
  /** Relative paths in settings (DATABASE_PATH, OUTBOX_DIR …) are resolved against this folder. */
  settingsFolder: string;
}

/**
 * Reads `.env` (never overriding the real environment) and validates the result. The `.env` is the
 * working folder's, else the project folder's, so `cd / && papermail send` (cron) finds the same
 * settings; relative paths in it mean the same store wherever the command runs from.
 */
export function loadCliContext(): CliContext {
  const envFile = findEnvFile([process.cwd(), PROJECT_FOLDER]);
  if (envFile) loadDotenv({ path: envFile, quiet: true });
  const settingsFolder = envFile ? dirname(envFile) : PROJECT_FOLDER;
  const config = loadConfig(process.env, { relativeTo: settingsFolder });
  const logger = createLogger(config.LOG_LEVEL, (line) => process.stderr.write(terminalText(line) + '\n'));
  return { config, logger, envFile, settingsFolder };
}

function findEnvFile(folders: string[]): string | undefined {
  return folders.map((folder) => join(folder, '.env')).find((file) => existsSync(file));
}

/** Opens the configured subscriber store, saying once where, when a SQLite file did not exist and has just been created. */
export async function openCliStore({ config, logger }: Pick<CliContext, 'config' | 'logger'>): Promise<SubscriberStore> {
  const isNew = config.DATABASE_URL === undefined && !storeExists(config.DATABASE_PATH);
  const store = await openStore(config);
  if (isNew) logger.info(`created a new subscriber store at ${resolve(config.DATABASE_PATH)}`);
  return store;
}

/** True for an existing store file, and for SQLite's own names (":memory:", file: URIs), which are not files. */
export function storeExists(path: string): boolean {
  return path === ':memory:' || path.startsWith('file:') || existsSync(path);
}
