import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describeOutcome, runIssue, sendIssueTestCopy } from '../../delivery/run-issue.js';
import { describeDay, hasWorkLeft } from '../../delivery/send-issue.js';
import { createTransport } from '../../delivery/transport.js';
import { loadWeeklyDigest } from '../../digest/weekly-digest.js';
import { cacheSavedResponse } from '../../sources/fetch-daily-papers.js';
import { PapermailError } from '../../errors.js';
import { describeFileError } from '../../file-errors.js';
import { emailArgument } from '../arguments.js';
import { loadCliContext, openCliStore, storeExists, type CliContext } from '../context.js';
import { checkWeeklyOptions, sourceRequest, withSourceOptions, withWeeklyOptions, writePreview } from './digest.js';
import { importSubscriberFile, withStore } from './subscribers.js';

export interface SendOptions {
  source?: string;
  date?: string;
  dryRun?: boolean;
  to?: string;
  rebuild?: boolean;
  /** The weekly issue (to weekly subscribers) instead of the day's. */
  weekly?: boolean;
  week?: string;
}

/** What the quick start sends: a real day bundled with the package, to the sample list. */
const DEMO_SUBSCRIBERS = packageFile('subscribers/sample.csv');
const DEMO_DAY = '2025-09-30';
const DEMO_SOURCE = packageFile(`samples/${DEMO_DAY}.json`);
/** The weekly demo's week: Monday 2025-09-29 to Friday 2025-10-03 as the API returned them. */
const DEMO_WEEK = '2025-W40';
const DEMO_WEEK_SOURCE = packageFile(`samples/week-${DEMO_WEEK}`);

/** A path inside the package, shown relative to the working folder when it is inside it. */
function packageFile(name: string): string {
  const absolute = fileURLToPath(new URL(`../../../${name}`, import.meta.url));
  const shown = relative(process.cwd(), absolute);
  return shown.startsWith('..') ? absolute : shown;
}

export function registerSendCommands(program: Command): void {
  withWeeklyOptions(withSourceOptions(program.command('send').description("send the day's issue (or with --weekly the week's) to every confirmed subscriber of that cadence who has not had it yet")))
    .option('--dry-run', 'render and count recipients without sending or recording anything')
    .option('--to <email>', 'send one test copy to this address only; records nothing', emailArgument('--to'))
    .option('--rebuild', "freeze the day's issue again from the source (only before its first message was accepted)")
    .action((options: SendOptions) => sendDailyIssue(options, loadCliContext()));

  // The same run as `send`, without its one-off options: start one per machine (or several), all on one DATABASE_URL.
  withWeeklyOptions(
    withSourceOptions(
      program
        .command('worker')
        .description("join the sending of the day's issue (or the week's) beside other workers (freezing and preparing it first if nobody has); exits when no row is left to claim"),
    ),
  ).action((options: Pick<SendOptions, 'source' | 'date' | 'weekly' | 'week'>) => sendDailyIssue(options, loadCliContext()));

  program
    .command('demo')
    .description('the quick start: import subscribers/sample.csv and send samples/2025-09-30.json (to the outbox unless SMTP_URL is set)')
    .option('--weekly', `instead: build the weekly issue of the bundled week ${DEMO_WEEK} and preview it in the outbox folder (sends nothing)`)
    .action(async (options: { weekly?: boolean }) => {
      if (options.weekly) return previewDemoWeek(loadCliContext());
      await withStore((context) => importSubscriberFile(DEMO_SUBSCRIBERS, context));
      const context = loadCliContext();
      await cacheDemoDay(context);
      await sendDailyIssue({ source: DEMO_SOURCE }, context);
    });
}

/**
 * The weekly issue is content only for now (no cadence or sending yet): the demo builds the
 * bundled week and writes the issue as its readers would see it, HTML and text, to the outbox.
 */
async function previewDemoWeek({ config, logger }: Pick<CliContext, 'config' | 'logger'>): Promise<void> {
  const { digest, warnings } = await loadWeeklyDigest({ source: DEMO_WEEK_SOURCE, week: DEMO_WEEK, config, logger });
  for (const warning of warnings) logger.warn(warning);
  const folder = join(config.OUTBOX_DIR, DEMO_WEEK);
  await mkdir(folder, { recursive: true }).catch((error: unknown) => {
    throw new PapermailError('EINPUT', `cannot write ${folder}: ${describeFileError(error)}`, { cause: error });
  });
  await writePreview(digest, join(folder, 'weekly-preview.html'), config);
}

/**
 * The sample day goes into the papers cache too, so that after the demo the server can preview
 * and resend that day (`/preview?date=2025-09-30`, `POST /admin/send`) without the network.
 */
async function cacheDemoDay({ config, logger }: Pick<CliContext, 'config' | 'logger'>): Promise<void> {
  try {
    const { path, written } = await cacheSavedResponse(config.CACHE_DIR, DEMO_DAY, await readFile(DEMO_SOURCE, 'utf8'), DEMO_SOURCE);
    if (written) logger.info(`cached the sample day in ${path}: /preview and resends of ${DEMO_DAY} work offline`);
  } catch (error) {
    // The demo's send does not need the cache: say what is lost and go on.
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn(`could not cache the sample day in ${config.CACHE_DIR} (${reason}); /preview of ${DEMO_DAY} will need the network`);
  }
}

export async function sendDailyIssue(options: SendOptions, { config, logger }: Pick<CliContext, 'config' | 'logger'>): Promise<void> {
  checkWeeklyOptions(options);
  const transport = createTransport(config, logger);
  // Ctrl-C or SIGTERM: stop taking recipients, let messages in flight finish and be recorded.
  const abort = new AbortController();
  const stop = () => {
    logger.warn('stopping after the messages in flight (press Ctrl-C again to quit at once)');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    if (options.to) {
      // A day already frozen is sent as its subscribers get it; a test copy never creates a store.
      const store = config.DATABASE_URL !== undefined || storeExists(config.DATABASE_PATH) ? await openCliStore({ config, logger }) : undefined;
      try {
        const { result, day } = await sendIssueTestCopy({ ...sourceRequest(options), ...weeklyRequest(options), to: options.to }, { config, logger, transport, ...(store ? { store } : {}) });
        process.stdout.write(`test copy of ${day} sent to ${options.to} via ${transport.describe()}: ${result.response}\n`);
      } finally {
        await store?.close();
      }
      return;
    }
    const store = await openCliStore({ config, logger });
    try {
      const outcome = await runIssue(
        { ...sourceRequest(options), ...weeklyRequest(options), dryRun: options.dryRun ?? false, rebuild: options.rebuild ?? false },
        {
          config,
          store,
          transport,
          logger,
          readerSignals: store,
          signal: abort.signal,
          onProgress: (progress) =>
            logger.info(
              `  this run: ${progress.processed} processed, ${progress.sent} sent, ${progress.deferred} deferred, ${progress.failed} failed; ${describeDay(progress.day)}`,
            ),
        },
      );
      process.stdout.write(describeOutcome(outcome) + '\n');
      // EX_TEMPFAIL: finished, but the day has work left for a later run (deferred rows, or this run was interrupted).
      // Rows other workers are sending are theirs to finish.
      if (outcome.kind === 'sent' && hasWorkLeft(outcome.summary)) process.exitCode = 75;
    } finally {
      await store.close();
    }
  } finally {
    transport.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function weeklyRequest(options: Pick<SendOptions, 'weekly' | 'week'>): { weekly?: boolean; week?: string } {
  return options.weekly ? { weekly: true, ...(options.week !== undefined ? { week: options.week } : {}) } : {};
}
