/**
 * How a failure looks to a visitor: a status and a short page, never a stack trace.
 * Typed errors a visitor caused say what was wrong; a store that stayed locked by another
 * process is a 503 with Retry-After; a service the server needs failing it (the papers API
 * unreachable, the mail server refusing) is a 502/503; a typed server-side error is logged in
 * one line, anything else (a bug) is a 500 logged in full and shown as "something went wrong".
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isPapermailError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Pages } from './pages.js';
import type { RateLimitDecision } from './rate-limit.js';

const STATUS_FOR: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  EINPUT: 400,
  EUSAGE: 400,
  ETOKEN: 400,
  ENOTFOUND: 404,
  ELOCKED: 409,
  EBUSY: 503,
  // Another service failed us; asking again later may work.
  ESOURCE: 502,
  ENETWORK: 503,
  ETRANSPORT: 503,
};

/** How long a visitor is asked to wait when the store stayed locked: a long import or send step. */
export const STORE_BUSY_RETRY_AFTER_SECONDS = 10;

function statusForError(error: unknown): ContentfulStatusCode {
  if (error instanceof HTTPException) return error.status;
  if (isPapermailError(error)) return STATUS_FOR[error.code] ?? 500;
  return 500;
}

/** The global error handler's answer: JSON under /admin, a page everywhere else. */
export function errorResponse(c: Context, error: unknown, pages: Pages, logger: Logger): Response {
  const status = statusForError(error);
  if (isPapermailError(error, 'EBUSY')) {
    c.header('Retry-After', String(STORE_BUSY_RETRY_AFTER_SECONDS));
    logger.warn(`${c.req.method} ${c.req.path}: answered 503, ${error.message}`);
  } else if (status >= 500) {
    // A typed error is expected (a broken store, a refused mail server): its message says it all.
    const detail = isPapermailError(error) ? `${error.code} ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
    logger.error(`${c.req.method} ${c.req.path} failed: ${detail}`);
  }
  // Only a typed, visitor-caused error's message is shown; it names the field, not internals.
  const detail = status < 500 && isPapermailError(error) ? error.message : undefined;
  if (c.req.path.startsWith('/admin/')) {
    // Past the admin token, so the operator may read what the server met (it names no secret).
    const message = detail ?? (isPapermailError(error) ? error.message : 'the request failed; see the server log');
    return c.json({ error: isPapermailError(error) ? error.code : 'EINTERNAL', message }, status);
  }
  if (isPapermailError(error, 'ETOKEN')) return c.html(pages.invalidLink(), 400);
  if (isPapermailError(error, 'EBUSY')) return c.html(storeBusyPage(pages), status);
  return c.html(pageForStatus(pages, status, detail), status);
}

function storeBusyPage(pages: Pages): string {
  return pages.message({
    title: 'Busy, nothing was changed',
    message: `The server is busy with another task and could not save this. Nothing was changed; please try again in ${STORE_BUSY_RETRY_AFTER_SECONDS} seconds.`,
  });
}

function pageForStatus(pages: Pages, status: ContentfulStatusCode, detail: string | undefined): string {
  switch (status) {
    case 400:
      return pages.message({ title: 'That did not work', message: detail ?? 'The request was not valid.' });
    case 404:
      return notFoundPage(pages);
    case 409:
      return pages.message({ title: 'Busy', message: detail ?? 'Another operation is in progress. Try again shortly.' });
    case 502:
    case 503:
      return pages.message({
        title: 'Not available right now',
        message: 'A service this page needs could not be reached. The error has been logged; please try again later.',
      });
    default:
      return pages.message({
        title: 'Something went wrong',
        message: 'The server could not handle this request. The error has been logged; please try again later.',
      });
  }
}

export function notFoundPage(pages: Pages): string {
  return pages.message({ title: 'Page not found', message: 'There is nothing at this address.' });
}

/** A 429 page; `refusal` says what came too often (subscription requests unless given). */
export function tooManyRequests(
  c: Context,
  pages: Pages,
  decision: RateLimitDecision,
  refusal = 'Too many subscription requests came from here or for this address.',
): Response {
  c.header('Retry-After', String(decision.retryAfterSeconds));
  const minutes = Math.max(1, Math.ceil(decision.retryAfterSeconds / 60));
  return c.html(
    pages.message({
      title: 'Too many requests',
      message: `${refusal} Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    }),
    429,
  );
}
