import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { headerBlock, listIdHeader, listUnsubscribeHeader, mailboxHeader, textHeader } from '../../src/delivery/mime-headers.js';
import { isPapermailError } from '../../src/errors.js';

const ONE_FOLDED_FIELD = /^[\x21-\x39\x3b-\x7e]+:[^\r\n]*(\r\n[ \t][^\r\n]*)*$/;

async function parsedHead(lines: string[]) {
  return simpleParser(Buffer.concat([headerBlock(lines), Buffer.from('body\r\n')]));
}

describe('header fields', () => {
  it('encode non-ASCII display names and subjects as RFC 2047 words that read back as written', async () => {
    const name = 'Zoë Ñúñez-Ørsted 山田 😀';
    const subject = `Les meilleurs articles : Ünïcödé ${'très long '.repeat(12)}`;
    const lines = [mailboxHeader('To', { name, address: 'zoe@example.net' }), textHeader('Subject', subject)];
    for (const line of lines) {
      expect(line).toMatch(ONE_FOLDED_FIELD);
      expect(line).toMatch(/^[\x00-\x7f]*$/);
      for (const physical of line.split('\r\n')) expect(physical.length).toBeLessThanOrEqual(78);
    }
    const parsed = await parsedHead(lines);
    expect(parsed.to).toMatchObject({ value: [{ name, address: 'zoe@example.net' }] });
    expect(parsed.subject).toBe(subject);
  });

  it('quote names with quotes, "=", backslashes and commas, so they stay one mailbox', async () => {
    const name = 'Ada "the Countess" = Lovelace, \\ Byron';
    const parsed = await parsedHead([mailboxHeader('To', { name, address: 'ada@example.net' })]);
    expect(parsed.to).toMatchObject({ value: [{ name, address: 'ada@example.net' }] });
  });

  it('keep CR and LF in a name, a subject or a list URI from starting a header of their own', async () => {
    const lines = [
      mailboxHeader('To', { name: 'Ada\r\nBcc: eve@evil.test', address: 'ada@example.net' }),
      textHeader('Subject', 'Today\r\nBcc: eve@evil.test\nX-Injected: yes'),
      listIdHeader('Paper\r\nBcc: eve@evil.test', 'paper-digest.example.org'),
      listUnsubscribeHeader(['https://example.org/u?t=1\r\nBcc: eve@evil.test', 'mailto:list@example.org']),
    ];
    for (const line of lines) expect(line).toMatch(ONE_FOLDED_FIELD);
    const parsed = await parsedHead(lines);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(parsed.to).toMatchObject({ value: [{ address: 'ada@example.net' }] });
  });

  it('refuse a field that would not be one header field, naming it', () => {
    let thrown: unknown;
    try {
      textHeader('X-Bad\r\nBcc', 'eve@evil.test');
    } catch (error) {
      thrown = error;
    }
    expect(isPapermailError(thrown, 'EINPUT')).toBe(true);
    expect((thrown as Error).message).toMatch(/would not be one header field/);
  });

  it('write List-Id and List-Unsubscribe as Nodemailer does', () => {
    expect(listIdHeader('Paper Digest', 'paper-digest.example.org')).toBe('List-ID: "Paper Digest" <paper-digest.example.org>');
    expect(listIdHeader('Zoë’s Digest', 'z.example.org')).toBe('List-ID: =?UTF-8?Q?Zo=C3=AB=E2=80=99s_Digest?= <z.example.org>');
    expect(listUnsubscribeHeader(['https://example.org/u?t=1', 'mailto:list@example.org?subject=unsubscribe'])).toBe(
      'List-Unsubscribe: <https://example.org/u?t=1>,\r\n <mailto:list@example.org?subject=unsubscribe>',
    );
  });
});
