import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { WEEKDAYS } from '../digest/week.js';
import { PapermailError } from '../errors.js';

/**
 * Every setting papermail reads, with its default. The environment (and `.env`) is
 * validated once at start-up; `.env.example` documents the same names and defaults.
 * Each schema is described with what it expects, in words: a bad value is reported as
 * `NAME must be <that> (got "value")`, never in the validator's own words.
 */
/** The taxonomy shipped with papermail, found wherever the command is run from. */
const BUNDLED_TOPICS_FILE = fileURLToPath(new URL('../../topics.json', import.meta.url));

const DEVELOPMENT_SECRET = 'papermail-development-secret-do-not-use-in-production';

/** A whole number written in digits ("1e3", "0x10" and "12.5" are refused), within [min, max]. */
const integer = (fallback: number, min = 0, max?: number, unit = '') =>
  z
    .string()
    .trim()
    .regex(/^[+-]?\d+$/)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min)
        .max(max ?? Number.MAX_SAFE_INTEGER),
    )
    .default(fallback)
    .describe(`a whole number${unit}${max === undefined ? `, ${min} or more` : ` from ${min} to ${max}`}`);

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const boolean = (fallback: boolean) => z.stringbool().default(fallback).describe('true or false');

const httpUrl = (fallback: string, example: string) =>
  z
    .url({ protocol: /^https?$/ })
    .default(fallback)
    .describe(`an http:// or https:// URL such as ${example}`);

const path = (fallback: string) => z.string().min(1).default(fallback).describe('a file or folder path');

/** DNS names: letters, digits and hyphens in dot-separated labels. */
const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const EnvSchema = z.object({
  // Where the day's papers come from
  HF_API_URL: httpUrl('https://huggingface.co/api/daily_papers', 'https://huggingface.co/api/daily_papers'),
  FETCH_TIMEOUT_MS: integer(15_000, 100, undefined, ' of milliseconds'),
  FETCH_RETRIES: integer(3, 0, 10),
  CACHE_DIR: path('.cache/papers'),
  /** Which day an issue covers: 1 = yesterday, since a day's list fills up during that day. */
  DIGEST_DAY_OFFSET: integer(1, 0, 30, ' of days'),
  TZ: z.string().default('UTC').refine(isKnownTimeZone).describe('an IANA time zone such as UTC or Europe/Berlin'),

  // What goes into an issue
  TOPICS_FILE: path(BUNDLED_TOPICS_FILE),
  TOP_N: integer(50, 1, 500),
  /** A weekly issue's papers: the week's most upvoted, each once. */
  WEEKLY_TOP_N: integer(20, 1, 500),
  MIN_UPVOTES: integer(0),
  /** A reader's copy leaves out papers they were sent in an issue of the last this many days (0: never). */
  DEDUPE_DAYS: integer(30, 0, 365, ' of days'),
  HIGHLIGHTS: integer(3, 0, 10),
  /** The top papers' preview images (remote, from Hugging Face's CDN) in the email. */
  THUMBNAILS: boolean(true),
  SEND_EMPTY_ISSUE: boolean(false),
  NEWSLETTER_NAME: z.string().trim().min(1).max(80).default('papermail').describe('a name of 1 to 80 characters'),
  POSTAL_ADDRESS: z
    .string()
    .trim()
    .min(1)
    .default('papermail, 1 Example Street, 00000 Example City')
    .describe("the sender's postal address (not blank)"),

  // Mail
  MAIL_FROM: z
    .string()
    .trim()
    .min(3)
    .default('papermail <papers@localhost>')
    .describe('a sender such as "papermail <papers@example.org>"'),
  MAIL_REPLY_TO: optionalText.describe('an address for replies'),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/ })
    .optional()
    .describe('an smtp:// or smtps:// URL such as smtp://user:pass@host:587'),
  /** Log in over an unencrypted connection to a server that offers no STARTTLS (off: the run stops instead). */
  SMTP_ALLOW_PLAINTEXT_AUTH: boolean(false),
  /** A PEM file of extra certificate authorities to trust for the SMTP server (a private CA). */
  SMTP_TLS_CA_FILE: optionalText.describe('a file path'),
  SMTP_POOL_CONNECTIONS: integer(5, 1, 50),
  SMTP_RATE_PER_SECOND: integer(0, 0, undefined, ' of messages (0 = no limit)'),
  OUTBOX_DIR: path('outbox'),
  SEND_RETRIES: integer(3, 0, 10),
  HARD_BOUNCE_LIMIT: integer(2, 1, 100),
  DKIM_DOMAIN: optionalText.pipe(z.string().regex(DNS_NAME).optional()).describe('a domain name such as example.org'),
  DKIM_SELECTOR: optionalText.pipe(z.string().regex(DNS_NAME).optional()).describe('a DNS label such as papermail'),
  DKIM_PRIVATE_KEY: optionalText.describe('a PEM private key'),
  DKIM_PRIVATE_KEY_FILE: optionalText.describe('a file path'),

  // Bounces and complaints that arrive after the relay accepted a message (src/feedback)
  /** Set: each message's envelope sender is bounces+<signed tag>@domain (VERP), so a late bounce names its delivery. */
  BOUNCE_ADDRESS: optionalText
    .pipe(z.string().regex(/^[^\s@+]+@[^\s@]+\.[^\s@]+$/).optional())
    .describe('an address without "+" such as bounces@example.org'),
  /** Soft bounces (mailbox full, greylisted for good …) suppress after this many within SOFT_BOUNCE_WINDOW_DAYS. */
  SOFT_BOUNCE_LIMIT: integer(3, 1, 100),
  SOFT_BOUNCE_WINDOW_DAYS: integer(15, 1, 365, ' of days'),
  /** Bearer token of the generic JSON webhook (/webhooks/generic); unset: that endpoint answers 404. */
  WEBHOOK_TOKEN: optionalText.pipe(z.string().min(24).optional()).describe('at least 24 random characters'),
  /** Amazon SES through SNS: the topic ARNs whose notifications are accepted (comma-separated); unset: /webhooks/ses answers 404. */
  SES_SNS_TOPIC_ARNS: optionalText
    .pipe(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\s*,\s*arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+)*$/).optional())
    .describe('SNS topic ARNs such as arn:aws:sns:eu-west-1:123456789012:ses-bounces, comma-separated'),
  /** Postmark's bounce and spam-complaint webhooks, behind basic auth; unset: /webhooks/postmark answers 404. */
  POSTMARK_WEBHOOK_USER: optionalText.pipe(z.string().regex(/^[^:\s]+$/).optional()).describe('a user name without ":"'),
  POSTMARK_WEBHOOK_PASSWORD: optionalText.pipe(z.string().min(16).optional()).describe('at least 16 random characters'),
  /** SendGrid's signed event webhook: its verification key (base64 DER or PEM); unset: /webhooks/sendgrid answers 404. */
  SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText.describe('the ECDSA public key SendGrid shows for the signed event webhook'),
  /** Mailgun's webhook signing key; unset: /webhooks/mailgun answers 404. */
  MAILGUN_WEBHOOK_SIGNING_KEY: optionalText.pipe(z.string().min(16).optional()).describe('the HTTP webhook signing key Mailgun shows'),
  /** How old a signed webhook timestamp may be (SendGrid, Mailgun): an older one is a replay. */
  WEBHOOK_MAX_AGE_SECONDS: integer(900, 30, 86_400, ' of seconds'),
  /** A mailbox that receives bounces and complaints (BOUNCE_ADDRESS's), polled by `serve`: imaps://user:pass@host/INBOX. */
  BOUNCE_IMAP_URL: z
    .url({ protocol: /^imaps?$/ })
    .optional()
    .describe('an imap:// or imaps:// URL such as imaps://bounces:secret@mail.example.org/INBOX'),
  /** true: log in to an imap:// server that offers no STARTTLS, sending the password unencrypted. */
  BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH: boolean(false),
  /** Where handled reports are moved (created if missing); a report papermail cannot read stays where it is. */
  BOUNCE_IMAP_DONE_MAILBOX: z.string().trim().min(1).default('papermail/handled').describe('a mailbox name such as papermail/handled'),
  BOUNCE_IMAP_POLL_SECONDS: integer(300, 10, 86_400, ' of seconds'),

  // Subscribers and web
  DATABASE_PATH: path('subscribers/papermail.db'),
  /** Set: the store is this PostgreSQL database instead of the SQLite file at DATABASE_PATH. */
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .describe('a postgres:// or postgresql:// URL such as postgres://papermail:secret@db.example.org:5432/papermail'),
  PUBLIC_URL: httpUrl('http://localhost:8080', 'https://papers.example.org'),
  HOST: z
    .string()
    .regex(/^\S+$/)
    .default('127.0.0.1')
    .describe('a host name or IP address to listen on, such as 127.0.0.1 or 0.0.0.0'),
  PORT: integer(8080, 0, 65_535),
  APP_SECRET: optionalText.pipe(z.string().min(32).optional()).describe('at least 32 random characters'),
  ADMIN_TOKEN: optionalText.pipe(z.string().min(24).optional()).describe('at least 24 random characters'),
  CONFIRM_TOKEN_TTL_HOURS: integer(48, 1, undefined, ' of hours'),
  SUBSCRIBE_LIMIT_PER_IP_PER_HOUR: integer(20, 1),
  SUBSCRIBE_LIMIT_PER_ADDRESS_PER_HOUR: integer(3, 1),

  // Schedule
  CRON_SCHEDULE: z
    .string()
    .trim()
    .min(9)
    .default('0 8 * * *')
    .describe('a cron expression such as "0 8 * * *" (minute, hour, day, month, weekday)'),
  /** The weekday (in TZ) on which the schedule also sends the weekly issue of the week that ended. */
  WEEKLY_DAY: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(WEEKDAYS))
    .default('monday')
    .describe('a weekday: monday, tuesday, wednesday, thursday, friday, saturday or sunday'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info').describe('debug, info, warn, error or silent'),
});

export type Env = z.infer<typeof EnvSchema>;
export type SettingName = keyof Env;

/** Settings that name a file or folder: relative ones are resolved against one folder (see loadConfig). */
export const PATH_SETTINGS = ['DATABASE_PATH', 'OUTBOX_DIR', 'CACHE_DIR', 'TOPICS_FILE', 'DKIM_PRIVATE_KEY_FILE', 'SMTP_TLS_CA_FILE'] as const;

export interface Config extends Env {
  /** The HMAC key for tokens: APP_SECRET, or a fixed development key on localhost. */
  secret: string;
  /** True when PUBLIC_URL points at this machine (development, preview and quick start). */
  isLocal: boolean;
}

export interface LoadConfigOptions {
  /** Resolve relative paths in PATH_SETTINGS against this folder (the CLI passes the .env's folder). */
  relativeTo?: string;
}

/** Reads config from an environment object (process.env in production, a literal in tests). */
export function loadConfig(environment: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const result = EnvSchema.safeParse(relevantVariables(environment));
  if (!result.success) {
    const name = String(result.error.issues[0]!.path[0] ?? 'environment');
    throw new PapermailError('ECONFIG', describeBadSetting(name, environment[name]));
  }
  const env = options.relativeTo === undefined ? result.data : resolvePaths(result.data, options.relativeTo);
  const isLocal = isLocalUrl(env.PUBLIC_URL);
  if (!env.APP_SECRET && !isLocal) {
    throw new PapermailError(
      'ECONFIG',
      `APP_SECRET must be set (at least 32 random characters) when PUBLIC_URL is not localhost (got ${env.PUBLIC_URL})`,
    );
  }
  if ((env.DKIM_PRIVATE_KEY || env.DKIM_PRIVATE_KEY_FILE) && !(env.DKIM_DOMAIN && env.DKIM_SELECTOR)) {
    throw new PapermailError('ECONFIG', 'DKIM_DOMAIN and DKIM_SELECTOR must be set with a DKIM private key');
  }
  return { ...env, secret: env.APP_SECRET ?? DEVELOPMENT_SECRET, isLocal };
}

/** `NAME must be <what it expects> (got "value")`, the value hidden for secrets. */
function describeBadSetting(name: string, value: string | undefined): string {
  const expected = EnvSchema.shape[name as SettingName]?.description ?? 'valid';
  const shown = value === undefined ? 'unset' : isSecretName(name) ? 'value hidden' : JSON.stringify(value);
  return `${name} must be ${expected} (got ${shown})`;
}

function resolvePaths(env: Env, folder: string): Env {
  const resolved = { ...env };
  for (const name of PATH_SETTINGS) {
    const value = env[name];
    // ':memory:' and file: URIs are SQLite's own names, not paths.
    if (value === undefined || isAbsolute(value) || value === ':memory:' || value.startsWith('file:')) continue;
    resolved[name] = resolve(folder, value);
  }
  return resolved;
}

function relevantVariables(environment: Record<string, string | undefined>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of Object.keys(EnvSchema.shape)) {
    const value = environment[name];
    // An empty assignment in .env (`SMTP_URL=`) means "use the default".
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/** Settings whose values never appear in messages or in `papermail status` (SMTP_URL and DATABASE_URL carry passwords). */
const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  'APP_SECRET',
  'ADMIN_TOKEN',
  'SMTP_URL',
  'DATABASE_URL',
  'DKIM_PRIVATE_KEY',
  'WEBHOOK_TOKEN',
  'POSTMARK_WEBHOOK_PASSWORD',
  'MAILGUN_WEBHOOK_SIGNING_KEY',
  'BOUNCE_IMAP_URL',
]);

export function isSecretName(name: string): boolean {
  return SECRET_SETTINGS.has(name);
}

export function isLocalUrl(url: string): boolean {
  return isLocalHost(new URL(url).hostname);
}

/**
 * This machine by name or loopback address: `localhost`, `::1` and the literal 127/8 IPv4
 * addresses. A host name that merely starts with "127." (127.papers.example.org) is a real host.
 */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (host === 'localhost' || host === '::1') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
