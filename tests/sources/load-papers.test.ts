import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isPapermailError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { loadPapers, type LoadPapersOptions } from '../../src/sources/load-papers.js';
import { closedPortOrigin, samplePath, sampleText, SAMPLES, startServer, withTemporaryFolder, type TestServer } from './helpers.js';
import { rejectionOf } from '../support/async.js';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function optionsFor(day: string, config: Partial<LoadPapersOptions['config']> = {}): LoadPapersOptions {
  return {
    day,
    config: {
      HF_API_URL: 'http://127.0.0.1:1/api/daily_papers', // file and URL tests never reach it
      FETCH_TIMEOUT_MS: 5_000,
      FETCH_RETRIES: 0,
      CACHE_DIR: '/nonexistent/papermail-cache',
      ...config,
    },
    logger: silentLogger,
    now: () => new Date('2025-10-01T08:00:00Z'),
  };
}


describe('loadPapers', () => {
  it('reads a saved API response from a file path', async () => {
    const loaded = await loadPapers(samplePath('2026-08-21.json'), optionsFor('2026-08-21'));
    expect(loaded.papers).toHaveLength(17);
    expect(loaded.origin).toBe(samplePath('2026-08-21.json'));
    expect(loaded.day).toBe('2026-08-21');
    expect(loaded.warnings).toEqual([]);
  });

  it('reads copied page text from a file path, with papers on the given day', async () => {
    const loaded = await loadPapers(samplePath('daily-papers-page.txt'), optionsFor('2024-12-12'));
    expect(loaded.papers).toHaveLength(36);
    expect(loaded.papers.every((paper) => paper.day === '2024-12-12')).toBe(true);
  });

  it('fails with ESOURCE naming a file that does not exist', async () => {
    const error = await rejectionOf(loadPapers('samples/no-such-day.json', optionsFor('2025-09-30')));
    expect(isPapermailError(error, 'ESOURCE')).toBe(true);
    expect(error.message).toBe('cannot read samples/no-such-day.json: no such file');
  });

  it('fails with ESOURCE when the path is a folder', async () => {
    const error = await rejectionOf(loadPapers(SAMPLES, optionsFor('2025-09-30')));
    expect(error.message).toBe(`cannot read ${SAMPLES}: it is a folder`);
  });

  it.each(['ftp://example.org/2025-09-30.json', 'http://', 'https://exa mple.org/'])(
    'fails with ESOURCE on %j, a URL it cannot fetch, instead of looking for a file or throwing a TypeError',
    async (source) => {
      const error = await rejectionOf(loadPapers(source, optionsFor('2025-09-30')));
      expect(isPapermailError(error, 'ESOURCE')).toBe(true);
      expect(error.message).toBe(
        `the source must be a file or an http(s) URL such as https://huggingface.co/api/daily_papers?date=2025-09-30 (got ${JSON.stringify(source)})`,
      );
    },
  );

  it('fetches an http(s) URL once, as given, and reads it as an API response', async () => {
    const body = await sampleText('2025-09-30.json');
    server = await startServer((_request, response) => response.end(body));
    const url = `${server.origin}/saved/list.json?date=2025-09-30`;
    const loaded = await loadPapers(url, optionsFor('2025-09-30'));
    expect(loaded.papers).toHaveLength(50);
    expect(loaded.origin).toBe(url);
    expect(server.requests).toEqual(['/saved/list.json?date=2025-09-30']);
  });

  it('fetches the day from the configured API when no source is given, and caches it', async () => {
    const body = await sampleText('2025-09-30.json');
    server = await startServer((_request, response) => response.end(body));
    await withTemporaryFolder(async (cacheDir) => {
      const options = optionsFor('2025-09-30', { HF_API_URL: `${server!.origin}/api/daily_papers`, CACHE_DIR: cacheDir });
      const loaded = await loadPapers(undefined, options);
      expect(loaded.papers).toHaveLength(50);
      expect(server!.requests).toEqual(['/api/daily_papers?date=2025-09-30&limit=100&p=0']);
      expect(await readdir(cacheDir)).toEqual(['2025-09-30.json']);
    });
  });

  it('fails with ENETWORK when the configured API cannot be reached', async () => {
    const origin = await closedPortOrigin();
    const options = optionsFor('2025-09-30', { HF_API_URL: `${origin}/api/daily_papers` });
    const error = await rejectionOf(loadPapers(undefined, options));
    expect(isPapermailError(error, 'ENETWORK')).toBe(true);
    expect(error.message).toBe(`could not reach ${origin.slice(7)} for 2025-09-30: connection refused (ECONNREFUSED) after 1 attempt`);
  });
});
