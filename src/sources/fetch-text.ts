/**
 * One GET with a per-request timeout and retries. Network errors, timeouts, 429 and 5xx are
 * worth another try (Hugging Face sheds load that way); any other 4xx will not change by asking
 * again and fails at once.
 */
import { PapermailError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';

export interface FetchTextOptions {
  timeoutMs: number;
  /** Extra attempts after the first. */
  retries: number;
  /** What the request is for, in the failure message: "could not reach <host> for <purpose>". */
  purpose: string;
  fetch?: typeof fetch;
  sleep?: (milliseconds: number) => Promise<void>;
  logger?: Logger;
  random?: () => number;
}

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const MAX_RETRY_AFTER_MS = 60_000;

export const realSleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The response body of a 2xx answer, as text. */
export async function fetchText(url: string, options: FetchTextOptions): Promise<string> {
  const { timeoutMs, retries, purpose } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? realSleep;
  const logger = options.logger ?? silentLogger;
  const host = new URL(url).host;
  const attempts = retries + 1;

  let failure = '';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const outcome = await attemptOnce(url, timeoutMs, fetchImpl);
    if ('text' in outcome) return outcome.text;
    failure = outcome.failure;
    if (attempt === attempts) break;
    const delay = retryDelayMs(attempt, outcome.retryAfterMs, options.random);
    logger.warn(`${host}: ${failure}; trying again in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${attempts})`);
    await sleep(delay);
  }
  throw new PapermailError(
    'ENETWORK',
    `could not reach ${host} for ${purpose}: ${failure} after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`,
  );
}

type Outcome = { text: string } | { failure: string; retryAfterMs?: number };

async function attemptOnce(url: string, timeoutMs: number, fetchImpl: typeof fetch): Promise<Outcome> {
  try {
    // The signal also covers reading the body: a server that stalls mid-answer times out too.
    const response = await fetchImpl(url, {
      headers: { accept: 'application/json, text/plain;q=0.5' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) return { text: await response.text() };
    await response.body?.cancel().catch(() => undefined); // frees the connection for the next attempt
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status === 429 || response.status >= 500) {
      const retryAfterMs = retryAfterOf(response.headers.get('retry-after'));
      return retryAfterMs === undefined ? { failure: status } : { failure: status, retryAfterMs };
    }
    throw new PapermailError('ESOURCE', `${url} answered ${status}; not retried, as a client error will not change by asking again`);
  } catch (error) {
    if (error instanceof PapermailError) throw error;
    return { failure: describeFetchError(error, timeoutMs) };
  }
}

/**
 * Exponential backoff (1 s, 2 s, 4 s, ... capped) with up to 50% random extra, so that several
 * papermail instances retrying after the same outage do not arrive together. A Retry-After from
 * the server is honoured when it asks for longer (up to a minute).
 */
export function retryDelayMs(attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponential = BASE_DELAY_MS * 2 ** (attempt - 1);
  const withJitter = Math.min(exponential * (1 + 0.5 * random()), MAX_DELAY_MS);
  if (retryAfterMs === undefined) return Math.round(withJitter);
  return Math.round(Math.max(withJitter, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
}

/** Retry-After in seconds; the HTTP-date form is ignored (backoff applies) to keep the clock out. */
function retryAfterOf(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  const code = cause?.code;
  const plain: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  if (code !== undefined) return plain[code] ? `${plain[code]} (${code})` : (cause?.message ?? code);
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
