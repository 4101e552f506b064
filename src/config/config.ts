import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PapermailError } from '../errors.js';

/**
 * Every setting papermail reads, with its default. The environment (and `.env`) is
 * validated once at start-up; `.env.example` documents the same names and defaults.
 */
/** The taxonomy shipped with papermail, found wherever the command is run from. */
const BUNDLED_TOPICS_FILE = fileURLToPath(new URL('../../topics.json', import.meta.url));

const DEVELOPMENT_SECRET = 'papermail-development-secret-do-not-use-in-production';

const integer = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const boolean = (fallback: boolean) => z.stringbool().default(fallback);

export const EnvSchema = z.object({
  // Where the day's papers come from
  HF_API_URL: z.url({ protocol: /^https?$/ }).default('https://huggingface.co/api/daily_papers'),
  FETCH_TIMEOUT_MS: integer(15_000, 100),
  FETCH_RETRIES: integer(3, 0, 10),
  CACHE_DIR: z.string().min(1).default('.cache/papers'),
  /** Which day an issue covers: 1 = yesterday, since a day's list fills up during that day. */
  DIGEST_DAY_OFFSET: integer(1, 0, 30),
  TZ: z
    .string()
    .default('UTC')
    .refine(isKnownTimeZone, 'must be an IANA time zone such as UTC or Europe/Berlin'),

  // What goes into an issue
  TOPICS_FILE: z.string().min(1).default(BUNDLED_TOPICS_FILE),
  TOP_N: integer(50, 1, 500),
  MIN_UPVOTES: integer(0),
  HIGHLIGHTS: integer(3, 0, 10),
  SEND_EMPTY_ISSUE: boolean(false),
  NEWSLETTER_NAME: z.string().trim().min(1).max(80).default('papermail'),
  POSTAL_ADDRESS: z.string().trim().min(1).default('papermail, 1 Example Street, 00000 Example City'),

  // Mail
  MAIL_FROM: z.string().trim().min(3).default('papermail <papers@localhost>'),
  MAIL_REPLY_TO: optionalText,
  SMTP_URL: z
    .url({ protocol: /^smtps?$/ })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Log in over an unencrypted connection to a server that offers no STARTTLS (off: the run stops instead). */
  SMTP_ALLOW_PLAINTEXT_AUTH: boolean(false),
  /** A PEM file of extra certificate authorities to trust for the SMTP server (a private CA). */
  SMTP_TLS_CA_FILE: optionalText,
  SMTP_POOL_CONNECTIONS: integer(5, 1, 50),
  SMTP_RATE_PER_SECOND: integer(0, 0),
  OUTBOX_DIR: z.string().min(1).default('outbox'),
  SEND_RETRIES: integer(3, 0, 10),
  HARD_BOUNCE_LIMIT: integer(2, 1, 100),
  DKIM_DOMAIN: optionalText,
  DKIM_SELECTOR: optionalText,
  DKIM_PRIVATE_KEY: optionalText,
  DKIM_PRIVATE_KEY_FILE: optionalText,

  // Subscribers and web
  DATABASE_PATH: z.string().min(1).default('subscribers/papermail.db'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8080'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: integer(8080, 0, 65_535),
  APP_SECRET: optionalText.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  ADMIN_TOKEN: optionalText.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  CONFIRM_TOKEN_TTL_HOURS: integer(48, 1),
  SUBSCRIBE_LIMIT_PER_IP_PER_HOUR: integer(20, 1),
  SUBSCRIBE_LIMIT_PER_ADDRESS_PER_HOUR: integer(3, 1),

  // Schedule
  CRON_SCHEDULE: z.string().trim().min(9).default('0 8 * * *'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config extends Env {
  /** The HMAC key for tokens: APP_SECRET, or a fixed development key on localhost. */
  secret: string;
  /** True when PUBLIC_URL points at this machine (development, preview and quick start). */
  isLocal: boolean;
}

/** Reads config from an environment object (process.env in production, a literal in tests). */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  const result = EnvSchema.safeParse(relevantVariables(environment));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const value = environment[name];
    const shown = value === undefined ? 'unset' : isSecretName(name) ? 'value hidden' : JSON.stringify(value);
    throw new PapermailError('ECONFIG', `${name} ${issue.message} (got ${shown})`);
  }
  const env = result.data;
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

function relevantVariables(environment: Record<string, string | undefined>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of Object.keys(EnvSchema.shape)) {
    const value = environment[name];
    // An empty assignment in .env (`SMTP_URL=`) means "use the default".
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

function isSecretName(name: string): boolean {
  return /SECRET|TOKEN|KEY|SMTP_URL/.test(name);
}

export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
