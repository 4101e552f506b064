/**
 * Preparing a day, by exactly one of the runs that start it: every `send`, `worker` and
 * `serve` schedule of a day may start at the same moment, on several machines. The one that
 * takes the day's prepare lock (in the store, expiring by the store's clock) freezes the
 * issue and creates its ledger rows; the others wait until the day is marked prepared and
 * then claim rows beside it. A preparer that dies leaves its lock to expire (or, on the same
 * host, to be taken over at once), and a waiting run becomes the preparer. Preparing twice
 * would still be correct (freezing is first-wins, preparing is idempotent): the lock saves
 * the work, and keeps the others from claiming before every row exists.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { PapermailError } from '../errors.js';
import type { Logger } from '../logger.js';
import { retryWhileBusy, type BusyRetryPolicy } from '../subscribers/busy-retry.js';
import type { FrozenIssueRecord, FrozenIssues, SendLedger } from './send-ledger.js';

export type PrepareStore = Pick<FrozenIssues, 'frozenIssue'> &
  Pick<SendLedger, 'prepareIssue' | 'acquirePrepareLock' | 'refreshPrepareLock' | 'releasePrepareLock'>;

/** How long a run waits for another one preparing the day, and how often it looks. */
export interface PrepareWait {
  /** Give up (ELOCKED) after this long; 15 minutes by default, several times a million-row prepare. */
  timeoutMs?: number;
  /** Look again this often; 250 ms by default. */
  pollMs?: number;
}

export interface PrepareDayRequest {
  store: PrepareStore;
  issueDate: string;
  /** The run's owner id (`<host>:<pid>:<random>`), the same as its claims'. */
  owner: string;
  logger: Logger;
  signal?: AbortSignal;
  wait?: PrepareWait;
  lockTtlMs?: number;
  lockRefreshMs?: number;
}

/** What happened: this run prepared the day (and `prepare` returned `value`), or another run had or did. */
export type PrepareOutcome<T> = { role: 'preparer'; value: T } | { role: 'joined'; record: FrozenIssueRecord };

const DEFAULT_WAIT_MS = 15 * 60_000;
const DEFAULT_POLL_MS = 250;
const DEFAULT_LOCK_TTL_MS = 60_000;
const DEFAULT_LOCK_REFRESH_MS = 15_000;

/** True when the day's ledger rows all exist. */
export function isPrepared(record: FrozenIssueRecord | undefined): record is FrozenIssueRecord & { preparedAt: string } {
  return record !== undefined && record.preparedAt !== null;
}

/**
 * Returns once the day is prepared: at once when it is already; else after running `prepare`
 * under the day's prepare lock, or after waiting for the run that holds it.
 */
export async function prepareDayOnce<T>(request: PrepareDayRequest, prepare: () => Promise<T>): Promise<PrepareOutcome<T>> {
  const { store, issueDate, owner, logger, signal } = request;
  const timeoutMs = request.wait?.timeoutMs ?? DEFAULT_WAIT_MS;
  const pollMs = request.wait?.pollMs ?? DEFAULT_POLL_MS;
  const ttlMs = request.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const startedAt = performance.now();
  let waiting = false;
  for (;;) {
    const record = await store.frozenIssue(issueDate);
    if (isPrepared(record)) {
      if (waiting) logger.info(`issue ${issueDate}: prepared by another run; joining the sending`);
      return { role: 'joined', record };
    }
    if (await store.acquirePrepareLock(issueDate, owner, ttlMs)) {
      // Another run may have prepared the day and let go of the lock between our look and our taking it.
      const again = await store.frozenIssue(issueDate);
      if (isPrepared(again)) {
        await store.releasePrepareLock(issueDate, owner);
        return { role: 'joined', record: again };
      }
      return { role: 'preparer', value: await whileHolding(request, ttlMs, prepare) };
    }
    if (signal?.aborted) throw new PapermailError('ELOCKED', `stopped while waiting for another run to prepare the issue of ${issueDate}`);
    if (performance.now() - startedAt >= timeoutMs) {
      throw new PapermailError(
        'ELOCKED',
        `another run has been preparing the issue of ${issueDate} for over ${Math.round(timeoutMs / 1000)} s and it is not ready; ` +
          `try again later (its lock is freed when that run stops, or within ${Math.round(ttlMs / 1000)} s of it dying)`,
      );
    }
    if (!waiting) logger.info(`issue ${issueDate}: another run is preparing the day; waiting for it to finish`);
    waiting = true;
    await delay(pollMs, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
}

/** Runs `prepare` with the lock refreshed in the background, and releases it afterwards. */
async function whileHolding<T>(request: PrepareDayRequest, ttlMs: number, prepare: () => Promise<T>): Promise<T> {
  const { store, issueDate, owner, logger } = request;
  const timer = setInterval(() => {
    // A lost lock is no danger (preparing twice is idempotent), only wasted work: say so and go on.
    store.refreshPrepareLock(issueDate, owner, ttlMs).then(
      (kept) => {
        if (!kept) logger.warn(`the prepare lock of ${issueDate} was taken over by another run; both prepare, which is safe`);
      },
      (error: unknown) => logger.warn(`could not refresh the prepare lock of ${issueDate} yet: ${(error as Error).message}`),
    );
  }, request.lockRefreshMs ?? DEFAULT_LOCK_REFRESH_MS);
  timer.unref();
  try {
    return await prepare();
  } finally {
    clearInterval(timer);
    try {
      await store.releasePrepareLock(issueDate, owner);
    } catch (error) {
      // Never hides the error that ended preparing; the lock expires on its own.
      logger.error(`could not release the prepare lock of ${issueDate} (it expires by itself): ${(error as Error).message}`);
    }
  }
}

/** Creates the day's ledger rows (waiting out another process's write lock) and says how many. */
export async function prepareLedger(
  store: Pick<SendLedger, 'prepareIssue'>,
  issueDate: string,
  logger: Logger,
  retry: Omit<BusyRetryPolicy, 'onRetry'>,
): Promise<void> {
  const { added } = await retryWhileBusy(() => store.prepareIssue(issueDate), retry);
  if (added > 0) logger.info(`issue ${issueDate}: prepared ${added} recipients`);
}

