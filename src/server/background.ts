import type { Logger } from '../logger.js';

/**
 * Work a request starts but does not wait for — today the confirmation email. Sending
 * it after the response keeps response times equal whether or not an email goes out
 * (so timing cannot tell a subscribed address from a new one), and `settled()` lets
 * shutdown (and tests) wait for whatever is still in flight.
 */
export interface BackgroundTasks {
  run(label: string, task: () => Promise<void>): void;
  /** Resolves once every task started so far has finished (failures are logged, not thrown). */
  settled(): Promise<void>;
}

export function createBackgroundTasks(logger: Logger): BackgroundTasks {
  const inFlight = new Set<Promise<void>>();
  return {
    run(label, task) {
      // Started on a later turn of the event loop, once the response is written: a task
      // begun as a microtask would run its synchronous part (a SQLite write) first.
      const running = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .catch((error: unknown) => logger.error(`${label} failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
