import { describe, expect, it } from 'vitest';
import { buildMessage, recipientLinks, senderAddress, testCopyLinks } from '../../src/delivery/message.js';
import { isPapermailError } from '../../src/errors.js';
import type { PersonalisedIssue } from '../../src/render/types.js';
import { verifyToken } from '../../src/subscribers/tokens.js';
import { deliveryConfig, headerNames, headerValue, ISSUE_DATE, issueRenderer, useMailPeers } from './fixtures.js';

const config = deliveryConfig();
const reader = { id: 7, email: 'ada@example.net', name: 'Ada Lovelace' };

async function personalisedIssue(): Promise<PersonalisedIssue> {
  const issue = await issueRenderer(config).forTopics(null);
  const links = recipientLinks(config, reader, ISSUE_DATE);
  return issue!.personalise({ name: reader.name, email: reader.email, ...links });
}

describe('recipientLinks', () => {
  it('signs unsubscribe and preferences tokens for this subscriber and links the archive page of the issue', () => {
    const links = recipientLinks(config, reader, ISSUE_DATE);
    const unsubscribe = new URL(links.unsubscribeUrl);
    const preferences = new URL(links.preferencesUrl);
    expect(unsubscribe.origin + unsubscribe.pathname).toBe('https://papers.example.org/unsubscribe');
    expect(preferences.origin + preferences.pathname).toBe('https://papers.example.org/preferences');
    expect(verifyToken(config.secret, unsubscribe.searchParams.get('token')!, 'unsubscribe')).toEqual({ subscriberId: 7, email: 'ada@example.net' });
    expect(verifyToken(config.secret, preferences.searchParams.get('token')!, 'preferences')).toEqual({ subscriberId: 7, email: 'ada@example.net' });
    expect(links.viewInBrowserUrl).toBe('https://papers.example.org/archive/2025-09-30');
  });

  it('keeps a path prefix in PUBLIC_URL', () => {
    const links = recipientLinks(deliveryConfig({ PUBLIC_URL: 'https://example.org/papers' }), reader, ISSUE_DATE);
    expect(links.unsubscribeUrl).toMatch(/^https:\/\/example\.org\/papers\/unsubscribe\?token=/);
    expect(links.viewInBrowserUrl).toBe('https://example.org/papers/archive/2025-09-30');
  });

  it('gives test copies links that carry no token', () => {
    const links = testCopyLinks(config, ISSUE_DATE);
    expect(links.unsubscribeUrl).toBe('https://papers.example.org/');
    expect(links.preferencesUrl).toBe('https://papers.example.org/');
  });
});

describe('buildMessage', () => {
  it('gives the same Message-ID to two builds for the same subscriber and issue, at the sender domain', async () => {
    const issue = await personalisedIssue();
    const first = buildMessage({ issue, recipient: reader, config, issueDate: ISSUE_DATE });
    const second = buildMessage({ issue, recipient: reader, config, issueDate: ISSUE_DATE });
    expect(first.mail.messageId).toBe(second.mail.messageId);
    expect(first.mail.messageId).toMatch(/^<2025-09-30\.7\.[0-9a-f]{16}@papermail\.test>$/);
  });

  it('gives another subscriber or another issue a different Message-ID', async () => {
    const issue = await personalisedIssue();
    const base = buildMessage({ issue, recipient: reader, config, issueDate: ISSUE_DATE }).mail.messageId;
    expect(buildMessage({ issue, recipient: { ...reader, id: 8 }, config, issueDate: ISSUE_DATE }).mail.messageId).not.toBe(base);
    expect(buildMessage({ issue, recipient: reader, config, issueDate: '2025-10-01' }).mail.messageId).not.toBe(base);
  });

  it('refuses a recipient address that would name a second recipient', async () => {
    const issue = await personalisedIssue();
    for (const email of ['ada@example.net, eve@evil.test', 'ada@example.net\r\nBcc: eve@evil.test', '<eve@evil.test>']) {
      let thrown: unknown;
      try {
        buildMessage({ issue, recipient: { ...reader, email }, config, issueDate: ISSUE_DATE });
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

describe('a built message as received by a real SMTP server', () => {
  const peers = useMailPeers();

  async function deliver(request: Partial<Parameters<typeof buildMessage>[0]> = {}) {
    const sink = await peers.sink();
    const transport = peers.transport(deliveryConfig({ SMTP_URL: sink.url }));
    const issue = await personalisedIssue();
    const links = recipientLinks(config, reader, ISSUE_DATE);
    const message = buildMessage({ issue, recipient: reader, config, unsubscribeUrl: links.unsubscribeUrl, issueDate: ISSUE_DATE, ...request });
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
    expect(parsed.subject).toBe((await personalisedIssue()).subject);
    expect(parsed.date?.toISOString()).toBe(date.toISOString());
  });

  it('has the stable Message-ID it was built with', async () => {
    const { parsed, message } = await deliver();
    expect(parsed.messageId).toBe(message.mail.messageId);
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

  it('cannot be given an extra header through the subject', async () => {
    const issue = { ...(await personalisedIssue()), subject: 'Today\r\nBcc: eve@evil.test' };
    const { sink, raw } = await deliver({ issue });
    expect(sink.messages[0]!.envelope.to).toEqual(['ada@example.net']);
    expect(headerNames(raw)).not.toContain('bcc');
  });
});
