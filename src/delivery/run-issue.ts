/**
 * One day's issue from start to finish — the "campaign": load and digest the day's papers,
 * archive the browser version, then hand the compiled issue to the ledger-driven send loop.
 * The CLI's `send`, the server's `POST /admin/send` and the cron job all call this.
 */
import type { Config } from '../config/config.js';
import { loadDailyDigest } from '../digest/daily-digest.js';
import { issueDayFor } from '../digest/dates.js';
import type { Digest } from '../digest/paper.js';
import type { Taxonomy } from '../digest/taxonomy.js';
import type { Logger } from '../logger.js';
import { createIssueRenderer, issueOptionsFrom, renderBrowserVersion, type IssueRenderer } from '../render/index.js';
import type { IssueArchive } from '../subscribers/store.js';
import type { SendLedger } from './send-ledger.js';
import { describeSummary, sendIssue, type SendProgress, type SendSummary } from './send-issue.js';
import { sendTestCopy } from './test-copy.js';
import type { MailTransport, SendResult } from './transport.js';

export interface IssueRequest {
  /** The issue day; default: from the source, else DIGEST_DAY_OFFSET days before today in TZ. */
  day?: string;
  /** A file path or URL; default: the Hugging Face API. */
  source?: string;
  dryRun?: boolean;
  /** The scheduler's question: do nothing when this day's issue has already gone out. */
  skipIfComplete?: boolean;
}

export interface IssueServices {
  config: Config;
  /** The ledger to send by, and the archive the browser version is saved to. */
  store: SendLedger & Pick<IssueArchive, 'saveIssue'>;
  transport: MailTransport;
  logger: Logger;
  taxonomy?: Taxonomy;
  fetch?: typeof fetch;
  now?: () => Date;
  signal?: AbortSignal;
  onProgress?: (progress: SendProgress) => void;
  /** Waits between SMTP retries; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
}

export type IssueOutcome =
  | { kind: 'sent'; summary: SendSummary }
  | { kind: 'already-sent'; day: string }
  | { kind: 'no-papers'; day: string };

export async function runIssue(request: IssueRequest, services: IssueServices): Promise<IssueOutcome> {
  const { config, store, logger } = services;
  const now = services.now ?? (() => new Date());
  const scheduledDay = request.day ?? (request.source ? undefined : issueDayFor(now(), config.TZ, config.DIGEST_DAY_OFFSET));
  if (request.skipIfComplete && scheduledDay && (await store.isIssueComplete(scheduledDay))) {
    return { kind: 'already-sent', day: scheduledDay };
  }

  const digest = await loadDigest(request, services);
  if (digest.total === 0 && !config.SEND_EMPTY_ISSUE) return { kind: 'no-papers', day: digest.date };

  const renderer = createIssueRenderer(digest, issueOptionsFrom(config));
  if (!request.dryRun) await archiveIssue(digest, services);
  const summary = await sendIssue({
    issueDate: digest.date,
    renderer,
    store,
    transport: services.transport,
    config,
    logger,
    ...(services.signal ? { signal: services.signal } : {}),
    ...(services.onProgress ? { onProgress: services.onProgress } : {}),
    ...(services.sleep ? { sleep: services.sleep } : {}),
    dryRun: request.dryRun ?? false,
  });
  return { kind: 'sent', summary };
}

/** `send --to`: the day's issue to one address, outside the list and the ledger. */
export async function sendIssueTestCopy(
  request: Pick<IssueRequest, 'day' | 'source'> & { to: string; topics?: string[] | null },
  services: Omit<IssueServices, 'store'>,
): Promise<{ result: SendResult; day: string }> {
  const digest = await loadDigest(request, services);
  const renderer: IssueRenderer = createIssueRenderer(digest, issueOptionsFrom(services.config));
  const result = await sendTestCopy({
    to: request.to,
    renderer,
    transport: services.transport,
    config: services.config,
    topics: request.topics ?? null,
  });
  return { result, day: digest.date };
}

async function loadDigest(request: Pick<IssueRequest, 'day' | 'source'>, services: Omit<IssueServices, 'store' | 'transport'>): Promise<Digest> {
  const { digest, warnings, origin } = await loadDailyDigest({
    ...(request.day ? { day: request.day } : {}),
    ...(request.source ? { source: request.source } : {}),
    config: services.config,
    logger: services.logger,
    ...(services.fetch ? { fetch: services.fetch } : {}),
    ...(services.now ? { now: services.now } : {}),
    ...(services.taxonomy ? { taxonomy: services.taxonomy } : {}),
  });
  for (const warning of warnings) services.logger.warn(warning);
  services.logger.info(`issue ${digest.date}: ${digest.total} papers in ${digest.sections.length} topics from ${origin}`);
  return digest;
}

/** The "view in browser" copy: the same issue with no subscriber's links in it. */
async function archiveIssue(digest: Digest, services: Pick<IssueServices, 'config' | 'store'>): Promise<void> {
  const browser = await renderBrowserVersion(digest, issueOptionsFrom(services.config));
  await services.store.saveIssue({ date: digest.date, subject: browser.subject, html: browser.html, text: browser.text });
}

/** One line for the CLI and the schedule's log. */
export function describeOutcome(outcome: IssueOutcome): string {
  switch (outcome.kind) {
    case 'sent':
      return describeSummary(outcome.summary);
    case 'already-sent':
      return `issue ${outcome.day}: already sent to every subscriber`;
    case 'no-papers':
      return `issue ${outcome.day}: no papers that day, nothing sent (set SEND_EMPTY_ISSUE=true to send a short note instead)`;
  }
}
