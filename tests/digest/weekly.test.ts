/**
 * The weekly issue built from the bundled week (samples/week-2025-W40: Monday 2025-09-29 to Friday
 * 2025-10-03 as the API returned them), through the real readers, the bundled topics.json and the
 * real cache, with upvotes changed between the daily read and the weekly one.
 */
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { buildWeeklyDigest, papersOfTheWeek } from '../../src/digest/build-weekly-digest.js';
import { loadDailyDigest } from '../../src/digest/daily-digest.js';
import { DigestSchema, type Digest, type Paper } from '../../src/digest/paper.js';
import { parseIsoWeek } from '../../src/digest/week.js';
import { loadWeeklyDigest, type WeeklyDigest } from '../../src/digest/weekly-digest.js';
import { isPapermailError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { cacheSavedResponse } from '../../src/sources/fetch-daily-papers.js';
import { paper } from '../builders.js';
import { sendJson, startServer, withTemporaryFolder, type TestServer } from '../sources/helpers.js';
import { rejectionOf } from '../support/async.js';
import { threeTopics } from './taxonomies.js';

const WEEK_FOLDER = fileURLToPath(new URL('../../samples/week-2025-W40/', import.meta.url));
const WEEKDAYS = ['2025-09-29', '2025-09-30', '2025-10-01', '2025-10-02', '2025-10-03'];
/** Built on Monday 6 October 2025, when 2025-W40 has just ended. */
const MONDAY_AFTER = () => new Date('2025-10-06T08:00:00Z');
const logger = createLogger('silent');

type Entry = { paper: { id: string; upvotes: number; title: string }; [key: string]: unknown };

function config(environment: Record<string, string> = {}): Config {
  // Nothing here may reach the network: a closed local port, should anything try.
  return loadConfig({ HF_API_URL: 'http://127.0.0.1:9/api/daily_papers', FETCH_RETRIES: '0', ...environment });
}

function papersOf(digest: Digest): Paper[] {
  return digest.sections.flatMap((section) => section.papers);
}

async function bundledEntries(day: string): Promise<Entry[]> {
  return JSON.parse(await readFile(join(WEEK_FOLDER, `${day}.json`), 'utf8')) as Entry[];
}

/** The bundled week copied into `folder`, with `change` applied to each day's entries. */
async function weekCopy(folder: string, change: (day: string, entries: Entry[]) => Entry[] = (_, entries) => entries): Promise<string> {
  const copy = join(folder, 'week-2025-W40');
  await cp(WEEK_FOLDER, copy, { recursive: true });
  for (const day of WEEKDAYS) await writeFile(join(copy, `${day}.json`), JSON.stringify(change(day, await bundledEntries(day))));
  return copy;
}

function withUpvotes(entries: Entry[], id: string, upvotes: number): Entry[] {
  return entries.map((entry) => (entry.paper.id === id ? { ...entry, paper: { ...entry.paper, upvotes } } : entry));
}

/** A real HTTP server answering like the API, day by day, with the given lists (page 0 only; later pages empty). */
function apiAnswering(answers: ReadonlyMap<string, Entry[]>): Promise<TestServer> {
  return startServer((request, response) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    sendJson(response, Number(query.get('p') ?? 0) === 0 ? (answers.get(query.get('date') ?? '') ?? []) : []);
  });
}

/** The bundled days as the API answers them days later: Friday's last paper (SQUARE) at 150 upvotes. */
async function laterAnswers(): Promise<Map<string, Entry[]>> {
  const answers = new Map<string, Entry[]>();
  for (const day of WEEKDAYS) answers.set(day, day === '2025-10-03' ? withUpvotes(await bundledEntries(day), SQUARE, 150) : await bundledEntries(day));
  return answers;
}

const SQUARE = '2509.26330'; // Friday's, 0 upvotes when saved: last of its day
const LONGLIVE = '2509.22622'; // Monday's, 100 upvotes when saved: first of the week

describe('the weekly issue of the bundled week 2025-W40', () => {
  let weekly: WeeklyDigest;
  let everyPaper: Paper[];

  beforeAll(async () => {
    weekly = await loadWeeklyDigest({ source: WEEK_FOLDER, config: config(), logger, now: MONDAY_AFTER });
    everyPaper = (await loadWeeklyDigest({ source: WEEK_FOLDER, config: config({ WEEKLY_TOP_N: '500' }), logger, now: MONDAY_AFTER })).digest.sections.flatMap(
      (section) => section.papers,
    );
  });

  it('is the week named by its folder, Monday to Sunday, dated its Monday', () => {
    expect(weekly.week.id).toBe('2025-W40');
    expect(weekly.digest.period).toEqual({ week: '2025-W40', from: '2025-09-29', to: '2025-10-05' });
    expect(weekly.digest.date).toBe('2025-09-29');
    expect(weekly.origins).toEqual(WEEKDAYS.map((day) => join(WEEK_FOLDER, `${day}.json`)));
  });

  it('holds the week’s top 20 (WEEKLY_TOP_N’s default) of its 181 papers, none left out with more upvotes', () => {
    const kept = papersOf(weekly.digest);
    expect(weekly.digest.total).toBe(20);
    expect(kept).toHaveLength(20);
    expect(weekly.digest.listed).toBe(181);
    const keptIds = new Set(kept.map((each) => each.id));
    const fewestKept = Math.min(...kept.map((each) => each.upvotes));
    const mostLeftOut = Math.max(...everyPaper.filter((each) => !keptIds.has(each.id)).map((each) => each.upvotes));
    expect(fewestKept).toBeGreaterThanOrEqual(mostLeftOut);
  });

  it('takes papers from every weekday, each with the day it was listed on', () => {
    expect(new Set(papersOf(weekly.digest).map((each) => each.day))).toEqual(new Set(WEEKDAYS));
  });

  it('ranks across days by upvotes: the highlights are the week’s three most upvoted', () => {
    expect(weekly.digest.highlights.map((each) => [each.id, each.upvotes])).toEqual([
      [LONGLIVE, 100],
      ['2509.22611', 84],
      ['2509.24006', 78],
    ]);
  });

  it('reads back through DigestSchema, period included, as a frozen issue’s digest is read', () => {
    expect(DigestSchema.parse(JSON.parse(JSON.stringify(weekly.digest)))).toEqual(weekly.digest);
  });

  it('groups by the daily topics, each section in ranked order and the sections by their upvotes', () => {
    expect(new Set(papersOf(weekly.digest).map((each) => each.id)).size).toBe(20);
    for (const section of weekly.digest.sections) {
      const upvotes = section.papers.map((each) => each.upvotes);
      expect(upvotes).toEqual([...upvotes].sort((a, b) => b - a));
      expect(section.upvotes).toBe(upvotes.reduce((sum, count) => sum + count, 0));
    }
    const topical = weekly.digest.sections.filter((section) => section.slug !== 'other').map((section) => section.upvotes);
    expect(topical).toEqual([...topical].sort((a, b) => b - a));
  });
});

describe('upvotes changed between the daily issue and the weekly one', () => {
  it('ranks by the counts read when the weekly is built, not those of the daily', async () => {
    await withTemporaryFolder(async (folder) => {
      const friday = await loadDailyDigest({ source: join(WEEK_FOLDER, '2025-10-03.json'), config: config({ TOP_N: '500' }), logger });
      expect(papersOf(friday.digest).find((each) => each.id === SQUARE)?.upvotes).toBe(0);

      // Days later: Friday's last paper has caught up, Monday's first has lost most of its votes.
      const later = await weekCopy(folder, (day, entries) =>
        day === '2025-10-03' ? withUpvotes(entries, SQUARE, 150) : day === '2025-09-29' ? withUpvotes(entries, LONGLIVE, 10) : entries,
      );
      const { digest } = await loadWeeklyDigest({ source: later, config: config(), logger, now: MONDAY_AFTER });
      expect(digest.highlights[0]).toMatchObject({ id: SQUARE, upvotes: 150 });
      expect(papersOf(digest).map((each) => each.id)).not.toContain(LONGLIVE);
    });
  });

  it('reads every day of the week again from the API, refreshing each cached day once and rewriting the cache', async () => {
    await withTemporaryFolder(async (folder) => {
      const cacheDir = join(folder, 'cache');
      // The daily issues cached each day as it was then.
      for (const day of WEEKDAYS) await cacheSavedResponse(cacheDir, day, await readFile(join(WEEK_FOLDER, `${day}.json`), 'utf8'), day);
      const api = await apiAnswering(await laterAnswers());
      try {
        const { digest, origins } = await loadWeeklyDigest({
          config: config({ HF_API_URL: `${api.origin}/api/daily_papers`, CACHE_DIR: cacheDir }),
          logger,
          now: MONDAY_AFTER,
        });
        expect(digest.period?.week).toBe('2025-W40');
        expect(digest.highlights[0]).toMatchObject({ id: SQUARE, upvotes: 150 });
        // Seven days asked once each (a weekend day too: it answers an empty list).
        const asked = api.requests.map((url) => new URL(url, 'http://localhost').searchParams.get('date'));
        expect(asked).toEqual(['2025-09-29', '2025-09-30', '2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05']);
        expect(origins.every((origin) => origin.startsWith(api.origin))).toBe(true);
        const recached = JSON.parse(await readFile(join(cacheDir, '2025-10-03.json'), 'utf8')) as Entry[];
        expect(recached.find((entry) => entry.paper.id === SQUARE)?.paper.upvotes).toBe(150);
      } finally {
        await api.close();
      }
    });
  });

  it('reads each day from an API-like URL given as the source, asking it with ?date=', async () => {
    const api = await apiAnswering(await laterAnswers());
    try {
      const { digest } = await loadWeeklyDigest({ source: `${api.origin}/mirror/daily_papers`, week: '2025-W40', config: config(), logger, now: MONDAY_AFTER });
      expect(digest.highlights[0]).toMatchObject({ id: SQUARE, upvotes: 150 });
      expect(api.requests.every((url) => url.startsWith('/mirror/daily_papers?date='))).toBe(true);
    } finally {
      await api.close();
    }
  });
});

describe('a paper listed on two days', () => {
  it('appears once, with the upvotes of its later listing, even when listed again as v2', async () => {
    await withTemporaryFolder(async (folder) => {
      const monday = await bundledEntries('2025-09-29');
      const again = monday.find((entry) => entry.paper.id === LONGLIVE)!;
      const later = await weekCopy(folder, (day, entries) =>
        day === '2025-10-02' ? [...entries, { ...again, paper: { ...again.paper, id: `${LONGLIVE}v2`, upvotes: 130 } }] : entries,
      );
      const { digest } = await loadWeeklyDigest({ source: later, config: config({ WEEKLY_TOP_N: '500' }), logger, now: MONDAY_AFTER });
      const copies = papersOf(digest).filter((each) => each.id.startsWith(LONGLIVE));
      expect(copies).toHaveLength(1);
      expect(copies[0]).toMatchObject({ id: `${LONGLIVE}v2`, upvotes: 130 });
      expect(digest.listed).toBe(181);
      expect(digest.total).toBe(181);
    });
  });

  it('keeps the later day’s copy even when the earlier one had more upvotes (papersOfTheWeek)', () => {
    const early = paper({ id: '2509.00042', upvotes: 9, day: '2025-09-29' });
    const late = { ...early, upvotes: 7, day: '2025-10-01' };
    expect(papersOfTheWeek([{ day: '2025-10-01', papers: [late] }, { day: '2025-09-29', papers: [early] }])).toEqual([late]);
  });
});

describe('WEEKLY_TOP_N', () => {
  it('keeps that many of the week’s papers, the most upvoted', async () => {
    const { digest } = await loadWeeklyDigest({ source: WEEK_FOLDER, config: config({ WEEKLY_TOP_N: '5' }), logger, now: MONDAY_AFTER });
    expect(digest.total).toBe(5);
    expect(papersOf(digest).map((each) => each.upvotes).sort((a, b) => b - a)).toEqual([100, 84, 78, 62, 58]);
  });

  it('is the weekly’s own setting: TOP_N (the daily’s) does not change it', async () => {
    const { digest } = await loadWeeklyDigest({ source: WEEK_FOLDER, config: config({ TOP_N: '3' }), logger, now: MONDAY_AFTER });
    expect(digest.total).toBe(20);
  });

  it('applies to papers of every topic together (buildWeeklyDigest on its own)', () => {
    const week = parseIsoWeek('2025-W40');
    const days = WEEKDAYS.map((day, index) => ({ day, papers: [paper({ title: `Agent ${index}`, upvotes: index, day }), paper({ title: `Robot ${index}`, upvotes: 10 + index, day })] }));
    const digest = buildWeeklyDigest(days, { week, taxonomy: threeTopics, topN: 4, minUpvotes: 0, highlights: 2 });
    expect(papersOf(digest).map((each) => each.upvotes).sort((a, b) => b - a)).toEqual([14, 13, 12, 11]);
    expect(digest.highlights.map((each) => each.upvotes)).toEqual([14, 13]);
    expect(digest.listed).toBe(10);
  });
});

describe('which days a weekly issue reads', () => {
  it('fails in one line naming the weekday files that are missing', async () => {
    await withTemporaryFolder(async (folder) => {
      const copy = await weekCopy(folder);
      await rm(join(copy, '2025-10-02.json'));
      const error = await rejectionOf(loadWeeklyDigest({ source: copy, config: config(), logger, now: MONDAY_AFTER }));
      expect(isPapermailError(error, 'ESOURCE')).toBe(true);
      expect((error as Error).message).toBe(
        `${copy}: no 2025-10-02.json; a weekly issue of 2025-W40 needs a file for each weekday, 2025-09-29 to 2025-10-03`,
      );
    });
  });

  it('reads a weekend day’s file when there is one', async () => {
    await withTemporaryFolder(async (folder) => {
      const copy = await weekCopy(folder);
      const friday = await bundledEntries('2025-10-03');
      const saturday = { ...friday[0]!, paper: { ...friday[0]!.paper, id: '2510.99999', title: 'A Saturday Paper', upvotes: 999 } };
      await writeFile(join(copy, '2025-10-04.json'), JSON.stringify([saturday]));
      const { digest } = await loadWeeklyDigest({ source: copy, config: config(), logger, now: MONDAY_AFTER });
      expect(digest.highlights[0]).toMatchObject({ id: '2510.99999', upvotes: 999 });
    });
  });

  it('takes the week of the latest day in a folder not named after its week', async () => {
    await withTemporaryFolder(async (folder) => {
      for (const name of await readdir(WEEK_FOLDER)) await cp(join(WEEK_FOLDER, name), join(folder, name));
      const { week } = await loadWeeklyDigest({ source: folder, config: config(), logger, now: MONDAY_AFTER });
      expect(week.id).toBe('2025-W40');
    });
  });

  it('refuses a week that has not ended yet', async () => {
    const error = await rejectionOf(loadWeeklyDigest({ source: WEEK_FOLDER, config: config(), logger, now: () => new Date('2025-10-05T12:00:00Z') }));
    expect(isPapermailError(error, 'EUSAGE')).toBe(true);
    expect((error as Error).message).toBe(
      'week 2025-W40 has not ended yet (its last day is 2025-10-05, today is 2025-10-05 in UTC): a weekly issue ranks a whole week',
    );
  });

  it('refuses a single day’s file as the source of a week', async () => {
    const error = await rejectionOf(loadWeeklyDigest({ source: join(WEEK_FOLDER, '2025-09-29.json'), config: config(), logger, now: MONDAY_AFTER }));
    expect(isPapermailError(error, 'EUSAGE')).toBe(true);
    expect((error as Error).message).toMatch(/^--source of a weekly issue must be a folder of YYYY-MM-DD\.json files or an http\(s\) URL \(got ".*2025-09-29\.json", a file\)$/);
  });
});
