/** Real peers and real fixtures for the source tests: a node:http server on port 0, the samples/ files. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '../../src/logger.js';

export const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));

export function samplePath(name: string): string {
  return join(SAMPLES, name);
}

export async function sampleText(name: string): Promise<string> {
  return readFile(samplePath(name), 'utf8');
}

/** The entries of a sample API file as plain objects, to change in a test. */
export async function sampleEntries(name: string): Promise<Record<string, any>[]> {
  return JSON.parse(await sampleText(name)) as Record<string, any>[];
}

export interface TestServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Path and query of every request received, in order. */
  requests: string[];
  close(): Promise<void>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse, index: number) => void;

/** A real HTTP server on a free port; the handler gets the request number (0-based). */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    handler(request, response, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // also ends requests a "never answers" handler left open
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** The port of a server that was started and closed again: connecting to it is refused. */
export async function closedPortOrigin(): Promise<string> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.origin;
}

export async function withTemporaryFolder<T>(use: (folder: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'papermail-sources-'));
  try {
    return await use(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** A sleep that returns at once and remembers what it was asked to wait. */
export function recordingSleep(): { sleep: (milliseconds: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (milliseconds: number) => {
      waits.push(milliseconds);
    },
  };
}

/** A logger that keeps its lines ("warn: ..."), to assert on what was said. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger('debug', (line) => lines.push(line)), { lines });
}
