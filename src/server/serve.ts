/**
 * Runs the app on a real socket and takes it down in order. Signals and exit codes
 * belong to the CLI: it calls `close()` on SIGTERM/SIGINT and then sets the exit code,
 * so this module never calls process.exit and tests can start and stop servers freely.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { PapermailError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StoreLifecycle } from '../subscribers/store.js';

type FetchHandler = Parameters<typeof serve>[0]['fetch'];

export interface ShutdownHooks {
  /**
   * Runs as soon as the server stops accepting connections: stop the schedule and abort
   * an in-flight send, so requests still open (an admin send) can finish quickly.
   */
  stopWork?: () => void | Promise<void>;
  /**
   * Runs once every open request has finished (or the grace period ran out): wait for
   * background emails, then close the mail transport and the store they were using.
   */
  release?: () => void | Promise<void>;
}

export interface ServerOptions {
  /** The Hono app (anything with its fetch). */
  app: { fetch: FetchHandler };
  host: string;
  /** 0 picks a free port; the bound one is returned. */
  port: number;
  logger: Logger;
  onShutdown?: ShutdownHooks;
  /** How long open requests may take to finish before their connections are cut. */
  graceMs?: number;
}

export interface RunningServer {
  host: string;
  port: number;
  /** http://host:port of the bound socket (for logs and tests; PUBLIC_URL is what users see). */
  url: string;
  /** Stops accepting, runs the shutdown hooks, resolves when all is closed. Safe to call twice. */
  close(): Promise<void>;
}

export async function startServer({ app, host, port, logger, onShutdown = {}, graceMs = 10_000 }: ServerOptions): Promise<RunningServer> {
  const { server, address } = await listen(app, host, port);
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(`server: listening on ${url}`);

  let closing: Promise<void> | undefined;
  const shutDown = async () => {
    logger.info('server: shutting down');
    const requestsFinished = new Promise<void>((resolve) => server.close(() => resolve()));
    await runHook('stopWork', onShutdown.stopWork, logger);
    await finishWithin(requestsFinished, graceMs, () => {
      logger.warn(`server: requests still open after ${graceMs} ms; closing their connections`);
      server.closeAllConnections();
    });
    await runHook('release', onShutdown.release, logger);
    logger.info('server: stopped');
  };

  return {
    host: address.address,
    port: address.port,
    url,
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}

/**
 * Refuses to serve from a store that cannot take writes: every subscribe, confirm and
 * unsubscribe would fail, while the pages and the health check looked fine.
 */
export async function assertStoreCanServe(store: Pick<StoreLifecycle, 'health'>): Promise<void> {
  const health = await store.health();
  if (!health.ok) throw new PapermailError('ESTORE', `not starting the server: ${health.problem}`);
}

function listen(app: ServerOptions['app'], host: string, port: number): Promise<{ server: Server; address: AddressInfo }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (address) => resolve({ server, address })) as Server;
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new PapermailError('ECONFIG', `cannot listen on ${host}:${port} (HOST, PORT): ${error.code ?? error.message}`, { cause: error }));
    });
  });
}

async function finishWithin(work: Promise<void>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
    timer.unref();
  });
  await Promise.race([work, deadline]);
  clearTimeout(timer);
  await work;
}

async function runHook(name: string, hook: (() => void | Promise<void>) | undefined, logger: Logger): Promise<void> {
  if (hook === undefined) return;
  try {
    await hook();
  } catch (error) {
    // One failing step must not keep the others (closing the store) from running.
    logger.error(`server: shutdown step ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
