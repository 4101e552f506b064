import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startSchedule, type RunningSchedule } from '../../src/server/schedule.js';

let schedule: RunningSchedule | undefined;
const logLines: string[] = [];
const logger = createLogger('debug', (line) => logLines.push(line));

afterEach(async () => {
  await schedule?.stop();
  schedule = undefined;
  logLines.length = 0;
});

/** A promise the test settles by hand, standing for a send that is still going. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

describe('startSchedule', () => {
  it.each(['0 25 * * *', 'every morning', '* * *'])('refuses %j with ECONFIG naming CRON_SCHEDULE', (expression) => {
    expect(() => startSchedule({ expression, timeZone: 'UTC', run: async () => {}, logger })).toThrow(
      expect.objectContaining({ code: 'ECONFIG', message: expect.stringContaining('CRON_SCHEDULE') }),
    );
  });

  it('reads the expression in the configured time zone', () => {
    schedule = startSchedule({ expression: '30 7 * * *', timeZone: 'Asia/Tokyo', run: async () => {}, logger });

    const next = schedule.nextRun()!;
    const tokyoTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' }).format(next);

    expect(tokyoTime).toBe('07:30');
    expect(next.getTime()).toBeGreaterThan(Date.now());
  });

  it('runs the job and logs that it finished', async () => {
    let runs = 0;
    schedule = startSchedule({ expression: '0 8 * * *', timeZone: 'UTC', run: async () => void (runs += 1), logger });

    await schedule.runNow();

    expect(runs).toBe(1);
    expect(logLines).toContain('schedule: manual run finished');
  });

  it('logs a failed run instead of throwing, so the server keeps serving', async () => {
    schedule = startSchedule({
      expression: '0 8 * * *',
      timeZone: 'UTC',
      run: async () => {
        throw new Error('SMTP unreachable');
      },
      logger,
    });

    await expect(schedule.runNow()).resolves.toBeUndefined();
    expect(logLines).toContain('error: schedule: manual run failed: SMTP unreachable');
  });

  it('skips a run while the previous one is still going', async () => {
    const send = deferred();
    let runs = 0;
    schedule = startSchedule({
      expression: '0 8 * * *',
      timeZone: 'UTC',
      run: async () => {
        runs += 1;
        await send.promise;
      },
      logger,
    });

    const first = schedule.runNow();
    const second = schedule.runNow();
    send.resolve();
    await Promise.all([first, second]);

    expect(runs).toBe(1);
    expect(logLines).toContain('warn: schedule: manual run skipped, the previous run is still going');
  });

  it('stops firing and resolves stop() only once the run in progress has finished', async () => {
    const send = deferred();
    const events: string[] = [];
    schedule = startSchedule({
      expression: '0 8 * * *',
      timeZone: 'UTC',
      run: async () => {
        await send.promise;
        events.push('run finished');
      },
      logger,
    });
    const running = schedule.runNow();

    const stopped = schedule.stop().then(() => events.push('stopped'));
    send.resolve();
    await Promise.all([running, stopped]);
    schedule = undefined;

    expect(events).toEqual(['run finished', 'stopped']);
  });
});
