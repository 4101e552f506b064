/**
 * The daily send on a cron schedule. The schedule only says "now would be a good time";
 * whether the digest day's issue still needs sending is the runner's question, answered
 * from the store — node-cron never replays a fire missed while the process was down.
 */
import cron from 'node-cron';
import { PapermailError } from '../errors.js';
import type { Weekday } from '../digest/week.js';
import type { Logger } from '../logger.js';
import { firstIssueTime } from './first-issue.js';

export interface ScheduleOptions {
  /** CRON_SCHEDULE, e.g. "0 8 * * *" (five fields, or six with seconds first). */
  expression: string;
  /** TZ: the zone the expression is read in. */
  timeZone: string;
  run: () => Promise<void>;
  logger: Logger;
}

export interface RunningSchedule {
  /** When the next fire is due (null if none). */
  nextRun(): Date | null;
  /** Runs the job now, as a fire would (logged; skipped while a run is in progress). */
  runNow(): Promise<void>;
  /**
   * Stops future fires. Resolves once a run in progress has finished — abort it first
   * (the send's AbortController) if shutdown should not wait for a whole send.
   */
  stop(): Promise<void>;
}

export function startSchedule({ expression, timeZone, run, logger }: ScheduleOptions): RunningSchedule {
  assertValidExpression(expression);
  let inProgress: Promise<void> | undefined;

  const fire = (reason: string): Promise<void> => {
    if (inProgress !== undefined) {
      logger.warn(`schedule: ${reason} run skipped, the previous run is still going`);
      return inProgress;
    }
    inProgress = runLogged(run, reason, logger).finally(() => {
      inProgress = undefined;
    });
    return inProgress;
  };

  const task = cron.schedule(expression, () => fire('scheduled'), {
    timezone: timeZone,
    name: 'papermail-daily-send',
    noOverlap: true,
  });
  logger.info(`schedule: daily send at "${expression}" (${timeZone}); next run ${task.getNextRun()?.toISOString() ?? 'never'}`);

  return {
    nextRun: () => task.getNextRun(),
    runNow: () => fire('manual'),
    async stop() {
      await task.destroy();
      await inProgress;
    },
  };
}

/** Throws ECONFIG naming CRON_SCHEDULE and the first bad field. */
export function assertValidExpression(expression: string): void {
  const result = cron.validateDetailed(expression);
  if (result.valid) return;
  const first = result.errors[0];
  const detail = first ? `: ${first.message}` : '';
  throw new PapermailError(
    'ECONFIG',
    `CRON_SCHEDULE is not a valid cron expression${detail} (got ${JSON.stringify(expression)}; e.g. "0 8 * * *" for 08:00 daily)`,
  );
}

async function runLogged(run: () => Promise<void>, reason: string, logger: Logger): Promise<void> {
  logger.info(`schedule: ${reason} run started`);
  try {
    await run();
    logger.info(`schedule: ${reason} run finished`);
  } catch (error) {
    // A failed run must not kill the server: the next fire (or a manual send) retries.
    logger.error(`schedule: ${reason} run failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * What is wrong with the weekly issue's schedule, or undefined: the weekly goes out with the
 * first fire on WEEKLY_DAY, so a CRON_SCHEDULE that never fires on that weekday sends none.
 */
export function weeklyScheduleProblem(config: { CRON_SCHEDULE: string; TZ: string; WEEKLY_DAY: Weekday }, now: Date): string | undefined {
  if (firstIssueTime(config, now, 'weekly') !== null) return undefined;
  return `CRON_SCHEDULE "${config.CRON_SCHEDULE}" has no fire on WEEKLY_DAY (${config.WEEKLY_DAY}, in ${config.TZ}) that papermail can find: weekly subscribers will get no issue`;
}
