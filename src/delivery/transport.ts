/**
 * Where messages go: a pooled SMTP connection when SMTP_URL is set, otherwise .eml files in
 * an outbox folder (development, previews, and a quick start without a mail server). Both
 * sit behind one small interface so the send loop never knows which one it drives.
 */
import { randomBytes, createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, rename, writeFile, access, rm } from 'node:fs/promises';
import { constants as fsConstants, readFileSync } from 'node:fs';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import nodemailer, { type DKIMOptions } from 'nodemailer';
import type { Config } from '../config/config.js';
import { PapermailError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { type AssembledMessage, messageBytes } from './assembled-message.js';
import { installSmtpDataFastPath } from './smtp-data.js';

export interface SendResult {
  messageId: string;
  /** True when the server (or the outbox) took responsibility for the message. */
  accepted: boolean;
  /** The server's final reply, or where the outbox wrote the file. */
  response: string;
}

export interface MailTransport {
  /** papermail's own message (assembled-message.ts): Nodemailer composes nothing, it only DKIM-signs and dot-stuffs. */
  send(message: AssembledMessage): Promise<SendResult>;
  /** Connects and logs in (SMTP) or checks the folder is writable (outbox); throws otherwise. */
  verify(): Promise<void>;
  close(): void;
  /** Where mail goes, for logs and the CLI, never with a password. */
  describe(): string;
}

export type TransportSettings = Pick<
  Config,
  | 'SMTP_URL'
  | 'SMTP_ALLOW_PLAINTEXT_AUTH'
  | 'SMTP_TLS_CA_FILE'
  | 'SMTP_POOL_CONNECTIONS'
  | 'OUTBOX_DIR'
  | 'DKIM_DOMAIN'
  | 'DKIM_SELECTOR'
  | 'DKIM_PRIVATE_KEY'
  | 'DKIM_PRIVATE_KEY_FILE'
>;

/** RFC 8058: one-click unsubscribe only counts when the signature covers both List-Unsubscribe headers. */
const DKIM_SIGNED_HEADERS = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version',
  'Content-Type', 'Content-Transfer-Encoding', 'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post',
].join(':');

const SMTP_TIMEOUTS = {
  connectionTimeout: 20_000,
  greetingTimeout: 20_000,
  // Long enough for a receiving server's content scan after DATA.
  socketTimeout: 120_000,
};

/** Messages one pooled connection carries before it is replaced: servers cap this, often near 100. */
const MESSAGES_PER_CONNECTION = 100;

/** The logger hears the one warning a transport has at start: a password allowed without TLS. */
export function createTransport(config: TransportSettings, logger: Logger = silentLogger): MailTransport {
  const dkim = dkimOptions(config);
  return config.SMTP_URL ? smtpTransport(config.SMTP_URL, config, dkim, logger) : outboxTransport(path.resolve(config.OUTBOX_DIR), dkim);
}

function smtpTransport(url: string, config: TransportSettings, dkim: DKIMOptions | undefined, logger: Logger): MailTransport {
  const login = loginProtection(url, config.SMTP_ALLOW_PLAINTEXT_AUTH);
  if (login === 'plaintext-allowed') {
    logger.warn(
      `SMTP_ALLOW_PLAINTEXT_AUTH=true: the SMTP password goes to ${displayUrl(url)} unencrypted if the server offers no STARTTLS`,
    );
  }
  const ca = config.SMTP_TLS_CA_FILE ? readCaFile(config.SMTP_TLS_CA_FILE) : undefined;
  installSmtpDataFastPath();
  const mailer = nodemailer.createTransport({
    url,
    // Nodemailer sends STARTTLS before AUTH or stops with ETLS: the password never goes out in the clear.
    requireTLS: login === 'tls-required',
    // Added to the public authorities rather than replacing them, so a relay and a provider both verify.
    ...(ca ? { tls: { ca: [...rootCertificates, ca] } } : {}),
    pool: true,
    maxConnections: config.SMTP_POOL_CONNECTIONS,
    maxMessages: MESSAGES_PER_CONNECTION,
    ...SMTP_TIMEOUTS,
    ...(dkim ? { dkim } : {}),
    logger: false,
  });
  const description = `SMTP ${displayUrl(url)} (pool of ${config.SMTP_POOL_CONNECTIONS})`;
  return {
    async send(message) {
      const info = await mailer.sendMail(sendMailOptions(message));
      const accepted = (info.accepted ?? []).length > 0 && (info.rejected ?? []).length === 0;
      return { messageId: info.messageId, accepted, response: info.response ?? '' };
    },
    async verify() {
      await mailer.verify();
    },
    close: () => mailer.close(),
    describe: () => description,
  };
}

function outboxTransport(folder: string, dkim: DKIMOptions | undefined): MailTransport {
  const mailer = nodemailer.createTransport({ streamTransport: true, buffer: true, ...(dkim ? { dkim } : {}), logger: false });
  return {
    async send(message) {
      const info = await mailer.sendMail(sendMailOptions(message));
      const file = await writeAtomically(
        path.join(folder, outboxFolderName(message.issueDate)),
        outboxFileName(message.envelope.to[0], info.messageId),
        info.message as Buffer,
      );
      return { messageId: info.messageId, accepted: true, response: `written to ${file}` };
    },
    async verify() {
      await mkdir(folder, { recursive: true });
      await access(folder, fsConstants.W_OK);
    },
    close: () => mailer.close(),
    describe: () => `outbox folder ${folder}`,
  };
}

/**
 * An assembled message goes as it is (`raw`: Nodemailer composes nothing, only DKIM-signs and
 * dot-stuffs it), with its envelope and Message-ID, so the outbox file holds the same bytes.
 */
function sendMailOptions(message: AssembledMessage) {
  return { envelope: message.envelope, raw: messageBytes(message), messageId: message.messageId };
}

/**
 * One file per message, named after the recipient so a folder listing reads like a
 * mailing list. The name keeps only safe characters (no separators, no leading dot), and a
 * hash of the Message-ID keeps it unique and makes a resend overwrite rather than duplicate.
 */
export function outboxFileName(recipient: string, messageId: string): string {
  const readable = recipient
    .toLowerCase()
    .replace(/[^a-z0-9@._+-]/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 80);
  const unique = createHash('sha256').update(messageId).digest('hex').slice(0, 10);
  return `${readable || 'recipient'}-${unique}.eml`;
}

/** The date (or other label) becomes a folder name: letters, digits and hyphens only, so never a path. */
function outboxFolderName(issueDate: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/i.test(issueDate)) {
    throw new PapermailError('EINPUT', `outbox folder for ${JSON.stringify(issueDate)}: must be an issue id (YYYY-MM-DD, or YYYY-Www for a weekly) or a plain name`);
  }
  return issueDate;
}

/** Writes to a temporary name and renames, so a reader never sees half a message. */
async function writeAtomically(folder: string, name: string, content: Buffer): Promise<string> {
  await mkdir(folder, { recursive: true });
  const target = path.join(folder, name);
  const temporary = path.join(folder, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, content);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return target;
}

/** The DKIM signer options, with the key read once at start so a bad key fails the run before any send. */
function dkimOptions(config: TransportSettings): DKIMOptions | undefined {
  const { DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY, DKIM_PRIVATE_KEY_FILE } = config;
  if (!DKIM_DOMAIN || !DKIM_SELECTOR || !(DKIM_PRIVATE_KEY || DKIM_PRIVATE_KEY_FILE)) return undefined;
  const [privateKey, origin] = DKIM_PRIVATE_KEY_FILE
    ? [readSettingFile('DKIM_PRIVATE_KEY_FILE', DKIM_PRIVATE_KEY_FILE), `DKIM_PRIVATE_KEY_FILE ${DKIM_PRIVATE_KEY_FILE}`]
    : // A key pasted into .env on one line carries its line breaks as "\n".
      [DKIM_PRIVATE_KEY!.replace(/\\n/g, '\n'), 'DKIM_PRIVATE_KEY'];
  try {
    createPrivateKey(privateKey);
  } catch (error) {
    throw new PapermailError('ECONFIG', `${origin} is not a PEM private key (${(error as Error).message})`, { cause: error });
  }
  return { domainName: DKIM_DOMAIN, keySelector: DKIM_SELECTOR, privateKey, headerFieldNames: DKIM_SIGNED_HEADERS };
}

/** A file a setting names, read at start; a missing or unreadable one stops papermail naming both. */
function readSettingFile(setting: 'DKIM_PRIVATE_KEY_FILE' | 'SMTP_TLS_CA_FILE', file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new PapermailError('ECONFIG', `${setting} cannot be read: ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
}

/**
 * How the SMTP_URL's credentials are protected:
 *  - none-needed: no credentials, or smtps:// (TLS from the first byte);
 *  - tls-required: credentials over smtp://, so STARTTLS must succeed before AUTH;
 *  - loopback: a relay on this machine, named literally, where nothing crosses a network;
 *  - plaintext-allowed: the operator set SMTP_ALLOW_PLAINTEXT_AUTH=true.
 * Only the literal names count as loopback: a host name that happens to resolve to this
 * machine today may resolve elsewhere tomorrow.
 */
export type LoginProtection = 'none-needed' | 'tls-required' | 'loopback' | 'plaintext-allowed';

export function loginProtection(url: string, allowPlaintextAuth: boolean): LoginProtection {
  const parsed = new URL(url);
  const hasCredentials = parsed.username !== '' || parsed.password !== '';
  if (!hasCredentials || parsed.protocol === 'smtps:') return 'none-needed';
  if (LOOPBACK_HOSTS.has(parsed.hostname)) return 'loopback';
  return allowPlaintextAuth ? 'plaintext-allowed' : 'tls-required';
}

/** URL hostnames as `new URL` spells them (IPv6 in brackets). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The private CA's certificates, read once at start so a bad file fails the run before any send. */
function readCaFile(file: string): string {
  const text = readSettingFile('SMTP_TLS_CA_FILE', file);
  try {
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no BEGIN CERTIFICATE line');
    new X509Certificate(text);
  } catch (error) {
    throw new PapermailError('ECONFIG', `SMTP_TLS_CA_FILE is not a PEM certificate: ${file} (${(error as Error).message})`, { cause: error });
  }
  return text;
}

/** smtp://host:port with the user name kept and the password dropped. */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'smtps:' ? '465' : '587');
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  return `${parsed.protocol}//${user}${parsed.hostname}:${port}`;
}
