import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AssembledMessage, messageBytes } from '../../src/delivery/assembled-message.js';
import { encodeIssue } from '../../src/delivery/encoded-issue.js';
import { assembleIssueMessage } from '../../src/delivery/message.js';
import { recipientLinks } from '../../src/links/public-links.js';
import { createTransport } from '../../src/delivery/transport.js';
import { dkimKeys, dkimResolver } from '../support/dkim.js';
import { deliveryConfig, ISSUE_DATE, useMailPeers } from './fixtures.js';

let directory = '';
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'papermail-assembled-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const reader = { id: 3, email: 'grace@example.net', name: 'Grâce Hopper' };
const SELECTOR = 'mail2025';
const DOMAIN = 'papermail.test';

function assembledCopy(config = deliveryConfig()): AssembledMessage {
  const links = recipientLinks(config, reader, ISSUE_DATE);
  const issue = encodeIssue({
    text: { head: 'PAPER DIGEST · 30 September 2025\nHi ', tail: `,\n\n.a line that starts with a dot\n${'A long abstract line. '.repeat(20)}\n\nUnsubscribe: ` },
    html: { head: '<p>Hi ', middle: ',</p>\n<p>▲ 40</p>\n<a href="', tail: '">Unsubscribe</a>\n' },
  });
  return assembleIssueMessage({
    issue,
    copy: {
      subject: 'Top papers for 30 Sep 2025: Ünïcode and more',
      text: [{ piece: 'head' }, { slot: 'name', value: reader.name }, { piece: 'tail' }, { slot: 'unsubscribeUrl', value: links.unsubscribeUrl }],
      html: [{ piece: 'head' }, { slot: 'name', value: 'Gr&#226;ce Hopper' }, { piece: 'middle' }, { slot: 'unsubscribeUrl', value: links.unsubscribeUrl }, { piece: 'tail' }],
    },
    recipient: reader,
    config,
    unsubscribeUrl: links.unsubscribeUrl,
    issueDate: ISSUE_DATE,
  });
}

function resolverFor(dnsRecord: string) {
  return dkimResolver(dnsRecord, SELECTOR, DOMAIN);
}

function dkimConfig(privateKey: string, environment: Record<string, string> = {}) {
  return deliveryConfig({ DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY: privateKey, ...environment });
}

async function outboxFile(outbox: string): Promise<Buffer> {
  const files = await readdir(join(outbox, ISSUE_DATE));
  expect(files).toHaveLength(1);
  return readFile(join(outbox, ISSUE_DATE, files[0]!));
}

describe('the outbox transport with an assembled message', () => {
  it('writes exactly the assembled bytes, named after the envelope recipient, and reports its Message-ID', async () => {
    const outbox = join(directory, 'outbox');
    const transport = createTransport(deliveryConfig({ OUTBOX_DIR: outbox }));
    const message = assembledCopy();
    const result = await transport.send(message);
    transport.close();

    const files = await readdir(join(outbox, ISSUE_DATE));
    expect(files[0]).toMatch(/^grace@example\.net-[0-9a-f]{10}\.eml$/);
    expect((await outboxFile(outbox)).equals(messageBytes(message))).toBe(true);
    expect(result).toMatchObject({ accepted: true, messageId: message.messageId });
  });

  it('DKIM-signs it so that a verifier passes it, with both List-Unsubscribe headers signed', async () => {
    const { privateKey, dnsRecord } = dkimKeys();
    const outbox = join(directory, 'outbox');
    const transport = createTransport(dkimConfig(privateKey, { OUTBOX_DIR: outbox }));
    await transport.send(assembledCopy());
    transport.close();

    const { results } = await dkimVerify(await outboxFile(outbox), { resolver: resolverFor(dnsRecord) });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ signingDomain: DOMAIN, selector: SELECTOR, status: { result: 'pass' } });
    const signed = results[0]!.signingHeaders.keys.toLowerCase().split(': ');
    for (const header of ['from', 'to', 'subject', 'date', 'message-id', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post', 'content-type']) {
      expect(signed, header).toContain(header);
    }
  });

  it('fails verification once one byte of the body changes (the verifier really checks)', async () => {
    const { privateKey, dnsRecord } = dkimKeys();
    const outbox = join(directory, 'outbox');
    const transport = createTransport(dkimConfig(privateKey, { OUTBOX_DIR: outbox }));
    await transport.send(assembledCopy());
    transport.close();

    const tampered = Buffer.from((await outboxFile(outbox)).toString('latin1').replace('Unsubscribe</a>', 'Unsubscribd</a>'), 'latin1');
    const { results } = await dkimVerify(tampered, { resolver: resolverFor(dnsRecord) });
    // mailauth reports a body hash mismatch as "neutral" (RFC 6376 §6.3), with this comment.
    expect(results[0]!.status).toMatchObject({ result: 'neutral', comment: 'body hash did not verify' });
  });

  it('fails verification with another key in DNS (the signature, not only the body hash, is checked)', async () => {
    const { privateKey } = dkimKeys();
    const outbox = join(directory, 'outbox');
    const transport = createTransport(dkimConfig(privateKey, { OUTBOX_DIR: outbox }));
    await transport.send(assembledCopy());
    transport.close();

    const { results } = await dkimVerify(await outboxFile(outbox), { resolver: resolverFor(dkimKeys().dnsRecord) });
    expect(results[0]!.status.result).toBe('fail');
  });
});

describe('the SMTP transport with an assembled message', () => {
  const peers = useMailPeers();

  it('delivers the assembled bytes unchanged to one envelope recipient, signed so that DKIM verifies', async () => {
    const { privateKey, dnsRecord } = dkimKeys();
    const sink = await peers.sink();
    const transport = peers.transport(dkimConfig(privateKey, { SMTP_URL: sink.url }));
    const message = assembledCopy();
    const result = await transport.send(message);

    expect(result).toMatchObject({ accepted: true, messageId: message.messageId });
    const [received] = sink.messages;
    expect(received!.envelope).toEqual({ from: 'papers@papermail.test', to: ['grace@example.net'] });
    // Nodemailer only puts the DKIM-Signature in front; the dot at a line start travels stuffed and arrives as it was.
    expect(received!.raw.toString('latin1')).toMatch(/^DKIM-Signature: /);
    expect(received!.raw.subarray(received!.raw.length - messageBytes(message).length).equals(messageBytes(message))).toBe(true);
    const { results } = await dkimVerify(received!.raw, { resolver: resolverFor(dnsRecord) });
    expect(results[0]!.status.result).toBe('pass');
  });
});
