/**
 * `serve` reads the bounce mailbox every BOUNCE_IMAP_POLL_SECONDS (src/feedback/bounce-mailbox.ts
 * does one poll). The next poll is timed from the end of the last one, so two never overlap
 * however long one takes; a failing poll is logged in one line and the next one tries again;
 * stopping aborts a poll in progress between two messages and waits for it.
 */
import type { Logger } from '../logger.js';
import type { MailboxPollSummary } from '../feedback/bounce-mailbox.js';

export interface BouncePollingOptions {
  everySeconds: number;
  /** One poll; the signal is aborted at shutdown. */
  poll: (signal: AbortSignal) => Promise<MailboxPollSummary>;
  /** The summary of a poll in one line (describePoll). */
  describe: (summary: MailboxPollSummary) => string;
  logger: Logger;
}

export interface RunningBouncePolling {
  /** Polls now unless a poll is in progress (then resolves when that one ends). Never rejects. */
  pollNow(): Promise<void>;
  /** No more polls; resolves once the one in progress (aborted) has ended. */
  stop(): Promise<void>;
}

/** Starts polling: the first poll at once, so a wrong URL or password shows in the log at start. */
export function startBouncePolling({ everySeconds, poll, describe, logger }: BouncePollingOptions): RunningBouncePolling {
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let inProgress: Promise<void> | undefined;

  const pollNow = (): Promise<void> => {
    if (inProgress !== undefined) return inProgress;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    inProgress = pollLogged().finally(() => {
      inProgress = undefined;
      if (!stopping.signal.aborted) {
        timer = setTimeout(() => void pollNow(), everySeconds * 1000);
        // The server keeps the process alive, not the next poll.
        timer.unref();
      }
    });
    return inProgress;
  };

  const pollLogged = async () => {
    try {
      const summary = await poll(stopping.signal);
      // A poll that found nothing is not worth a line every few minutes.
      if (summary.read > 0) logger.info(describe(summary));
      else logger.debug(describe(summary));
    } catch (error) {
      logger.error(`bounce mailbox: poll failed, the next one in ${everySeconds} s tries again: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  logger.info(`bounce mailbox: polled every ${everySeconds} s`);
  void pollNow();
  return {
    pollNow,
    async stop() {
      stopping.abort();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inProgress;
    },
  };
}
