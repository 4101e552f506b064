/**
 * A papermail web side with real peers: a SQLite file in a temporary directory, the real
 * confirmation email sent over SMTP to a real sink, and (optionally) a real HTTP server on
 * port 0. Each test gets its own and closes it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { loadConfig, type Config } from '../../src/config/config.js';
import { loadTaxonomy, topicCatalogue, type TopicChoice } from '../../src/digest/taxonomy.js';
import { PapermailError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { renderConfirmationEmail } from '../../src/render/confirmation.js';
import { createApp } from '../../src/server/app.js';
import { createBackgroundTasks, type BackgroundTasks } from '../../src/server/background.js';
import type { AppDependencies, ConfirmationMailer, SendRequest } from '../../src/server/dependencies.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { Subscriber, SubscriberStore } from '../../src/subscribers/store.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

export const SECRET = 'server-tests-secret-at-least-32-characters!';
export const ADMIN_TOKEN = 'admin-token-for-server-tests-0123456789';

export interface Harness {
  config: Config;
  store: SubscriberStore;
  sink: SmtpSink;
  background: BackgroundTasks;
  topics: TopicChoice[];
  app: ReturnType<typeof createApp>;
  /** What the app was built from, to build a variant of it. */
  deps: AppDependencies;
  /** The real server's base URL (only with `serve: true`). */
  url: string;
  server?: RunningServer;
  clock: ManualClock;
  /** What POST /admin/send asked the send for, in order. */
  sendRequests: SendRequest[];
  logLines: string[];
  /** Waits for queued confirmation emails, then returns the parsed messages to `address`. */
  inbox(address: string): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  serve?: boolean;
}

export interface ManualClock {
  now(): Date;
  advanceHours(hours: number): void;
}

export function manualClock(start = '2025-10-01T08:00:00.000Z'): ManualClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    advanceHours(hours) {
      current += hours * 3_600_000;
    },
  };
}

/** The real topic catalogue from the project's topics.json. */
export async function realTopics(): Promise<TopicChoice[]> {
  return topicCatalogue(await loadTaxonomy('topics.json'));
}

export async function startHarness({ env = {}, serve = false }: HarnessOptions = {}): Promise<Harness> {
  const directory = await mkdtemp(join(tmpdir(), 'papermail-server-'));
  const config = loadConfig({ APP_SECRET: SECRET, ADMIN_TOKEN, NEWSLETTER_NAME: 'papermail', ...env });
  const clock = manualClock();
  const store = openSqliteStore(join(directory, 'papermail.db'), { now: clock.now });
  const sink = await startSmtpSink();
  const logLines: string[] = [];
  const logger = createLogger('debug', (line) => logLines.push(line));
  const background = createBackgroundTasks(logger);
  const mailer = sinkMailer(config, sink);
  const sendRequests: SendRequest[] = [];
  const topics = await realTopics();

  const deps: AppDependencies = {
    config,
    store,
    topics,
    mailer,
    background,
    logger,
    now: clock.now,
    runSend: (request) => sendUnderLock(store, request, sendRequests),
    renderPreview: (date) => previewFromArchive(store, date),
  };
  const app = createApp(deps);
  const server = serve ? await startServer({ app, host: '127.0.0.1', port: 0, logger }) : undefined;

  return {
    config,
    store,
    sink,
    background,
    topics,
    app,
    deps,
    url: server?.url ?? '',
    ...(server ? { server } : {}),
    clock,
    sendRequests,
    logLines,
    async inbox(address) {
      await background.settled();
      const parsed = await sink.parsed();
      return parsed.filter((mail) => mail.to !== undefined && [mail.to].flat().some((to) => to.text.includes(address)));
    },
    async close() {
      await server?.close();
      await background.settled();
      mailer.close();
      await sink.close();
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The real confirmation template, sent with Nodemailer over SMTP to the sink. */
function sinkMailer(config: Config, sink: SmtpSink): ConfirmationMailer & { close(): void } {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
  return {
    async sendConfirmation(subscriber: Subscriber, confirmUrl: string) {
      const email = await renderConfirmationEmail({ newsletterName: config.NEWSLETTER_NAME, confirmUrl, postalAddress: config.POSTAL_ADDRESS });
      await transport.sendMail({ from: config.MAIL_FROM, to: subscriber.email, subject: email.subject, html: email.html, text: email.text });
    },
    close: () => transport.close(),
  };
}

/** A stand-in daily send that honours the store's real send lock, as the real one does. */
async function sendUnderLock(store: SubscriberStore, request: SendRequest, seen: SendRequest[]): Promise<object> {
  const date = request.date ?? '2025-09-30';
  if (!(await store.acquireSendLock(date, 'server-test-send', 60_000))) {
    throw new PapermailError('ELOCKED', `another send of ${date} holds the lock`);
  }
  try {
    seen.push(request);
    return { date, dryRun: request.dryRun ?? false, sent: 0 };
  } finally {
    await store.releaseSendLock(date, 'server-test-send');
  }
}

async function previewFromArchive(store: SubscriberStore, date: string): Promise<string> {
  const issue = await store.getIssue(date);
  if (issue === undefined) throw new PapermailError('ENOTFOUND', `no issue for ${date}`);
  return issue.html;
}

/** The confirmation link in an email, pointed at the test server instead of PUBLIC_URL. */
export function confirmLinkIn(mail: ParsedMail, config: Config, baseUrl: string): string {
  const link = /https?:\/\/\S+\/confirm\?token=[A-Za-z0-9._%-]+/.exec(mail.text ?? '')?.[0];
  if (link === undefined) throw new Error(`no confirmation link in: ${mail.text}`);
  if (!link.startsWith(config.PUBLIC_URL.replace(/\/$/, ''))) throw new Error(`link ${link} is not under PUBLIC_URL`);
  const url = new URL(link);
  return `${baseUrl}${url.pathname}${url.search}`;
}

/** A form body as a browser sends it (checkbox values repeat). */
export function form(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of [value].flat()) body.append(name, item);
  }
  return body;
}
