import { config as loadDotenv } from 'dotenv';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../logger.js';

export interface CliContext {
  config: Config;
  logger: Logger;
}

/** Reads `.env` (never overriding the real environment) and validates the result. */
export function loadCliContext(): CliContext {
  loadDotenv({ quiet: true });
  const config = loadConfig(process.env);
  return { config, logger: createLogger(config.LOG_LEVEL) };
}
