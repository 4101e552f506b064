import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifySendError, describeSendError, isConnectionFailure, transportFailure } from '../../src/delivery/classify.js';
import type { MailTransport } from '../../src/delivery/transport.js';
import { deliveryConfig, issueMessage, useMailPeers } from './fixtures.js';
import { closedPort } from '../support/async.js';
import { selfSignedCertificate } from '../support/tls.js';

/** The error a real send through the real transport produces, or a failure if it was accepted. */
async function errorFrom(transport: MailTransport, to: string): Promise<unknown> {
  try {
    const { message } = await issueMessage({ config: deliveryConfig(), recipient: { id: 1, email: to, name: null } });
    await transport.send(message);
  } catch (error) {
    return error;
  }
  throw new Error(`expected the send to ${to} to fail`);
}


describe('classifySendError with replies from a real SMTP server', () => {
  const peers = useMailPeers();

  async function transportTo(options: Parameters<typeof peers.sink>[0] = {}, credentials = '') {
    const sink = await peers.sink(options);
    return peers.transport(deliveryConfig({ SMTP_URL: `smtp://${credentials}127.0.0.1:${sink.port}` }));
  }

  it('treats a 451 at the end of DATA as temporary', async () => {
    const transport = await transportTo({ respond: () => ({ code: 451, message: '4.3.0 try again later' }) });
    const error = await errorFrom(transport, 'reader@example.net');
    expect(classifySendError(error)).toBe('temporary');
    expect(describeSendError(error)).toBe('451 4.3.0 try again later (after DATA)');
  });

  it('treats a 550 to RCPT TO as a permanent rejection of that recipient', async () => {
    const transport = await transportTo({ respondToRecipient: () => ({ code: 550, message: '5.1.1 no such mailbox' }) });
    const error = await errorFrom(transport, 'gone@example.net');
    expect(classifySendError(error)).toBe('permanent');
    expect(describeSendError(error)).toContain('550 5.1.1 no such mailbox');
  });

  it('treats a 552 at the end of DATA (mailbox full) as permanent', async () => {
    const transport = await transportTo({ respond: () => ({ code: 552, message: '5.2.2 mailbox full' }) });
    expect(classifySendError(await errorFrom(transport, 'full@example.net'))).toBe('permanent');
  });

  it('treats a 503 (bad command sequence) as temporary, since it is about the session', async () => {
    const transport = await transportTo({ respondToRecipient: () => ({ code: 503, message: '5.5.1 bad sequence' }) });
    expect(classifySendError(await errorFrom(transport, 'reader@example.net'))).toBe('temporary');
  });

  it('treats a connection dropped mid-DATA as temporary and as a connection failure', async () => {
    const transport = await transportTo({ respond: () => 'drop' });
    const error = await errorFrom(transport, 'reader@example.net');
    expect(classifySendError(error)).toBe('temporary');
    expect(isConnectionFailure(error)).toBe(true);
  });

  it('treats a refused login (535) as fatal and says to check SMTP_URL', async () => {
    const transport = await transportTo({ auth: { user: 'papermail', pass: 'right' } }, 'papermail:wrong@');
    const error = await errorFrom(transport, 'reader@example.net');
    expect(classifySendError(error)).toBe('fatal');
    const failure = transportFailure(error, transport.describe());
    expect(failure.code).toBe('ETRANSPORT');
    expect(failure.message).toMatch(/refused login: 535 5\.7\.8 .*check the user name and password in SMTP_URL/);
    expect(failure.message).not.toContain('wrong');
  });

  it('treats a refused connection as fatal: the server cannot be reached', async () => {
    const port = await closedPort();
    const transport = peers.transport(deliveryConfig({ SMTP_URL: `smtp://127.0.0.1:${port}` }));
    const error = await errorFrom(transport, 'reader@example.net');
    expect(classifySendError(error)).toBe('fatal');
    expect(transportFailure(error, transport.describe()).message).toMatch(/^cannot reach mail server SMTP smtp:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/);
  });

  it('treats a server that offers no STARTTLS, with a password to send, as fatal and says what to do', async () => {
    // Not a literal loopback name, so the password must go over TLS.
    const sink = await peers.sink({ auth: { user: 'papermail', pass: 'secret' } });
    const transport = peers.transport(deliveryConfig({ SMTP_URL: `smtp://papermail:secret@${hostname()}:${sink.port}` }));
    const error = await errorFrom(transport, 'reader@example.net');
    expect(classifySendError(error)).toBe('fatal');
    const failure = transportFailure(error, transport.describe());
    expect(failure.message).toBe(
      `mail server SMTP smtp://papermail@${hostname()}:${sink.port} (pool of 2) offers no STARTTLS (500 Error: command not recognized (after STARTTLS)), ` +
        'and papermail logs in only over TLS: use smtps:// or a port that offers STARTTLS, or set SMTP_ALLOW_PLAINTEXT_AUTH=true to send the password unencrypted',
    );
    expect(sink.logins).toEqual([]);
  });

  it('treats a certificate this machine does not trust as fatal and points at SMTP_TLS_CA_FILE', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'papermail-classify-'));
    try {
      const sink = await peers.sink({ tls: await selfSignedCertificate(directory, hostname()) });
      const transport = peers.transport(deliveryConfig({ SMTP_URL: `smtp://${hostname()}:${sink.port}` }));
      const error = await errorFrom(transport, 'reader@example.net');
      expect(classifySendError(error)).toBe('fatal');
      expect(transportFailure(error, transport.describe()).message).toMatch(
        /^TLS with mail server .* failed: .*self-signed certificate.* \(DEPTH_ZERO_SELF_SIGNED_CERT\); if the server's certificate comes from a private CA, set SMTP_TLS_CA_FILE$/,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('treats any other error, such as an outbox folder that cannot be created, as fatal', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'papermail-classify-'));
    try {
      const notAFolder = join(directory, 'outbox');
      await writeFile(notAFolder, 'a file where the outbox folder should be');
      const transport = peers.transport(deliveryConfig({ OUTBOX_DIR: notAFolder }));
      const error = await errorFrom(transport, 'reader@example.net');
      expect((error as NodeJS.ErrnoException).code).toMatch(/^(ENOTDIR|EEXIST)$/);
      expect(classifySendError(error)).toBe('fatal');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
