import type { Command } from 'commander';
import { createConfirmationMailer } from '../../delivery/confirmation-mail.js';
import { describeOutcome, runIssue, type IssueOutcome } from '../../delivery/run-issue.js';
import { createTransport } from '../../delivery/transport.js';
import { loadDailyDigest } from '../../digest/daily-digest.js';
import { parseIssueDay } from '../../digest/dates.js';
import { loadTaxonomy, topicCatalogue } from '../../digest/taxonomy.js';
import { issueOptionsFrom, renderBrowserVersion } from '../../render/index.js';
import { createApp } from '../../server/app.js';
import { createBackgroundTasks } from '../../server/background.js';
import { startSchedule } from '../../server/schedule.js';
import { startServer } from '../../server/serve.js';
import { openSqliteStore } from '../../subscribers/sqlite-store.js';
import { loadCliContext } from '../context.js';

/**
 * `serve`: the web pages, the admin API and the daily schedule in one process. This is the
 * composition root: it wires the real store, transport and renderer into the app and
 * turns SIGTERM/SIGINT into an orderly shutdown.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the web server (subscribe, confirm, unsubscribe, preferences, archive, admin) and the daily schedule')
    .option('--no-schedule', 'do not run the daily send on CRON_SCHEDULE')
    .action(async (options: { schedule: boolean }) => {
      const { config, logger } = loadCliContext();
      const taxonomy = await loadTaxonomy(config.TOPICS_FILE);
      const store = openSqliteStore(config.DATABASE_PATH);
      const transport = createTransport(config);
      const background = createBackgroundTasks(logger);
      const sends = new AbortController();

      const send = (request: { day?: string; dryRun?: boolean; skipIfComplete?: boolean }) =>
        runIssue(request, { config, store, transport, logger, taxonomy, signal: sends.signal });

      const app = createApp({
        config,
        store,
        topics: topicCatalogue(taxonomy),
        mailer: createConfirmationMailer(config, transport),
        runSend: async ({ date, dryRun }) => outcomeJson(await send({ ...(date ? { day: parseIssueDay(date, 'date') } : {}), dryRun: dryRun ?? false })),
        renderPreview: async (date) => {
          const { digest } = await loadDailyDigest({ day: date, config, logger, taxonomy });
          return (await renderBrowserVersion(digest, issueOptionsFrom(config))).html;
        },
        logger,
        background,
      });

      const schedule = options.schedule
        ? startSchedule({
            expression: config.CRON_SCHEDULE,
            timeZone: config.TZ,
            logger,
            run: async () => logger.info(describeOutcome(await send({ skipIfComplete: true }))),
          })
        : undefined;

      const server = await startServer({
        app,
        host: config.HOST,
        port: config.PORT,
        logger,
        onShutdown: {
          stopWork: async () => {
            sends.abort();
            await schedule?.stop();
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

function outcomeJson(outcome: IssueOutcome): object {
  return outcome.kind === 'sent' ? { outcome: outcome.kind, ...outcome.summary } : { outcome: outcome.kind, date: outcome.day };
}
