/**
 * SMTP DATA without Nodemailer's per-byte loop for chunks that need no escaping
 * (src/delivery/smtp-data.ts): the bytes on the wire must be exactly what the loop sends.
 */
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';
import { describe, expect, it } from 'vitest';
import { installSmtpDataFastPath, isTransparentData, transparentChunkCount } from '../../src/delivery/smtp-data.js';
import { seededRandom } from '../support/statistics.js';
import { deliveryConfig, ISSUE_DATE, useMailPeers } from './fixtures.js';
import { assembleMessage, messageBytes, senderHeaders } from '../../src/delivery/assembled-message.js';
import { encodeIssue } from '../../src/delivery/encoded-issue.js';

/** RFC 5321 §4.5.2 written out on the whole data: bare CR and LF become CRLF, a dot starting a line is doubled, then the end-of-data line. */
function escapedAsTheRfcSays(data: Buffer): Buffer {
  const normalised = data.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  const stuffed = normalised.replace(/(^|\r\n)\./g, '$1..');
  const ending = stuffed.endsWith('\r\n') ? '.\r\n' : '\r\n.\r\n';
  return Buffer.from(stuffed + ending, 'latin1');
}

async function throughDataStream(chunks: readonly Buffer[]): Promise<{ bytes: Buffer; inByteCount: number; outByteCount: number }> {
  const stream = new DataStream();
  const out: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => stream.on('end', resolve));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await ended;
  return { bytes: Buffer.concat(out), inByteCount: stream.inByteCount, outByteCount: stream.outByteCount };
}

/** Mostly CRLF text, with every kind of byte that needs escaping now and then, cut into chunks anywhere. */
function randomChunks(random: () => number): Buffer[] {
  const PARTS = ['abc', '=3D', '\r\n', '\r\n', '\r\n', '.', ' ', '\r', '\n', '\r\n.', 'x'.repeat(70)];
  let text = '';
  const length = 1 + Math.floor(random() * 40);
  for (let index = 0; index < length; index += 1) text += PARTS[Math.floor(random() * PARTS.length)];
  const data = Buffer.from(text, 'latin1');
  const chunks: Buffer[] = [];
  for (let start = 0; start < data.length; ) {
    const end = Math.min(data.length, start + 1 + Math.floor(random() * 12));
    chunks.push(data.subarray(start, end));
    start = end;
  }
  return chunks;
}

describe('SMTP DATA for bytes that need no escaping', () => {
  it('is installed for the Nodemailer version it was checked against', () => {
    expect(installSmtpDataFastPath()).toBe(true);
  });

  it('sends every chunk sequence exactly as the RFC escapes it, counting bytes as Nodemailer does', async () => {
    installSmtpDataFastPath();
    const random = seededRandom(5321);
    const before = transparentChunkCount();
    for (let round = 0; round < 3000; round += 1) {
      const chunks = randomChunks(random);
      const whole = Buffer.concat(chunks);
      const sent = await throughDataStream(chunks);
      const context = JSON.stringify(whole.toString('latin1'));
      expect(sent.bytes.toString('latin1'), context).toBe(escapedAsTheRfcSays(whole).toString('latin1'));
      expect(sent.inByteCount, context).toBe(whole.length);
      expect(sent.outByteCount, context).toBe(sent.bytes.length);
    }
    // Both ways were taken many times: the check let clean chunks through and sent the rest to the loop.
    expect(transparentChunkCount() - before).toBeGreaterThan(3000);
  });

  it('calls a chunk transparent only when nothing in it, or at its seam with the previous one, needs escaping', () => {
    const bytes = (text: string) => Buffer.from(text, 'latin1');
    expect(isTransparentData(bytes('ab\r\ncd\r\n'), false)).toBe(true);
    expect(isTransparentData(bytes('.ab\r\n'), false)).toBe(false);
    expect(isTransparentData(bytes('.ab\r\n'), 0x0a)).toBe(false);
    expect(isTransparentData(bytes('.ab\r\n'), 0x62)).toBe(true);
    expect(isTransparentData(bytes('ab\r\n.cd'), false)).toBe(false);
    expect(isTransparentData(bytes('\n.cd'), 0x0d)).toBe(false);
    expect(isTransparentData(bytes('\ncd'), 0x0d)).toBe(true);
    expect(isTransparentData(bytes('\ncd'), 0x61)).toBe(false);
    expect(isTransparentData(bytes('cd'), 0x0d)).toBe(false);
    expect(isTransparentData(bytes('ab\rcd'), false)).toBe(false);
    expect(isTransparentData(bytes('ab\ncd'), false)).toBe(false);
    expect(isTransparentData(bytes('ab\r'), false)).toBe(true);
  });
});

describe('a message over SMTP with the fast path', () => {
  const peers = useMailPeers();

  it('arrives byte for byte as assembled, a dot at a line start included, without the per-byte loop for its clean chunks', async () => {
    const sink = await peers.sink();
    const transport = peers.transport(deliveryConfig({ SMTP_URL: sink.url }));
    const lines = Array.from({ length: 2000 }, (_, index) => `line ${index} of a long quoted-printable body`).join('\n');
    const issue = encodeIssue({ text: { body: `${lines}\n.a line that starts with a dot\n${lines}\n` }, html: { body: `<p>${lines}</p>\n` } });
    const message = assembleMessage({
      issue,
      copy: { subject: 'Dots and lines', text: [{ piece: 'body' }], html: [{ piece: 'body' }] },
      sender: senderHeaders({ from: 'papers@papermail.test', envelopeFrom: 'papers@papermail.test' }),
      issueDate: ISSUE_DATE,
      to: { address: 'grace@example.net' },
      messageId: '<smtp-data.1@papermail.test>',
      date: new Date('2025-10-01T06:30:00.000Z'),
    });
    const before = transparentChunkCount();
    expect((await transport.send(message)).accepted).toBe(true);
    expect(transparentChunkCount()).toBeGreaterThan(before);
    expect(sink.messages[0]!.raw.equals(messageBytes(message))).toBe(true);
  });
});
