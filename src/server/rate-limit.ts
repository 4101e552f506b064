/**
 * A fixed-window rate limiter kept in memory, one counter per key (an IP prefix, an
 * address). One process serves papermail's web side, so memory is the right place;
 * the clock is a parameter so tests can move time without waiting for it.
 */
export interface RateLimitDecision {
  allowed: boolean;
  /** Hits left in the current window after this one. */
  remaining: number;
  /** Whole seconds until the key's window resets (for Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit for the key and says whether it is within the limit. */
  hit(key: string): RateLimitDecision;
  /**
   * Whole seconds until the key is within its limit again, without counting a hit; 0 when it
   * is within it now. For limits that count only some outcomes (refused webhooks), checked first.
   */
  retryAfter(key: string): number;
  /** Keys currently tracked (for tests and diagnostics). */
  size(): number;
}

export interface RateLimiterOptions {
  /** Hits allowed per key per window. */
  limit: number;
  windowMs: number;
  now?: () => number;
  /**
   * Upper bound on tracked keys. When it is reached, expired windows are swept first; if
   * every window is still live, the oldest key is forgotten — a flood of fresh keys can
   * then reset an old key's count, which is better than the process growing without end.
   */
  maxKeys?: number;
}

interface Window {
  startedAt: number;
  hits: number;
}

export function createRateLimiter({ limit, windowMs, now = Date.now, maxKeys = 10_000 }: RateLimiterOptions): RateLimiter {
  // A Map keeps insertion order, and a key is re-inserted when its window restarts,
  // so the first entries are always the oldest windows.
  const windows = new Map<string, Window>();

  const isExpired = (window: Window, at: number) => at - window.startedAt >= windowMs;

  const sweepExpired = (at: number) => {
    for (const [key, window] of windows) {
      if (!isExpired(window, at)) break;
      windows.delete(key);
    }
  };

  const makeRoom = (at: number) => {
    if (windows.size < maxKeys) return;
    sweepExpired(at);
    while (windows.size >= maxKeys) {
      const oldest = windows.keys().next().value as string;
      windows.delete(oldest);
    }
  };

  return {
    hit(key) {
      const at = now();
      let window = windows.get(key);
      if (window === undefined || isExpired(window, at)) {
        windows.delete(key);
        makeRoom(at);
        window = { startedAt: at, hits: 0 };
        windows.set(key, window);
      }
      window.hits += 1;
      if (window.hits <= limit) {
        return { allowed: true, remaining: limit - window.hits, retryAfterSeconds: 0 };
      }
      // Stop counting past the limit so a hammering client cannot overflow anything.
      window.hits = limit + 1;
      return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + windowMs - at) / 1000)) };
    },
    retryAfter(key) {
      const at = now();
      const window = windows.get(key);
      if (window === undefined || isExpired(window, at) || window.hits < limit) return 0;
      return Math.max(1, Math.ceil((window.startedAt + windowMs - at) / 1000));
    },
    size() {
      return windows.size;
    },
  };
}
