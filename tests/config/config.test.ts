import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { PapermailError } from '../../src/errors.js';

function configError(environment: Record<string, string>): PapermailError {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof PapermailError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('gives every setting its documented default on an empty environment', () => {
    const config = loadConfig({});
    expect(config.DATABASE_PATH).toBe('subscribers/papermail.db');
    expect(config.OUTBOX_DIR).toBe('outbox');
    expect(config.CRON_SCHEDULE).toBe('0 8 * * *');
    expect(config.TZ).toBe('UTC');
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.TOP_N).toBe(50);
  });

  it('uses a development secret only while PUBLIC_URL is on this machine', () => {
    expect(loadConfig({}).isLocal).toBe(true);
    expect(loadConfig({}).secret.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses a public PUBLIC_URL without APP_SECRET', () => {
    const error = configError({ PUBLIC_URL: 'https://papers.example.com' });
    expect(error.code).toBe('ECONFIG');
    expect(error.message).toMatch(/^APP_SECRET must be set/);
  });

  it('names the variable and the bad value in one line', () => {
    const error = configError({ TOP_N: 'lots' });
    expect(error.code).toBe('ECONFIG');
    expect(error.message).toMatch(/^TOP_N .*\(got "lots"\)$/);
  });

  it('hides the value of a secret in the error', () => {
    const error = configError({ APP_SECRET: 'short' });
    expect(error.message).toContain('APP_SECRET');
    expect(error.message).toContain('value hidden');
    expect(error.message).not.toContain('short"');
  });

  it('rejects an SMTP_URL that is not smtp or smtps', () => {
    expect(configError({ SMTP_URL: 'http://mail.example.com' }).message).toMatch(/^SMTP_URL /);
  });

  it('rejects an unknown time zone', () => {
    expect(configError({ TZ: 'Mars/Olympus' }).message).toMatch(/^TZ must be an IANA time zone/);
  });

  it('treats an empty assignment as unset', () => {
    expect(loadConfig({ SMTP_URL: '', TOP_N: '' }).TOP_N).toBe(50);
  });

  it('requires a domain and selector with a DKIM key', () => {
    expect(configError({ DKIM_PRIVATE_KEY_FILE: 'dkim.pem' }).message).toMatch(/DKIM_DOMAIN and DKIM_SELECTOR/);
  });

  it('reads booleans and numbers from strings', () => {
    const config = loadConfig({ SEND_EMPTY_ISSUE: 'true', SMTP_POOL_CONNECTIONS: '3' });
    expect(config.SEND_EMPTY_ISSUE).toBe(true);
    expect(config.SMTP_POOL_CONNECTIONS).toBe(3);
  });
});
