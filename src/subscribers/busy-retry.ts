/**
 * Waiting out another process's write lock. The store already waits for the lock for its
 * busy timeout; a lock held longer than that (a 100k import, a paused sender) ends in EBUSY
 * with nothing written, so the call can simply be made again after a pause. The web side
 * retries every store call a few times before answering 503; the send loop retries its
 * ledger writes for minutes, because an accepted message must end up recorded as sent.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isPapermailError, type PapermailError } from '../errors.js';

export interface BusyRetryPolicy {
  /** Attempts after the first; then the EBUSY is passed on. */
  retries: number;
  /** The pause before the first retry; each further pause doubles, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Real timers by default; tests may shorten the pauses. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (error: PapermailError, retry: number, delayMs: number) => void;
}

/** Runs `work`, and again after a growing pause each time it fails with EBUSY, up to the policy's retries. */
export async function retryWhileBusy<T>(work: () => Promise<T>, policy: BusyRetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => delay(ms));
  for (let retry = 1; ; retry += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isPapermailError(error, 'EBUSY') || retry > policy.retries) throw error;
      const pause = busyRetryDelay(policy, retry);
      policy.onRetry?.(error, retry, pause);
      await sleep(pause);
    }
  }
}

/** The pause before retry number `retry` (1-based). */
export function busyRetryDelay(policy: Pick<BusyRetryPolicy, 'firstDelayMs' | 'maxDelayMs'>, retry: number): number {
  return Math.min(policy.firstDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
}

/**
 * The same store, with every promise-returning method retried on EBUSY. Safe because a
 * store method that fails with EBUSY has written nothing. Streams (all, pendingRecipients)
 * are passed through: they only read, and readers never wait in WAL mode.
 */
export function retryingWhileBusy<Store extends object>(store: Store, policy: BusyRetryPolicy): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) => {
        const call = () => Reflect.apply(value, target, args) as unknown;
        const first = call();
        if (!(first instanceof Promise)) return first;
        let pending: Promise<unknown> | undefined = first;
        return retryWhileBusy(() => {
          // The first attempt is the call already made; later ones call again.
          const attempt = pending ?? (call() as Promise<unknown>);
          pending = undefined;
          return attempt;
        }, policy);
      };
    },
  });
}
