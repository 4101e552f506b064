import type { Command } from 'commander';
import { createTransport } from '../../delivery/transport.js';
import { loadTaxonomy } from '../../digest/taxonomy.js';
import { createApp } from '../../server/app.js';
import { createBackgroundTasks } from '../../server/background.js';
import { startBouncePolling } from '../../server/bounce-polling.js';
import { createRuntime } from '../../server/runtime.js';
import { startSchedule, weeklyScheduleProblem } from '../../server/schedule.js';
import { assertStoreCanServe, startServer } from '../../server/serve.js';
import { loadCliContext, openCliStore } from '../context.js';

/**
 * `serve`: the web pages, the admin API and the daily schedule in one process. It wires the
 * real store and transport into the app and turns SIGTERM/SIGINT into an orderly shutdown.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the web server (subscribe, confirm, unsubscribe, preferences, archive, admin) and the daily schedule')
    .option('--no-schedule', 'do not run the daily send on CRON_SCHEDULE')
    .action(async (options: { schedule: boolean }) => {
      const { config, logger } = loadCliContext();
      const taxonomy = await loadTaxonomy(config.TOPICS_FILE);
      const store = await openCliStore({ config, logger });
      try {
        await assertStoreCanServe(store);
      } catch (error) {
        await store.close();
        throw error;
      }
      const transport = createTransport(config, logger);
      const background = createBackgroundTasks(logger);
      const sends = new AbortController();
      const runtime = createRuntime({ config, store, transport, taxonomy, logger, background, signal: sends.signal });

      const schedule = options.schedule
        ? startSchedule({
            expression: config.CRON_SCHEDULE,
            timeZone: config.TZ,
            logger,
            run: runtime.scheduledRun,
          })
        : undefined;
      const weeklyProblem = schedule ? weeklyScheduleProblem(config, new Date()) : undefined;
      if (weeklyProblem !== undefined) logger.warn(`schedule: ${weeklyProblem}`);
      const bounces = runtime.bounceMailbox ? startBouncePolling({ ...runtime.bounceMailbox, logger }) : undefined;

      const server = await startServer({
        app: createApp(runtime.dependencies),
        host: config.HOST,
        port: config.PORT,
        logger,
        onShutdown: {
          stopWork: async () => {
            sends.abort();
            await Promise.all([schedule?.stop(), bounces?.stop()]);
          },
          release: async () => {
            await background.settled();
            transport.close();
            await store.close();
          },
        },
      });
      logger.info(`papermail is at ${config.PUBLIC_URL} (bound to ${server.url})`);

      await new Promise<void>((resolve) => {
        const shutDown = () => void server.close().then(resolve);
        process.once('SIGINT', shutDown);
        process.once('SIGTERM', shutDown);
      });
    });
}
