/**
 * Every failure a user can cause or meet is a PapermailError with a stable code,
 * in the style of Nodemailer's `err.code`. Entry points (CLI, HTTP) turn these into
 * one line or a status; anything else reaching them is a bug and is reported as such.
 */
export type ErrorCode =
  | 'ECONFIG' // an environment variable or config file is invalid
  | 'EUSAGE' // a command-line argument is invalid
  | 'ESOURCE' // a paper list could not be read or is in no known format
  | 'ENETWORK' // a remote source could not be reached
  | 'ETEMPLATE' // a template failed to compile or validate
  | 'ESTORE' // the subscriber store failed or is in an unexpected state
  | 'EBUSY' // the store stayed locked by another process for longer than we wait: try again
  | 'EINPUT' // a user-supplied value (email, CSV row, form field) is invalid
  | 'ETOKEN' // a signed token is forged, altered, expired or for another purpose
  | 'ELOCKED' // another run holds the lock of preparing the day, and did not finish within the wait
  | 'EFROZEN' // the day's issue is frozen and a message of it was accepted: it can no longer be rebuilt
  | 'ETRANSPORT' // the mail server refused us as a whole (auth, unreachable)
  | 'EWEBHOOK' // a webhook's request is unsigned, forged, stale or malformed: nothing was recorded
  | 'EMAILBOX' // the bounce mailbox could not be reached, logged in to or read
  | 'ENOTFOUND'; // a requested record or issue does not exist

export class PapermailError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PapermailError';
    this.code = code;
  }
}

export function isPapermailError(error: unknown, code?: ErrorCode): error is PapermailError {
  return error instanceof PapermailError && (code === undefined || error.code === code);
}
