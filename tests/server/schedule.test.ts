import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTaxonomy } from '../../src/digest/taxonomy.js';
import { createLogger } from '../../src/logger.js';
import { createBackgroundTasks } from '../../src/server/background.js';
import { createRuntime } from '../../src/server/runtime.js';
import { startSchedule, weeklyScheduleProblem, type RunningSchedule } from '../../src/server/schedule.js';
import { openPostgresStore } from '../../src/subscribers/postgres-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { addConfirmed, addresses, deliveryConfig, useMailPeers } from '../delivery/fixtures.js';
import { callsTo, withCallLog, type LoggedCall } from '../support/call-log.js';
import { usePostgresCluster } from '../support/postgres-cluster.js';
import { samplePath, sendJson, startServer, type TestServer } from '../sources/helpers.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';

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

describe('the schedules of two servers on one PostgreSQL database', () => {
  const postgres = usePostgresCluster();
  const peers = useMailPeers();
  const opened: SubscriberStore[] = [];
  const running: RunningSchedule[] = [];
  let folder = '';
  afterEach(async () => {
    for (const each of running.splice(0)) await each.stop();
    for (const store of opened.splice(0)) await store.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('fire at the same moment and share the day: one prepares it, each subscriber gets one copy, and the next fires send nothing', async () => {
    const url = await postgres.cluster().newSchema();
    const sink = await peers.sink();
    folder = await mkdtemp(join(tmpdir(), 'papermail-schedules-'));
    // Each server has the day's papers (the schedule of 08:00 on 1 October sends 30 September).
    await copyFile('samples/2025-09-30.json', join(folder, '2025-09-30.json'));
    const config = deliveryConfig({ SMTP_URL: sink.url, CACHE_DIR: folder, TZ: 'UTC' });
    const taxonomy = await loadTaxonomy('topics.json');
    const calls: LoggedCall[] = [];
    const lines: string[][] = [[], []];
    const servers = await Promise.all(
      lines.map(async (serverLines) => {
        const store = await openPostgresStore(url);
        opened.push(store);
        const logger = createLogger('info', (line) => serverLines.push(line));
        const runtime = createRuntime({
          config,
          store: withCallLog(store, calls),
          transport: peers.transport(config),
          taxonomy,
          logger,
          background: createBackgroundTasks(logger),
          now: () => new Date('2025-10-01T08:00:00Z'),
        });
        const schedule = startSchedule({ expression: config.CRON_SCHEDULE, timeZone: config.TZ, run: runtime.scheduledRun, logger });
        running.push(schedule);
        return { store, schedule };
      }),
    );
    const readers = addresses(30);
    await addConfirmed(servers[0]!.store, readers);

    await Promise.all(servers.map(({ schedule }) => schedule.runNow()));

    expect(callsTo(calls, 'freezeIssue')).toHaveLength(1);
    expect(callsTo(calls, 'prepareIssue')).toHaveLength(1);
    for (const reader of readers) expect(sink.deliveredTo(reader), reader).toHaveLength(1);
    for (const serverLines of lines) expect(serverLines).toContain('schedule: manual run finished');

    await Promise.all(servers.map(({ schedule }) => schedule.runNow()));

    expect(sink.messages).toHaveLength(readers.length);
    for (const serverLines of lines) expect(serverLines).toContain('issue 2025-09-30: already sent to every subscriber');
  });
});

describe('the schedule on WEEKLY_DAY', () => {
  const peers = useMailPeers();
  const stores = useTemporaryStores();
  let api: TestServer | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  /** A server answering like the papers API from the bundled week (any other day has no papers). */
  async function weekApi(): Promise<TestServer> {
    return startServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const day = url.searchParams.get('date') ?? '';
      const file = samplePath(`week-2025-W40/${day}.json`);
      if (url.searchParams.get('p') !== '0' || !existsSync(file)) return sendJson(response, []);
      void readFile(file, 'utf8').then((text) => sendJson(response, JSON.parse(text)));
    });
  }

  async function serverOn(now: string, environment: Record<string, string> = {}) {
    api = await weekApi();
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url, CACHE_DIR: stores.path('cache'), HF_API_URL: `${api.origin}/api/daily_papers`, TZ: 'UTC', ...environment });
    const store = stores.open();
    const lines: string[] = [];
    const logger = createLogger('info', (line) => lines.push(line));
    const runtime = createRuntime({
      config,
      store,
      transport: peers.transport(config),
      taxonomy: await loadTaxonomy('topics.json'),
      logger,
      background: createBackgroundTasks(logger),
      now: () => new Date(now),
    });
    await addConfirmed(store, [{ email: 'daily@example.net' }, { email: 'weekly@example.net', cadence: 'weekly' }]);
    return { sink, store, lines, runtime };
  }

  it('sends the week that ended to weekly subscribers after the daily, on Monday by default, and once however often it fires', async () => {
    // Monday 6 October 2025: the daily is Sunday's (no papers), the weekly is 2025-W40.
    const { sink, lines, runtime } = await serverOn('2025-10-06T08:00:00Z');

    await runtime.scheduledRun();
    await runtime.scheduledRun();

    expect(sink.deliveredTo('weekly@example.net')).toHaveLength(1);
    expect(sink.deliveredTo('daily@example.net')).toHaveLength(0);
    expect((await sink.parsed())[0]!.subject).toMatch(/^Week 40 · /);
    expect(lines).toContain('issue 2025-10-05: no papers that day, nothing sent (set SEND_EMPTY_ISSUE=true to send a short note instead)');
    expect(lines).toContain('issue 2025-W40: already sent to every subscriber');
    const daily = lines.findIndex((line) => line.startsWith('issue 2025-10-05'));
    expect(daily).toBeGreaterThanOrEqual(0);
    expect(daily).toBeLessThan(lines.findIndex((line) => line.startsWith('issue 2025-W40')));
  });

  it('says when CRON_SCHEDULE never fires on WEEKLY_DAY, so that no weekly would go out', () => {
    const now = new Date('2025-10-01T09:00:00Z');
    expect(weeklyScheduleProblem({ CRON_SCHEDULE: '0 8 * * *', TZ: 'UTC', WEEKLY_DAY: 'monday' }, now)).toBeUndefined();
    expect(weeklyScheduleProblem({ CRON_SCHEDULE: '0 8 * * 1-5', TZ: 'UTC', WEEKLY_DAY: 'sunday' }, now)).toBe(
      'CRON_SCHEDULE "0 8 * * 1-5" has no fire on WEEKLY_DAY (sunday, in UTC) that papermail can find: weekly subscribers will get no issue',
    );
  });

  it('sends no weekly on any other day than WEEKLY_DAY', async () => {
    const { sink, store, runtime } = await serverOn('2025-10-06T08:00:00Z', { WEEKLY_DAY: 'Tuesday' });

    await runtime.scheduledRun();

    expect(sink.messages).toHaveLength(0);
    expect(await store.frozenIssue('2025-W40')).toBeUndefined();
  });

  it('reads WEEKLY_DAY in TZ', async () => {
    // 23:30 UTC on Monday 6 October is Tuesday 7 October in Tokyo: a Tuesday weekly day, and still week 2025-W40.
    const { sink, lines, runtime } = await serverOn('2025-10-06T23:30:00Z', { TZ: 'Asia/Tokyo', WEEKLY_DAY: 'tuesday' });

    await runtime.scheduledRun();

    expect(sink.deliveredTo('weekly@example.net')).toHaveLength(1);
    expect(lines.some((line) => line.includes('issue 2025-W40:'))).toBe(true);
  });
});
