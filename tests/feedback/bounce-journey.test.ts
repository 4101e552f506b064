/**
 * The journey of a late bounce, through the parts `serve` composes (createRuntime): an issue
 * accepted by a real SMTP server that accepts everything, as a relay does; the relay's
 * delivery status notification arriving later in a real IMAP mailbox (Dovecot), sent to the
 * message's VERP return path; the poll reading it with the real reader; the subscriber
 * suppressed; the next issue not sent to them.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadTaxonomy } from '../../src/digest/taxonomy.js';
import { readReturnPath } from '../../src/feedback/return-path.js';
import { createLogger } from '../../src/logger.js';
import { createBackgroundTasks } from '../../src/server/background.js';
import { createRuntime } from '../../src/server/runtime.js';
import { useDovecot } from '../support/dovecot.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';
import { addConfirmed, deliveryConfig, useMailPeers } from '../delivery/fixtures.js';

const stores = useTemporaryStores();
const peers = useMailPeers();
const imap = useDovecot();

const BOUNCE_ADDRESS = 'bounces@papermail.test';
const POSTFIX_DSN = new URL('./fixtures/bounces/postfix.eml', import.meta.url);

/** The Postfix fixture as the relay would send it about `message`: to its return path, about its recipient and Message-ID. */
async function relayReport(message: { envelopeFrom: string; recipient: string; messageId: string }): Promise<string> {
  const fixture = await readFile(POSTFIX_DSN, 'utf8');
  return fixture
    .replace(/bounces\+20251001-\d+-[0-9a-f]{20}@example\.org/g, message.envelopeFrom)
    .replaceAll('reader@example.net', message.recipient)
    .replace(/<2025-10-01\.101\.[0-9a-f]+@example\.org>/g, message.messageId);
}

describe('a bounce that arrives after the relay accepted the message', () => {
  it('is read from the bounce mailbox, suppresses the subscriber, and the next issue is not sent to them', async () => {
    const sink = await peers.sink();
    const server = imap.server();
    const config = deliveryConfig({
      SMTP_URL: sink.url,
      CACHE_DIR: stores.path('cache'),
      BOUNCE_ADDRESS,
      BOUNCE_IMAP_URL: server.url(),
      HARD_BOUNCE_LIMIT: '1',
    });
    const store = stores.open();
    const lines: string[] = [];
    const logger = createLogger('info', (line) => lines.push(line));
    const runtime = createRuntime({
      config,
      store,
      transport: peers.transport(config),
      taxonomy: await loadTaxonomy(config.TOPICS_FILE),
      logger,
      background: createBackgroundTasks(logger),
    });
    const [gone, staying] = await addConfirmed(store, ['gone@example.net', 'staying@example.net']);

    // Day one: the relay accepts both messages.
    const first = await runtime.runIssue({ source: 'samples/2025-09-30.json' });
    expect(first.kind === 'sent' && first.summary.sent).toBe(2);
    const toGone = sink.messages.find((message) => message.envelope.to[0] === 'gone@example.net')!;
    expect(readReturnPath(toGone.envelope.from, BOUNCE_ADDRESS, config.secret)).toEqual({
      kind: 'delivery',
      delivery: { issueDate: '2025-09-30', subscriberId: gone!.id },
    });
    expect((await store.findById(gone!.id))?.status).toBe('confirmed');

    // Later: the relay's DSN for gone@ lands in the bounce mailbox.
    const messageId = /^Message-ID: (.+)$/im.exec(toGone.raw.toString('latin1'))![1]!.trim();
    await server.append('INBOX', await relayReport({ envelopeFrom: toGone.envelope.from, recipient: 'gone@example.net', messageId }));
    const summary = await runtime.bounceMailbox!.poll(new AbortController().signal);
    expect(summary).toMatchObject({ read: 1, recorded: 1, unreadable: 0 });

    const suppressed = await store.findById(gone!.id);
    expect(suppressed?.status).toBe('bounced');
    expect(suppressed?.suppression?.reason).toBe('hard-bounce');
    expect((await store.findById(staying!.id))?.status).toBe('confirmed');
    expect((await store.deliveryReport('2025-09-30'))[0]).toMatchObject({ accepted: 2, bounced: { hard: 1, soft: 0 } });
    // Handled: moved out of the inbox, never deleted.
    expect(await server.messages('INBOX')).toEqual([]);
    expect(await server.messages(config.BOUNCE_IMAP_DONE_MAILBOX.split('/'))).toHaveLength(1);

    // The next issue goes to the reader who stayed, and not to the one who bounced.
    const before = sink.messages.length;
    const second = await runtime.runIssue({ source: 'samples/2026-08-21.json' });
    expect(second.kind === 'sent' && second.summary.sent).toBe(1);
    expect(sink.messages.slice(before).map((message) => message.envelope.to[0])).toEqual(['staying@example.net']);

    // Polling again finds nothing new and counts nothing twice.
    expect(await runtime.bounceMailbox!.poll(new AbortController().signal)).toMatchObject({ read: 0, recorded: 0 });
    expect((await store.deliveryReport('2025-09-30'))[0]?.bounced.hard).toBe(1);
  });
});
