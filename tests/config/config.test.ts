import { describe, expect, it } from 'vitest';
import { EnvSchema, isLocalUrl, loadConfig } from '../../src/config/config.js';
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
    expect(config.WEEKLY_TOP_N).toBe(20);
    expect(config.WEEKLY_DAY).toBe('monday');
  });

  it('leaves out papers a reader was sent in the last 30 days unless DEDUPE_DAYS says otherwise (0: off)', () => {
    expect(loadConfig({}).DEDUPE_DAYS).toBe(30);
    expect(loadConfig({ DEDUPE_DAYS: '0' }).DEDUPE_DAYS).toBe(0);
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

  it('names the variable, what it expects and the bad value in one line', () => {
    const error = configError({ TOP_N: 'lots' });
    expect(error.code).toBe('ECONFIG');
    expect(error.message).toBe('TOP_N must be a whole number from 1 to 500 (got "lots")');
  });

  it('hides the value of a secret in the error', () => {
    const error = configError({ APP_SECRET: 'short' });
    expect(error.message).toContain('APP_SECRET');
    expect(error.message).toContain('value hidden');
    expect(error.message).not.toContain('short"');
  });

  it('rejects an SMTP_URL that is not smtp or smtps, saying which schemes work', () => {
    expect(configError({ SMTP_URL: 'http://mail.example.com' }).message).toBe(
      'SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:pass@host:587 (got value hidden)',
    );
  });

  it('rejects a DATABASE_URL that is not postgres, without showing its password', () => {
    expect(configError({ DATABASE_URL: 'mysql://papermail:s3cret@db.example.org/papermail' }).message).toBe(
      'DATABASE_URL must be a postgres:// or postgresql:// URL such as postgres://papermail:secret@db.example.org:5432/papermail (got value hidden)',
    );
  });

  it('leaves DATABASE_URL unset by default, so the store is the SQLite file', () => {
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: 'postgresql://papermail@db.example.org/papermail' }).DATABASE_URL).toBe('postgresql://papermail@db.example.org/papermail');
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

/**
 * One bad value for every setting that can have one, and the exact line it must produce: what is
 * expected in words, never the validator's own text ("Invalid input", "expected number").
 */
const BAD_VALUES: Array<[name: string, value: string, message: string]> = [
  ['HF_API_URL', 'ftp://huggingface.co/api', 'HF_API_URL must be an http:// or https:// URL such as https://huggingface.co/api/daily_papers (got "ftp://huggingface.co/api")'],
  ['FETCH_TIMEOUT_MS', '50', 'FETCH_TIMEOUT_MS must be a whole number of milliseconds, 100 or more (got "50")'],
  ['FETCH_RETRIES', 'three', 'FETCH_RETRIES must be a whole number from 0 to 10 (got "three")'],
  ['DIGEST_DAY_OFFSET', '-1', 'DIGEST_DAY_OFFSET must be a whole number of days from 0 to 30 (got "-1")'],
  ['TZ', 'Mars/Olympus', 'TZ must be an IANA time zone such as UTC or Europe/Berlin (got "Mars/Olympus")'],
  ['TOP_N', 'abc', 'TOP_N must be a whole number from 1 to 500 (got "abc")'],
  ['TOP_N', '1e2', 'TOP_N must be a whole number from 1 to 500 (got "1e2")'],
  ['WEEKLY_TOP_N', '0', 'WEEKLY_TOP_N must be a whole number from 1 to 500 (got "0")'],
  ['WEEKLY_TOP_N', 'twenty', 'WEEKLY_TOP_N must be a whole number from 1 to 500 (got "twenty")'],
  ['DEDUPE_DAYS', '-1', 'DEDUPE_DAYS must be a whole number of days from 0 to 365 (got "-1")'],
  ['DEDUPE_DAYS', '400', 'DEDUPE_DAYS must be a whole number of days from 0 to 365 (got "400")'],
  ['MIN_UPVOTES', '2.5', 'MIN_UPVOTES must be a whole number, 0 or more (got "2.5")'],
  ['HIGHLIGHTS', '11', 'HIGHLIGHTS must be a whole number from 0 to 10 (got "11")'],
  ['THUMBNAILS', 'maybe', 'THUMBNAILS must be true or false (got "maybe")'],
  ['SEND_EMPTY_ISSUE', 'sometimes', 'SEND_EMPTY_ISSUE must be true or false (got "sometimes")'],
  ['NEWSLETTER_NAME', 'x'.repeat(81), `NEWSLETTER_NAME must be a name of 1 to 80 characters (got "${'x'.repeat(81)}")`],
  ['POSTAL_ADDRESS', '   ', 'POSTAL_ADDRESS must be the sender\'s postal address (not blank) (got "   ")'],
  ['MAIL_FROM', 'x', 'MAIL_FROM must be a sender such as "papermail <papers@example.org>" (got "x")'],
  ['SMTP_URL', 'mail.example.com:587', 'SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:pass@host:587 (got value hidden)'],
  ['SMTP_ALLOW_PLAINTEXT_AUTH', 'if-needed', 'SMTP_ALLOW_PLAINTEXT_AUTH must be true or false (got "if-needed")'],
  ['SMTP_POOL_CONNECTIONS', '0', 'SMTP_POOL_CONNECTIONS must be a whole number from 1 to 50 (got "0")'],
  ['SMTP_RATE_PER_SECOND', 'fast', 'SMTP_RATE_PER_SECOND must be a whole number of messages (0 = no limit), 0 or more (got "fast")'],
  ['SEND_RETRIES', '99', 'SEND_RETRIES must be a whole number from 0 to 10 (got "99")'],
  ['HARD_BOUNCE_LIMIT', '0', 'HARD_BOUNCE_LIMIT must be a whole number from 1 to 100 (got "0")'],
  ['DKIM_DOMAIN', 'example .org', 'DKIM_DOMAIN must be a domain name such as example.org (got "example .org")'],
  ['DKIM_SELECTOR', 'mail_2025', 'DKIM_SELECTOR must be a DNS label such as papermail (got "mail_2025")'],
  ['BOUNCE_ADDRESS', 'bounces+x@example.org', 'BOUNCE_ADDRESS must be an address without "+" such as bounces@example.org (got "bounces+x@example.org")'],
  ['SOFT_BOUNCE_LIMIT', '0', 'SOFT_BOUNCE_LIMIT must be a whole number from 1 to 100 (got "0")'],
  ['SOFT_BOUNCE_WINDOW_DAYS', '400', 'SOFT_BOUNCE_WINDOW_DAYS must be a whole number of days from 1 to 365 (got "400")'],
  ['WEBHOOK_TOKEN', 'short', 'WEBHOOK_TOKEN must be at least 24 random characters (got value hidden)'],
  ['SES_SNS_TOPIC_ARNS', 'ses-bounces', 'SES_SNS_TOPIC_ARNS must be SNS topic ARNs such as arn:aws:sns:eu-west-1:123456789012:ses-bounces, comma-separated (got "ses-bounces")'],
  ['POSTMARK_WEBHOOK_USER', 'a:b', 'POSTMARK_WEBHOOK_USER must be a user name without ":" (got "a:b")'],
  ['POSTMARK_WEBHOOK_PASSWORD', 'short', 'POSTMARK_WEBHOOK_PASSWORD must be at least 16 random characters (got value hidden)'],
  ['MAILGUN_WEBHOOK_SIGNING_KEY', 'short', 'MAILGUN_WEBHOOK_SIGNING_KEY must be the HTTP webhook signing key Mailgun shows (got value hidden)'],
  ['WEBHOOK_MAX_AGE_SECONDS', '5', 'WEBHOOK_MAX_AGE_SECONDS must be a whole number of seconds from 30 to 86400 (got "5")'],
  ['BOUNCE_IMAP_URL', 'mail.example.org', 'BOUNCE_IMAP_URL must be an imap:// or imaps:// URL such as imaps://bounces:secret@mail.example.org/INBOX (got value hidden)'],
  ['BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH', 'perhaps', 'BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH must be true or false (got "perhaps")'],
  ['BOUNCE_IMAP_DONE_MAILBOX', '  ', 'BOUNCE_IMAP_DONE_MAILBOX must be a mailbox name such as papermail/handled (got "  ")'],
  ['BOUNCE_IMAP_POLL_SECONDS', '1', 'BOUNCE_IMAP_POLL_SECONDS must be a whole number of seconds from 10 to 86400 (got "1")'],
  ['DATABASE_URL', 'db.example.org:5432', 'DATABASE_URL must be a postgres:// or postgresql:// URL such as postgres://papermail:secret@db.example.org:5432/papermail (got value hidden)'],
  ['PUBLIC_URL', 'papers.example.org', 'PUBLIC_URL must be an http:// or https:// URL such as https://papers.example.org (got "papers.example.org")'],
  ['HOST', 'my host', 'HOST must be a host name or IP address to listen on, such as 127.0.0.1 or 0.0.0.0 (got "my host")'],
  ['PORT', '70000', 'PORT must be a whole number from 0 to 65535 (got "70000")'],
  ['APP_SECRET', 'short', 'APP_SECRET must be at least 32 random characters (got value hidden)'],
  ['ADMIN_TOKEN', 'short', 'ADMIN_TOKEN must be at least 24 random characters (got value hidden)'],
  ['CONFIRM_TOKEN_TTL_HOURS', '0', 'CONFIRM_TOKEN_TTL_HOURS must be a whole number of hours, 1 or more (got "0")'],
  ['SUBSCRIBE_LIMIT_PER_IP_PER_HOUR', 'none', 'SUBSCRIBE_LIMIT_PER_IP_PER_HOUR must be a whole number, 1 or more (got "none")'],
  ['SUBSCRIBE_LIMIT_PER_ADDRESS_PER_HOUR', '0', 'SUBSCRIBE_LIMIT_PER_ADDRESS_PER_HOUR must be a whole number, 1 or more (got "0")'],
  ['CRON_SCHEDULE', 'daily', 'CRON_SCHEDULE must be a cron expression such as "0 8 * * *" (minute, hour, day, month, weekday) (got "daily")'],
  ['WEEKLY_DAY', 'mon', 'WEEKLY_DAY must be a weekday: monday, tuesday, wednesday, thursday, friday, saturday or sunday (got "mon")'],
  ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be debug, info, warn, error or silent (got "loud")'],
];

/** Settings where any non-empty text is a valid value (paths, a key, a reply address checked when mail is built). */
const ANY_TEXT = ['CACHE_DIR', 'TOPICS_FILE', 'OUTBOX_DIR', 'DATABASE_PATH', 'DKIM_PRIVATE_KEY', 'DKIM_PRIVATE_KEY_FILE', 'SMTP_TLS_CA_FILE', 'MAIL_REPLY_TO', 'SENDGRID_WEBHOOK_PUBLIC_KEY'];

describe('a bad value of each setting', () => {
  it.each(BAD_VALUES)('%s=%j is refused with one line saying what is expected', (name, value, message) => {
    const error = configError({ [name]: value });
    expect(error.code).toBe('ECONFIG');
    expect(error.message).toBe(message);
  });

  it('covers every setting: each one is in the table above or accepts any text', () => {
    const covered = new Set([...BAD_VALUES.map(([name]) => name), ...ANY_TEXT]);
    expect(Object.keys(EnvSchema.shape).filter((name) => !covered.has(name))).toEqual([]);
  });
});

describe('isLocalUrl', () => {
  it.each([
    'http://localhost:8080',
    'http://LOCALHOST',
    'http://127.0.0.1:8080/',
    'http://127.1.2.3',
    'http://[::1]:8080',
  ])('%s is this machine', (url) => {
    expect(isLocalUrl(url)).toBe(true);
  });

  it.each([
    'https://127.papers.example.org',
    'https://127.0.0.1.example.org',
    'https://localhost.example.org',
    'https://papers.example.org',
    'http://10.0.0.1',
    'http://[::2]',
  ])('%s is not', (url) => {
    expect(isLocalUrl(url)).toBe(false);
  });

  it('asks for APP_SECRET when PUBLIC_URL is a real host that starts with "127."', () => {
    expect(configError({ PUBLIC_URL: 'https://127.papers.example.org' }).message).toMatch(/^APP_SECRET must be set/);
  });
});

describe('relative paths', () => {
  it('are resolved against the folder given, absolute ones kept', () => {
    const config = loadConfig({ DATABASE_PATH: 'data/papermail.db', OUTBOX_DIR: '/var/mail/outbox' }, { relativeTo: '/srv/papermail' });
    expect(config.DATABASE_PATH).toBe('/srv/papermail/data/papermail.db');
    expect(config.OUTBOX_DIR).toBe('/var/mail/outbox');
    expect(config.CACHE_DIR).toBe('/srv/papermail/.cache/papers');
  });

  it('keep SQLite\'s own names as they are', () => {
    expect(loadConfig({ DATABASE_PATH: ':memory:' }, { relativeTo: '/srv/papermail' }).DATABASE_PATH).toBe(':memory:');
  });
});
