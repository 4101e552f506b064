/**
 * How `serve` paces the bounce mailbox: the poll itself is tested against a real Dovecot in
 * tests/feedback/bounce-mailbox.test.ts; here the polls are small functions the tests control,
 * and time is vitest's fake clock (the interval is minutes in production). Last, the runtime's
 * wiring of the real poll and reader, against a real Dovecot and SQLite store.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MailboxPollSummary } from '../../src/feedback/bounce-mailbox.js';
import { createLogger } from '../../src/logger.js';
import { startBouncePolling, type RunningBouncePolling } from '../../src/server/bounce-polling.js';
import { PapermailError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/config.js';
import { createTransport } from '../../src/delivery/transport.js';
import { loadTaxonomy } from '../../src/digest/taxonomy.js';
import { createBackgroundTasks } from '../../src/server/background.js';
import { createRuntime } from '../../src/server/runtime.js';
import { useDovecot } from '../support/dovecot.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';

const EMPTY: MailboxPollSummary = { read: 0, recorded: 0, duplicates: 0, unmatched: 0, unreadable: 0, left: 0 };
const lines: string[] = [];
const logger = createLogger('info', (line) => lines.push(line));
const oneLine = (summary: MailboxPollSummary) => `polled: read ${summary.read}`;
let polling: RunningBouncePolling | undefined;

afterEach(async () => {
  await polling?.stop();
  polling = undefined;
  lines.length = 0;
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

describe('startBouncePolling', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls at once, then every BOUNCE_IMAP_POLL_SECONDS after the last poll ended', async () => {
    let polls = 0;
    polling = startBouncePolling({ everySeconds: 60, poll: async () => ((polls += 1), EMPTY), describe: oneLine, logger });
    await vi.advanceTimersByTimeAsync(0);
    expect(polls).toBe(1);

    await vi.advanceTimersByTimeAsync(59_999);
    expect(polls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(polls).toBe(3);
  });

  it('never runs two polls at once: a slow poll delays the next one instead', async () => {
    let polls = 0;
    const slow = deferred();
    polling = startBouncePolling({
      everySeconds: 60,
      poll: async () => {
        polls += 1;
        if (polls === 1) await slow.promise;
        return EMPTY;
      },
      describe: oneLine,
      logger,
    });

    await vi.advanceTimersByTimeAsync(300_000);
    const asked = polling.pollNow();
    expect(polls).toBe(1);

    slow.resolve();
    await asked;
    expect(polls).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(polls).toBe(2);
  });

  it('logs a failing poll in one line, and the next poll tries again', async () => {
    let polls = 0;
    polling = startBouncePolling({
      everySeconds: 30,
      poll: async () => {
        polls += 1;
        if (polls === 1) throw new PapermailError('EMAILBOX', 'bounce mailbox imaps://bounces@mail.example.org:993/INBOX: connect failed: ECONNREFUSED');
        return { ...EMPTY, read: 2 };
      },
      describe: oneLine,
      logger,
    });
    await vi.advanceTimersByTimeAsync(30_000);

    expect(polls).toBe(2);
    expect(lines).toEqual([
      'bounce mailbox: polled every 30 s',
      'error: bounce mailbox: poll failed, the next one in 30 s tries again: bounce mailbox imaps://bounces@mail.example.org:993/INBOX: connect failed: ECONNREFUSED',
      'polled: read 2',
    ]);
  });

  it('logs a poll that read nothing only at debug level', async () => {
    polling = startBouncePolling({ everySeconds: 30, poll: async () => EMPTY, describe: oneLine, logger });
    await polling.pollNow();
    expect(lines).toEqual(['bounce mailbox: polled every 30 s']);
  });

  it('stops: aborts the poll in progress, waits for it, and polls no more', async () => {
    let polls = 0;
    let seen: AbortSignal | undefined;
    const held = deferred();
    polling = startBouncePolling({
      everySeconds: 30,
      poll: async (signal) => {
        polls += 1;
        seen = signal;
        await held.promise;
        return EMPTY;
      },
      describe: oneLine,
      logger,
    });
    await vi.advanceTimersByTimeAsync(0);

    let stopped = false;
    const stopping = polling.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen?.aborted).toBe(true);
    expect(stopped).toBe(false);

    held.resolve();
    await stopping;
    await vi.advanceTimersByTimeAsync(600_000);
    expect(polls).toBe(1);
  });
});

describe('the runtime builds the poll serve runs', () => {
  const dovecot = useDovecot();
  const stores = useTemporaryStores();

  async function runtimeWith(env: Record<string, string>) {
    const config = loadConfig({ OUTBOX_DIR: stores.path('outbox'), ...env });
    return createRuntime({
      config,
      store: stores.open(),
      transport: createTransport(config),
      taxonomy: await loadTaxonomy('topics.json'),
      logger,
      background: createBackgroundTasks(logger),
    });
  }

  it('polls BOUNCE_IMAP_URL every BOUNCE_IMAP_POLL_SECONDS with the real reader of bounce mail, and says what it did in one line', async () => {
    const server = dovecot.server();
    await server.append('INBOX', await readFile('tests/feedback/fixtures/bounces/postfix.eml'));
    const runtime = await runtimeWith({ BOUNCE_IMAP_URL: server.url(), BOUNCE_IMAP_POLL_SECONDS: '120', HARD_BOUNCE_LIMIT: '1' });
    const { subscriber } = await runtime.dependencies.store.upsert({ email: 'reader@example.net', status: 'confirmed' });

    const poll = runtime.bounceMailbox!;
    const summary = await poll.poll(new AbortController().signal);

    expect(poll.everySeconds).toBe(120);
    expect(poll.describe(summary)).toBe(
      `bounce mailbox imap://bounces@127.0.0.1:${server.port}/INBOX: read 1 message, recorded 1 event (0 already recorded, 0 matched nobody), 0 unreadable, 0 left in place`,
    );
    expect((await runtime.dependencies.store.findById(subscriber.id))?.status).toBe('bounced');
    expect((await server.messages(['papermail', 'handled'])).map((message) => message.subject)).toEqual(['Undelivered Mail Returned to Sender']);
  });

  it('does not poll without BOUNCE_IMAP_URL', async () => {
    const runtime = await runtimeWith({});
    expect(runtime.bounceMailbox).toBeUndefined();
    expect(lines).toEqual([]);
  });
});
