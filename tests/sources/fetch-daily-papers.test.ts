import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isPapermailError } from '../../src/errors.js';
import { cacheSavedResponse, fetchDailyPapers, type FetchDailyPapersOptions } from '../../src/sources/fetch-daily-papers.js';
import { retryDelayMs } from '../../src/sources/fetch-text.js';
import {
  closedPortOrigin,
  recordingLogger,
  recordingSleep,
  sampleEntries,
  sampleText,
  sendJson,
  startServer,
  withTemporaryFolder,
  type Handler,
  type TestServer,
} from './helpers.js';
import { rejectionOf } from '../support/async.js';

const DAY = '2025-09-30';
/** A clock after DAY, so the day is over and may be cached. */
const AFTER_DAY = () => new Date('2025-10-01T08:00:00Z');

let entries: Record<string, any>[];
let servers: TestServer[] = [];

beforeAll(async () => {
  // 250 distinct papers: the 50 real ones of the sample, five times with new ids.
  const sample = await sampleEntries(`${DAY}.json`);
  entries = Array.from({ length: 250 }, (_, index) => {
    const entry = structuredClone(sample[index % sample.length]!);
    entry.paper.id = `2509.${90000 + index}`;
    return entry;
  });
});

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

/** Answers like the real API: `limit` entries of page `p`. */
const pagedApi =
  (list: unknown[]): Handler =>
  (request, response) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const limit = Number(query.get('limit') ?? 50);
    const page = Number(query.get('p') ?? 0);
    sendJson(response, list.slice(page * limit, (page + 1) * limit));
  };

function options(server: { origin: string }, overrides: Partial<FetchDailyPapersOptions> = {}): FetchDailyPapersOptions {
  return {
    apiUrl: `${server.origin}/api/daily_papers`,
    timeoutMs: 5_000,
    retries: 2,
    sleep: recordingSleep().sleep,
    now: AFTER_DAY,
    ...overrides,
  };
}


describe('fetchDailyPapers paging', () => {
  it('asks for pages of 100 until a short page and returns every paper', async () => {
    const server = await serve(pagedApi(entries));
    const list = await fetchDailyPapers(DAY, options(server));
    expect(list.papers).toHaveLength(250);
    expect(list.papers[249]!.id).toBe('2509.90249');
    expect(server.requests).toEqual([
      '/api/daily_papers?date=2025-09-30&limit=100&p=0',
      '/api/daily_papers?date=2025-09-30&limit=100&p=1',
      '/api/daily_papers?date=2025-09-30&limit=100&p=2',
    ]);
    expect(list.origin).toBe(`${server.origin}/api/daily_papers?date=2025-09-30`);
  });

  it('asks one more page when the last one is exactly full, and stops at the empty one', async () => {
    const server = await serve(pagedApi(entries.slice(0, 200)));
    const list = await fetchDailyPapers(DAY, options(server));
    expect(list.papers).toHaveLength(200);
    expect(server.requests).toHaveLength(3);
  });

  it('stops paging when a server ignores the page number and sends the same papers again', async () => {
    const server = await serve((_request, response) => sendJson(response, entries.slice(0, 100)));
    const logger = recordingLogger();
    const list = await fetchDailyPapers(DAY, options(server, { logger }));
    expect(list.papers).toHaveLength(100);
    expect(server.requests).toHaveLength(2);
    expect(logger.lines).toContainEqual(expect.stringMatching(/page 1 repeats earlier papers; stopped paging$/));
  });

  it('validates the answer with the API parser, warning about a bad entry', async () => {
    const list = structuredClone(entries.slice(0, 3));
    list[1]!.paper.upvotes = -1;
    const server = await serve(pagedApi(list));
    const result = await fetchDailyPapers(DAY, options(server));
    expect(result.papers).toHaveLength(2);
    expect(result.warnings[0]).toMatch(/\?date=2025-09-30: skipped entry 1 \(2509\.90001 .*\), which has an invalid paper\.upvotes/);
  });

  it('fails with ESOURCE, without retrying, when the answer is not JSON', async () => {
    const server = await serve((_request, response) => response.end('<html>maintenance</html>'));
    const error = await rejectionOf(fetchDailyPapers(DAY, options(server)));
    expect(isPapermailError(error, 'ESOURCE')).toBe(true);
    expect(error.message).toMatch(/p=0: not a Hugging Face Daily Papers API response: the answer is not JSON/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('fetchDailyPapers retries', () => {
  it('tries again after a 503 and then returns the papers', async () => {
    const server = await serve((request, response, index) => {
      if (index === 0) {
        response.writeHead(503).end();
        return;
      }
      pagedApi(entries.slice(0, 5))(request, response, index);
    });
    const { sleep, waits } = recordingSleep();
    const logger = recordingLogger();
    const list = await fetchDailyPapers(DAY, options(server, { sleep, logger }));
    expect(list.papers).toHaveLength(5);
    expect(server.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(logger.lines).toContainEqual(expect.stringMatching(/HTTP 503 Service Unavailable; trying again in .* s \(attempt 2 of 3\)$/));
  });

  it('waits at least as long as a 429 Retry-After asks', async () => {
    const server = await serve((request, response, index) => {
      if (index === 0) {
        response.writeHead(429, { 'retry-after': '7' }).end();
        return;
      }
      pagedApi(entries.slice(0, 5))(request, response, index);
    });
    const { sleep, waits } = recordingSleep();
    await fetchDailyPapers(DAY, options(server, { sleep }));
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(7_000);
  });

  it('fails at once on a 404', async () => {
    const server = await serve((_request, response) => response.writeHead(404).end());
    const { sleep, waits } = recordingSleep();
    const error = await rejectionOf(fetchDailyPapers(DAY, options(server, { sleep })));
    expect(isPapermailError(error, 'ESOURCE')).toBe(true);
    expect(error.message).toMatch(/p=0 answered HTTP 404 Not Found; not retried/);
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('gives up with ENETWORK after every attempt met a 5xx', async () => {
    const server = await serve((_request, response) => response.writeHead(502).end());
    const error = await rejectionOf(fetchDailyPapers(DAY, options(server, { retries: 2 })));
    expect(isPapermailError(error, 'ENETWORK')).toBe(true);
    expect(error.message).toBe(`could not reach ${server.origin.slice(7)} for 2025-09-30: HTTP 502 Bad Gateway after 3 attempts`);
    expect(server.requests).toHaveLength(3);
  });

  it('times out on a server that never answers, retries, then fails with ENETWORK', async () => {
    const server = await serve(() => undefined); // accepts the request, never answers
    const error = await rejectionOf(fetchDailyPapers(DAY, options(server, { timeoutMs: 100, retries: 1 })));
    expect(isPapermailError(error, 'ENETWORK')).toBe(true);
    expect(error.message).toBe(`could not reach ${server.origin.slice(7)} for 2025-09-30: no answer within 100 ms after 2 attempts`);
    expect(server.requests).toHaveLength(2);
  });

  it('fails with ENETWORK naming the host when nothing listens on the port', async () => {
    const origin = await closedPortOrigin();
    const { sleep, waits } = recordingSleep();
    const error = await rejectionOf(fetchDailyPapers(DAY, options({ origin }, { sleep, retries: 2 })));
    expect(isPapermailError(error, 'ENETWORK')).toBe(true);
    expect(error.message).toBe(
      `could not reach ${origin.slice(7)} for 2025-09-30: connection refused (ECONNREFUSED) after 3 attempts`,
    );
    expect(waits).toHaveLength(2);
  });
});

describe('retry delays', () => {
  it('double with each attempt', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, undefined, noJitter))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('add up to half again as random jitter', () => {
    expect(retryDelayMs(2, undefined, () => 0.5)).toBe(2_500);
    expect(retryDelayMs(2, undefined, () => 0.999)).toBeLessThan(3_000);
  });

  it('are capped at 30 seconds, and a Retry-After at a minute', () => {
    expect(retryDelayMs(10, undefined, () => 0)).toBe(30_000);
    expect(retryDelayMs(1, 3_600_000, () => 0)).toBe(60_000);
  });
});

describe('fetchDailyPapers cache', () => {
  it('reads a fetched day from the cache once the server is gone', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const server = await serve(pagedApi(entries.slice(0, 120)));
      const fetched = await fetchDailyPapers(DAY, options(server, { cacheDir }));
      await server.close();

      const logger = recordingLogger();
      const cached = await fetchDailyPapers(DAY, options(server, { cacheDir, logger }));
      expect(cached.papers).toEqual(fetched.papers);
      expect(cached.origin).toBe(join(cacheDir, '2025-09-30.json'));
      expect(logger.lines).toContain(`using the cached list ${join(cacheDir, '2025-09-30.json')} (120 papers)`);
    });
  });

  it('keeps the entries as received, so the cache file is itself a saved API response', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const server = await serve(pagedApi(entries.slice(0, 3)));
      await fetchDailyPapers(DAY, options(server, { cacheDir }));
      const saved = JSON.parse(await readFile(join(cacheDir, '2025-09-30.json'), 'utf8')) as unknown;
      expect(saved).toEqual(entries.slice(0, 3));
      expect(await readdir(cacheDir)).toEqual(['2025-09-30.json']); // no temporary file left behind
    });
  });

  it('does not cache a day that is not over yet, since its list is still filling', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const server = await serve(pagedApi(entries.slice(0, 3)));
      await fetchDailyPapers(DAY, options(server, { cacheDir, now: () => new Date('2025-09-30T20:00:00Z') }));
      expect(await readdir(cacheDir)).toEqual([]);
    });
  });

  it('does not cache an empty list', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const server = await serve(pagedApi([]));
      const list = await fetchDailyPapers(DAY, options(server, { cacheDir }));
      expect(list.papers).toEqual([]);
      expect(await readdir(cacheDir)).toEqual([]);
    });
  });

  it('ignores an unreadable cache file with a warning and fetches the day again', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      await writeFile(join(cacheDir, '2025-09-30.json'), '["half a file', 'utf8');
      const server = await serve(pagedApi(entries.slice(0, 3)));
      const logger = recordingLogger();
      const list = await fetchDailyPapers(DAY, options(server, { cacheDir, logger }));
      expect(list.papers).toHaveLength(3);
      expect(server.requests).toHaveLength(1);
      expect(logger.lines).toContainEqual(expect.stringMatching(/^warn: ignoring the cached list: .*2025-09-30\.json: not a Hugging Face/));
    });
  });

  it('refuses a day that is not a real date before it can become a file name', async () => {
    const error = await rejectionOf(fetchDailyPapers('../../etc/passwd', options({ origin: 'http://127.0.0.1:9' }, { cacheDir: '/tmp' })));
    expect(isPapermailError(error, 'EUSAGE')).toBe(true);
  });
});

describe('fetchDailyPapers refresh (the weekly issue reads its days again)', () => {
  /** The same three papers, each with more upvotes than when the day was first fetched. */
  const later = () =>
    entries.slice(0, 3).map((entry) => ({ ...entry, paper: { ...entry.paper, upvotes: entry.paper.upvotes + 100 } }));

  it('asks the API although the day is cached, returns the new upvotes and caches them in place of the old', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const first = await serve(pagedApi(entries.slice(0, 3)));
      await fetchDailyPapers(DAY, options(first, { cacheDir }));
      const second = await serve(pagedApi(later()));

      const refreshed = await fetchDailyPapers(DAY, options(second, { cacheDir, refresh: true }));
      expect(second.requests).toHaveLength(1);
      expect(refreshed.papers.map((paper) => paper.upvotes)).toEqual(later().map((entry) => entry.paper.upvotes));
      expect(JSON.parse(await readFile(join(cacheDir, '2025-09-30.json'), 'utf8'))).toEqual(later());

      await second.close();
      const cached = await fetchDailyPapers(DAY, options(second, { cacheDir }));
      expect(cached.papers).toEqual(refreshed.papers);
    });
  });

  it('keeps the cached papers, with a warning, when the API answers an empty list for a day that had some', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const first = await serve(pagedApi(entries.slice(0, 3)));
      const fetched = await fetchDailyPapers(DAY, options(first, { cacheDir }));
      const empty = await serve(pagedApi([]));
      const logger = recordingLogger();

      const refreshed = await fetchDailyPapers(DAY, options(empty, { cacheDir, refresh: true, logger }));
      expect(refreshed.papers).toEqual(fetched.papers);
      expect(logger.lines).toContainEqual(expect.stringMatching(/^warn: .*date=2025-09-30: answered no papers for a day cached with 3; using the cached list$/));
    });
  });
});

describe('cacheSavedResponse (a saved API file put into the cache, as the demo does)', () => {
  it('makes the day readable offline, exactly as if it had been fetched', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const saved = await cacheSavedResponse(cacheDir, DAY, await sampleText(`${DAY}.json`), 'samples/2025-09-30.json');
      expect(saved).toEqual({ path: join(cacheDir, '2025-09-30.json'), written: true });

      const list = await fetchDailyPapers(DAY, options({ origin: await closedPortOrigin() }, { cacheDir, retries: 0 }));
      expect(list.origin).toBe(join(cacheDir, '2025-09-30.json'));
      expect(list.papers).toHaveLength(50);
    });
  });

  it('keeps a readable list already cached for the day, since it came from the API itself', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const server = await serve(pagedApi(entries.slice(0, 3)));
      await fetchDailyPapers(DAY, options(server, { cacheDir }));

      const saved = await cacheSavedResponse(cacheDir, DAY, await sampleText(`${DAY}.json`), 'samples/2025-09-30.json');

      expect(saved.written).toBe(false);
      expect(JSON.parse(await readFile(saved.path, 'utf8'))).toEqual(entries.slice(0, 3));
    });
  });

  it('replaces an unreadable cache file', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      await writeFile(join(cacheDir, '2025-09-30.json'), '["half a file', 'utf8');
      const saved = await cacheSavedResponse(cacheDir, DAY, await sampleText(`${DAY}.json`), 'samples/2025-09-30.json');
      expect(saved.written).toBe(true);
      expect(JSON.parse(await readFile(saved.path, 'utf8'))).toHaveLength(50);
    });
  });

  it('refuses a file that is not an API response and caches nothing', async () => {
    await withTemporaryFolder(async (cacheDir) => {
      const error = await rejectionOf(cacheSavedResponse(cacheDir, DAY, '{"papers": "none"}', 'notes.json'));
      expect(isPapermailError(error, 'ESOURCE')).toBe(true);
      expect(error.message).toMatch(/^notes\.json: /);
      expect(await readdir(cacheDir)).toEqual([]);
    });
  });
});
