import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssembledMessage } from '../../src/delivery/assembled-message.js';
import { createTransport, displayUrl, loginProtection, outboxFileName } from '../../src/delivery/transport.js';
import { isPapermailError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { rejectionOf } from '../support/async.js';
import { selfSignedCertificate } from '../support/tls.js';
import { deliveryConfig, headerValue, ISSUE_DATE, issueMessage, useMailPeers } from './fixtures.js';

let directory = '';
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'papermail-transport-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const reader = { id: 3, email: 'grace@example.net', name: 'Grace Hopper' };

async function issueCopy(config = deliveryConfig(), recipient = reader): Promise<AssembledMessage> {
  return (await issueMessage({ config, recipient })).message;
}

function dkimKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return privateKey;
}

describe('the outbox transport (no SMTP_URL)', () => {
  it('writes each message as a parseable .eml file in a folder named after the issue date', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    const message = await issueCopy();
    const result = await transport.send(message);
    transport.close();

    const files = await readdir(join(outbox, ISSUE_DATE));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^grace@example\.net-[0-9a-f]{10}\.eml$/);
    expect(result).toMatchObject({ accepted: true, messageId: message.messageId, response: `written to ${join(outbox, ISSUE_DATE, files[0]!)}` });
    const parsed = await simpleParser(await readFile(join(outbox, ISSUE_DATE, files[0]!)));
    expect(parsed.to).toMatchObject({ value: [{ address: 'grace@example.net' }] });
    expect(parsed.html).toContain('Seeing Through Diffusion');
    expect(parsed.text).toContain('Seeing Through Diffusion');
  });

  it('leaves no temporary files behind', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    await transport.send(await issueCopy());
    await transport.send(await issueCopy(deliveryConfig(), { ...reader, id: 4, email: 'alan@example.net' }));
    expect((await readdir(join(outbox, ISSUE_DATE))).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('keeps a file name derived from a hostile recipient inside the date folder', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    const message = await issueCopy();
    await transport.send({ ...message, envelope: { ...message.envelope, to: ['../../../escaped/..\\x@example.net'] } });
    expect(await readdir(directory)).toEqual(['outbox']);
    const [file] = await readdir(join(outbox, ISSUE_DATE));
    expect(file).not.toMatch(/[/\\]|^\./);
  });

  it('names files without separators, leading dots or control characters', () => {
    for (const recipient of ['../x@y', '..', '/etc/passwd', 'a\\b@c', 'line\nbreak@x', '']) {
      const name = outboxFileName(recipient, '<id@x>');
      expect(name, recipient).toMatch(/^[a-z0-9@_+-][a-z0-9@._+-]*-[0-9a-f]{10}\.eml$/);
    }
  });

  it('refuses an issue date that could leave the outbox, since it becomes a folder name', async () => {
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: join(directory, 'outbox') }));
    const message = await issueCopy();
    for (const issueDate of ['../2025-09-30', '/tmp', '2025/09/30', '..', '']) {
      await expect(transport.send({ ...message, issueDate }), issueDate).rejects.toSatisfy((error) => isPapermailError(error, 'EINPUT'));
    }
    expect(await readdir(directory)).toEqual([]);
  });

  it('files mail outside an issue under a plain folder name, such as confirmations', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    await transport.send({ ...(await issueCopy()), issueDate: 'confirmations' });
    expect(await readdir(join(outbox, 'confirmations'))).toHaveLength(1);
  });

  it('describes itself by its absolute folder, and verify() creates it', async () => {
    const outbox = join(directory, 'nested', 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    expect(transport.describe()).toBe(`outbox folder ${outbox}`);
    await transport.verify();
    expect(await readdir(join(directory, 'nested'))).toEqual(['outbox']);
  });

  it('signs outbox messages with DKIM too when a key is configured', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(
      deliveryConfig({ OUTBOX_DIR: outbox, DKIM_DOMAIN: 'papermail.test', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY: dkimKey() }),
    );
    await transport.send(await issueCopy());
    const [file] = await readdir(join(outbox, ISSUE_DATE));
    expect(headerValue(await readFile(join(outbox, ISSUE_DATE, file!)), 'DKIM-Signature')).toMatch(/d=papermail\.test; .*s=mail;/);
  });
});

describe('the SMTP transport', () => {
  const peers = useMailPeers();

  it('delivers through the pool and reports the server reply', async () => {
    const sink = await peers.sink();
    const transport = peers.transport(deliveryConfig({ SMTP_URL: sink.url }));
    const message = await issueCopy();
    const result = await transport.send(message);
    expect(result).toEqual({ messageId: message.messageId, accepted: true, response: '250 Message queued' });
    expect(sink.deliveredTo('grace@example.net')).toHaveLength(1);
  });

  it('signs with DKIM, covering both List-Unsubscribe headers as RFC 8058 requires', async () => {
    const sink = await peers.sink();
    const keyFile = join(directory, 'dkim.pem');
    await writeFile(keyFile, dkimKey());
    const transport = peers.transport(
      deliveryConfig({ SMTP_URL: sink.url, DKIM_DOMAIN: 'papermail.test', DKIM_SELECTOR: 'news2025', DKIM_PRIVATE_KEY_FILE: keyFile }),
    );
    await transport.send(await issueCopy());
    const signature = headerValue(sink.messages[0]!.raw, 'DKIM-Signature') ?? '';
    expect(signature).toMatch(/a=rsa-sha256/);
    expect(signature).toMatch(/d=papermail\.test/);
    expect(signature).toMatch(/s=news2025/);
    const signed = /(?:^|;)\s*h=([^;]+)/.exec(signature)![1]!.replace(/\s/g, '').toLowerCase().split(':');
    expect(signed).toEqual(expect.arrayContaining(['from', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']));
  });

  it('describes itself by host, port and pool size, never with the password', async () => {
    const transport = createTransport(deliveryConfig({ SMTP_URL: 'smtp://mailer:s3cret%21@smtp.example.org:2525', SMTP_POOL_CONNECTIONS: '5' }));
    expect(transport.describe()).toBe('SMTP smtp://mailer@smtp.example.org:2525 (pool of 5)');
    transport.close();
  });

  it('shows the default port of an SMTPS URL', () => {
    expect(displayUrl('smtps://smtp.example.org')).toBe('smtps://smtp.example.org:465');
  });

  it('verify() logs in with the configured credentials', async () => {
    const sink = await peers.sink({ auth: { user: 'mailer', pass: 'right' } });
    await expect(peers.transport(deliveryConfig({ SMTP_URL: `smtp://mailer:right@127.0.0.1:${sink.port}` })).verify()).resolves.toBeUndefined();
    await expect(peers.transport(deliveryConfig({ SMTP_URL: `smtp://mailer:wrong@127.0.0.1:${sink.port}` })).verify()).rejects.toMatchObject({
      code: 'EAUTH',
      responseCode: 535,
    });
  });
});

describe('DKIM settings', () => {
  it('refuses a key file that cannot be read, naming it', () => {
    const missing = join(directory, 'missing.pem');
    expect(() => createTransport(deliveryConfig({ DKIM_DOMAIN: 'papermail.test', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY_FILE: missing }))).toThrow(
      `DKIM_PRIVATE_KEY_FILE cannot be read: ${missing} (ENOENT)`,
    );
  });

  it('refuses a key that is not a PEM private key', () => {
    expect(() => createTransport(deliveryConfig({ DKIM_DOMAIN: 'papermail.test', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY: 'not a key' }))).toThrow(
      /^DKIM_PRIVATE_KEY is not a PEM private key/,
    );
  });

  it('accepts a key pasted on one line with \\n escapes, as in a .env file', async () => {
    const oneLine = dkimKey().replace(/\n/g, '\\n');
    const outbox = join(directory, 'outbox');
    const transport = createTransport(
      deliveryConfig({ OUTBOX_DIR: outbox, DKIM_DOMAIN: 'papermail.test', DKIM_SELECTOR: 'mail', DKIM_PRIVATE_KEY: oneLine }),
    );
    await transport.send(await issueCopy());
    const [file] = await readdir(join(outbox, ISSUE_DATE));
    expect(headerValue(await readFile(join(outbox, ISSUE_DATE, file!)), 'DKIM-Signature')).toContain('d=papermail.test');
  });
});

describe('SMTP credentials go out only over TLS', () => {
  const peers = useMailPeers();
  // The machine's own name resolves to 127.0.0.1 here, yet it is not one of the literal loopback names.
  const host = hostname();
  const credentials = { user: 'mailer', pass: 'not-for-the-wire' };
  const urlFor = (port: number, server = host) => `smtp://mailer:not-for-the-wire@${server}:${port}`;

  it('stops before AUTH when the server offers no STARTTLS: the password never reaches it', async () => {
    const sink = await peers.sink({ auth: credentials });
    const transport = peers.transport(deliveryConfig({ SMTP_URL: urlFor(sink.port) }));

    const error = await rejectionOf(transport.verify());

    expect(error).toMatchObject({ code: 'ETLS', command: 'STARTTLS' });
    expect(sink.logins).toEqual([]);
  });

  it('sends no message to a server without STARTTLS either', async () => {
    const sink = await peers.sink({ auth: credentials });
    const transport = peers.transport(deliveryConfig({ SMTP_URL: urlFor(sink.port) }));

    await expect(transport.send(await issueCopy())).rejects.toMatchObject({ code: 'ETLS' });

    expect(sink.logins).toEqual([]);
    expect(sink.attempts).toEqual([]);
  });

  it('logs in over STARTTLS when the server offers it with a certificate SMTP_TLS_CA_FILE trusts', async () => {
    const certificate = await selfSignedCertificate(directory, host);
    const sink = await peers.sink({ auth: credentials, tls: certificate });
    const transport = peers.transport(deliveryConfig({ SMTP_URL: urlFor(sink.port), SMTP_TLS_CA_FILE: certificate.certFile }));

    await transport.verify();
    await transport.send(await issueCopy());

    expect(sink.logins).toEqual([{ user: 'mailer', secure: true }, { user: 'mailer', secure: true }]);
    expect(sink.deliveredTo('grace@example.net')).toHaveLength(1);
  });

  it('refuses a certificate it cannot verify, before logging in', async () => {
    const certificate = await selfSignedCertificate(directory, host);
    const sink = await peers.sink({ auth: credentials, tls: certificate });
    const transport = peers.transport(deliveryConfig({ SMTP_URL: urlFor(sink.port) }));

    const error = await rejectionOf(transport.verify());

    expect(error).toMatchObject({ originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(sink.logins).toEqual([]);
  });

  it('lets a relay named literally 127.0.0.1 take the login without TLS', async () => {
    const sink = await peers.sink({ auth: credentials });
    const transport = peers.transport(deliveryConfig({ SMTP_URL: urlFor(sink.port, '127.0.0.1') }));

    await transport.verify();

    expect(sink.logins).toEqual([{ user: 'mailer', secure: false }]);
  });

  it('with SMTP_ALLOW_PLAINTEXT_AUTH=true, logs in without TLS and warns at start, naming the server', async () => {
    const sink = await peers.sink({ auth: credentials });
    const lines: string[] = [];
    const transport = createTransport(
      deliveryConfig({ SMTP_URL: urlFor(sink.port), SMTP_ALLOW_PLAINTEXT_AUTH: 'true' }),
      createLogger('info', (line) => lines.push(line)),
    );
    try {
      expect(lines).toEqual([
        `warn: SMTP_ALLOW_PLAINTEXT_AUTH=true: the SMTP password goes to smtp://mailer@${host}:${sink.port} unencrypted if the server offers no STARTTLS`,
      ]);
      await transport.verify();
      expect(sink.logins).toEqual([{ user: 'mailer', secure: false }]);
    } finally {
      transport.close();
    }
  });

  it('with SMTP_ALLOW_PLAINTEXT_AUTH=true, still encrypts when the server offers STARTTLS', async () => {
    const certificate = await selfSignedCertificate(directory, host);
    const sink = await peers.sink({ auth: credentials, tls: certificate });
    const transport = peers.transport(
      deliveryConfig({ SMTP_URL: urlFor(sink.port), SMTP_ALLOW_PLAINTEXT_AUTH: 'true', SMTP_TLS_CA_FILE: certificate.certFile }),
    );

    await transport.verify();

    expect(sink.logins).toEqual([{ user: 'mailer', secure: true }]);
  });

  it.each([
    ['smtp://mailer:pw@smtp.example.org:587', 'tls-required'],
    [`smtp://mailer:pw@${host}:587`, 'tls-required'],
    ['smtp://mailer:pw@127.0.0.2:25', 'tls-required'],
    ['smtp://mailer:pw@localhost.example.org:25', 'tls-required'],
    ['smtp://mailer@smtp.example.org:587', 'tls-required'],
    ['smtp://mailer:pw@localhost:25', 'loopback'],
    ['smtp://mailer:pw@127.0.0.1:25', 'loopback'],
    ['smtp://mailer:pw@[::1]:25', 'loopback'],
    ['smtps://mailer:pw@smtp.example.org:465', 'none-needed'],
    ['smtp://smtp.example.org:25', 'none-needed'],
  ])('protects the login of %s as %s', (url, protection) => {
    expect(loginProtection(url, false)).toBe(protection);
  });

  it('lets the operator opt out only where TLS would otherwise be required', () => {
    expect(loginProtection('smtp://mailer:pw@smtp.example.org:587', true)).toBe('plaintext-allowed');
    expect(loginProtection('smtp://mailer:pw@127.0.0.1:25', true)).toBe('loopback');
    expect(loginProtection('smtps://mailer:pw@smtp.example.org:465', true)).toBe('none-needed');
  });

  it('refuses an SMTP_TLS_CA_FILE that cannot be read or holds no certificate, naming it', async () => {
    const missing = join(directory, 'missing-ca.pem');
    const notACertificate = join(directory, 'notes.pem');
    await writeFile(notACertificate, 'just some notes\n');
    const withCa = (file: string) => () => createTransport(deliveryConfig({ SMTP_URL: 'smtp://smtp.example.org:587', SMTP_TLS_CA_FILE: file }));

    expect(withCa(missing)).toThrow(`SMTP_TLS_CA_FILE cannot be read: ${missing} (ENOENT)`);
    expect(withCa(notACertificate)).toThrow(`SMTP_TLS_CA_FILE is not a PEM certificate: ${notACertificate}`);
  });
});
