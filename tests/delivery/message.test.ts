import { describe, expect, it } from 'vitest';
import { senderAddress } from '../../src/delivery/message.js';
import { isPapermailError } from '../../src/errors.js';
import { readReturnPath } from '../../src/feedback/return-path.js';
import { deliveryConfig, headerNames, headerValue, ISSUE_DATE, issueMessage, type IssueMessageRequest, issueRenderer, useMailPeers } from './fixtures.js';

const config = deliveryConfig();
const reader = { id: 7, email: 'ada@example.net', name: 'Ada Lovelace' };

async function messageId(request: Omit<IssueMessageRequest, 'config'>): Promise<string> {
  return (await issueMessage({ config, ...request })).message.messageId;
}

describe('assembleIssueMessage', () => {
  it('gives the same Message-ID to two builds for the same subscriber and issue, at the sender domain', async () => {
    const first = await messageId({ recipient: reader });
    const second = await messageId({ recipient: reader });
    expect(first).toBe(second);
    expect(first).toMatch(/^<2025-09-30\.7\.[0-9a-f]{16}@papermail\.test>$/);
  });

  it('gives another subscriber or another issue a different Message-ID', async () => {
    const base = await messageId({ recipient: reader });
    expect(await messageId({ recipient: { ...reader, id: 8 } })).not.toBe(base);
    expect(await messageId({ recipient: reader, issueDate: '2025-10-01' })).not.toBe(base);
  });

  it('refuses a recipient address that would name a second recipient', async () => {
    for (const email of ['ada@example.net, eve@evil.test', 'ada@example.net\r\nBcc: eve@evil.test', '<eve@evil.test>']) {
      let thrown: unknown;
      try {
        await issueMessage({ config, recipient: { ...reader, email } });
      } catch (error) {
        thrown = error;
      }
      expect(isPapermailError(thrown, 'EINPUT'), email).toBe(true);
    }
  });

  it('refuses a MAIL_FROM without an address, naming the setting', () => {
    expect(() => senderAddress('papermail')).toThrow(/MAIL_FROM must contain an address/);
  });
});

describe('an assembled message as received by a real SMTP server', () => {
  const peers = useMailPeers();

  async function deliver(request: Partial<IssueMessageRequest> = {}) {
    const sink = await peers.sink();
    const transport = peers.transport(deliveryConfig({ SMTP_URL: sink.url }));
    const { message, links } = await issueMessage({ config, recipient: reader, ...request });
    await transport.send(message);
    const [parsed] = await sink.parsed();
    return { sink, parsed: parsed!, raw: sink.messages[0]!.raw, message, links };
  }

  it('is multipart/alternative with a text and an HTML part', async () => {
    const { parsed, raw } = await deliver();
    expect(headerValue(raw, 'Content-Type')).toMatch(/^multipart\/alternative;/);
    expect(parsed.text).toContain('Reasoning in Large Language Models');
    expect(parsed.html).toContain('Reasoning in Large Language Models');
  });

  it('carries From, Reply-To, To with the name, the subject and the given Date', async () => {
    const date = new Date('2025-10-01T06:30:00.000Z');
    const { parsed } = await deliver({ date });
    expect(parsed.from?.value).toEqual([{ name: 'Paper Digest', address: 'papers@papermail.test' }]);
    expect(parsed.replyTo?.value).toEqual([{ name: '', address: 'editor@papermail.test' }]);
    expect(parsed.to).toMatchObject({ value: [{ name: 'Ada Lovelace', address: 'ada@example.net' }] });
    expect(parsed.subject).toBe((await issueRenderer(config).forTopics(null))!.subject);
    expect(parsed.date?.toISOString()).toBe(date.toISOString());
  });

  it('has the stable Message-ID it was built with', async () => {
    const { parsed, message } = await deliver();
    expect(parsed.messageId).toBe(message.messageId);
  });

  it('offers RFC 8058 one-click unsubscribe with the https link, a mailto to the reply address, and a List-Id', async () => {
    const { raw, links } = await deliver();
    expect(headerValue(raw, 'List-Unsubscribe')).toBe(`<${links.unsubscribeUrl}>, <mailto:editor@papermail.test?subject=unsubscribe>`);
    expect(headerValue(raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(headerValue(raw, 'List-Id')).toBe('"Paper Digest" <paper-digest.papermail.test>');
    expect(headerValue(raw, 'Precedence')).toBe('bulk');
  });

  it('leaves out the list headers when no unsubscribe URL is given (test copies)', async () => {
    const { raw } = await deliver({ unsubscribeUrl: undefined });
    expect(headerNames(raw)).not.toContain('list-unsubscribe');
    expect(headerNames(raw)).not.toContain('list-unsubscribe-post');
  });

  it('cannot be given an extra recipient or header through the subscriber name', async () => {
    const { sink, raw, parsed } = await deliver({ recipient: { ...reader, name: 'Ada\r\nBcc: eve@evil.test\r\nX-Injected: yes' } });
    expect(sink.messages[0]!.envelope.to).toEqual(['ada@example.net']);
    expect(headerNames(raw)).not.toContain('bcc');
    expect(headerNames(raw)).not.toContain('x-injected');
    expect(parsed.to).toMatchObject({ value: [{ address: 'ada@example.net' }] });
  });

  it('has the sender as its envelope sender without BOUNCE_ADDRESS', async () => {
    const { sink } = await deliver();
    expect(sink.messages[0]!.envelope.from).toBe(senderAddress(config.MAIL_FROM).address);
  });

  it("with BOUNCE_ADDRESS, has the delivery's signed VERP return path as its envelope sender", async () => {
    const verp = deliveryConfig({ BOUNCE_ADDRESS: 'bounces@papermail.test' });
    const { sink } = await deliver({ config: verp });
    const envelopeFrom = sink.messages[0]!.envelope.from;
    expect(envelopeFrom).toMatch(/^bounces\+20250930-7-[0-9a-f]{20}@papermail\.test$/);
    expect(readReturnPath(envelopeFrom, 'bounces@papermail.test', verp.secret)).toEqual({ kind: 'delivery', delivery: { issueDate: ISSUE_DATE, subscriberId: 7 } });
  });

  it('cannot be given an extra header through the subject', async () => {
    const { sink, raw } = await deliver({ subject: 'Today\r\nBcc: eve@evil.test' });
    expect(sink.messages[0]!.envelope.to).toEqual(['ada@example.net']);
    expect(headerNames(raw)).not.toContain('bcc');
  });
});
