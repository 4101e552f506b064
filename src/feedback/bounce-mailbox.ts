/**
 * The bounce mailbox: BOUNCE_ADDRESS's mail, kept by an IMAP server, read by `serve` every
 * BOUNCE_IMAP_POLL_SECONDS. One poll connects, reads every message it has not given up on,
 * records what each report says (src/feedback/record.ts) and moves the message to
 * BOUNCE_IMAP_DONE_MAILBOX. Nothing is ever deleted:
 *
 * - a message the reader cannot read (an auto-reply, a person's answer) stays where it is,
 *   flagged with the keyword $PapermailUnreadable so later polls skip it, for a person to look at;
 * - a message whose recording failed (the store busy or down) stays where it is unflagged: the
 *   next poll reads it again, and the events' keys make recording it twice count once.
 *
 * The password goes only over TLS: imaps://, or imap:// with STARTTLS required, unless the
 * server is this machine named literally or BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH=true (the same
 * rule as SMTP_URL's, src/delivery/transport.ts).
 */
import { rootCertificates } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { isLocalHost, type Config } from '../config/config.js';
import type { LoginProtection } from '../delivery/transport.js';
import { PapermailError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReadBounceMessage } from './bounce-message.js';
import { ReportedEventSchema, type ReportedEvent } from './delivery-event.js';
import { MAX_BOUNCE_MESSAGE_BYTES } from './read-bounce.js';
import { recordReportedEvents, type FeedbackContext } from './record.js';

export type BounceMailboxSettings = Pick<Config, 'BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH' | 'BOUNCE_IMAP_DONE_MAILBOX'> & {
  BOUNCE_IMAP_URL: string;
};

/** The keyword on a message papermail could not read: later polls leave it alone. */
export const UNREADABLE_KEYWORD = '$PapermailUnreadable';

/** What one poll did, logged in one line. */
export interface MailboxPollSummary {
  /** Messages read this poll (those flagged unreadable by an earlier poll are not read again). */
  read: number;
  /** Events recorded for the first time, and events recorded before (the same report again). */
  recorded: number;
  duplicates: number;
  /** Events that matched no subscriber (dropped: there is nobody to suppress). */
  unmatched: number;
  /** Messages read this poll that were not reports papermail can read: flagged and left in place. */
  unreadable: number;
  /** Messages read this poll and left in place: the unreadable ones and those whose recording failed. */
  left: number;
}

/** Where the mailbox is, from BOUNCE_IMAP_URL: imap[s]://user:password@host[:port]/MAILBOX. */
export interface MailboxAddress {
  secure: boolean;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The mailbox to read, INBOX when the URL names none. */
  mailbox: string;
  protection: LoginProtection;
}

export interface PollOptions {
  settings: BounceMailboxSettings;
  readBounceMessage: ReadBounceMessage;
  feedback: FeedbackContext;
  /**
   * Extra certificate authorities to trust, added to the public ones (a private CA). There is
   * no setting for it yet; tests pass the certificate their Dovecot presents.
   */
  ca?: string;
  /** Aborted (at shutdown): the poll stops before the next message; what it did so far stands. */
  signal?: AbortSignal;
}

export function mailboxAddress(url: string, allowPlaintextAuth: boolean): MailboxAddress {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'imaps:';
  if (!secure && parsed.protocol !== 'imap:') {
    throw new PapermailError('ECONFIG', `BOUNCE_IMAP_URL must be an imap:// or imaps:// URL (got ${parsed.protocol}//…)`);
  }
  if (parsed.username === '' || parsed.password === '') {
    throw new PapermailError('ECONFIG', `BOUNCE_IMAP_URL names no user and password to log in with (${displayMailboxUrl(url)})`);
  }
  const mailbox = decodeURIComponent(parsed.pathname.replace(/^\/+/, '')) || 'INBOX';
  return {
    secure,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    mailbox,
    protection: mailboxLoginProtection(url, allowPlaintextAuth),
  };
}

/**
 * How the password is protected (LoginProtection, as for SMTP_URL): imaps:// needs nothing
 * more; imap:// to a host named literally as this machine sends it in the clear, where
 * nothing crosses a network; otherwise STARTTLS is required, unless the operator allowed
 * plaintext. Only the literal names count as local: a name that resolves to this machine
 * today may resolve elsewhere tomorrow.
 */
export function mailboxLoginProtection(url: string, allowPlaintextAuth: boolean): LoginProtection {
  const parsed = new URL(url);
  if (parsed.protocol === 'imaps:') return 'none-needed';
  if (isLocalHost(parsed.hostname)) return 'loopback';
  return allowPlaintextAuth ? 'plaintext-allowed' : 'tls-required';
}

/** imap[s]://user@host:port/MAILBOX, never with the password: for logs and errors. */
export function displayMailboxUrl(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'imaps:' ? '993' : '143');
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  const mailbox = decodeURIComponent(parsed.pathname.replace(/^\/+/, '')) || 'INBOX';
  return `${parsed.protocol}//${user}${parsed.hostname}:${port}/${mailbox}`;
}

/** The one warning a mailbox has at start: a password allowed without TLS. Call once, when `serve` starts polling. */
export function warnAboutPlaintextLogin(settings: BounceMailboxSettings, logger: Logger): void {
  if (mailboxLoginProtection(settings.BOUNCE_IMAP_URL, settings.BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH) === 'plaintext-allowed') {
    logger.warn(
      `BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH=true: the mailbox password goes to ${displayMailboxUrl(settings.BOUNCE_IMAP_URL)} ` +
        'unencrypted if the server offers no STARTTLS',
    );
  }
}

/** The poll in one log line. */
export function describePoll(summary: MailboxPollSummary, where: string): string {
  const { read, recorded, duplicates, unmatched, unreadable, left } = summary;
  return (
    `bounce mailbox ${where}: read ${read} message${read === 1 ? '' : 's'}, ` +
    `recorded ${recorded} event${recorded === 1 ? '' : 's'} (${duplicates} already recorded, ${unmatched} matched nobody), ` +
    `${unreadable} unreadable, ${left} left in place`
  );
}

/** Reads the mailbox once (see the top of this file). Throws EMAILBOX when the server cannot be reached, logged in to or read. */
export async function pollBounceMailbox(options: PollOptions): Promise<MailboxPollSummary> {
  const { settings, feedback } = options;
  const address = mailboxAddress(settings.BOUNCE_IMAP_URL, settings.BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH);
  const where = displayMailboxUrl(settings.BOUNCE_IMAP_URL);
  // The setting names levels with "/"; the array is joined with the server's own delimiter.
  const done = settings.BOUNCE_IMAP_DONE_MAILBOX.split('/').filter((level) => level !== '');
  if (done.join('/').toUpperCase() === address.mailbox.replace(/^\/+|\/+$/g, '').toUpperCase()) {
    throw new PapermailError('ECONFIG', `BOUNCE_IMAP_DONE_MAILBOX is the mailbox that is read (${address.mailbox}): handled reports would be read again`);
  }

  const client = new ImapFlow(clientOptions(address, options.ca));
  // An error after connecting (the socket dropped) comes as an event; unheard, it would end the process.
  client.on('error', (error: Error) => feedback.logger.debug(`bounce mailbox ${where}: ${hideSecret(error.message, address.password)}`));
  const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw mailboxError(where, what, error, address);
    }
  };

  // At shutdown the poll stops before the next message; a command the server leaves hanging is cut after a grace.
  let cut: NodeJS.Timeout | undefined;
  const cutAfterGrace = () => {
    cut = setTimeout(() => client.close(), ABORT_GRACE_MS);
    cut.unref();
  };
  options.signal?.addEventListener('abort', cutAfterGrace, { once: true });

  try {
    await step('connect', () => client.connect());
    try {
      await step(`create ${settings.BOUNCE_IMAP_DONE_MAILBOX}`, () => ensureMailbox(client, done));
      const lock = await step(`open ${address.mailbox}`, () => client.getMailboxLock(address.mailbox));
      try {
        return await readMessages(client, done, options, step);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
  } finally {
    options.signal?.removeEventListener('abort', cutAfterGrace);
    clearTimeout(cut);
  }
}

/** Creates the mailbox unless it exists (a server without RFC 5530's ALREADYEXISTS answers a plain NO: then it is looked up). */
async function ensureMailbox(client: ImapFlow, path: string[]): Promise<void> {
  try {
    await client.mailboxCreate(path);
  } catch (error) {
    const joined = path.join(client.namespace?.delimiter ?? '/');
    const exists = (await client.list()).some((mailbox) => mailbox.path === joined || mailbox.path === `${client.namespace?.prefix ?? ''}${joined}`);
    if (!exists) throw error;
  }
}

type Step = <T>(what: string, work: () => Promise<T>) => Promise<T>;

async function readMessages(client: ImapFlow, done: string[], options: PollOptions, step: Step): Promise<MailboxPollSummary> {
  const { feedback, readBounceMessage } = options;
  const where = displayMailboxUrl(options.settings.BOUNCE_IMAP_URL);
  const summary: MailboxPollSummary = { read: 0, recorded: 0, duplicates: 0, unmatched: 0, unreadable: 0, left: 0 };
  const uids = await step('search', async () => (await client.search({ unKeyword: UNREADABLE_KEYWORD }, { uid: true })) || []);
  const flagUnreadable = (uid: number, reason: string) =>
    step('flag', async () => {
      await client.messageFlagsAdd(String(uid), [UNREADABLE_KEYWORD], { uid: true });
      feedback.logger.warn(`bounce mailbox ${where}: message ${uid} left in place, unread: ${reason}`);
      summary.unreadable += 1;
      summary.left += 1;
    });

  for (const uid of uids) {
    // Shutting down: what is not read yet waits for the next start.
    if (options.signal?.aborted) break;
    const message = await step('fetch', () => client.fetchOne(String(uid), { uid: true, size: true, internalDate: true }, { uid: true }));
    if (!message) continue; // Expunged by someone else since the search.
    summary.read += 1;
    // Judged on the size the server reports, so such a message is never fetched into memory.
    if ((message.size ?? 0) > MAX_BOUNCE_MESSAGE_BYTES) {
      await flagUnreadable(uid, `${message.size} bytes, larger than any report (${MAX_BOUNCE_MESSAGE_BYTES} at most)`);
      continue;
    }
    const source = await step('fetch', async () => (await client.fetchOne(String(uid), { source: true }, { uid: true })) || undefined);
    if (!source?.source) continue;
    const received = message.internalDate instanceof Date ? message.internalDate : new Date();

    const events = await reportEvents(readBounceMessage, source.source, received);
    if (events.kind === 'unreadable') {
      await flagUnreadable(uid, events.reason);
      continue;
    }
    try {
      for (const outcome of await recordReportedEvents(feedback, events.events)) {
        if (outcome.kind === 'recorded') summary.recorded += 1;
        else if (outcome.kind === 'duplicate') summary.duplicates += 1;
        else summary.unmatched += 1;
      }
    } catch (error) {
      feedback.logger.error(
        `bounce mailbox ${where}: message ${uid} left in place, its report could not be recorded (the next poll tries again): ${errorText(error)}`,
      );
      summary.left += 1;
      continue;
    }
    await step(`move to ${options.settings.BOUNCE_IMAP_DONE_MAILBOX}`, () => client.messageMove(String(uid), done, { uid: true }));
  }
  return summary;
}

/** The reader's events, each checked against the glossary; a reader that fails or answers nonsense makes the message unreadable. */
async function reportEvents(
  read: ReadBounceMessage,
  raw: Buffer,
  received: Date,
): Promise<{ kind: 'report'; events: ReportedEvent[] } | { kind: 'unreadable'; reason: string }> {
  let reading;
  try {
    reading = await read(raw, received);
  } catch (error) {
    return { kind: 'unreadable', reason: `the reader failed: ${errorText(error)}` };
  }
  if (reading.kind === 'unreadable') return reading;
  const events: ReportedEvent[] = [];
  for (const event of reading.events) {
    const checked = ReportedEventSchema.safeParse(event);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return { kind: 'unreadable', reason: `the reader made an invalid event (${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'})` };
    }
    events.push(checked.data);
  }
  return { kind: 'report', events };
}

/** How long a poll may take to finish its current step once shutdown asked it to stop. */
const ABORT_GRACE_MS = 5_000;

const TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 20_000, socketTimeout: 120_000 };

function clientOptions(address: MailboxAddress, ca: string | undefined): ImapFlowOptions {
  return {
    host: address.host,
    port: address.port,
    secure: address.secure,
    // tls-required: STARTTLS before LOGIN, or no connection (imapflow fails with tlsFailed);
    // loopback: stay in the clear (a local server's certificate names its public host, not localhost);
    // plaintext-allowed: STARTTLS when offered, the clear otherwise.
    ...(address.secure
      ? {}
      : { doSTARTTLS: address.protection === 'tls-required' ? true : address.protection === 'loopback' ? false : undefined }),
    auth: { user: address.user, pass: address.password },
    ...(ca ? { tls: { ca: [...rootCertificates, ca] } } : {}),
    ...TIMEOUTS,
    // One poll, then logout: no IDLE between commands, no imapflow log lines (they are not ours to print).
    disableAutoIdle: true,
    logger: false,
  };
}

/** EMAILBOX in one line naming the mailbox and what failed, never the password. */
function mailboxError(where: string, what: string, error: unknown, address: MailboxAddress): PapermailError {
  if (error instanceof PapermailError) return error;
  const failure = error as { authenticationFailed?: boolean; tlsFailed?: boolean; responseText?: string; code?: string; message?: string };
  let detail: string;
  if (failure.authenticationFailed) {
    detail = `the server refused the login for ${address.user}${failure.responseText ? ` (${failure.responseText})` : ''}`;
  } else if (failure.tlsFailed && !address.secure && address.protection === 'tls-required') {
    detail =
      `no STARTTLS, and the password goes only over TLS (${failure.message ?? 'TLS failed'}): ` +
      'use imaps://, or set BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH=true to send it unencrypted';
  } else {
    const text = failure.responseText ?? failure.message ?? String(error);
    detail = `${what} failed: ${text}${failure.code && !text.includes(failure.code) ? ` (${failure.code})` : ''}`;
  }
  return new PapermailError('EMAILBOX', `bounce mailbox ${where}: ${hideSecret(detail, address.password)}`, { cause: error });
}

/** A server or library message might quote what it was sent: the password never reaches a log. */
function hideSecret(text: string, password: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (password === '') return oneLine;
  return oneLine.split(password).join('***').split(encodeURIComponent(password)).join('***');
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}
