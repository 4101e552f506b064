import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadTaxonomy, topicCatalogue } from '../../src/digest/taxonomy.js';
import { parseSubscriberCsv, subscribersToCsv, type ExportedSubscriber } from '../../src/subscribers/csv.js';
import { collect } from './temporary-store.js';

const knownTopics = ['llm-reasoning', 'vision', 'robotics'];
const options = { origin: 'list.csv', knownTopics };

function subscriber(overrides: Partial<ExportedSubscriber>): ExportedSubscriber {
  return {
    id: 1,
    email: 'ann@example.com',
    name: null,
    status: 'confirmed',
    topics: null,
    cadence: 'daily',
    createdAt: '2025-10-01T08:00:00.000Z',
    confirmedAt: '2025-10-01T08:00:00.000Z',
    bounceCount: 0,
    statusVersion: 0,
    suppression: null,
    interests: { text: '', include: [], exclude: [], follow: [] },
    ...overrides,
  };
}

async function* streamOf<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('parseSubscriberCsv', () => {
  it('reads the quick-start sample against the real taxonomy: five confirmed subscribers, one with topics', async () => {
    const text = await readFile(new URL('../../subscribers/sample.csv', import.meta.url), 'utf8');
    const taxonomy = await loadTaxonomy(new URL('../../topics.json', import.meta.url).pathname);
    const slugs = topicCatalogue(taxonomy).map((topic) => topic.slug);
    const { rows, skipped } = parseSubscriberCsv(text, { origin: 'subscribers/sample.csv', knownTopics: slugs });
    expect(skipped).toEqual([]);
    expect(rows).toHaveLength(5);
    expect(rows.every((row) => row.status === 'confirmed')).toBe(true);
    expect(rows.filter((row) => row.topics !== null).map((row) => row.topics)).toEqual([['llm-reasoning', 'agents']]);
  });

  it('normalises every cell: address, name, status and topics', () => {
    const { rows } = parseSubscriberCsv('Email,Name,Status,Topics\n  Ann@Example.COM , Ann  Smith ,PENDING,"vision, llm-reasoning"\n', options);
    expect(rows).toEqual([
      { line: 2, email: 'Ann@example.com', name: 'Ann Smith', status: 'pending', topics: ['llm-reasoning', 'vision'] },
    ]);
  });

  it('leaves an empty status for the importer to decide, and reads empty topics as every topic', () => {
    const { rows } = parseSubscriberCsv('email,name,status,topics\nann@example.com,,,\n', options);
    expect(rows).toEqual([{ line: 2, email: 'ann@example.com', name: null, status: undefined, topics: null }]);
  });

  it('leaves out the fields of columns the file does not have', () => {
    const { rows } = parseSubscriberCsv('email\nann@example.com\n', options);
    expect(rows).toEqual([{ line: 2, email: 'ann@example.com' }]);
  });

  it('skips invalid rows with their line number and reason and keeps the rest', () => {
    const text = [
      'email,name,status,topics',
      'ann@example.com,Ann,,',
      '',
      'not-an-email,Nobody,,',
      'bob@example.com,Bob,maybe,',
      'cy@example.com,Cy,,cooking',
      'dee@example.com,"Dee',
      'Two Lines",,vision',
      'eve@example.com,Eve,,,surplus',
      '"a@b.com\r\nBcc: x@y.com",Mallory,,',
    ].join('\n');
    const { rows, skipped } = parseSubscriberCsv(text, options);
    expect(rows.map((row) => [row.line, row.email, row.name])).toEqual([
      [2, 'ann@example.com', 'Ann'],
      [7, 'dee@example.com', 'Dee Two Lines'],
    ]);
    expect(skipped).toEqual([
      { line: 4, reason: 'email "not-an-email" is not a valid address (needs one "@" between a name and a domain)' },
      { line: 5, reason: 'status "maybe" must be one of pending, confirmed, unsubscribed, bounced (or empty)' },
      { line: 6, reason: 'unknown topic "cooking"; choose from llm-reasoning, vision, robotics or "all"' },
      { line: 9, reason: 'has 5 cells but the header names 4 columns' },
      { line: 10, reason: 'email "a@b.com\\nBcc: x@y.com" is not a valid address (contains a line break)' },
    ]);
  });

  it('counts lines the same with Windows line endings and a byte-order mark', () => {
    const { rows, skipped } = parseSubscriberCsv('\uFEFFemail,name\r\nann@example.com,Ann\r\nbad,Bad\r\n', options);
    expect(rows.map((row) => row.line)).toEqual([2]);
    expect(skipped.map((row) => row.line)).toEqual([3]);
  });

  it('uses the first row of an address that appears twice and reports the later one', () => {
    const { rows, skipped } = parseSubscriberCsv('email,name\nann@example.com,First\nANN@example.com,Second\n', options);
    expect(rows.map((row) => row.name)).toEqual(['First']);
    expect(skipped).toEqual([{ line: 3, reason: 'ANN@example.com already appears on line 2; the first row is used' }]);
  });

  it('refuses a file without a header, naming the file', () => {
    expect(() => parseSubscriberCsv('ann@example.com,Ann\n', options)).toThrow(
      expect.objectContaining({ code: 'EINPUT', message: expect.stringMatching(/^list\.csv: line 1: unknown column "ann@example\.com"/) }),
    );
  });

  it('refuses a header without an email column', () => {
    expect(() => parseSubscriberCsv('name,status\nAnn,confirmed\n', options)).toThrow('list.csv: line 1: no "email" column');
  });

  it('refuses a header that names a column twice', () => {
    expect(() => parseSubscriberCsv('email,name,email\n', options)).toThrow('list.csv: line 1: column "email" appears twice');
  });

  it('refuses an empty file', () => {
    expect(() => parseSubscriberCsv('\n\n', options)).toThrow('list.csv is empty; it needs a header line such as email,name,status,topics');
  });

  it('refuses a file whose quoting cannot be read, naming the line', () => {
    expect(() => parseSubscriberCsv('email,name\nann@example.com,"Ann\nbob@example.com,Bob\n', options)).toThrow(
      expect.objectContaining({ code: 'EINPUT', message: expect.stringMatching(/^list\.csv: line \d+: cannot be read as CSV/) }),
    );
  });
});

describe('subscribersToCsv', () => {
  it('writes the header, then one line per subscriber with topics joined by ";", why an address is suppressed, and its cadence', async () => {
    const text = (
      await collect(
        subscribersToCsv(
          streamOf([
            subscriber({ email: 'ann@example.com', name: 'Smith, Ann "Annie"', topics: ['llm-reasoning', 'vision'] }),
            subscriber({ id: 2, email: 'bob@example.org', status: 'unsubscribed', cadence: 'weekly', suppression: { reason: 'complaint', detail: null, at: '2025-10-02T08:00:00.000Z' } }),
          ]),
        ),
      )
    ).join('');
    expect(text).toBe(
      'email,name,status,topics,suppression,cadence,interests,include,exclude,follow\n' +
        'ann@example.com,"Smith, Ann ""Annie""",confirmed,llm-reasoning;vision,,daily,,,,\n' +
        'bob@example.org,,unsubscribed,,complaint,weekly,,,,\n',
    );
  });

  it('produces text that parses back to the same subscribers', async () => {
    const exported = [
      subscriber({ email: 'Ann@example.com', name: 'Ann Smith', topics: ['robotics'] }),
      subscriber({ id: 2, email: 'bob@example.org', name: 'Bob', status: 'pending', cadence: 'weekly' }),
      subscriber({ id: 3, email: 'cy@example.com', status: 'bounced', suppression: { reason: 'hard-bounce', detail: '5.1.1', at: '2025-10-02T08:00:00.000Z' } }),
      subscriber({
        id: 4,
        email: 'di@example.com',
        interests: { text: 'speculative decoding, "KV" cache', include: ['KV cache', 'MoE'], exclude: ['robotics'], follow: ['DeepSeek', 'Tsinghua University'] },
      }),
    ];
    const text = (await collect(subscribersToCsv(streamOf(exported)))).join('');
    const { rows, skipped } = parseSubscriberCsv(text, options);
    expect(skipped).toEqual([]);
    expect(rows.map(({ email, name, status, topics, suppression, cadence, interests }) => ({ email, name, status, topics, suppression, cadence, interests }))).toEqual(
      exported.map(({ email, name, status, topics, suppression, cadence, interests }) => ({ email, name, status, topics, suppression: suppression?.reason, cadence, interests })),
    );
  });

  it('reads a cadence cell as daily or weekly, an empty one as "keep", and skips any other word', () => {
    const { rows, skipped } = parseSubscriberCsv('email,cadence\nann@example.com,Weekly\nbob@example.com,\ncy@example.com,hourly\n', options);
    expect(rows.map(({ email, cadence }) => ({ email, cadence }))).toEqual([
      { email: 'ann@example.com', cadence: 'weekly' },
      { email: 'bob@example.com', cadence: undefined },
    ]);
    expect(skipped).toEqual([{ line: 4, reason: 'cadence "hourly" must be one of daily, weekly (or empty)' }]);
  });

  it('reads interest columns: the text as written, lists split on commas, semicolons or line breaks, an empty cell clearing its field', () => {
    const text = 'email,interests,include,exclude,follow\nann@example.com,"diffusion, distillation","KV cache; MoE\nRLHF",,Meta\nbob@example.com\n';
    const { rows, skipped } = parseSubscriberCsv(text, options);
    expect(skipped).toEqual([]);
    expect(rows.map(({ email, interests }) => ({ email, interests }))).toEqual([
      { email: 'ann@example.com', interests: { text: 'diffusion, distillation', include: ['KV cache', 'MoE', 'RLHF'], exclude: [], follow: ['Meta'] } },
      // A short row: its cells are empty, so it clears them.
      { email: 'bob@example.com', interests: { text: '', include: [], exclude: [], follow: [] } },
    ]);
  });

  it('leaves interests alone when the file has no interest columns, and only the fields whose column it has', () => {
    const { rows } = parseSubscriberCsv('email,follow\nann@example.com,Meta\n', options);
    expect(rows[0]!.interests).toEqual({ follow: ['Meta'] });
    expect(parseSubscriberCsv('email,name\nann@example.com,Ann\n', options).rows[0]!.interests).toBeUndefined();
  });

  it('skips a row whose interest cell breaks the schema, naming the line, the column and the entry', () => {
    const long = 'x'.repeat(101);
    const text = `email,include,interests\nann@example.com,"ok, ${long}",\nbob@example.com,,${'y'.repeat(1001)}\ncy@example.com,fine,fine\n`;
    const { rows, skipped } = parseSubscriberCsv(text, options);
    expect(rows.map((row) => row.email)).toEqual(['cy@example.com']);
    expect(skipped).toEqual([
      { line: 2, reason: 'include entry 2: must be at most 100 characters' },
      { line: 3, reason: 'interests: must be at most 1,000 characters' },
    ]);
  });

  it('writes large lists in a bounded number of chunks', async () => {
    const many = Array.from({ length: 1000 }, (_, index) => subscriber({ id: index + 1, email: `reader${index}@example.com` }));
    const chunks = await collect(subscribersToCsv(streamOf(many)));
    expect(chunks.length).toBe(1 + Math.ceil(1000 / 256));
    expect(chunks.join('').split('\n').filter(Boolean)).toHaveLength(1001);
  });
});
