import { describe, expect, it } from 'vitest';
import { sendTestCopy } from '../../src/delivery/test-copy.js';
import { isPapermailError } from '../../src/errors.js';
import { deliveryConfig, headerNames, issueRenderer, useMailPeers } from './fixtures.js';

describe('sendTestCopy', () => {
  const peers = useMailPeers();

  async function setUp(options: Parameters<typeof peers.sink>[0] = {}) {
    const sink = await peers.sink(options);
    const config = deliveryConfig({ SMTP_URL: sink.url });
    return { sink, config, transport: peers.transport(config), renderer: issueRenderer(config) };
  }

  it('delivers one copy to any address, with the full issue', async () => {
    const { sink, config, transport, renderer } = await setUp();
    await sendTestCopy({ to: 'Editor@Example.NET', renderer, transport, config });
    expect(sink.messages.map((message) => message.envelope.to)).toEqual([['Editor@example.net']]);
    const [parsed] = await sink.parsed();
    expect(parsed!.text).toContain('Reasoning in Large Language Models');
    expect(parsed!.text).toContain('Seeing Through Diffusion');
  });

  it('says in its subject that it is a test, before the issue subject', async () => {
    const { sink, config, transport, renderer } = await setUp();
    await sendTestCopy({ to: 'editor@example.net', renderer, transport, config });
    const [parsed] = await sink.parsed();
    const issue = await renderer.forTopics(null);
    expect(parsed!.subject).toBe(`[Test] ${issue!.subject}`);
  });

  it('carries no subscriber token and no List-Unsubscribe header', async () => {
    const { sink, config, transport, renderer } = await setUp();
    await sendTestCopy({ to: 'editor@example.net', renderer, transport, config });
    const [parsed] = await sink.parsed();
    expect(parsed!.html).not.toContain('token=');
    expect(parsed!.text).not.toContain('token=');
    expect(headerNames(sink.messages[0]!.raw)).not.toContain('list-unsubscribe');
  });

  it('gets a fresh Message-ID each time, so it never matches a real delivery', async () => {
    const { sink, config, transport, renderer } = await setUp();
    await sendTestCopy({ to: 'editor@example.net', renderer, transport, config });
    await sendTestCopy({ to: 'editor@example.net', renderer, transport, config });
    const [first, second] = await sink.parsed();
    expect(first!.messageId).toMatch(/^<2025-09-30\.test\.[0-9a-f]{16}@papermail\.test>$/);
    expect(first!.messageId).not.toBe(second!.messageId);
  });

  it('can preview one topic selection', async () => {
    const { sink, config, transport, renderer } = await setUp();
    await sendTestCopy({ to: 'editor@example.net', renderer, transport, config, topics: ['vision'] });
    const [parsed] = await sink.parsed();
    expect(parsed!.text).not.toContain('Reasoning in Large Language Models');
  });

  it('reports a rejected copy as ETRANSPORT with the server reply', async () => {
    const { config, transport, renderer } = await setUp({ respondToRecipient: () => ({ code: 550, message: '5.1.1 no such user' }) });
    await expect(sendTestCopy({ to: 'nobody@example.net', renderer, transport, config })).rejects.toSatisfy(
      (error) => isPapermailError(error, 'ETRANSPORT') && /not accepted: 550 5\.1\.1 no such user/.test(error.message),
    );
  });

  it('refuses an address that is not one plausible address', async () => {
    const { config, transport, renderer } = await setUp();
    await expect(sendTestCopy({ to: 'a@example.net, b@example.net', renderer, transport, config })).rejects.toSatisfy((error) =>
      isPapermailError(error, 'EINPUT'),
    );
  });
});
