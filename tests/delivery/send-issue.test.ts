import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { recipientLinks } from '../../src/links/public-links.js';
import { buildMessage } from '../support/nodemailer-message.js';
import { describeSummary, sendIssue, type SendIssueRequest, type SendProgress } from '../../src/delivery/send-issue.js';
import { loadDailyDigest } from '../../src/digest/daily-digest.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { mjmlCompilations } from '../../src/render/index.js';
import { isPapermailError } from '../../src/errors.js';
import type { MailTransport } from '../../src/delivery/transport.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { manualClock, useTemporaryStores } from '../subscribers/temporary-store.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import { addConfirmed, addresses, deliveryConfig, ISSUE_DATE, issueRenderer, noSleep, useMailPeers } from './fixtures.js';
import { closedPort, rejectionOf } from '../support/async.js';
import { holdWriteLock, type HeldLock } from '../support/sqlite-lock.js';
import { callsTo, withCallLog, type LoggedCall } from '../support/call-log.js';
import type { SendSlots } from '../../src/delivery/send-ledger.js';

const stores = useTemporaryStores();
const peers = useMailPeers();

interface Scenario {
  sink: SmtpSink;
  config: Config;
  store: SubscriberStore;
  send(overrides?: Partial<SendIssueRequest>): ReturnType<typeof sendIssue>;
}

async function scenario(options: Parameters<typeof peers.sink>[0] = {}, environment: Record<string, string> = {}): Promise<Scenario> {
  const sink = await peers.sink(options);
  const config = deliveryConfig({ SMTP_URL: sink.url, ...environment });
  const store = stores.open();
  const transport = peers.transport(config);
  const renderer = issueRenderer(config);
  const send = (overrides: Partial<SendIssueRequest> = {}) =>
    sendIssue({ issueDate: ISSUE_DATE, renderer, store, transport, config, sleep: noSleep, ...overrides });
  return { sink, config, store, send };
}


describe('sendIssue', () => {
  it('delivers the issue to every confirmed subscriber exactly once', async () => {
    const { sink, store, send } = await scenario();
    const people = addresses(25);
    await addConfirmed(store, people);
    const summary = await send();
    expect(summary).toMatchObject({ sent: 25, deferred: 0, failed: 0, alreadySent: 0, interrupted: false });
    expect(sink.messages).toHaveLength(25);
    for (const address of people) expect(sink.deliveredTo(address), address).toHaveLength(1);
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 25, deferred: 0, failed: 0, skipped: 0 });
  });

  it('sends nothing new when run again for the same date', async () => {
    const { sink, store, send } = await scenario();
    await addConfirmed(store, addresses(5));
    await send();
    const again = await send();
    expect(again).toMatchObject({ sent: 0, alreadySent: 5 });
    expect(sink.messages).toHaveLength(5);
  });

  it('sends to nobody who is pending, unsubscribed or bounced', async () => {
    const { sink, store, send } = await scenario();
    await addConfirmed(store, ['yes@example.net']);
    await store.upsert({ email: 'pending@example.net', status: 'pending' });
    await store.upsert({ email: 'left@example.net', status: 'unsubscribed' });
    await store.upsert({ email: 'bounced@example.net', status: 'bounced' });
    await send();
    expect(sink.messages.map((message) => message.envelope.to)).toEqual([['yes@example.net']]);
  });

  it('records the Message-ID the server accepted in the ledger', async () => {
    const { sink, store, send } = await scenario();
    await addConfirmed(store, ['one@example.net']);
    await send();
    const [parsed] = await sink.parsed();
    expect(parsed!.messageId).toMatch(/^<2025-09-30\.\d+\.[0-9a-f]{16}@papermail\.test>$/);
    expect(storedMessageIds()).toEqual([parsed!.messageId]);
  });

  it('sends each subscriber only the topics they chose, and skips those whose topics have no papers today', async () => {
    const { sink, store, send } = await scenario();
    await addConfirmed(store, [
      { email: 'vision@example.net', topics: ['vision'] },
      { email: 'robots@example.net', topics: ['robotics'] },
    ]);
    const summary = await send();
    expect(summary).toMatchObject({ sent: 1, skippedNoTopics: 1 });
    const [parsed] = await sink.parsed();
    expect(parsed!.to).toMatchObject({ value: [{ address: 'vision@example.net' }] });
    expect(parsed!.text).toContain('Seeing Through Diffusion');
    expect(parsed!.text).not.toContain('Reasoning in Large Language Models');
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 1, deferred: 0, failed: 0, skipped: 1 });
  });

  it('counts the issue complete once every subscriber was sent it or had nothing in their topics', async () => {
    const { store, send } = await scenario();
    await addConfirmed(store, [
      { email: 'vision@example.net', topics: ['vision'] },
      { email: 'robots@example.net', topics: ['robotics'] },
    ]);
    await send();
    expect(await store.isIssueComplete(ISSUE_DATE)).toBe(true);
    expect(await send()).toMatchObject({ sent: 0, skippedNoTopics: 0 });
  });

  it('retries a 451 within the run and delivers once the server accepts', async () => {
    const attempts = new Map<string, number>();
    const { sink, store, send } = await scenario({
      respond: ({ to }) => {
        const seen = (attempts.get(to[0]!) ?? 0) + 1;
        attempts.set(to[0]!, seen);
        return to[0] === 'greylisted@example.net' && seen === 1 ? { code: 451, message: '4.7.1 greylisted, try again' } : undefined;
      },
    });
    await addConfirmed(store, ['greylisted@example.net', 'plain@example.net']);
    const summary = await send();
    expect(summary).toMatchObject({ sent: 2, retried: 1, deferred: 0 });
    expect(sink.deliveredTo('greylisted@example.net')).toHaveLength(1);
    expect(attempts.get('greylisted@example.net')).toBe(2);
  });

  it('waits longer before each retry: 2 s, then 4 s, then 8 s, as documented', async () => {
    const waits: number[] = [];
    const { store, send } = await scenario({ respond: () => ({ code: 421, message: '4.3.2 busy' }) }, { SEND_RETRIES: '3' });
    await addConfirmed(store, ['busy@example.net']);
    await send({ sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([2_000, 4_000, 8_000]);
  });

  it('defers a recipient whose 4xx outlasts the retries, and delivers on the next run', async () => {
    let serverBusy = true;
    const { sink, store, send } = await scenario({
      respond: ({ to }) => (serverBusy && to[0] === 'busy@example.net' ? { code: 452, message: '4.2.2 mailbox busy' } : undefined),
    });
    await addConfirmed(store, ['busy@example.net', 'fine@example.net']);
    const first = await send();
    expect(first).toMatchObject({ sent: 1, deferred: 1, retried: 2 });
    expect(sink.attempts.filter((attempt) => attempt.envelope.to[0] === 'busy@example.net')).toHaveLength(3);
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 1, deferred: 1, failed: 0, skipped: 0 });

    serverBusy = false;
    const second = await send();
    expect(second).toMatchObject({ sent: 1, alreadySent: 1, deferred: 0 });
    expect(sink.deliveredTo('busy@example.net')).toHaveLength(1);
    expect(sink.deliveredTo('fine@example.net')).toHaveLength(1);
  });

  it('retries after the server drops the connection mid-message', async () => {
    let dropped = false;
    const { sink, store, send } = await scenario({
      respond: () => {
        if (dropped) return undefined;
        dropped = true;
        return 'drop';
      },
    });
    await addConfirmed(store, ['reader@example.net']);
    const summary = await send();
    expect(summary).toMatchObject({ sent: 1, retried: 1 });
    expect(sink.deliveredTo('reader@example.net')).toHaveLength(1);
  });

  it('marks a 550 as failed without retrying, and suppresses the subscriber at the bounce limit', async () => {
    const { sink, store, send } = await scenario(
      { respondToRecipient: (address) => (address === 'gone@example.net' ? { code: 550, message: '5.1.1 user unknown' } : undefined) },
      { HARD_BOUNCE_LIMIT: '2' },
    );
    await addConfirmed(store, ['gone@example.net', 'here@example.net']);

    const first = await send();
    expect(first).toMatchObject({ sent: 1, failed: 1, suppressed: 0, retried: 0 });
    expect((await store.findByEmail('gone@example.net'))!.status).toBe('confirmed');
    expect(await store.ledgerCounts(ISSUE_DATE)).toMatchObject({ failed: 1 });

    const nextDay = await send({ issueDate: '2025-10-01' });
    expect(nextDay).toMatchObject({ sent: 1, failed: 1, suppressed: 1 });
    expect((await store.findByEmail('gone@example.net'))!).toMatchObject({ status: 'bounced', bounceCount: 2 });

    const third = await send({ issueDate: '2025-10-02' });
    expect(third).toMatchObject({ sent: 1, failed: 0 });
    expect(sink.deliveredTo('here@example.net')).toHaveLength(3);
  });

  it('never retries a failed recipient in a later run of the same issue', async () => {
    const { sink, store, send } = await scenario({ respondToRecipient: () => ({ code: 550, message: '5.1.1 user unknown' }) });
    await addConfirmed(store, ['gone@example.net']);
    await send();
    const again = await send();
    expect(again).toMatchObject({ sent: 0, failed: 0 });
    expect(sink.attempts).toHaveLength(0);
  });

  it('stops with ETRANSPORT and leaves the ledger untouched when the server refuses the login', async () => {
    const sink = await peers.sink({ auth: { user: 'mailer', pass: 'right' } });
    const config = deliveryConfig({ SMTP_URL: `smtp://mailer:wrong@127.0.0.1:${sink.port}` });
    const store = stores.open();
    await addConfirmed(store, addresses(3));
    const error = await rejectionOf(
      sendIssue({ issueDate: ISSUE_DATE, renderer: issueRenderer(config), store, transport: peers.transport(config), config, sleep: noSleep }),
    );
    expect(isPapermailError(error, 'ETRANSPORT')).toBe(true);
    expect((error as Error).message).toMatch(/refused login: 535/);
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 });
    expect(sink.attempts).toHaveLength(0);
  });

  it('stops with ETRANSPORT when the server cannot be reached, before it prepares or locks anything', async () => {
    const port = await closedPort();
    const config = deliveryConfig({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    const store = stores.open();
    await addConfirmed(store, addresses(2));
    const error = await rejectionOf(
      sendIssue({ issueDate: ISSUE_DATE, renderer: issueRenderer(config), store, transport: peers.transport(config), config, sleep: noSleep }),
    );
    expect(isPapermailError(error, 'ETRANSPORT')).toBe(true);
    expect((error as Error).message).toMatch(/^cannot reach mail server .*ECONNREFUSED/);
    expect(await store.frozenIssue(ISSUE_DATE)).toBeUndefined();
    expect(await store.acquirePrepareLock(ISSUE_DATE, 'next-run', 60_000)).toBe(true);
  });

  it('stops taking recipients on a fatal reply mid-run, keeps what was accepted, and the next run sends the rest', async () => {
    let accountSuspended = false;
    let accepted = 0;
    const { sink, store, send } = await scenario({
      // After three deliveries the server refuses the account itself: every further message would fail too.
      respondToRecipient: () => (accountSuspended ? { code: 530, message: '5.7.0 authentication required' } : undefined),
      respond: () => {
        if (++accepted === 3) accountSuspended = true;
        return undefined;
      },
    });
    await addConfirmed(store, addresses(30));
    const error = await rejectionOf(send());
    expect(isPapermailError(error, 'ETRANSPORT')).toBe(true);
    expect((error as Error).message).toMatch(/refused login: 530 .*the next run resumes/);
    const counts = await store.ledgerCounts(ISSUE_DATE);
    expect(counts).toMatchObject({ sending: 0, failed: 0, sent: sink.messages.length });
    expect(counts.sent + counts.deferred).toBeLessThan(30);

    accountSuspended = false;
    accepted = -1_000;
    const resumed = await send();
    expect(resumed.sent + resumed.alreadySent).toBe(30);
    expect(new Set(sink.messages.map((message) => message.envelope.to[0])).size).toBe(30);
    expect(sink.messages).toHaveLength(30);
  });

  it('gives up with ETRANSPORT when the connection keeps dropping for recipient after recipient', async () => {
    const { sink, store, send } = await scenario({ respond: () => 'drop' }, { SEND_RETRIES: '0' });
    await addConfirmed(store, addresses(30));
    const error = await rejectionOf(send());
    expect(isPapermailError(error, 'ETRANSPORT')).toBe(true);
    expect((error as Error).message).toMatch(/recipients in a row/);
    const counts = await store.ledgerCounts(ISSUE_DATE);
    expect(counts).toMatchObject({ sent: 0, sending: 0, failed: 0 });
    expect(counts.deferred).toBeLessThan(30);
    expect(sink.messages).toHaveLength(0);
  });

  it('fails a stored address no server would take, and still delivers to everyone else', async () => {
    const { sink, store, send } = await scenario();
    const [broken] = await addConfirmed(store, ['broken@example.net', 'fine@example.net']);
    // A row written before addresses were validated, straight into the SQLite file.
    const database = new Database(stores.path());
    database.prepare('UPDATE subscribers SET email = ? WHERE id = ?').run('broken@example.net, eve@evil.test', broken!.id);
    database.close();
    const summary = await send();
    expect(summary).toMatchObject({ sent: 1, failed: 1 });
    expect(sink.messages.map((message) => message.envelope.to)).toEqual([['fine@example.net']]);
  });

  it('lets two concurrent sends of the same date share it: each sends the rows it claimed, nobody gets a copy twice', async () => {
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url });
    const connections = [stores.open(), stores.open()];
    await addConfirmed(connections[0]!, addresses(10));
    const summaries = await sendSideBySide(config, connections);

    expect(summaries.map((summary) => summary.sent)).toEqual([5, 5]);
    // Each summary counts the whole day; the run that counted last saw both runs' rows sent.
    for (const summary of summaries) expect(Object.values(summary.day).reduce((sum, count) => sum + count)).toBe(10);
    expect(Math.max(...summaries.map((summary) => summary.day.sent))).toBe(10);
    expect(sink.messages).toHaveLength(10);
    expect(new Set(sink.messages.map((message) => message.envelope.to[0])).size).toBe(10);
    expect(await connections[1]!.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 10, deferred: 0, failed: 0, skipped: 0 });
  });

  it('paces two concurrent runs by one day-wide rate: their send slots come from the store, back to back', async () => {
    const sink = await peers.sink();
    // 4 a second: a slot every 250 ms, reserved one at a time.
    const config = deliveryConfig({ SMTP_URL: sink.url, SMTP_RATE_PER_SECOND: '4' });
    // The stores' clock stands still, so every slot the day hands out is later than the one before.
    const clock = manualClock();
    const logs: LoggedCall[][] = [[], []];
    const connections = logs.map((log) => withCallLog(stores.open({ now: clock.now }), log));
    await addConfirmed(connections[0]!, addresses(10));
    const waits: number[] = [];
    // Waits are written down, not waited: the slots say how long each would be.
    const summaries = await sendSideBySide(config, connections, { sleep: async (ms) => void waits.push(ms) });

    expect(summaries.map((summary) => summary.sent)).toEqual([5, 5]);
    const slots = logs.map((log) => callsTo(log, 'reserveSendSlots').map((call) => (call.result as SendSlots).firstSlotAt - clock.now().getTime()));
    // One slot per message, none shared: together the two runs were handed 4 a second.
    expect(slots.map((run) => run.length)).toEqual([5, 5]);
    expect(slots.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, index) => index * 250));
    // Each message but the very first waited for its slot.
    expect(waits).toHaveLength(9);
    expect(Math.min(...waits)).toBeGreaterThan(0);
    expect(sink.messages).toHaveLength(10);
  });

  it('waits while another run prepares the day, then sends the rows that run prepared, without preparing again', async () => {
    const { sink, store, send } = await scenario();
    const other = stores.open();
    await addConfirmed(store, addresses(3));
    await other.acquirePrepareLock(ISSUE_DATE, 'elsewhere.example:1234:abc', 60_000);
    const [waiting, sawWait] = signal();
    const lines: string[] = [];
    const logger = createLogger('info', (line) => {
      lines.push(line);
      if (line.includes('waiting for it')) sawWait();
    });

    const joined = send({ logger, prepareWait: { pollMs: 5 } });
    await waiting;
    expect(await store.ledgerCounts(ISSUE_DATE)).toMatchObject({ pending: 0 });
    // The other run finishes preparing and lets go of the lock.
    await other.prepareIssue(ISSUE_DATE);
    await other.releasePrepareLock(ISSUE_DATE, 'elsewhere.example:1234:abc');

    expect(await joined).toMatchObject({ sent: 3 });
    expect(sink.messages).toHaveLength(3);
    expect(lines).toContain('issue 2025-09-30: prepared by another run; joining the sending');
    expect(lines.filter((line) => line.includes('prepared 3 recipients'))).toEqual([]);
  });

  it('waits for another run preparing the day and gives up with ELOCKED when it takes too long, sending nothing', async () => {
    const { sink, store, send } = await scenario();
    await addConfirmed(store, addresses(3));
    // A live run on another machine holds the prepare lock and never finishes.
    await store.acquirePrepareLock(ISSUE_DATE, 'elsewhere.example:1234:abc', 60_000);

    const error = await rejectionOf(send({ prepareWait: { timeoutMs: 20, pollMs: 5 } }));

    expect(isPapermailError(error, 'ELOCKED')).toBe(true);
    expect(error.message).toMatch(/^another run has been preparing the issue of 2025-09-30 for over 0 s and it is not ready; try again later/);
    expect(sink.attempts).toHaveLength(0);
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 });
  });

  it('prepares and sends the day itself when the run that held the prepare lock died', async () => {
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url });
    // The preparer's lock ran out by this run's store clock: it died ten minutes ago.
    const store = stores.open({ now: manualClock(new Date(Date.now() + 10 * 60_000).toISOString()).now });
    await addConfirmed(store, addresses(3));
    await stores.open().acquirePrepareLock(ISSUE_DATE, 'elsewhere.example:1234:abc', 60_000);

    const summary = await sendIssue({ issueDate: ISSUE_DATE, renderer: issueRenderer(config), store, transport: peers.transport(config), config, sleep: noSleep });

    expect(summary).toMatchObject({ sent: 3 });
    expect((await store.frozenIssue(ISSUE_DATE))?.preparedAt).not.toBeNull();
  });

  it('on abort, finishes the messages in flight, records them, and returns an interrupted summary', async () => {
    const controller = new AbortController();
    let received = 0;
    const { sink, store, send } = await scenario({
      respond: () => {
        if (++received === 3) controller.abort();
        return undefined;
      },
    });
    await addConfirmed(store, addresses(40));
    const summary = await send({ signal: controller.signal });
    expect(summary.interrupted).toBe(true);
    expect(summary.sent).toBeLessThan(40);
    expect(summary.sent).toBe(sink.messages.length);
    // Rows claimed but never handed over are given back: nobody waits for their lease.
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 40 - summary.sent, sending: 0, sent: summary.sent, deferred: 0, failed: 0, skipped: 0 });

    const resumed = await send();
    expect(resumed).toMatchObject({ sent: 40 - summary.sent, alreadySent: summary.sent, interrupted: false });
    expect(new Set(sink.messages.map((message) => message.envelope.to[0])).size).toBe(40);
    expect(sink.messages).toHaveLength(40);
  });

  it('in a dry run renders and counts, but sends and records nothing', async () => {
    const { sink, store, send } = await scenario();
    await addConfirmed(store, [...addresses(4), { email: 'robots@example.net', topics: ['robotics'] }]);
    const summary = await send({ dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, sent: 4, skippedNoTopics: 1 });
    expect(sink.attempts).toHaveLength(0);
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 0 });
  });

  it('reports progress every two seconds as the run goes', async () => {
    const { store, send } = await scenario();
    await addConfirmed(store, addresses(6));
    let clock = 0;
    const progress: SendProgress[] = [];
    // A clock that moves one second per reading (one at the start, one per recipient handled):
    // two seconds have passed at every other recipient, so progress comes after the 2nd, 4th and 6th.
    await send({ now: () => (clock += 1_000), onProgress: (update) => progress.push(update) });
    expect(progress.map((update) => [update.processed, update.elapsedMs])).toEqual([
      [2, 2_000],
      [4, 4_000],
      [6, 6_000],
    ]);
  });

  it('counts the whole day in its progress and its summary: rows another worker sent or is sending included', async () => {
    const { store, send } = await scenario();
    await addConfirmed(store, addresses(10));
    await store.prepareIssue(ISSUE_DATE);
    // Another worker has claimed five rows: three it has sent, two are still in flight.
    const theirs = await store.claimRecipients(ISSUE_DATE, 'elsewhere.example:1234:abc', 5, 10 * 60_000);
    for (const subscriber of theirs.slice(0, 3)) await store.markSent(ISSUE_DATE, subscriber.id, `<${subscriber.id}@elsewhere.example>`);
    let clock = 0;
    const progress: SendProgress[] = [];

    const summary = await send({ now: () => (clock += 1_000), onProgress: (update) => progress.push(update) });

    expect(summary).toMatchObject({ sent: 5, alreadySent: 3, day: { pending: 0, sending: 2, sent: 8, deferred: 0, failed: 0, skipped: 0 } });
    expect(describeSummary(summary)).toMatch(/^issue 2025-09-30: 5 sent, 3 already sent before in .*; the day: 8 sent, 2 pending, 0 deferred, 0 failed$/);
    expect(progress.map((update) => update.processed)).toEqual([2, 4]);
    for (const update of progress) {
      expect(update.day.sent).toBeGreaterThanOrEqual(3 + update.sent);
      expect(update.day.sending).toBeGreaterThanOrEqual(2);
    }
  });

  it('reports duration and send rate from the injected clock', async () => {
    const { store, send } = await scenario();
    await addConfirmed(store, addresses(4));
    const readings = [0];
    const summary = await send({ now: () => readings.shift() ?? 2_000 });
    expect(summary).toMatchObject({ sent: 4, durationMs: 2_000, ratePerSecond: 2 });
  });
});


/** The Message-IDs the ledger holds, read straight from the SQLite file. */
function storedMessageIds(): Array<string | null> {
  const database = new Database(stores.path(), { readonly: true });
  try {
    return (database.prepare('SELECT message_id FROM deliveries ORDER BY subscriber_id').all() as Array<{ message_id: string | null }>).map(
      (row) => row.message_id,
    );
  } finally {
    database.close();
  }
}

/**
 * Two runs of the day, one per connection, sending at once: the first to hand a message over
 * waits until the other has handed one over too, so the first holds the batch of five it
 * claimed while the other must claim the rest.
 */
function sendSideBySide(config: Config, connections: SubscriberStore[], overrides: Partial<SendIssueRequest> = {}) {
  const [bothSending, startBoth] = signal();
  let first: number | undefined;
  return Promise.all(
    connections.map((store, index) =>
      sendIssue({
        issueDate: ISSUE_DATE,
        renderer: issueRenderer(config),
        store,
        transport: transportAround(peers.transport(config), {
          before: async () => {
            first ??= index;
            if (first === index) await bothSending;
            else startBoth();
          },
        }),
        config,
        sleep: noSleep,
        claimBatch: 5,
        prepareWait: { pollMs: 5 },
        ...overrides,
      }),
    ),
  );
}

/** A promise and the function that resolves it. */
function signal(): [Promise<void>, () => void] {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return [promise, resolve];
}

/** The real transport, with a step run around each message it is given (the nth, from 1). */
function transportAround(
  inner: MailTransport,
  steps: { before?: (nth: number, recipient: string) => Promise<void>; after?: (nth: number) => Promise<void> },
): MailTransport {
  let given = 0;
  return {
    send: async (message) => {
      const nth = ++given;
      await steps.before?.(nth, message.envelope.to[0]!);
      const result = await inner.send(message);
      await steps.after?.(nth);
      return result;
    },
    verify: () => inner.verify(),
    close: () => inner.close(),
    describe: () => inner.describe(),
  };
}

describe('sendIssue while another process holds the database’s write lock', () => {
  const locks: HeldLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.release()));
  });

  it('records every accepted message as sent once the lock is gone, though it outlasts the store’s wait', async () => {
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url });
    // The store gives up on the lock after 100 ms; the lock is held for 1.5 s, from the moment the
    // server has accepted the third message until after the next ledger writes had to give up.
    const store = stores.open({ busyTimeoutMs: 100 });
    await addConfirmed(store, addresses(10));
    const transport = transportAround(peers.transport(config), {
      after: async (nth) => {
        if (nth === 3) locks.push(await holdWriteLock(stores.path(), 1_500));
      },
    });

    // The claims are renewed every 50 ms, so their renewals meet the busy database too.
    const summary = await sendIssue({
      issueDate: ISSUE_DATE,
      renderer: issueRenderer(config),
      store,
      transport,
      config,
      sleep: (ms) => delay(ms),
      leaseRefreshMs: 50,
    });

    expect(summary).toMatchObject({ sent: 10, deferred: 0, failed: 0, interrupted: false });
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 10, deferred: 0, failed: 0, skipped: 0 });
    expect(sink.messages).toHaveLength(10);
    expect(new Set(sink.messages.map((message) => message.envelope.to[0])).size).toBe(10);
  });
});

describe('sendIssue after a crash or a pause', () => {
  it('does not send again what another run finished while this one was paused past its lock', async () => {
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url });
    const paused = stores.open();
    // The run that takes over reads a clock ten minutes on: to it, the paused run's lock has expired.
    const takeover = stores.open({ now: manualClock(new Date(Date.now() + 10 * 60_000).toISOString()).now });
    await addConfirmed(paused, addresses(10));

    // The paused run hands as many messages to the transport as it may have in flight (twice the pool: 4), then stops.
    const inFlight: string[] = [];
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let allClaimed!: () => void;
    const claimed = new Promise<void>((resolve) => (allClaimed = resolve));
    const pausedTransport = transportAround(peers.transport(config), {
      before: async (_nth, recipient) => {
        if (inFlight.push(recipient) === config.SMTP_POOL_CONNECTIONS * 2) allClaimed();
        await resumed;
      },
    });
    const pausedRun = sendIssue({ issueDate: ISSUE_DATE, renderer: issueRenderer(config), store: paused, transport: pausedTransport, config, sleep: noSleep });
    await claimed;
    const inFlightAddresses = new Set(inFlight);
    // It claimed more than it handed over: those rows are under its lease, which the takeover's clock sees ended.
    expect((await collectSending(paused)).length).toBeGreaterThan(inFlightAddresses.size);

    const other = await sendIssue({ issueDate: ISSUE_DATE, renderer: issueRenderer(config), store: takeover, transport: peers.transport(config), config, sleep: noSleep });
    resume();
    const late = await pausedRun;

    expect(other.sent).toBe(10);
    // Only what was already handed to the transport before the pause goes out twice (the documented bound).
    expect(late.sent).toBe(inFlightAddresses.size);
    for (const address of addresses(10)) {
      expect(sink.deliveredTo(address), address).toHaveLength(inFlightAddresses.has(address) ? 2 : 1);
    }
    expect(await paused.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 10, deferred: 0, failed: 0, skipped: 0 });
  });

  it('completes the day for a subscriber whose delivery a crash left sending and who then chose other topics', async () => {
    const { sink, store, send } = await scenario();
    const [reader] = await addConfirmed(store, ['reader@example.net']);
    await store.markSending(ISSUE_DATE, reader!.id);
    await store.setTopics(reader!.id, ['robotics']);

    const summary = await send();

    expect(summary).toMatchObject({ sent: 0, skippedNoTopics: 1 });
    expect(sink.messages).toHaveLength(0);
    expect(await store.ledgerCounts(ISSUE_DATE)).toEqual({ pending: 0, sending: 0, sent: 0, deferred: 0, failed: 0, skipped: 1 });
    expect(await store.isIssueComplete(ISSUE_DATE)).toBe(true);
  });
});

/** Subscribers whose delivery is claimed ('sending') right now. */
async function collectSending(store: SubscriberStore) {
  const database = new Database(stores.path(), { readonly: true });
  try {
    const ids = (database.prepare("SELECT subscriber_id FROM deliveries WHERE state = 'sending'").all() as Array<{ subscriber_id: number }>).map(
      (row) => row.subscriber_id,
    );
    return Promise.all(ids.map(async (id) => (await store.findById(id))!));
  } finally {
    database.close();
  }
}

/** What a reader's mail program shows: subject, text, HTML and the header fields (boundary and Date aside). */
function asRead(parsed: ParsedMail) {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of parsed.headers) {
    if (name === 'date') continue;
    headers[name] = name === 'content-type' ? (value as { value: string }).value : value;
  }
  return { subject: parsed.subject, text: parsed.text, html: parsed.html, headers };
}

describe('sendIssue with topic selections on a real day (samples/2025-09-30.json)', () => {
  it('compiles MJML once for subscribers with many different selections, and each reads as Nodemailer would compose their own copy', async () => {
    const sink = await peers.sink();
    const config = deliveryConfig({ SMTP_URL: sink.url });
    const store = stores.open();
    const { digest } = await loadDailyDigest({ source: 'samples/2025-09-30.json', config, logger: silentLogger });
    const slugs = digest.sections.map((section) => section.slug);
    // 30 subscribers with one to six of the topics each (a fixed pattern), and one with none of today's topics.
    const choices = Array.from({ length: 30 }, (_, index) => slugs.filter((_, slug) => (slug * 7 + index * 3) % 5 < 1 + (index % 3)).slice(0, 2 + (index % 5)));
    const people = await addConfirmed(store, [
      ...choices.map((topics, index) => ({ email: `reader${index + 1}@example.net`, name: index % 2 ? `Reader ${index + 1}` : null, topics })),
      { email: 'robots-only@example.net', topics: ['not-a-topic-today'] },
    ]);
    expect(new Set(choices.map((topics) => topics.join())).size).toBeGreaterThan(10);
    const renderer = issueRenderer(config, digest);
    const before = mjmlCompilations();
    const summary = await sendIssue({ issueDate: digest.date, renderer, store, transport: peers.transport(config), config, sleep: noSleep });
    expect(mjmlCompilations() - before).toBe(1);
    expect(summary).toMatchObject({ sent: 30, skippedNoTopics: 1 });

    const composer = nodemailer.createTransport({ streamTransport: true, buffer: true });
    for (const person of people.slice(0, 30)) {
      const [delivered, ...more] = sink.deliveredTo(person.email);
      expect(more).toHaveLength(0);
      const received = await simpleParser(delivered!.raw);
      const links = recipientLinks(config, person, digest.date);
      const content = (await renderer.forTopics(person.topics))!.personalise({ name: person.name, email: person.email, ...links });
      const { mail } = buildMessage({ issue: content, recipient: person, config, issueDate: digest.date, unsubscribeUrl: links.unsubscribeUrl });
      const composed = await simpleParser((await composer.sendMail(mail)).message as Buffer);
      expect(asRead(received), person.email).toEqual(asRead(composed));
      // Exactly their topics: every paper whose section or secondary topic they chose is linked, no other paper is.
      for (const section of digest.sections) {
        for (const each of section.papers) {
          const theirs = person.topics!.includes(section.slug) || (each.secondaryTopic !== undefined && person.topics!.includes(each.secondaryTopic));
          expect(received.text!.includes(each.url), `${person.email} ${each.id}`).toBe(theirs);
        }
      }
    }
    expect(sink.deliveredTo('robots-only@example.net')).toHaveLength(0);
  });
});
