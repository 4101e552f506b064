/**
 * What a failed send means for the run, decided from the error Nodemailer (or the outbox)
 * hands back:
 *  - temporary: this message may go through later (4xx, dropped or timed-out connection):
 *    retry within the run, then leave it deferred for the next run;
 *  - permanent: the server refused this recipient for good (5xx on RCPT TO or DATA):
 *    never retry, count a hard bounce;
 *  - fatal: nothing will get through (login refused, server unreachable, sender refused,
 *    TLS failure, outbox not writable): stop the run and keep the ledger as it is.
 * Anything unrecognised is fatal: stopping is always safe (the next run resumes), while
 * wrongly marking a subscriber failed or retrying forever is not.
 */
import { PapermailError } from '../errors.js';

export type FailureKind = 'temporary' | 'permanent' | 'fatal';

/** The fields Nodemailer sets on its errors; every one is optional. */
interface SendErrorFields {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  command?: unknown;
  response?: unknown;
  message?: unknown;
}

const FATAL_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'EREQUIRETLS', 'ECONFIG', 'EPROXY']);
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS']);
/** Socket-level causes that mean the server cannot be reached at all, as opposed to a flaky link. */
const UNREACHABLE_CAUSES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
/** 5xx replies about authentication: the account, not the recipient, is refused. */
const AUTH_REPLY_CODES = new Set([530, 534, 535, 538]);
/** Replies that reject a mailbox (unknown user, mailbox full, not allowed, transaction failed). */
const RECIPIENT_REJECTION_CODES = new Set([550, 551, 552, 553, 554]);

export function classifySendError(error: unknown): FailureKind {
  const fields = fieldsOf(error);
  const code = typeof fields.code === 'string' ? fields.code : '';
  const cause = typeof fields.originalCode === 'string' ? fields.originalCode : code;
  const command = typeof fields.command === 'string' ? fields.command.toUpperCase() : '';
  const reply = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;

  if (FATAL_CODES.has(code) || isTlsCause(cause)) return 'fatal';
  if (reply !== undefined) return classifyReply(reply, command);
  if (CONNECTION_CODES.has(code)) return UNREACHABLE_CAUSES.has(cause) ? 'fatal' : 'temporary';
  // An address Nodemailer itself refused to put in the envelope: this recipient only.
  if (code === 'EENVELOPE') return 'permanent';
  // The pool ran out of messages for a connection; a fresh one takes the message.
  if (code === 'EMAXLIMIT') return 'temporary';
  return 'fatal';
}

function classifyReply(reply: number, command: string): FailureKind {
  if (reply >= 400 && reply < 500) return 'temporary';
  if (reply < 500 || reply >= 600) return 'fatal';
  if (AUTH_REPLY_CODES.has(reply)) return 'fatal';
  // 503 "bad sequence of commands" is about the session, not the message (RFC 5321 §4.2.4).
  if (reply === 503) return 'temporary';
  if (command.startsWith('RCPT')) return 'permanent';
  if (command.startsWith('DATA') && RECIPIENT_REJECTION_CODES.has(reply)) return 'permanent';
  // A 5xx to MAIL FROM, the greeting, EHLO or a malformed DATA will meet every recipient alike.
  return 'fatal';
}

/**
 * True for the error a connection-level problem produces (no SMTP reply at all): a run that
 * meets many of these in a row is talking to a server that is gone, not to a flaky link.
 */
export function isConnectionFailure(error: unknown): boolean {
  const fields = fieldsOf(error);
  return typeof fields.responseCode !== 'number' && CONNECTION_CODES.has(String(fields.code));
}

/** One line for the ledger and the log: the server's reply when there is one. */
export function describeSendError(error: unknown): string {
  const fields = fieldsOf(error);
  const command = typeof fields.command === 'string' && fields.command !== 'CONN' ? ` (after ${fields.command})` : '';
  if (typeof fields.response === 'string' && fields.response !== '') return `${fields.response.trim()}${command}`;
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  const code = typeof fields.code === 'string' && !message.includes(fields.code) ? `${fields.code}: ` : '';
  return `${code}${message}${command}`;
}

function isTlsCause(cause: string): boolean {
  return cause.startsWith('ERR_TLS') || cause.startsWith('ERR_SSL') || isCertificateCause(cause);
}

/** OpenSSL's verification failures: the server's certificate is not one this machine trusts. */
function isCertificateCause(cause: string): boolean {
  return (
    cause.startsWith('CERT_') ||
    cause.includes('SELF_SIGNED') ||
    cause === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    cause === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  );
}

function fieldsOf(error: unknown): SendErrorFields {
  return typeof error === 'object' && error !== null ? (error as SendErrorFields) : { message: String(error) };
}

/** The run-stopping error for a fatal failure, phrased for the person who has to fix it. */
export function transportFailure(error: unknown, where: string, consequence = ''): PapermailError {
  const fields = fieldsOf(error);
  const code = typeof fields.code === 'string' ? fields.code : '';
  const cause = typeof fields.originalCode === 'string' ? fields.originalCode : code;
  const reply = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;
  const detail = describeSendError(error);
  let message: string;
  if (code === 'EAUTH' || code === 'ENOAUTH' || (reply !== undefined && AUTH_REPLY_CODES.has(reply))) {
    message = `mail server ${where} refused login: ${detail}; check the user name and password in SMTP_URL`;
  } else if (isCertificateCause(cause)) {
    // Nodemailer reports a refused certificate as a socket error: it is not a reachability problem.
    message = `TLS with mail server ${where} failed: ${detail} (${cause}); if the server's certificate comes from a private CA, set SMTP_TLS_CA_FILE`;
  } else if (UNREACHABLE_CAUSES.has(cause) || CONNECTION_CODES.has(code)) {
    message = `cannot reach mail server ${where}: ${detail}; check the host and port in SMTP_URL`;
  } else if (code === 'ETLS' && reply !== undefined && reply >= 500) {
    // STARTTLS refused for good ("command not recognized"): the session ended before AUTH.
    message =
      `mail server ${where} offers no STARTTLS (${detail}), and papermail logs in only over TLS: ` +
      'use smtps:// or a port that offers STARTTLS, or set SMTP_ALLOW_PLAINTEXT_AUTH=true to send the password unencrypted';
  } else if (code === 'ETLS' || isTlsCause(cause)) {
    message = `TLS with mail server ${where} failed: ${detail}`;
  } else if (typeof fields.command === 'string' && fields.command.toUpperCase().startsWith('MAIL')) {
    message = `mail server ${where} refused the sender: ${detail}; check MAIL_FROM`;
  } else {
    message = `${where} failed: ${detail}`;
  }
  return new PapermailError('ETRANSPORT', consequence ? `${message} (${consequence})` : message, { cause: error });
}
