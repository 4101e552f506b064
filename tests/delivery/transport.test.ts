import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMessage, recipientLinks } from '../../src/delivery/message.js';
import { createTransport, displayUrl, outboxFileName, type OutgoingMessage } from '../../src/delivery/transport.js';
import { isPapermailError } from '../../src/errors.js';
import { deliveryConfig, headerValue, ISSUE_DATE, issueRenderer, useMailPeers } from './fixtures.js';

let directory = '';
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'papermail-transport-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const reader = { id: 3, email: 'grace@example.net', name: 'Grace Hopper' };

async function issueMessage(config = deliveryConfig(), recipient = reader): Promise<OutgoingMessage> {
  const issue = await issueRenderer(config).forTopics(null);
  const links = recipientLinks(config, recipient, ISSUE_DATE);
  return buildMessage({
    issue: issue!.personalise({ name: recipient.name, email: recipient.email, ...links }),
    recipient,
    config,
    unsubscribeUrl: links.unsubscribeUrl,
    issueDate: ISSUE_DATE,
  });
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
    const message = await issueMessage();
    const result = await transport.send(message);
    transport.close();

    const files = await readdir(join(outbox, ISSUE_DATE));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^grace@example\.net-[0-9a-f]{10}\.eml$/);
    expect(result).toMatchObject({ accepted: true, messageId: message.mail.messageId, response: `written to ${join(outbox, ISSUE_DATE, files[0]!)}` });
    const parsed = await simpleParser(await readFile(join(outbox, ISSUE_DATE, files[0]!)));
    expect(parsed.to).toMatchObject({ value: [{ address: 'grace@example.net' }] });
    expect(parsed.html).toContain('Seeing Through Diffusion');
    expect(parsed.text).toContain('Seeing Through Diffusion');
  });

  it('leaves no temporary files behind', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    await transport.send(await issueMessage());
    await transport.send(await issueMessage(deliveryConfig(), { ...reader, id: 4, email: 'alan@example.net' }));
    expect((await readdir(join(outbox, ISSUE_DATE))).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('keeps a file name derived from a hostile recipient inside the date folder', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    const message = await issueMessage();
    await transport.send({ ...message, recipient: '../../../escaped/..\\x@example.net' });
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
    const message = await issueMessage();
    for (const issueDate of ['../2025-09-30', '/tmp', '2025/09/30', '..', '']) {
      await expect(transport.send({ ...message, issueDate }), issueDate).rejects.toSatisfy((error) => isPapermailError(error, 'EINPUT'));
    }
    expect(await readdir(directory)).toEqual([]);
  });

  it('files mail outside an issue under a plain folder name, such as confirmations', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    await transport.send({ ...(await issueMessage()), issueDate: 'confirmations' });
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
    await transport.send(await issueMessage());
    const [file] = await readdir(join(outbox, ISSUE_DATE));
    expect(headerValue(await readFile(join(outbox, ISSUE_DATE, file!)), 'DKIM-Signature')).toMatch(/d=papermail\.test; .*s=mail;/);
  });
});

describe('the SMTP transport', () => {
  const peers = useMailPeers();

  it('delivers through the pool and reports the server reply', async () => {
    const sink = await peers.sink();
    const transport = peers.transport(deliveryConfig({ SMTP_URL: sink.url }));
    const message = await issueMessage();
    const result = await transport.send(message);
    expect(result).toEqual({ messageId: message.mail.messageId, accepted: true, response: '250 Message queued' });
    expect(sink.deliveredTo('grace@example.net')).toHaveLength(1);
  });

  it('signs with DKIM, covering both List-Unsubscribe headers as RFC 8058 requires', async () => {
    const sink = await peers.sink();
    const keyFile = join(directory, 'dkim.pem');
    await writeFile(keyFile, dkimKey());
    const transport = peers.transport(
      deliveryConfig({ SMTP_URL: sink.url, DKIM_DOMAIN: 'papermail.test', DKIM_SELECTOR: 'news2025', DKIM_PRIVATE_KEY_FILE: keyFile }),
    );
    await transport.send(await issueMessage());
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
    await transport.send(await issueMessage());
    const [file] = await readdir(join(outbox, ISSUE_DATE));
    expect(headerValue(await readFile(join(outbox, ISSUE_DATE, file!)), 'DKIM-Signature')).toContain('d=papermail.test');
  });
});
