/**
 * The bounce mailbox against a real IMAP server (a throwaway Dovecot, tests/support/dovecot.ts)
 * and a real SQLite store. Most reports are small delivery status notifications read by the
 * small reader of bounce-fixtures.ts, so each test is about what the mailbox does with a
 * reading; one test puts the bounce mail of the common MTAs (tests/feedback/fixtures/bounces)
 * through the real reader.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { isPapermailError } from '../../src/errors.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ReadBounceMessage } from '../../src/feedback/bounce-message.js';
import {
  displayMailboxUrl,
  mailboxAddress,
  mailboxLoginProtection,
  pollBounceMailbox,
  UNREADABLE_KEYWORD,
  warnAboutPlaintextLogin,
  type MailboxPollSummary,
} from '../../src/feedback/bounce-mailbox.js';
import { readBounceMessage } from '../../src/feedback/read-bounce.js';
import type { FeedbackContext } from '../../src/feedback/record.js';
import { openSqliteStore } from '../../src/subscribers/sqlite-store.js';
import type { SubscriberStore } from '../../src/subscribers/store.js';
import { rejectionOf } from '../support/async.js';
import { useDovecot } from '../support/dovecot.js';
import { selfSignedCertificate, type SelfSignedCertificate } from '../support/tls.js';
import { useTemporaryStores } from '../subscribers/temporary-store.js';
import { deliveryStatusNotification, OUT_OF_OFFICE, readTestReport } from './bounce-fixtures.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger('debug', (line) => lines.push(line)), { lines });
}

function settings(url: string, overrides: Record<string, string> = {}) {
  const config = loadConfig({ BOUNCE_IMAP_URL: url, HARD_BOUNCE_LIMIT: '1', ...overrides });
  return { config, mailbox: { ...config, BOUNCE_IMAP_URL: config.BOUNCE_IMAP_URL! } };
}

function poll(
  store: SubscriberStore,
  url: string,
  options: { overrides?: Record<string, string>; logger?: Logger; ca?: string; signal?: AbortSignal; reader?: ReadBounceMessage } = {},
): Promise<MailboxPollSummary> {
  const { config, mailbox } = settings(url, options.overrides);
  const feedback: FeedbackContext = { store, config, logger: options.logger ?? recordingLogger() };
  return pollBounceMailbox({
    settings: mailbox,
    readBounceMessage: options.reader ?? readTestReport,
    feedback,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

const DONE = ['papermail', 'handled'];

describe('polling the bounce mailbox (a real Dovecot)', () => {
  const dovecot = useDovecot();
  const stores = useTemporaryStores();
  let mailboxNumber = 0;
  /** A mailbox of its own per test, so tests share the server but never each other's messages. */
  const freshMailbox = () => `Bounces${++mailboxNumber}`;

  it('moves a report it read to the done mailbox (creating it), leaving nothing in the inbox', async () => {
    const server = dovecot.server();
    const inbox = freshMailbox();
    const store = stores.open();
    await server.append(inbox, deliveryStatusNotification({ recipient: 'nobody@example.com', status: '5.1.1', subject: 'first' }));

    const summary = await poll(store, server.url({ mailbox: inbox }), { overrides: { BOUNCE_IMAP_DONE_MAILBOX: `${inbox}-done/handled` } });

    expect(summary).toEqual({ read: 1, recorded: 0, duplicates: 0, unmatched: 1, unreadable: 0, left: 0 });
    expect(await server.messages(inbox)).toEqual([]);
    expect((await server.messages([`${inbox}-done`, 'handled'])).map((message) => message.subject)).toEqual(['first']);
  });

  it('leaves a message it cannot read in place, flagged and counted, and does not read it again', async () => {
    const server = dovecot.server();
    const inbox = freshMailbox();
    const store = stores.open();
    await server.append(inbox, OUT_OF_OFFICE);
    const logger = recordingLogger();

    const first = await poll(store, server.url({ mailbox: inbox }), { logger });
    const second = await poll(store, server.url({ mailbox: inbox }), { logger });

    expect(first).toEqual({ read: 1, recorded: 0, duplicates: 0, unmatched: 0, unreadable: 1, left: 1 });
    expect(second).toEqual({ read: 0, recorded: 0, duplicates: 0, unmatched: 0, unreadable: 0, left: 0 });
    expect(await server.messages(inbox)).toEqual([{ uid: 1, subject: 'Out of office', flags: [UNREADABLE_KEYWORD] }]);
    expect(logger.lines.filter((line) => line.includes('left in place'))).toEqual([
      `warn: bounce mailbox ${displayMailboxUrl(server.url({ mailbox: inbox }))}: message 1 left in place, unread: not a delivery status notification`,
    ]);
  });

  it('treats a report whose event breaks the glossary (status 9.9.9) as unreadable, not as a bounce', async () => {
    const server = dovecot.server();
    const inbox = freshMailbox();
    await server.append(inbox, deliveryStatusNotification({ recipient: 'nobody@example.com', status: '9.9.9' }));

    const summary = await poll(stores.open(), server.url({ mailbox: inbox }));

    expect(summary).toMatchObject({ read: 1, unreadable: 1, left: 1, recorded: 0, unmatched: 0 });
    expect((await server.messages(inbox)).map((message) => message.flags)).toEqual([[UNREADABLE_KEYWORD]]);
  });

  it('reads only the unflagged messages next to one left before, and moves those', async () => {
    const server = dovecot.server();
    const inbox = freshMailbox();
    const store = stores.open();
    await server.append(inbox, OUT_OF_OFFICE, [UNREADABLE_KEYWORD]);
    await server.append(inbox, deliveryStatusNotification({ recipient: 'nobody@example.com', status: '5.1.1', subject: 'later' }));

    const summary = await poll(store, server.url({ mailbox: inbox }));

    expect(summary).toMatchObject({ read: 1, unmatched: 1, unreadable: 0, left: 0 });
    expect((await server.messages(inbox)).map((message) => message.subject)).toEqual(['Out of office']);
  });

  it('stops before the next message when shutdown aborts the poll, keeping what it did', async () => {
    const server = dovecot.server();
    const inbox = freshMailbox();
    await server.append(inbox, deliveryStatusNotification({ recipient: 'one@example.com', status: '5.1.1', subject: 'one' }));
    await server.append(inbox, deliveryStatusNotification({ recipient: 'two@example.com', status: '5.1.1', subject: 'two' }));
    const shutdown = new AbortController();
    const readThenShutDown: ReadBounceMessage = async (raw, received) => {
      shutdown.abort();
      return readTestReport(raw, received);
    };

    const summary = await poll(stores.open(), server.url({ mailbox: inbox }), { signal: shutdown.signal, reader: readThenShutDown });

    expect(summary).toMatchObject({ read: 1, unmatched: 1 });
    expect((await server.messages(inbox)).map((message) => message.subject)).toEqual(['two']);
  });

  it('refuses a done mailbox that is the one it reads', async () => {
    const server = dovecot.server();
    const error = await rejectionOf(poll(stores.open(), server.url(), { overrides: { BOUNCE_IMAP_DONE_MAILBOX: 'inbox' } }));
    expect(isPapermailError(error, 'ECONFIG')).toBe(true);
  });

  it('turns a refused login into one EMAILBOX line naming the server, never the password', async () => {
    const server = dovecot.server();
    const wrong = 'wr0ng/p@ss:word';
    const url = server.url({ password: wrong });

    const error = await rejectionOf(poll(stores.open(), url));

    expect(isPapermailError(error, 'EMAILBOX')).toBe(true);
    expect(error.message).toBe(
      `bounce mailbox imap://bounces@127.0.0.1:${server.port}/INBOX: the server refused the login for bounces (Authentication failed.)`,
    );
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(encodeURIComponent(wrong));
  });

  it('names the server when nothing answers there', async () => {
    const server = dovecot.server();
    const closed = server.url().replace(`:${server.port}`, ':1');
    const error = await rejectionOf(poll(stores.open(), closed));
    expect(isPapermailError(error, 'EMAILBOX')).toBe(true);
    expect(error.message).toMatch(/^bounce mailbox imap:\/\/bounces@127\.0\.0\.1:1\/INBOX: connect failed: .*ECONNREFUSED/);
    expect(error.message).not.toContain(server.password);
  });

  it('names a mailbox that does not exist', async () => {
    const server = dovecot.server();
    const error = await rejectionOf(poll(stores.open(), server.url({ mailbox: 'NoSuchFolder' })));
    expect(isPapermailError(error, 'EMAILBOX')).toBe(true);
    expect(error.message).toMatch(/^bounce mailbox imap:\/\/bounces@127\.0\.0\.1:\d+\/NoSuchFolder: open NoSuchFolder failed: /);
  });
});

describe('recording what the reports say (a real SQLite store)', () => {
  const dovecot = useDovecot();
  const stores = useTemporaryStores();

  it('records a hard bounce of a subscriber once, suppresses them, and a second poll records nothing new', async () => {
    const server = dovecot.server();
    const store = stores.open();
    const { subscriber } = await store.upsert({ email: 'reader@example.com', status: 'confirmed' });
    await server.append('INBOX', deliveryStatusNotification({ recipient: 'reader@example.com', status: '5.1.1' }));

    const first = await poll(store, server.url());
    const second = await poll(store, server.url());

    expect(first).toEqual({ read: 1, recorded: 1, duplicates: 0, unmatched: 0, unreadable: 0, left: 0 });
    expect(second).toEqual({ read: 0, recorded: 0, duplicates: 0, unmatched: 0, unreadable: 0, left: 0 });
    expect((await store.findById(subscriber.id))?.status).toBe('bounced');
    expect(await server.messages('INBOX')).toEqual([]);
    expect(await server.messages(DONE)).toHaveLength(1);
  });

  it('counts the same report mailed twice once: the second copy is a duplicate, and both are moved', async () => {
    const server = dovecot.server();
    const store = stores.open();
    await store.upsert({ email: 'twice@example.com', status: 'confirmed' });
    const report = deliveryStatusNotification({ recipient: 'twice@example.com', status: '4.2.2', subject: 'twice' });
    await server.append('Twice', report);
    await server.append('Twice', report);

    const summary = await poll(store, server.url({ mailbox: 'Twice' }));

    expect(summary).toEqual({ read: 2, recorded: 1, duplicates: 1, unmatched: 0, unreadable: 0, left: 0 });
    expect(await server.messages('Twice')).toEqual([]);
  });

  it('leaves a report in place, unflagged, when the store cannot record it, and the next poll records it', async () => {
    const server = dovecot.server();
    const file = stores.path('failing.db');
    const closed = openSqliteStore(file);
    await closed.upsert({ email: 'later@example.com', status: 'confirmed' });
    await closed.close();
    await server.append('Later', deliveryStatusNotification({ recipient: 'later@example.com', status: '5.1.1', subject: 'later' }));
    const logger = recordingLogger();

    const failed = await poll(closed, server.url({ mailbox: 'Later' }), { logger });

    expect(failed).toEqual({ read: 1, recorded: 0, duplicates: 0, unmatched: 0, unreadable: 0, left: 1 });
    expect(await server.messages('Later')).toEqual([{ uid: 1, subject: 'later', flags: [] }]);
    expect(logger.lines.filter((line) => line.startsWith('error:'))).toEqual([
      expect.stringMatching(/^error: bounce mailbox imap:\/\/bounces@127\.0\.0\.1:\d+\/Later: message 1 left in place, its report could not be recorded \(the next poll tries again\): /),
    ]);

    const retried = await poll(stores.open({}, 'failing.db'), server.url({ mailbox: 'Later' }));
    expect(retried).toMatchObject({ read: 1, recorded: 1, left: 0 });
    expect(await server.messages('Later')).toEqual([]);
  });
});

describe('the bounce mail of the common MTAs, through the real reader', () => {
  const dovecot = useDovecot();
  const stores = useTemporaryStores();
  const fixtures = 'tests/feedback/fixtures/bounces';

  it('records every report once and moves it, and leaves the auto-reply and the person\'s answer in place', async () => {
    const server = dovecot.server();
    const store = stores.open();
    const files = (await readdir(fixtures)).filter((file) => file.endsWith('.eml')).sort();
    for (const file of files) await server.append('INBOX', await readFile(join(fixtures, file)));
    // Every address the reports are about is a subscriber: each event is matched and recorded.
    const reported = [
      'unknown.user@example.net', 'reported.reader@hotmail.example.net', 'annoyed.reader@example.net', 'left@exchange.example.net',
      'gone@example.net', 'moved@example.net', 'refused@example.net', 'lost.reader@example.net', 'ghost@contoso.example.net',
      'slow@example.net', 'reader@example.net', 'nouser@example.net', 'someone@nohost.example.net', 'nobody@example.net',
      'no.such.reader@example.net',
    ];
    for (const email of reported) await store.upsert({ email, status: 'confirmed' });
    const url = server.url();
    const read = (options: Parameters<typeof poll>[2] = {}) => poll(store, url, { ...options, reader: readBounceMessage });

    const first = await read();
    const second = await read();

    expect(files).toHaveLength(16);
    expect(first).toEqual({ read: 16, recorded: 15, duplicates: 0, unmatched: 0, unreadable: 2, left: 2 });
    expect(second).toEqual({ read: 0, recorded: 0, duplicates: 0, unmatched: 0, unreadable: 0, left: 0 });
    expect((await server.messages('INBOX')).map(({ subject, flags }) => ({ subject, flags }))).toEqual([
      { subject: 'Re: Daily papers, 1 October 2025', flags: [UNREADABLE_KEYWORD] },
      { subject: 'Out of Office: Daily papers, 1 October 2025', flags: [UNREADABLE_KEYWORD] },
    ]);
    expect(await server.messages(DONE)).toHaveLength(14);
    const statuses = Object.fromEntries(await Promise.all(reported.map(async (email) => [email, (await store.findByEmail(email))?.status])));
    expect(statuses).toMatchObject({
      'reader@example.net': 'bounced', // Postfix, 5.1.1 (HARD_BOUNCE_LIMIT=1 here)
      'annoyed.reader@example.net': 'unsubscribed', // a complaint
      'slow@example.net': 'confirmed', // one soft bounce (a delay), below SOFT_BOUNCE_LIMIT
    });
  });
});

describe('the mailbox password goes only over TLS', () => {
  // This machine's host name reaches the server (it resolves to 127.0.0.1) without being a literal loopback name.
  const remoteName = hostname();
  const plain = useDovecot();
  const stores = useTemporaryStores();

  it('will not log in over imap:// to a host not named as this machine when the server offers no STARTTLS', async () => {
    const server = plain.server();
    await server.append('INBOX', OUT_OF_OFFICE);
    const url = server.url({ host: remoteName });

    const error = await rejectionOf(poll(stores.open(), url));

    expect(isPapermailError(error, 'EMAILBOX')).toBe(true);
    expect(error.message).toBe(
      `bounce mailbox imap://bounces@${remoteName}:${server.port}/INBOX: no STARTTLS, and the password goes only over TLS ` +
        '(Server does not support STARTTLS): use imaps://, or set BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH=true to send it unencrypted',
    );
    // Nothing was read: the auto-reply is not flagged.
    expect((await server.messages('INBOX')).map((message) => message.flags)).toEqual([[]]);
  });

  it('with BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH=true, logs in without TLS, and says so once at start', async () => {
    const server = plain.server();
    const url = server.url({ host: remoteName, mailbox: 'Plain' });
    await server.append('Plain', deliveryStatusNotification({ recipient: 'nobody@example.com', status: '5.1.1' }));
    const logger = recordingLogger();
    const { mailbox } = settings(url, { BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH: 'true' });

    warnAboutPlaintextLogin(mailbox, logger);
    const summary = await poll(stores.open(), url, { overrides: { BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH: 'true' } });

    expect(summary).toMatchObject({ read: 1, unmatched: 1 });
    expect(logger.lines).toEqual([
      `warn: BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH=true: the mailbox password goes to imap://bounces@${remoteName}:${server.port}/Plain ` +
        'unencrypted if the server offers no STARTTLS',
    ]);
  });

  it('logs in without TLS to a server named literally as this machine (127.0.0.1), with no warning', async () => {
    const server = plain.server();
    const logger = recordingLogger();
    warnAboutPlaintextLogin(settings(server.url()).mailbox, logger);
    expect(await poll(stores.open(), server.url({ mailbox: 'Plain' }))).toMatchObject({ read: 0 });
    expect(logger.lines).toEqual([]);
  });

  describe('against a server with a certificate', () => {
    let directory = '';
    let certificate: SelfSignedCertificate;
    const tls = useDovecot(async () => {
      directory = await mkdtemp(join(tmpdir(), 'papermail-imap-cert-'));
      certificate = await selfSignedCertificate(directory, remoteName);
      return { tls: certificate };
    });
    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it('logs in over STARTTLS when the server offers it (imap:// to a remote host name)', async () => {
      const server = tls.server();
      await server.append('Tls', deliveryStatusNotification({ recipient: 'nobody@example.com', status: '5.1.1' }));
      const summary = await poll(stores.open(), server.url({ host: remoteName, mailbox: 'Tls' }), { ca: certificate.cert });
      expect(summary).toMatchObject({ read: 1, unmatched: 1 });
    });

    it('logs in over imaps:// with TLS from the first byte', async () => {
      const server = tls.server();
      await server.append('Tls2', deliveryStatusNotification({ recipient: 'nobody@example.com', status: '5.1.1' }));
      const summary = await poll(stores.open(), server.url({ scheme: 'imaps', host: remoteName, mailbox: 'Tls2' }), { ca: certificate.cert });
      expect(summary).toMatchObject({ read: 1, unmatched: 1 });
    });

    it('with BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH=true, still uses the STARTTLS the server offers (and so still verifies it)', async () => {
      const server = tls.server();
      const url = server.url({ host: remoteName });
      const overrides = { BOUNCE_IMAP_ALLOW_PLAINTEXT_AUTH: 'true' };
      // Had it skipped STARTTLS, the unverifiable certificate would not have mattered.
      const error = await rejectionOf(poll(stores.open(), url, { overrides }));
      expect(error.message).toMatch(/self[- ]signed certificate/);
      expect(await poll(stores.open(), url, { overrides, ca: certificate.cert })).toMatchObject({ read: 0 });
    });

    it('refuses a certificate it cannot verify, before logging in', async () => {
      const server = tls.server();
      for (const url of [server.url({ host: remoteName }), server.url({ scheme: 'imaps', host: remoteName })]) {
        const error = await rejectionOf(poll(stores.open(), url));
        expect(isPapermailError(error, 'EMAILBOX')).toBe(true);
        expect(error.message).toMatch(/self[- ]signed certificate/);
        expect(error.message).not.toContain(server.password);
      }
    });
  });
});

describe('BOUNCE_IMAP_URL', () => {
  it('names the user, password (URL-decoded), host, port and mailbox, INBOX when it names none', () => {
    expect(mailboxAddress('imaps://bounce%40example.org:p%40ss%2Fword@mail.example.org/', false)).toEqual({
      secure: true,
      host: 'mail.example.org',
      port: 993,
      user: 'bounce@example.org',
      password: 'p@ss/word',
      mailbox: 'INBOX',
      protection: 'none-needed',
    });
    expect(mailboxAddress('imap://u:p@127.0.0.1:1143/Bounces%20in', false)).toMatchObject({ secure: false, port: 1143, mailbox: 'Bounces in' });
    expect(mailboxAddress('imap://u:p@mail.example.org', false)).toMatchObject({ port: 143, protection: 'tls-required' });
  });

  it('is refused without a user and password to log in with', () => {
    const error = (() => {
      try {
        mailboxAddress('imaps://mail.example.org/INBOX', false);
      } catch (caught) {
        return caught;
      }
    })();
    expect(isPapermailError(error, 'ECONFIG')).toBe(true);
  });

  it.each([
    ['imaps://u:p@mail.example.org/INBOX', 'none-needed'],
    ['imap://u:p@mail.example.org/INBOX', 'tls-required'],
    ['imap://u:p@localhost/INBOX', 'loopback'],
    ['imap://u:p@127.0.0.1:1143/INBOX', 'loopback'],
    ['imap://u:p@[::1]:1143/INBOX', 'loopback'],
    ['imap://u:p@127.mail.example.org/INBOX', 'tls-required'],
  ])('%s: %s', (url, protection) => {
    expect(mailboxLoginProtection(url, false)).toBe(protection);
  });

  it('lets the operator opt out only where TLS would otherwise be required', () => {
    expect(mailboxLoginProtection('imap://u:p@mail.example.org/INBOX', true)).toBe('plaintext-allowed');
    expect(mailboxLoginProtection('imap://u:p@127.0.0.1/INBOX', true)).toBe('loopback');
    expect(mailboxLoginProtection('imaps://u:p@mail.example.org/INBOX', true)).toBe('none-needed');
  });

  it('is shown with the user and without the password', () => {
    expect(displayMailboxUrl('imaps://bounce%40example.org:secret@mail.example.org/Bounces')).toBe('imaps://bounce@example.org@mail.example.org:993/Bounces');
  });
});
