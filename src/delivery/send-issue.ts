/**
 * The ledger-driven send loop: every confirmed subscriber gets an issue exactly once, however
 * often the run is repeated, interrupted or crashes, and however many runs of the day (`send`,
 * `worker`, `serve` schedules, on any number of machines) send it side by side. The ledger in
 * the store is the truth and the queue:
 *   prepareIssue creates one 'pending' row per subscriber confirmed when the day was frozen,
 *   done by one run under the day's prepare lock while the others wait (prepare-day.ts),
 *   claimRecipients takes batches of rows under a lease (renewed while the run goes; a run
 *   that dies leaves 'sending' rows whose lease ends, and the next run takes them and sends
 *   again, with the same Message-ID so receivers can drop the copy), and holdClaim checks the
 *   row is still this run's just before its message is handed over: a row another run took
 *   over while this one was paused is not sent,
 *   markSent only once the server accepted it (never sent again),
 *   markDeferred after temporary failures outlast the run's retries (the next run retries),
 *   markFailed on a permanent rejection (a hard bounce; never retried).
 * SMTP_RATE_PER_SECOND is the day's rate across every run: each message (and each retry)
 * waits for a send slot reserved from the store (send-pacer.ts).
 * A fatal transport error (login refused, server unreachable) stops the run with what was
 * accepted recorded and nothing else touched. Ledger writes wait out another process's
 * write lock (an import, a second papermail) for minutes, with backoff: a message the
 * server accepted is recorded as sent once the database is free again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config/config.js';
import { PapermailError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { IssueParts } from '../render/issue-parts.js';
import type { IssueRenderer } from '../render/issue-renderer.js';
import { retryWhileBusy, type BusyRetryPolicy } from '../subscribers/busy-retry.js';
import { normaliseEmail } from '../subscribers/email.js';
import { lockOwnerId } from '../subscribers/lock-owner.js';
import type { LedgerCounts, Subscriber } from '../subscribers/store.js';
import { classifySendError, describeSendError, isConnectionFailure, transportFailure, type FailureKind } from './classify.js';
import { forEachConcurrently } from './concurrency.js';
import type { AssembledMessage } from './assembled-message.js';
import { encodeIssue, type EncodedIssue } from './encoded-issue.js';
import { recipientLinks } from '../links/public-links.js';
import { assembleIssueMessage, type MessageSettings } from './message.js';
import { papersAlreadySent } from './paper-history.js';
import { receivedWithBlock, type IssuePersonalisation } from '../personal/issue-personalisation.js';
import { prepareDayOnce, prepareLedger, type PrepareWait } from './prepare-day.js';
import { SendPacer } from './send-pacer.js';
import type { FrozenIssues, SendLedger } from './send-ledger.js';
import type { MailTransport } from './transport.js';

export type SendSettings = MessageSettings &
  Pick<Config, 'SMTP_POOL_CONNECTIONS' | 'SMTP_RATE_PER_SECOND' | 'SEND_RETRIES' | 'HARD_BOUNCE_LIMIT'> &
  /** Leaving out papers a reader was already sent (paper-history.ts); absent: off. */
  Partial<Pick<Config, 'DEDUPE_DAYS'>>;

export interface SendIssueRequest {
  issueDate: string;
  /** The day's issue, compiled once whatever topics readers pick; each copy is assembled from its pieces. */
  renderer: IssueRenderer;
  store: SendLedger & Pick<FrozenIssues, 'frozenIssue' | 'frozenIssueIds'>;
  transport: MailTransport;
  config: SendSettings;
  logger?: Logger;
  /** Milliseconds since the epoch; for durations and progress. */
  now?: () => number;
  /** Waits between retries (SMTP and ledger writes); tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (progress: SendProgress) => void;
  /** Aborting stops taking new recipients; messages in flight finish and are recorded. */
  signal?: AbortSignal;
  /** Render and count without sending or recording anything. */
  dryRun?: boolean;
  /** The run's owner id for its claims and the prepare lock; a fresh `<host>:<pid>:<random>` by default. */
  owner?: string;
  /** How long a claim (and the prepare lock) lasts without renewal, by the store's clock. */
  leaseMs?: number;
  /** How often both are renewed while the run goes. */
  leaseRefreshMs?: number;
  /** Waiting for another run that is preparing the day. */
  prepareWait?: PrepareWait;
  /** Ledger rows claimed at a time. */
  claimBatch?: number;
  /**
   * Personal ranking for this issue (src/personal/issue-personalisation.ts): each claimed
   * batch's reader models are read with the batch, and a reader with a model gets their "For
   * you" block and their exclusions. Absent, and for readers without a model: the copy
   * everyone with their topics gets. Not used by a dry run, which claims no batches.
   */
  personal?: IssuePersonalisation;
}

export interface SendProgress {
  issueDate: string;
  /** Recipients handled so far this run, whatever the outcome. */
  processed: number;
  sent: number;
  deferred: number;
  failed: number;
  skippedNoTopics: number;
  elapsedMs: number;
  /** The whole day's ledger as this progress was reported: every run's rows, this one's and other workers'. */
  day: LedgerCounts;
}

export interface SendSummary {
  issueDate: string;
  /** Accepted by the server this run (in a dry run: would have been sent). */
  sent: number;
  /** Confirmed subscribers whose topics have no papers in this issue, or only papers sent to them before; nothing is sent to them. */
  skippedNoTopics: number;
  /** Already delivered by an earlier run, before this one started. */
  alreadySent: number;
  /** Extra attempts made after temporary failures, within this run. */
  retried: number;
  /** Left for the next run after temporary failures. */
  deferred: number;
  /** Permanently rejected this run (hard bounces). */
  failed: number;
  /** Of those, subscribers who reached the bounce limit and will get no more mail. */
  suppressed: number;
  durationMs: number;
  ratePerSecond: number;
  /** True when the run stopped on its signal before every recipient was handled. */
  interrupted: boolean;
  dryRun: boolean;
  /** The whole day's ledger when this run ended: every run's rows, this one's and other workers'. */
  day: LedgerCounts;
}

const DEFAULT_LEASE_MS = 60_000;
/** Ledger rows claimed at a time: enough to keep the pool busy, few enough that a dead run's rows wait little. */
const CLAIM_BATCH = 100;
const DEFAULT_LEASE_REFRESH_MS = 15_000;
const FIRST_RETRY_DELAY_MS = 2_000;
const MAX_RETRY_DELAY_MS = 60_000;
const PROGRESS_EVERY_MS = 2_000;
/**
 * Recipients in a row whose retries all ended on a dropped or timed-out connection: the
 * server is gone, and carrying on would only defer everyone after minutes of retries each.
 */
const CONNECTION_FAILURES_BEFORE_GIVING_UP = 5;
/**
 * Ledger writes that meet another process's write lock (each attempt already waits the
 * store's busy timeout): pauses of 1, 2, 4 … 30 s, about four minutes in all, then the run
 * stops; the row left 'sending' is sent again by the next run, with the same Message-ID.
 */
export const LEDGER_RETRY: Omit<BusyRetryPolicy, 'sleep' | 'onRetry'> = { retries: 10, firstDelayMs: 1_000, maxDelayMs: 30_000 };

type Outcome = { kind: 'sent'; messageId: string } | { kind: FailureKind; error: unknown };

export async function sendIssue(request: SendIssueRequest): Promise<SendSummary> {
  const { issueDate, store, transport, config, dryRun = false } = request;
  const logger = request.logger ?? silentLogger;
  const now = request.now ?? Date.now;
  const startedAt = now();
  const owner = request.owner ?? lockOwnerId();
  const leaseMs = request.leaseMs ?? DEFAULT_LEASE_MS;
  const refreshMs = request.leaseRefreshMs ?? DEFAULT_LEASE_REFRESH_MS;

  if (!dryRun) await verifyTransport(transport);
  const issue = await issueOnce(request.renderer);
  if (!dryRun) {
    const retry = { ...LEDGER_RETRY, sleep: request.sleep ?? ((ms: number) => delay(ms)) };
    await prepareDayOnce(
      {
        store,
        issueDate,
        owner,
        logger,
        lockTtlMs: leaseMs,
        lockRefreshMs: refreshMs,
        ...(request.signal ? { signal: request.signal } : {}),
        ...(request.prepareWait ? { wait: request.prepareWait } : {}),
      },
      () => prepareLedger(store, issueDate, logger, retry),
    );
  }
  const alreadySent = (await store.ledgerCounts(issueDate)).sent;
  // Once per run, not per recipient: who already got which of today's papers.
  const leaveOut = await papersAlreadySent(store, { id: issueDate, papers: issue.parts.papers }, config.DEDUPE_DAYS ?? 0, logger);
  const claims = dryRun ? undefined : keepClaimsAlive(store, issueDate, owner, leaseMs, refreshMs, logger);
  const run = new SendRun(request, { ...issue, leaveOut }, logger, now, startedAt, owner, leaseMs);
  try {
    logger.info(`${dryRun ? 'dry run: ' : ''}sending the issue of ${issueDate} through ${transport.describe()}`);
    const finished = await forEachConcurrently(
      dryRun ? store.pendingRecipients(issueDate) : run.claimed(),
      config.SMTP_POOL_CONNECTIONS * 2,
      (subscriber) => run.deliver(subscriber),
      () => run.shouldStop(),
    );
    await run.progressReported();
    if (run.fatal) throw run.fatal;
    return run.summary(alreadySent, !finished, await store.ledgerCounts(issueDate));
  } finally {
    claims?.stop();
    await run.releaseUnstarted();
  }
}

/** The issue for the whole run: compiled once and encoded once, before the first recipient. */
interface IssueForRun {
  parts: IssueParts;
  encoded: EncodedIssue;
  /** Subscriber id → the papers their copy leaves out, as a paper set; only readers with some. */
  leaveOut: ReadonlyMap<number, string>;
}

async function issueOnce(renderer: IssueRenderer): Promise<Omit<IssueForRun, 'leaveOut'>> {
  const parts = await renderer.parts();
  return { parts, encoded: encodeIssue(parts.pieces) };
}

/** The state of one run: counters, the first fatal error, and the per-recipient steps. */
class SendRun {
  sent = 0;
  skippedNoTopics = 0;
  retried = 0;
  deferred = 0;
  failed = 0;
  suppressed = 0;
  fatal: PapermailError | undefined;
  private handled = 0;
  private connectionFailuresInARow = 0;
  private lastProgressAt: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly ledgerRetry: BusyRetryPolicy;
  /** Undefined without a rate (SMTP_RATE_PER_SECOND=0) and in a dry run. */
  private readonly pacer: SendPacer | undefined;

  constructor(
    private readonly request: SendIssueRequest,
    private readonly issue: IssueForRun,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly startedAt: number,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {
    this.lastProgressAt = startedAt;
    this.sleep = request.sleep ?? ((ms) => delay(ms, undefined, { signal: request.signal }).catch(() => undefined));
    this.ledgerRetry = {
      ...LEDGER_RETRY,
      // Not cut short by the abort signal: messages in flight at an abort must still be recorded.
      sleep: request.sleep ?? ((ms) => delay(ms)),
      onRetry: (error, retry, delayMs) =>
        logger.warn(`the store is busy; writing the ledger again in ${delayMs / 1000} s (retry ${retry} of ${LEDGER_RETRY.retries}): ${error.message}`),
    };
    const perSecond = request.config.SMTP_RATE_PER_SECOND;
    this.pacer =
      perSecond > 0 && request.dryRun !== true
        ? new SendPacer((count) => this.ledger((ledger) => ledger.reserveSendSlots(request.issueDate, count, perSecond)), perSecond, this.sleep)
        : undefined;
  }

  /** A ledger write, waiting out another process's write lock. */
  private ledger<T>(write: (store: SendLedger) => Promise<T>): Promise<T> {
    return retryWhileBusy(() => write(this.request.store), this.ledgerRetry);
  }

  /** Claimed rows not yet handed to `deliver`: given back at the end of the run. */
  private readonly unstarted = new Set<number>();

  /** The day's rows, claimed a batch at a time for this run, until none is left. */
  async *claimed(): AsyncGenerator<Subscriber> {
    const { issueDate } = this.request;
    while (!this.shouldStop()) {
      const batch = await this.ledger((ledger) => ledger.claimRecipients(issueDate, this.owner, this.request.claimBatch ?? CLAIM_BATCH, this.leaseMs));
      if (batch.length === 0) return;
      for (const subscriber of batch) this.unstarted.add(subscriber.id);
      // One read per batch, and each model is let go as its reader's copy is made.
      await this.request.personal?.loadBatch(batch.map((subscriber) => subscriber.id));
      yield* batch;
    }
  }

  /** Claimed rows this run never started are 'pending' again, so another run need not wait for their lease. */
  async releaseUnstarted(): Promise<void> {
    if (this.unstarted.size === 0) return;
    const ids = [...this.unstarted];
    this.unstarted.clear();
    try {
      await this.ledger((ledger) => ledger.releaseClaims(this.request.issueDate, this.owner, ids));
    } catch (error) {
      this.logger.warn(`could not give back ${ids.length} claimed recipients (their lease ends by itself): ${(error as Error).message}`);
    }
  }

  shouldStop(): boolean {
    return this.fatal !== undefined || this.request.signal?.aborted === true;
  }

  async deliver(subscriber: Subscriber): Promise<void> {
    const { issueDate, config, dryRun } = this.request;
    this.unstarted.delete(subscriber.id);
    if (!isDeliverable(subscriber.email)) {
      // A stored address no mail server would take: as final as a 5xx, for this subscriber only.
      const reason = `address ${JSON.stringify(subscriber.email)} is not a valid single address`;
      if (dryRun) this.failed += 1;
      else await this.recordFailure(subscriber, reason);
      return this.countHandled();
    }
    const sentBefore = this.issue.leaveOut.get(subscriber.id);
    const personal = this.request.personal?.copyFor(subscriber.id, sentBefore);
    const selection = this.issue.parts.select(subscriber.topics, personal ? personal.leaveOut : sentBefore);
    if (!selection) {
      // No paper of their topics today, or every one of them sent to them before.
      // Recorded, so the issue counts as complete and the next run does not ask again.
      if (!dryRun) await this.ledger((ledger) => ledger.markSkipped(issueDate, subscriber.id));
      this.skippedNoTopics += 1;
      return this.countHandled();
    }
    const links = recipientLinks(config, subscriber, issueDate);
    const copy = selection.copyFor(
      {
        name: subscriber.name,
        email: subscriber.email,
        unsubscribeUrl: links.unsubscribeUrl,
        preferencesUrl: links.preferencesUrl,
        viewInBrowserUrl: links.viewInBrowserUrl,
        voteUrl: links.voteUrl ?? null,
      },
      personal?.choice.forYou,
    );
    const message = assembleIssueMessage({
      issue: this.issue.encoded,
      copy,
      recipient: subscriber,
      config,
      unsubscribeUrl: links.unsubscribeUrl,
      issueDate,
    });
    if (dryRun) {
      this.sent += 1;
      return this.countHandled();
    }

    // The first attempt's slot comes before the claim is checked, so the check is the last step before the hand-over.
    await this.pacer?.nextSlot();
    if (this.shouldStop()) {
      // Stopped while waiting for its slot: never handed over, so given back with the others.
      this.unstarted.add(subscriber.id);
      return;
    }
    if (!(await this.ledger((ledger) => ledger.holdClaim(issueDate, subscriber.id, this.owner, this.leaseMs)))) {
      // Another run took this one over while we were paused past the lease (or the subscriber was deleted).
      this.logger.debug(`subscriber #${subscriber.id}: already handled by another run; not sent again`);
      return this.countHandled();
    }
    const outcome = await this.sendWithRetries(message);
    await this.record(subscriber, outcome, personal ? receivedWithBlock(selection.received, personal.choice) : selection.received);
    this.countHandled();
  }

  private async sendWithRetries(message: AssembledMessage): Promise<Outcome> {
    const { config } = this.request;
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await this.attempt(message);
      if (outcome.kind !== 'temporary' || attempt >= config.SEND_RETRIES || this.shouldStop()) return outcome;
      this.retried += 1;
      this.logger.debug(`retrying ${message.envelope.to[0]} after: ${describeSendError(outcome.error)}`);
      await this.sleep(retryDelay(attempt));
      // A retry is one more message to the relay: it takes a slot of the day's rate too.
      await this.pacer?.nextSlot();
      if (this.shouldStop()) return outcome;
    }
  }

  private async attempt(message: AssembledMessage): Promise<Outcome> {
    try {
      const result = await this.request.transport.send(message);
      if (result.accepted) return { kind: 'sent', messageId: result.messageId };
      return { kind: 'temporary', error: new Error(`not accepted: ${result.response}`) };
    } catch (error) {
      return { kind: classifySendError(error), error };
    }
  }

  /** `received`: the papers the copy held (a paper set), recorded with a 'sent' row for later issues to leave out. */
  private async record(subscriber: Subscriber, outcome: Outcome, received: string): Promise<void> {
    const { issueDate, transport } = this.request;
    if (outcome.kind === 'sent') {
      await this.ledger((ledger) => ledger.markSent(issueDate, subscriber.id, outcome.messageId, received));
      this.sent += 1;
      this.connectionFailuresInARow = 0;
      return;
    }
    const reason = describeSendError(outcome.error);
    if (outcome.kind === 'permanent') return this.recordFailure(subscriber, reason);

    // Temporary or fatal: the server did not take the message, so the next run sends it.
    await this.ledger((ledger) => ledger.markDeferred(issueDate, subscriber.id, reason));
    this.deferred += 1;
    if (outcome.kind === 'fatal') {
      this.fatal ??= transportFailure(outcome.error, transport.describe(), `stopped after ${this.sent} sent; the next run resumes`);
      return;
    }
    this.logger.warn(`deferred ${subscriber.email} to the next run: ${reason}`);
    this.connectionFailuresInARow = isConnectionFailure(outcome.error) ? this.connectionFailuresInARow + 1 : 0;
    if (this.connectionFailuresInARow >= CONNECTION_FAILURES_BEFORE_GIVING_UP) {
      this.fatal ??= new PapermailError(
        'ETRANSPORT',
        `lost the connection to ${transport.describe()} for ${this.connectionFailuresInARow} recipients in a row (last: ${reason}); stopped, the next run resumes`,
        { cause: outcome.error },
      );
    }
  }

  private async recordFailure(subscriber: Subscriber, reason: string): Promise<void> {
    const { issueDate, config } = this.request;
    const { suppressed } = await this.ledger((ledger) => ledger.markFailed(issueDate, subscriber.id, reason, config.HARD_BOUNCE_LIMIT));
    this.failed += 1;
    if (suppressed) this.suppressed += 1;
    this.logger.warn(`${subscriber.email} rejected${suppressed ? ' (now suppressed)' : ''}: ${reason}`);
  }

  /** Progress reports are sent in order, each after reading the day's counts. */
  private reporting: Promise<void> = Promise.resolve();

  /** Called once per recipient, whatever the outcome; reports progress when it is due. */
  private countHandled(): void {
    this.handled += 1;
    const { onProgress, issueDate } = this.request;
    if (!onProgress) return;
    const at = this.now();
    // Time-based, so a fast run does not flood the terminal and a slow one still shows life.
    if (at - this.lastProgressAt < PROGRESS_EVERY_MS) return;
    this.lastProgressAt = at;
    const run = {
      issueDate,
      processed: this.handled,
      sent: this.sent,
      deferred: this.deferred,
      failed: this.failed,
      skippedNoTopics: this.skippedNoTopics,
      elapsedMs: at - this.startedAt,
    };
    // The day's counts come from the store, so the line counts every worker's rows; reading them
    // does not hold up the next recipient, and a busy store only costs this one line.
    this.reporting = this.reporting.then(async () => {
      try {
        onProgress({ ...run, day: await this.request.store.ledgerCounts(issueDate) });
      } catch (error) {
        this.logger.debug(`no progress line this time: could not count the day's ledger: ${(error as Error).message}`);
      }
    });
  }

  /** Resolves once every due progress report has been made. */
  progressReported(): Promise<void> {
    return this.reporting;
  }

  summary(alreadySent: number, interrupted: boolean, day: LedgerCounts): SendSummary {
    const durationMs = Math.max(0, this.now() - this.startedAt);
    return {
      issueDate: this.request.issueDate,
      sent: this.sent,
      skippedNoTopics: this.skippedNoTopics,
      alreadySent,
      retried: this.retried,
      deferred: this.deferred,
      failed: this.failed,
      suppressed: this.suppressed,
      durationMs,
      ratePerSecond: durationMs > 0 ? Math.round((this.sent / durationMs) * 10_000) / 10 : 0,
      interrupted,
      dryRun: this.request.dryRun === true,
      day,
    };
  }
}

/** False for an address that would not survive normalisation: a row stored before validation existed. */
function isDeliverable(email: string): boolean {
  try {
    return normaliseEmail(email) !== '';
  } catch {
    return false;
  }
}

/** 2 s, 4 s, 8 s … capped at a minute: long enough for a greylisting server, short enough for one run. */
function retryDelay(attempt: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** attempt, MAX_RETRY_DELAY_MS);
}

/**
 * Renews the leases of the rows this run holds, in the background, until stopped. A renewal
 * that fails (a busy database) is only logged: a row whose lease ends meanwhile may be taken
 * over by another run, and holdClaim then keeps this one from sending it.
 */
function keepClaimsAlive(store: SendLedger, issueDate: string, owner: string, leaseMs: number, everyMs: number, logger: Logger) {
  const timer = setInterval(() => {
    store.renewClaims(issueDate, owner, leaseMs).catch((error: unknown) => logger.warn(`could not renew the claims of ${issueDate} yet: ${(error as Error).message}`));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

async function verifyTransport(transport: MailTransport): Promise<void> {
  try {
    await transport.verify();
  } catch (error) {
    throw transportFailure(error, transport.describe());
  }
}

export function describeSummary(summary: SendSummary): string {
  const parts = [
    `${summary.sent} ${summary.dryRun ? 'would be sent' : 'sent'}`,
    summary.alreadySent > 0 ? `${summary.alreadySent} already sent before` : '',
    summary.skippedNoTopics > 0 ? `${summary.skippedNoTopics} with no papers in their topics` : '',
    summary.retried > 0 ? `${summary.retried} retries` : '',
    summary.deferred > 0 ? `${summary.deferred} deferred to the next run` : '',
    summary.failed > 0 ? `${summary.failed} rejected (${summary.suppressed} now suppressed)` : '',
  ].filter((part) => part !== '');
  const rate = summary.sent > 0 && !summary.dryRun ? `, ${summary.ratePerSecond} msg/s` : '';
  const stopped = summary.interrupted ? ' — interrupted, the next run resumes' : '';
  const day = summary.dryRun ? '' : `; ${describeDay(summary.day)}`;
  return `issue ${summary.issueDate}: ${parts.join(', ')} in ${(summary.durationMs / 1000).toFixed(1)} s${rate}${stopped}${day}`;
}

/**
 * The whole day across every worker, from the ledger: "the day: 120 sent, 880 pending, 2
 * deferred, 0 failed" ('pending' counts rows not yet sent, claimed ones included; skipped when any).
 */
export function describeDay(day: LedgerCounts): string {
  const skipped = day.skipped > 0 ? `, ${day.skipped} skipped` : '';
  return `the day: ${day.sent} sent, ${day.pending + day.sending} pending, ${day.deferred} deferred, ${day.failed} failed${skipped}`;
}

/** True when the day still has rows a later run must send: deferred ones, or an interrupted run's (never after a dry run). */
export function hasWorkLeft(summary: Pick<SendSummary, 'interrupted' | 'day' | 'dryRun'>): boolean {
  return !summary.dryRun && (summary.interrupted || summary.day.deferred > 0);
}
