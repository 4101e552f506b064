/**
 * A papermail web side with real peers and the real wiring of `serve`: a SQLite file in a
 * temporary directory, mail (confirmations and issues) over SMTP to a real sink, the
 * sample day in the papers cache so sends and previews work offline, and (optionally) a
 * real HTTP server on port 0. Each test gets its own and closes it.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { loadConfig, type Config } from '../../src/config/config.js';
import { loadTaxonomy, topicCatalogue, type TopicChoice } from '../../src/digest/taxonomy.js';
import { createLogger } from '../../src/logger.js';
import { createTransport } from '../../src/delivery/transport.js';
import { createApp } from '../../src/server/app.js';
import { createBackgroundTasks, type BackgroundTasks } from '../../src/server/background.js';
import type { AppDependencies, SendRequest } from '../../src/server/dependencies.js';
import { createRuntime } from '../../src/server/runtime.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

export const SECRET = 'server-tests-secret-at-least-32-characters!';
export const ADMIN_TOKEN = 'admin-token-for-server-tests-0123456789';

export interface Harness {
  config: Config;
  store: SubscriberStore;
  /** The store's SQLite file. */
  databasePath: string;
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
  /** The store's wait for another process's write lock (its default otherwise). */
  busyTimeoutMs?: number;
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

export async function startHarness({ env = {}, serve = false, busyTimeoutMs }: HarnessOptions = {}): Promise<Harness> {
  const directory = await mkdtemp(join(tmpdir(), 'papermail-server-'));
  const sink = await startSmtpSink();
  const cacheDir = join(directory, 'papers');
  await mkdir(cacheDir);
  await copyFile('samples/2025-09-30.json', join(cacheDir, '2025-09-30.json'));
  const config = loadConfig({
    APP_SECRET: SECRET,
    ADMIN_TOKEN,
    NEWSLETTER_NAME: 'papermail',
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    CACHE_DIR: cacheDir,
    ...env,
  });
  const clock = manualClock();
  const databasePath = join(directory, 'papermail.db');
  const store = openSqliteStore(databasePath, { now: clock.now, ...(busyTimeoutMs ? { busyTimeoutMs } : {}) });
  const transport = createTransport(config);
  const logLines: string[] = [];
  const logger = createLogger('debug', (line) => logLines.push(line));
  const background = createBackgroundTasks(logger);
  const sendRequests: SendRequest[] = [];
  const taxonomy = await loadTaxonomy('topics.json');
  const topics = topicCatalogue(taxonomy);
  const runtime = createRuntime({ config, store, transport, taxonomy, logger, background, now: clock.now });
  const deps: AppDependencies = {
    ...runtime.dependencies,
    runSend: (request) => {
      sendRequests.push(request);
      return runtime.dependencies.runSend(request);
    },
  };
  const app = createApp(deps);
  const server = serve ? await startServer({ app, host: '127.0.0.1', port: 0, logger }) : undefined;

  return {
    config,
    store,
    databasePath,
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
      transport.close();
      await sink.close();
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
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
