/**
 * The real dependencies of the web app, built from configuration: confirmation emails go
 * through the configured transport, `POST /admin/send` runs the day's issue, `/preview`
 * renders a day now. `serve` and the end-to-end tests share this wiring.
 */
import type { Config } from '../config/config.js';
import { describePoll, displayMailboxUrl, pollBounceMailbox, warnAboutPlaintextLogin, type MailboxPollSummary } from '../feedback/bounce-mailbox.js';
import type { ReadBounceMessage } from '../feedback/bounce-message.js';
import { readBounceMessage as readBounceMail } from '../feedback/read-bounce.js';
import { createConfirmationMailer } from '../delivery/confirmation-mail.js';
import { describeOutcome, runIssue, type IssueOutcome, type IssueRequest } from '../delivery/run-issue.js';
import type { MailTransport } from '../delivery/transport.js';
import { loadDailyDigest } from '../digest/daily-digest.js';
import { dayInTimeZone, parseIssueDay } from '../digest/dates.js';
import { weekdayOf } from '../digest/week.js';
import { topicCatalogue, type Taxonomy } from '../digest/taxonomy.js';
import type { Logger } from '../logger.js';
import { issueOptionsFrom, renderBrowserVersion } from '../render/index.js';
import type { SubscriberStore } from '../subscribers/store.js';
import type { BackgroundTasks } from './background.js';
import type { AppDependencies } from './dependencies.js';
import { createReaderTrainer } from '../personal/retrain.js';
import type { SignalsChanged } from '../personal/reader-signals.js';

export interface RuntimeParts {
  config: Config;
  store: SubscriberStore;
  transport: MailTransport;
  taxonomy: Taxonomy;
  logger: Logger;
  background: BackgroundTasks;
  /** Aborted at shutdown: a send in progress stops taking recipients. */
  signal?: AbortSignal;
  now?: () => Date;
  /** Reads the mail in the bounce mailbox; src/feedback/read-bounce.ts unless a test brings its own. */
  readBounceMessage?: ReadBounceMessage;
  /** What runs after a reader's votes or interests changed: retraining their model (src/personal/retrain.ts) unless a test brings its own. */
  signalsChanged?: SignalsChanged;
}

/** One poll of the bounce mailbox, and its summary in a line (src/server/bounce-polling.ts runs it). */
export interface BounceMailboxPoll {
  everySeconds: number;
  poll(signal: AbortSignal): Promise<MailboxPollSummary>;
  describe(summary: MailboxPollSummary): string;
}

export interface Runtime {
  dependencies: AppDependencies;
  /** The day's issue, as the schedule and the admin endpoint run it. */
  runIssue(request: IssueRequest): Promise<IssueOutcome>;
  /**
   * What the daily schedule runs: the day's issue unless it is complete, logged in one line;
   * on WEEKLY_DAY (in TZ) then the weekly issue of the week that ended, the same way.
   * Every machine that serves runs it at the same time; they share each issue (one prepares it).
   */
  scheduledRun(): Promise<void>;
  /** Set when BOUNCE_IMAP_URL is: what `serve` polls. */
  bounceMailbox: BounceMailboxPoll | undefined;
}

export function createRuntime(parts: RuntimeParts): Runtime {
  const { config, store, transport, taxonomy, logger, background } = parts;
  const run = (request: IssueRequest) =>
    runIssue(request, {
      config,
      store,
      transport,
      logger,
      taxonomy,
      readerSignals: store,
      ...(parts.signal ? { signal: parts.signal } : {}),
      ...(parts.now ? { now: parts.now } : {}),
    });

  const dependencies: AppDependencies = {
    config,
    store,
    topics: topicCatalogue(taxonomy),
    mailer: createConfirmationMailer(config, transport),
    runSend: async ({ date, dryRun }) =>
      outcomeJson(await run({ ...(date ? { day: parseIssueDay(date, 'date') } : {}), dryRun: dryRun ?? false })),
    renderPreview: async (date) => {
      const { digest } = await loadDailyDigest({ day: date, config, logger, taxonomy, ...(parts.now ? { now: parts.now } : {}) });
      return (await renderBrowserVersion(digest, issueOptionsFrom(config))).html;
    },
    logger,
    background,
    signalsChanged: parts.signalsChanged ?? createReaderTrainer({ store, logger, ...(parts.now ? { now: parts.now } : {}) }),
    ...(parts.now ? { now: parts.now } : {}),
  };
  return {
    dependencies,
    runIssue: run,
    scheduledRun: async () => {
      const today = dayInTimeZone((parts.now ?? (() => new Date()))(), config.TZ);
      if (weekdayOf(today) !== config.WEEKLY_DAY) {
        logger.info(describeOutcome(await run({ skipIfComplete: true })));
        return;
      }
      // A daily that fails must not cost weekly readers their issue: it is logged, and the weekly runs.
      try {
        logger.info(describeOutcome(await run({ skipIfComplete: true })));
      } catch (error) {
        logger.error(`schedule: the daily issue failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      logger.info(describeOutcome(await run({ weekly: true, skipIfComplete: true })));
    },
    bounceMailbox: bounceMailboxPoll(parts),
  };
}

function bounceMailboxPoll({ config, store, logger, readBounceMessage = readBounceMail }: RuntimeParts): BounceMailboxPoll | undefined {
  const url = config.BOUNCE_IMAP_URL;
  if (url === undefined) return undefined;
  const settings = { ...config, BOUNCE_IMAP_URL: url };
  warnAboutPlaintextLogin(settings, logger);
  const where = displayMailboxUrl(url);
  return {
    everySeconds: config.BOUNCE_IMAP_POLL_SECONDS,
    poll: (signal) => pollBounceMailbox({ settings, readBounceMessage, feedback: { store, config, logger }, signal }),
    describe: (summary) => describePoll(summary, where),
  };
}

function outcomeJson(outcome: IssueOutcome): object {
  return outcome.kind === 'sent' ? { outcome: outcome.kind, ...outcome.summary } : { outcome: outcome.kind, date: outcome.day };
}
