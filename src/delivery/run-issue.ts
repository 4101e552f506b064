/**
 * One day's issue from start to finish — the "campaign": load and digest the day's papers,
 * archive the browser version, freeze the issue, prepare its ledger, then hand it to the
 * ledger-driven send loop. Exactly one run of a day freezes and prepares it, under the day's
 * prepare lock (prepare-day.ts); every other run of that day, started at the same time or
 * later, on this machine or another, waits for that and sends the frozen issue beside it,
 * without reading the source at all when the day is known up front. The CLI's `send` and
 * `worker`, the server's `POST /admin/send` and the cron job all call this.
 */
import type { Config } from '../config/config.js';
import { loadDailyDigest } from '../digest/daily-digest.js';
import { issueDayFor } from '../digest/dates.js';
import { issueIdOf, type Digest } from '../digest/paper.js';
import { weekEndedBefore } from '../digest/week.js';
import { loadWeeklyDigest } from '../digest/weekly-digest.js';
import type { Taxonomy } from '../digest/taxonomy.js';
import type { Logger } from '../logger.js';
import { createIssueRenderer, issueOptionsFrom, renderBrowserVersion, type IssueRenderer } from '../render/index.js';
import type { IssueArchive } from '../subscribers/store.js';
import { issuePersonalisation } from '../personal/issue-personalisation.js';
import type { ReaderSignalStore } from '../personal/reader-signals.js';
import { lockOwnerId } from '../subscribers/lock-owner.js';
import { frozenContent, thawFrozenIssue } from './frozen-issue.js';
import { isPrepared, prepareDayOnce, prepareLedger, type PrepareDayRequest, type PrepareWait } from './prepare-day.js';
import type { FrozenIssues, SendLedger } from './send-ledger.js';
import { describeSummary, LEDGER_RETRY, sendIssue, type SendProgress, type SendSummary } from './send-issue.js';
import { sendTestCopy } from './test-copy.js';
import type { MailTransport, SendResult } from './transport.js';

export interface IssueRequest {
  /** The issue day; default: from the source, else DIGEST_DAY_OFFSET days before today in TZ. */
  day?: string;
  /**
   * The weekly issue instead of a day's (sent to weekly subscribers only), named by its week:
   * `week`, else the source folder's week, else the week that ended before today in TZ.
   */
  weekly?: boolean;
  /** "2025-W40", with `weekly`. */
  week?: string;
  /** A file path or URL (for a weekly: a folder of YYYY-MM-DD.json files or an API-like URL); default: the Hugging Face API. */
  source?: string;
  dryRun?: boolean;
  /** The scheduler's question: do nothing when this day's issue has already gone out. */
  skipIfComplete?: boolean;
  /** `send --rebuild`: freeze the day's issue again from the source; refused (EFROZEN) once a message of it was accepted. */
  rebuild?: boolean;
}

export interface IssueServices {
  config: Config;
  /** The ledger to send by, and the archive the browser version is saved to. */
  store: SendLedger & FrozenIssues & Pick<IssueArchive, 'saveIssue'>;
  transport: MailTransport;
  logger: Logger;
  taxonomy?: Taxonomy;
  fetch?: typeof fetch;
  now?: () => Date;
  signal?: AbortSignal;
  onProgress?: (progress: SendProgress) => void;
  /** Waits between SMTP retries; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Waiting for another run that is preparing the day. */
  prepareWait?: PrepareWait;
  /**
   * Where reader models and the vocabulary are kept (the store, once it implements
   * ReaderSignalStore): with it, readers with a model get their "For you" block. Absent: no
   * personal ranking, every copy as for everyone.
   */
  readerSignals?: Pick<ReaderSignalStore, 'readerModels' | 'latestVocabulary' | 'saveVocabulary'>;
}

export type IssueOutcome =
  | { kind: 'sent'; summary: SendSummary }
  | { kind: 'already-sent'; day: string }
  | { kind: 'no-papers'; day: string };

export async function runIssue(request: IssueRequest, services: IssueServices): Promise<IssueOutcome> {
  const { config, store, logger } = services;
  const now = services.now ?? (() => new Date());
  const scheduledDay = knownIssueId(request, config, now);
  if (request.skipIfComplete && scheduledDay && (await store.isIssueComplete(scheduledDay))) {
    return { kind: 'already-sent', day: scheduledDay };
  }

  // One owner for the run: the prepare lock and the claims are both this run's.
  const owner = lockOwnerId();
  const issue = await dayIssue(request, services, scheduledDay, owner);
  if (issue.kind === 'no-papers') return issue;
  const { digest, renderer } = issue;
  // Once per issue: the vocabulary and the day's papers as personal ranking reads them.
  const signals = services.readerSignals;
  const personal =
    signals && !request.dryRun
      ? await issuePersonalisation(
          {
            readerModels: (ids) => signals.readerModels(ids),
            latestVocabulary: () => signals.latestVocabulary(),
            saveVocabulary: (vocabulary) => signals.saveVocabulary(vocabulary),
            frozenIssueIds: () => store.frozenIssueIds(),
            frozenIssue: (id) => store.frozenIssue(id),
          },
          { id: issueIdOf(digest), digest },
          logger,
        )
      : undefined;
  const summary = await sendIssue({
    issueDate: issueIdOf(digest),
    renderer,
    store,
    transport: services.transport,
    config,
    logger,
    owner,
    ...(services.signal ? { signal: services.signal } : {}),
    ...(services.onProgress ? { onProgress: services.onProgress } : {}),
    ...(services.sleep ? { sleep: services.sleep } : {}),
    ...(services.prepareWait ? { prepareWait: services.prepareWait } : {}),
    dryRun: request.dryRun ?? false,
    ...(personal ? { personal } : {}),
  });
  return { kind: 'sent', summary };
}

type SendableIssue = { kind: 'issue'; digest: Digest; renderer: IssueRenderer };
type DayIssue = SendableIssue | { kind: 'no-papers'; day: string };

/**
 * The issue to send: the frozen one when the day has one (without reading the source when
 * the day is known), else the one this run loads, archives, freezes and prepares as the
 * day's preparer, or the one another run froze while this one waited for it to prepare the
 * day. A dry run freezes and prepares nothing.
 */
async function dayIssue(request: IssueRequest, services: IssueServices, knownDay: string | undefined, owner: string): Promise<DayIssue> {
  const { store } = services;
  if (request.dryRun) return dryRunIssue(request, services, knownDay);
  if (request.rebuild) return rebuiltIssue(request, services, owner);
  const ready = knownDay === undefined ? undefined : await preparedIssue(knownDay, services);
  if (ready) return ready;

  // A day that is not known up front is named by its source: read it to learn which day it is.
  const loaded = knownDay === undefined ? await loadDigest(request, services) : undefined;
  const day = knownDay ?? issueIdOf(loaded!);
  const outcome = await prepareDayOnce(prepareRequest(day, services, owner), async (): Promise<DayIssue> => {
    // A preparer that died after freezing left the issue to send: prepare that one.
    const frozen = await frozenDayIssue(day, services);
    const issue = frozen ?? (await freezeDayIssue(loaded ?? (await loadDigest(request, services)), services));
    if (issue.kind === 'issue') await prepareLedger(store, day, services.logger, ledgerRetry(services));
    return issue;
  });
  if (outcome.role === 'preparer') return outcome.value;
  // Prepared by another run; a day prepared without content (sendIssue on its own) is frozen now, first-wins.
  return (await frozenDayIssue(day, services)) ?? freezeDayIssue(loaded ?? (await loadDigest(request, services)), services);
}

/** The day's frozen issue, when its ledger is prepared too: nothing left but to send it. */
async function preparedIssue(day: string, services: IssueServices): Promise<DayIssue | undefined> {
  return isPrepared(await services.store.frozenIssue(day)) ? frozenDayIssue(day, services) : undefined;
}

/** The day's frozen issue, validated; undefined when the day has none. */
async function frozenDayIssue(day: string, services: Pick<IssueServices, 'logger'> & { store: Pick<FrozenIssues, 'frozenIssue'> }): Promise<SendableIssue | undefined> {
  const record = await services.store.frozenIssue(day);
  const thawed = record === undefined ? undefined : thawFrozenIssue(record);
  if (thawed) services.logger.info(`issue ${day}: sending the issue frozen at ${record!.frozenAt}`);
  return thawed === undefined ? undefined : { kind: 'issue', ...thawed };
}

/** Archives and freezes the loaded issue; when another run froze the day first, its issue is the day's. */
async function freezeDayIssue(digest: Digest, services: IssueServices): Promise<DayIssue> {
  const { config, store } = services;
  if (digest.total === 0 && !config.SEND_EMPTY_ISSUE) return { kind: 'no-papers', day: issueIdOf(digest) };
  const renderer = createIssueRenderer(digest, issueOptionsFrom(config));
  const content = frozenContent(digest, await renderer.parts());
  // Archived before freezing: a crash in between leaves nothing frozen, and the next run does both.
  await archiveIssue(digest, services);
  const stored = await store.freezeIssue(content);
  if (stored.digest === content.digest && stored.compiled === content.compiled) return { kind: 'issue', digest, renderer };
  // Another run froze the day first: its issue is the day's, and so is its browser version.
  const theirs = thawFrozenIssue(stored)!;
  await archiveIssue(theirs.digest, services);
  return { kind: 'issue', ...theirs };
}

/** `send --rebuild`: the day frozen again from the source (EFROZEN once a message was accepted), then prepared. */
async function rebuiltIssue(request: IssueRequest, services: IssueServices, owner: string): Promise<DayIssue> {
  const { config, store, logger } = services;
  const digest = await loadDigest(request, services);
  const id = issueIdOf(digest);
  if (digest.total === 0 && !config.SEND_EMPTY_ISSUE) return { kind: 'no-papers', day: id };
  const renderer = createIssueRenderer(digest, issueOptionsFrom(config));
  await store.rebuildFrozenIssue(frozenContent(digest, await renderer.parts()));
  await archiveIssue(digest, services);
  logger.info(`issue ${id}: rebuilt from ${request.source ?? 'the papers API'}`);
  await prepareDayOnce(prepareRequest(id, services, owner), () => prepareLedger(store, id, logger, ledgerRetry(services)));
  return { kind: 'issue', digest, renderer };
}

/** A dry run: the frozen issue if the day has one, else the one loaded now; nothing is written. */
async function dryRunIssue(request: IssueRequest, services: IssueServices, knownDay: string | undefined): Promise<DayIssue> {
  const early = knownDay === undefined ? undefined : await frozenDayIssue(knownDay, services);
  if (early) return early;
  const digest = await loadDigest(request, services);
  const late = knownDay === undefined ? await frozenDayIssue(issueIdOf(digest), services) : undefined;
  if (late) return late;
  if (digest.total === 0 && !services.config.SEND_EMPTY_ISSUE) return { kind: 'no-papers', day: issueIdOf(digest) };
  return { kind: 'issue', digest, renderer: createIssueRenderer(digest, issueOptionsFrom(services.config)) };
}

function prepareRequest(issueDate: string, services: IssueServices, owner: string): PrepareDayRequest {
  return {
    store: services.store,
    issueDate,
    owner,
    logger: services.logger,
    ...(services.signal ? { signal: services.signal } : {}),
    ...(services.prepareWait ? { wait: services.prepareWait } : {}),
  };
}

/** Preparing waits out another process's write lock as the send loop's ledger writes do. */
function ledgerRetry(services: Pick<IssueServices, 'sleep'>) {
  return { ...LEDGER_RETRY, ...(services.sleep ? { sleep: services.sleep } : {}) };
}

/**
 * `send --to`: the day's issue to one address, outside the list and the ledger. A day already
 * frozen in `store` is sent as its subscribers get it (without reading the source when the day
 * is given), not as the source reads now.
 */
export async function sendIssueTestCopy(
  request: Pick<IssueRequest, 'day' | 'source' | 'weekly' | 'week'> & { to: string; topics?: string[] | null },
  services: Omit<IssueServices, 'store'> & { store?: Pick<FrozenIssues, 'frozenIssue'> },
): Promise<{ result: SendResult; day: string }> {
  const { store } = services;
  const frozen = (day: string) => (store ? frozenDayIssue(day, { logger: services.logger, store }) : Promise.resolve(undefined));
  const given = request.weekly ? request.week : request.day;
  const known = given === undefined ? undefined : await frozen(given);
  const digest = known?.digest ?? (await loadDigest(request, services));
  const thawed = known ?? (given === undefined ? await frozen(issueIdOf(digest)) : undefined);
  const renderer: IssueRenderer = thawed?.renderer ?? createIssueRenderer(digest, issueOptionsFrom(services.config));
  const result = await sendTestCopy({
    to: request.to,
    renderer,
    transport: services.transport,
    config: services.config,
    topics: request.topics ?? null,
  });
  return { result, day: issueIdOf(digest) };
}

/**
 * The issue a run is known to be about before reading any source: the given day or week,
 * else today's scheduled one; undefined when the source names it (a file's day, a folder's week).
 */
function knownIssueId(request: IssueRequest, config: Config, now: () => Date): string | undefined {
  if (request.weekly) return request.week ?? (request.source ? undefined : weekEndedBefore(now(), config.TZ).id);
  return request.day ?? (request.source ? undefined : issueDayFor(now(), config.TZ, config.DIGEST_DAY_OFFSET));
}

async function loadDigest(request: Pick<IssueRequest, 'day' | 'source' | 'weekly' | 'week'>, services: Omit<IssueServices, 'store' | 'transport'>): Promise<Digest> {
  if (request.weekly) return loadWeekDigest(request, services);
  const { digest, warnings, origin } = await loadDailyDigest({
    ...(request.day ? { day: request.day } : {}),
    ...(request.source ? { source: request.source } : {}),
    ...readingServices(services),
  });
  for (const warning of warnings) services.logger.warn(warning);
  services.logger.info(`issue ${digest.date}: ${digest.total} papers in ${digest.sections.length} topics from ${origin}`);
  return digest;
}

/** What reading a day or a week takes from the run's services: settings, logger, and the fetch, clock and taxonomy when given. */
function readingServices(services: Omit<IssueServices, 'store' | 'transport'>) {
  return {
    config: services.config,
    logger: services.logger,
    ...(services.fetch ? { fetch: services.fetch } : {}),
    ...(services.now ? { now: services.now } : {}),
    ...(services.taxonomy ? { taxonomy: services.taxonomy } : {}),
  };
}

/** The week's best, every day read again now (src/digest/weekly-digest.ts). */
async function loadWeekDigest(request: Pick<IssueRequest, 'source' | 'week'>, services: Omit<IssueServices, 'store' | 'transport'>): Promise<Digest> {
  const { digest, warnings, origins } = await loadWeeklyDigest({
    ...(request.week ? { week: request.week } : {}),
    ...(request.source ? { source: request.source } : {}),
    ...readingServices(services),
  });
  for (const warning of warnings) services.logger.warn(warning);
  services.logger.info(`issue ${issueIdOf(digest)}: the week's top ${digest.total} papers in ${digest.sections.length} topics from ${origins.length} days`);
  return digest;
}

/** The "view in browser" copy: the same issue with no subscriber's links in it. */
async function archiveIssue(digest: Digest, services: Pick<IssueServices, 'config' | 'store'>): Promise<void> {
  const browser = await renderBrowserVersion(digest, issueOptionsFrom(services.config));
  await services.store.saveIssue({ date: issueIdOf(digest), subject: browser.subject, html: browser.html, text: browser.text });
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
