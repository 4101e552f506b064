/**
 * The real sample days of samples/, through the real pipeline (file reader, ranking, the
 * bundled topics.json), as `papermail send --source samples/<day>.json` builds them.
 */
import { loadConfig, type Config } from '../../src/config/config.js';
import { loadDailyDigest } from '../../src/digest/daily-digest.js';
import type { Digest } from '../../src/digest/paper.js';
import { createLogger } from '../../src/logger.js';

export const SAMPLE_DAYS = ['2024-05-27', '2025-09-30', '2026-08-21'] as const;

export function sampleConfig(environment: Record<string, string> = {}): Config {
  return loadConfig({
    NEWSLETTER_NAME: 'papermail',
    MAIL_FROM: 'papermail <papers@papers.example.com>',
    PUBLIC_URL: 'https://papers.example.com',
    APP_SECRET: 'render-tests-secret-that-is-long-enough',
    // Nothing here may reach the network: a closed local port, should anything try.
    HF_API_URL: 'http://127.0.0.1:9/api/daily_papers',
    ...environment,
  });
}

/** A sample day's digest; `source` is a file in samples/, by default `<day>.json`. */
export async function sampleDay(day: string, source = `${day}.json`, config: Config = sampleConfig()): Promise<Digest> {
  const { digest } = await loadDailyDigest({ source: `samples/${source}`, day, config, logger: createLogger('silent') });
  return digest;
}
