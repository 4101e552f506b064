import { simpleParser } from 'mailparser';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { describe, expect, it } from 'vitest';
import { foldAsciiLine, headerBlock, isOneFoldedField, listIdHeader, listUnsubscribeHeader, mailboxHeader, textHeader } from '../../src/delivery/mime-headers.js';
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

/** The field as Nodemailer's own encoder writes it: what the fields written without it must equal. */
function nodemailerField(name: string, value: string | { name: string; address: string }): string {
  return foldLines(`${name}: ${new MimeNode(false).encodeHeaderValue(name, value)}`, 76);
}

/** A small seeded generator, so a failing case can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function pieces(random: () => number, alphabet: readonly string[], length: number): string {
  let text = '';
  for (let index = 0; index < length; index += 1) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

// Plain characters mostly, and every kind that must leave the plain path: dots at the edges, upper-case and
// international domains, punycode labels, quotes, commas, angle brackets, non-ASCII letters, double spaces.
const LOCAL = ['a', 'z', 'A', '0', '9', '_', '+', '-', '.', '.', "'", '"', ',', 'é', '<'];
const DOMAIN = ['example', 'mail', 'x', '.', '-', '0', 'B', 'xn--', 'bücher', '_'];
const NAME = ['Ada', 'Lovelace', 'Reader', 'Number', '7', '_', ' ', ' ', '  ', '"', '=', ',', 'Zoë', '山田', '\\', 'x'.repeat(30)];

describe('fields written without the encoder', () => {
  it('equal Nodemailer\'s To and From fields on 5,000 random mailboxes, plain or not', () => {
    const random = seeded(5322);
    for (let round = 0; round < 5000; round += 1) {
      const address = `${pieces(random, LOCAL, 1 + Math.floor(random() * 6))}@${pieces(random, DOMAIN, 1 + Math.floor(random() * 4))}.${random() < 0.8 ? 'org' : 'NET'}`;
      const name = random() < 0.3 ? '' : pieces(random, NAME, 1 + Math.floor(random() * 5));
      const context = JSON.stringify({ name, address });
      for (const field of ['To', 'From'] as const) {
        let expected: string | Error;
        try {
          expected = nodemailerField(field, { name, address });
        } catch (error) {
          expected = error as Error;
        }
        let actual: string | Error;
        try {
          actual = mailboxHeader(field, { name, address });
        } catch (error) {
          actual = error as Error;
        }
        // A field the last guard refuses is refused either way; every other one is the same bytes.
        if (typeof actual === 'string') expect(actual, context).toBe(expected);
        else expect(typeof expected === 'string' ? ONE_FOLDED_FIELD.test(expected) && expected.split('\r\n').every((line) => line.length <= 998) : false, context).toBe(false);
      }
    }
  });

  it('take the plain path for the mailboxes the store holds, and equal Nodemailer there', () => {
    for (const [name, address] of [
      ['', 'reader1@bench.example.net'],
      ['Reader Number 3', 'reader3@bench.example.net'],
      ['Ada', 'Ada.Lovelace+papers@example.org'],
    ] as const) {
      expect(mailboxHeader('To', { name, address })).toBe(nodemailerField('To', { name, address }));
    }
    expect(mailboxHeader('To', { name: '', address: 'reader1@bench.example.net' })).toBe('To: reader1@bench.example.net');
  });

  it('write a Message-ID as Nodemailer does, plain or not', () => {
    const random = seeded(2822);
    const ID = ['a', '0', '.', '-', '@', 'example.org', '<', '>', ' ', '\r\n', '\x01', 'é', 'x'.repeat(40)];
    for (let round = 0; round < 2000; round += 1) {
      const id = round % 2 === 0 ? `<${pieces(random, ID, 1 + Math.floor(random() * 6))}>` : pieces(random, ID, 1 + Math.floor(random() * 6));
      let expected: string | null;
      try {
        expected = nodemailerField('Message-ID', id);
      } catch {
        expected = null;
      }
      let actual: string | null;
      try {
        actual = textHeader('Message-ID', id);
      } catch {
        actual = null;
      }
      if (actual !== null) expect(actual, JSON.stringify(id)).toBe(expected);
    }
    expect(textHeader('Message-ID', '<2025-09-30.17.0123456789abcdef@example.org>')).toBe('Message-ID: <2025-09-30.17.0123456789abcdef@example.org>');
  });

  it('fold lines of printable ASCII exactly as Nodemailer\'s foldLines does', () => {
    const random = seeded(76);
    const WORDS = ['a', 'bb', ' ', ' ', '  ', ',', '<', '>', 'x'.repeat(20), 'y'.repeat(75), 'z'.repeat(76), 'w'.repeat(77), 'https://papers.example.org/unsubscribe?token=AbC-_09'];
    const lines = Array.from({ length: 4000 }, () => `List-Unsubscribe: ${pieces(random, WORDS, Math.floor(random() * 14))}`);
    // Every length around the 76-character window, with the space in every place near its edge.
    for (let length = 60; length <= 160; length += 1) for (const space of [0, 1, 74, 75, 76, 77, 150]) lines.push(`${'q'.repeat(space)} ${'r'.repeat(Math.max(0, length - space - 1))}`);
    for (const line of lines) expect(foldAsciiLine(line), JSON.stringify(line)).toBe(foldLines(line, 76));
  });

  it('let through exactly the lines that are one folded field of lines up to 998 characters', () => {
    const random = seeded(5321);
    const PARTS = ['Subject', ':', ' ', '\t', '\r\n', '\r\n ', '\r\n\t', '\r', '\n', 'a', 'é', '\x01', 'x'.repeat(500)];
    const lines = Array.from({ length: 6000 }, () => `${random() < 0.8 ? 'X-Test:' : ''}${pieces(random, PARTS, Math.floor(random() * 8))}`);
    let accepted = 0;
    for (const line of lines) {
      const expected = ONE_FOLDED_FIELD.test(line) && line.split('\r\n').every((physical) => physical.length <= 998);
      expect(isOneFoldedField(line), JSON.stringify(line.slice(0, 80))).toBe(expected);
      if (expected) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(500);
  });
});
