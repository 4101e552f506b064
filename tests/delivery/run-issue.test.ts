/**
 * The daily issue as the CLI, the admin endpoint and the schedule run it: real sample files,
 * a real SQLite store and a real SMTP sink.
 */
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runIssue, sendIssueTestCopy, type IssueOutcome } from '../../src/delivery/run-issue.js';
import { isPapermailError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { rejectionOf } from '../support/async.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';
import { frozenContent, frozenDigest } from '../../src/delivery/frozen-issue.js';
import { readReturnPath } from '../../src/feedback/return-path.js';
import { openPostgresStore } from '../../src/subscribers/postgres-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { callsTo, withCallLog, type LoggedCall } from '../support/call-log.js';
import { usePostgresCluster } from '../support/postgres-cluster.js';
import { addConfirmed, addresses, deliveryConfig, ISSUE_DATE, issueRenderer, noSleep, twoTopicDigest, useMailPeers } from './fixtures.js';

const stores = useTemporaryStores();
const peers = useMailPeers();
const postgres = usePostgresCluster();

async function scenario(environment: Record<string, string> = {}) {
  const sink = await peers.sink();
  const config = deliveryConfig({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CACHE_DIR: stores.path('cache'), ...environment });
  const store = stores.open();
  const transport = peers.transport(config);
  const run = (request: Parameters<typeof runIssue>[0], now = new Date('2025-10-01T08:00:00Z')): Promise<IssueOutcome> =>
    runIssue(request, { config, store, transport, logger: silentLogger, sleep: noSleep, now: () => now });
  return { sink, store, run };
}

/** Two confirmed readers; the server greylists later@example.net (451, no retries) until told to accept everyone. */
async function greylistedOnce() {
  let busy = true;
  const sink = await peers.sink({ respondToRecipient: (address) => (busy && address === 'later@example.net' ? { code: 451, message: '4.7.1 greylisted' } : undefined) });
  const config = deliveryConfig({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CACHE_DIR: stores.path('cache'), SEND_RETRIES: '0' });
  const store = stores.open();
  const services = { config, store, transport: peers.transport(config), logger: silentLogger, sleep: noSleep };
  await addConfirmed(store, ['now@example.net', 'later@example.net']);
  return { sink, store, run: (request: Parameters<typeof runIssue>[0]) => runIssue(request, services), serverAcceptsAll: () => (busy = false) };
}

function sentSummary(outcome: IssueOutcome) {
  if (outcome.kind !== 'sent') throw new Error(`expected a send, got ${outcome.kind}`);
  return outcome.summary;
}

async function emptyDay(): Promise<string> {
  const path = stores.path('2025-10-04.json');
  await writeFile(path, '[]');
  return path;
}

/** Who the sink was sent to, in the order of the messages. */
function recipientsOf(messages: ReadonlyArray<{ envelope: { to: string[] } }>): string[] {
  return messages.flatMap((message) => message.envelope.to);
}

describe('runIssue of a weekly issue', () => {
  const WEEK = 'samples/week-2025-W40';
  const monday = new Date('2025-10-06T08:00:00Z');
  const bounces = 'bounces@papermail.test';

  it('sends the bundled week 2025-W40 to weekly subscribers only, once, under the week as its issue', async () => {
    const { sink, store, run } = await scenario({ BOUNCE_ADDRESS: bounces });
    await addConfirmed(store, [{ email: 'daily@example.net' }, { email: 'weekly@example.net', cadence: 'weekly' }, { email: 'also-weekly@example.net', cadence: 'weekly' }]);

    const summary = sentSummary(await run({ weekly: true, source: WEEK }, monday));

    expect(summary).toMatchObject({ issueDate: '2025-W40', sent: 2 });
    expect(recipientsOf(sink.messages).sort()).toEqual(['also-weekly@example.net', 'weekly@example.net']);
    expect((await sink.parsed()).map((mail) => mail.subject)).toEqual([expect.stringMatching(/^Week 40 · /), expect.stringMatching(/^Week 40 · /)]);
    expect((await sink.parsed())[0]!.messageId).toMatch(/^<2025-W40\.\d+\./);
    expect(await store.isIssueComplete('2025-W40')).toBe(true);
    expect(frozenDigest((await store.frozenIssue('2025-W40'))!)?.period?.week).toBe('2025-W40');
    expect((await store.getIssue('2025-W40'))?.subject).toMatch(/^Week 40 · /);

    // Again, by the week's id without reading the source: nobody is sent it twice.
    expect(await run({ weekly: true, week: '2025-W40', skipIfComplete: true }, monday)).toEqual({ kind: 'already-sent', day: '2025-W40' });
    expect(sentSummary(await run({ weekly: true, source: WEEK }, monday))).toMatchObject({ sent: 0 });
    expect(sink.messages).toHaveLength(2);
  });

  it('signs the envelope sender of a weekly message with a week tag that reads back as the delivery', async () => {
    const { sink, store, run } = await scenario({ BOUNCE_ADDRESS: bounces });
    const [reader] = await addConfirmed(store, [{ email: 'weekly@example.net', cadence: 'weekly' }]);

    await run({ weekly: true, source: WEEK }, monday);

    const from = sink.messages[0]!.envelope.from;
    expect(from).toMatch(/^bounces\+2025w40-\d+-[0-9a-f]{20}@papermail\.test$/);
    expect(readReturnPath(from, bounces, 'a-test-secret-that-is-long-enough-for-hmac')).toEqual({ kind: 'delivery', delivery: { issueDate: '2025-W40', subscriberId: reader!.id } });
  });

  it('sends a daily issue to daily subscribers only, and a change of cadence takes effect with the next issue', async () => {
    const { sink, store, run } = await scenario();
    const [ann, bob] = await addConfirmed(store, [{ email: 'ann@example.net' }, { email: 'bob@example.net', cadence: 'weekly' }]);

    expect(sentSummary(await run({ source: `${WEEK}/2025-09-30.json` }, monday))).toMatchObject({ issueDate: '2025-09-30', sent: 1 });
    expect(recipientsOf(sink.messages)).toEqual(['ann@example.net']);

    await store.setCadence(ann!.id, 'weekly');
    await store.setCadence(bob!.id, 'daily');
    expect(sentSummary(await run({ source: `${WEEK}/2025-10-01.json` }, monday))).toMatchObject({ issueDate: '2025-10-01', sent: 1 });
    expect(sentSummary(await run({ weekly: true, source: WEEK }, monday))).toMatchObject({ issueDate: '2025-W40', sent: 1 });
    expect(recipientsOf(sink.messages)).toEqual(['ann@example.net', 'bob@example.net', 'ann@example.net']);
  });

  it('refuses a week that has not ended, sending nothing', async () => {
    const { sink, store, run } = await scenario();
    await addConfirmed(store, [{ email: 'weekly@example.net', cadence: 'weekly' }]);
    const failure = await rejectionOf(run({ weekly: true, source: WEEK }, new Date('2025-10-05T08:00:00Z')));
    expect(failure).toMatchObject({ code: 'EUSAGE', message: expect.stringMatching(/week 2025-W40 has not ended yet/) });
    expect(sink.messages).toHaveLength(0);
    expect(await store.frozenIssue('2025-W40')).toBeUndefined();
  });
});

describe('runIssue', () => {
  it('sends the day of a saved API response, named after its file', async () => {
    const { sink, store, run } = await scenario();
    await addConfirmed(store, ['ada@example.net', 'alan@example.net']);

    const summary = sentSummary(await run({ source: 'samples/2026-08-21.json' }));

    expect(summary).toMatchObject({ issueDate: '2026-08-21', sent: 2 });
    expect((await sink.parsed()).map((mail) => mail.subject)).toEqual([
      expect.stringMatching(/^21 Aug · EnvHarness/),
      expect.stringMatching(/^21 Aug · EnvHarness/),
    ]);
  });

  it('archives the browser version, with no subscriber’s links in it', async () => {
    const { store, run } = await scenario();
    await addConfirmed(store, ['ada@example.net']);

    await run({ source: 'samples/2026-08-21.json' });

    const archived = await store.getIssue('2026-08-21');
    expect(archived?.subject).toMatch(/^21 Aug · EnvHarness/);
    expect(archived?.html).toContain('EnvHarness');
    expect(archived?.html).not.toContain('token=');
    expect(archived?.html).not.toContain('ada@example.net');
  });

  it('archives nothing and sends nothing in a dry run', async () => {
    const { sink, store, run } = await scenario();
    await addConfirmed(store, ['ada@example.net']);

    expect(sentSummary(await run({ source: 'samples/2026-08-21.json', dryRun: true }))).toMatchObject({ sent: 1, dryRun: true });

    expect(await store.getIssue('2026-08-21')).toBeUndefined();
    expect(sink.messages).toHaveLength(0);
  });

  it('sends nothing on a day without papers', async () => {
    const { sink, store, run } = await scenario();
    await addConfirmed(store, ['ada@example.net']);

    expect(await run({ source: await emptyDay() })).toEqual({ kind: 'no-papers', day: '2025-10-04' });
    expect(sink.messages).toHaveLength(0);
  });

  it('sends the short "no papers today" note to everyone, whatever their topics, when configured', async () => {
    const { sink, store, run } = await scenario({ SEND_EMPTY_ISSUE: 'true' });
    await addConfirmed(store, ['ada@example.net', { email: 'agents@example.net', topics: ['agents'] }]);

    expect(sentSummary(await run({ source: await emptyDay() }))).toMatchObject({ sent: 2, skippedNoTopics: 0 });
    expect(sink.messages).toHaveLength(2);
  });

  it('answers "already sent" to the schedule once the day is complete, without reading the source again', async () => {
    const { store, run } = await scenario();
    await addConfirmed(store, ['ada@example.net']);
    await run({ day: '2025-09-30', source: 'samples/2025-09-30.json' });

    // The schedule asks for the default day (yesterday); the cache is empty and the API unreachable.
    expect(await run({ skipIfComplete: true })).toEqual({ kind: 'already-sent', day: '2025-09-30' });
  });

  it('never reaches the network: a day neither cached nor given as a file fails at once, naming the closed local API', async () => {
    const { sink, store, run } = await scenario();
    await addConfirmed(store, ['ada@example.net']);

    const error = await rejectionOf(run({ day: '2025-10-02' }));

    expect(isPapermailError(error, 'ENETWORK')).toBe(true);
    expect(error.message).toMatch(/^could not reach 127\.0\.0\.1:9 for .* after 1 attempt$/);
    expect(sink.messages).toHaveLength(0);
  });

  it('sends every later run of a day the frozen issue, though the source changed since the first', async () => {
    const { sink, store, run, serverAcceptsAll } = await greylistedOnce();
    await run({ day: '2025-09-30', source: 'samples/2025-09-30.json' });
    serverAcceptsAll();

    // Another day's papers under the same date: the run still sends what was frozen.
    await run({ day: '2025-09-30', source: 'samples/2026-08-21.json' });

    const [first, later] = await sink.parsed();
    expect(later!.to).toMatchObject({ value: [{ address: 'later@example.net' }] });
    expect(later!.subject).toBe(first!.subject);
    expect(later!.text).not.toContain('EnvHarness');
    expect((await store.frozenIssue('2025-09-30'))?.digest).not.toContain('EnvHarness');
    expect((await store.getIssue('2025-09-30'))?.html).not.toContain('EnvHarness');
  });

  it('sends a test copy of a frozen day as its subscribers got it, without reading the source when the day is given', async () => {
    const { sink, store, run, serverAcceptsAll } = await greylistedOnce();
    await run({ day: '2025-09-30', source: 'samples/2025-09-30.json' });
    serverAcceptsAll();
    const config = deliveryConfig({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CACHE_DIR: stores.path('cache') });
    const services = { config, store, transport: peers.transport(config), logger: silentLogger };

    // Another day's papers under the same date, then no source at all (the API is unreachable).
    await sendIssueTestCopy({ day: '2025-09-30', source: 'samples/2026-08-21.json', to: 'editor@example.org' }, services);
    await sendIssueTestCopy({ day: '2025-09-30', to: 'editor@example.org' }, services);

    const [subscriberCopy, ...testCopies] = await sink.parsed();
    expect(testCopies).toHaveLength(2);
    for (const copy of testCopies) {
      expect(copy.subject).toBe(`[Test] ${subscriberCopy!.subject}`);
      expect(copy.text).not.toContain('EnvHarness');
    }
  });

  it('sends a later run the frozen issue without reading the source when the day is known', async () => {
    const { sink, store, run, serverAcceptsAll } = await greylistedOnce();
    expect(sentSummary(await run({ day: '2025-09-29', source: 'samples/2025-09-30.json' }))).toMatchObject({ sent: 1, deferred: 1 });
    serverAcceptsAll();

    // The API is unreachable and nothing is cached: only the frozen issue can be sent.
    expect(sentSummary(await run({ day: '2025-09-29' }))).toMatchObject({ sent: 1, alreadySent: 1 });
    expect(sink.deliveredTo('later@example.net')).toHaveLength(1);
  });

  it('rebuilds a day’s frozen issue from a new source before its first accepted message', async () => {
    const { sink, store, run } = await scenario();
    await addConfirmed(store, [{ email: 'robots@example.net', topics: ['robotics'] }]);
    await run({ day: '2026-08-21', source: 'samples/2024-05-27.json' });
    expect(sink.messages).toHaveLength(0);

    const rebuilt = sentSummary(await run({ day: '2026-08-21', source: 'samples/2026-08-21.json', rebuild: true }));

    expect((await store.frozenIssue('2026-08-21'))?.digest).toContain('EnvHarness');
    expect(rebuilt.sent + rebuilt.skippedNoTopics).toBe(1);
  });

  it('refuses --rebuild with EFROZEN once a message of the day was accepted, and sends nothing', async () => {
    const { sink, store, run } = await scenario();
    await addConfirmed(store, ['ada@example.net']);
    await run({ day: '2025-09-30', source: 'samples/2025-09-30.json' });

    const error = await rejectionOf(run({ day: '2025-09-30', source: 'samples/2026-08-21.json', rebuild: true }));

    expect(isPapermailError(error, 'EFROZEN')).toBe(true);
    expect(error.message).toBe(
      'the issue of 2025-09-30 cannot be rebuilt: 1 message(s) of it were already accepted, and every reader of a day gets the same issue',
    );
    expect(sink.messages).toHaveLength(1);
    expect((await store.frozenIssue('2025-09-30'))?.digest).not.toContain('EnvHarness');
  });

  it('leaves a subscriber who confirmed after the freeze out of that day’s issue, and sends them the next one', async () => {
    let now = new Date('2025-10-01T08:00:00Z');
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CACHE_DIR: stores.path('cache') });
    const store = stores.open({ now: () => now });
    const transport = peers.transport(config);
    const run = (request: Parameters<typeof runIssue>[0]) => runIssue(request, { config, store, transport, logger: silentLogger, sleep: noSleep, now: () => now });
    await addConfirmed(store, ['early@example.net']);
    // The day is frozen (a dry run freezes nothing), then the late reader confirms, then it is sent.
    await store.freezeIssue(frozenContent(twoTopicDigest(), await issueRenderer(config).parts()));
    now = new Date('2025-10-01T09:00:00Z');
    await addConfirmed(store, ['late@example.net']);

    await run({ day: ISSUE_DATE });
    await run({ day: '2025-10-01', source: 'samples/2025-09-30.json' });

    expect(sink.deliveredTo('early@example.net')).toHaveLength(2);
    expect(sink.deliveredTo('late@example.net')).toHaveLength(1);
    expect(await store.isIssueComplete(ISSUE_DATE)).toBe(true);
  });

  it('treats a subscriber whose topics had no papers as done for the day', async () => {
    const { store, run } = await scenario();
    await addConfirmed(store, [{ email: 'robots@example.net', topics: ['robotics'] }]);

    const summary = sentSummary(await run({ source: 'samples/2024-05-27.json' }));

    expect(summary).toMatchObject({ sent: 0, skippedNoTopics: 1 });
    expect(await store.isIssueComplete('2024-05-27')).toBe(true);
  });
});

/** Two connections to one database of each kind, as two machines (or two processes) have. */
const sharedDatabases: Array<[string, () => Promise<() => Promise<SubscriberStore>>]> = [
  ['one SQLite file', async () => async () => stores.open()],
  [
    'one PostgreSQL database',
    async () => {
      const url = await postgres.cluster().newSchema();
      return () => openPostgresStore(url);
    },
  ],
];

describe.each(sharedDatabases)('two runs of one day started at the same moment on %s', (_kind, database) => {
  const opened: SubscriberStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it('freeze and prepare the day once between them, and send every subscriber the issue exactly once', async () => {
    const connect = await database();
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url, CACHE_DIR: stores.path('cache') });
    const calls: LoggedCall[] = [];
    const connections = [await connect(), await connect()];
    opened.push(...connections);
    const readers = addresses(40);
    await addConfirmed(connections[0]!, readers);
    const run = (store: SubscriberStore) =>
      runIssue(
        { day: '2025-09-30', source: 'samples/2025-09-30.json' },
        { config, store: withCallLog(store, calls), transport: peers.transport(config), logger: silentLogger, sleep: noSleep, prepareWait: { pollMs: 5 } },
      );

    const outcomes = await Promise.all(connections.map(run));

    expect(callsTo(calls, 'freezeIssue')).toHaveLength(1);
    expect(callsTo(calls, 'prepareIssue')).toHaveLength(1);
    expect(outcomes.map((outcome) => sentSummary(outcome).sent).reduce((sum, sent) => sum + sent)).toBe(readers.length);
    for (const reader of readers) expect(sink.deliveredTo(reader), reader).toHaveLength(1);
    expect(await connections[1]!.ledgerCounts('2025-09-30')).toMatchObject({ pending: 0, sending: 0, sent: readers.length });
  });
});
