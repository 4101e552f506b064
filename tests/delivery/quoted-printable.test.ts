import { describe, expect, it } from 'vitest';
import { encode, wrap } from 'nodemailer/lib/qp';
import { encodePlainAsciiLine, encodeQuotedPrintable, isPlainAsciiLine, wrapPlainAsciiLine } from '../../src/delivery/quoted-printable.js';
import { decodeStrictQuotedPrintable, qpLines } from '../support/quoted-printable.js';

/** The bytes a text part carries for `text`: UTF-8 with CRLF line breaks. */
function crlfBytes(text: string): Buffer {
  return Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'utf8');
}

/** A small seeded generator, so a failing case can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ALPHABET = ['a', 'Z', '0', ' ', ' ', '\t', '=', '.', '-', '\n', '\r\n', 'é', 'ü', '·', '▲', '日本', '😀', '<a href="x">', '&amp;'];

function randomText(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return text;
}

/** Texts around the places where wrapping goes wrong: line lengths near 76, escapes at the edge, no spaces. */
const EDGE_CASES: Record<string, string> = {
  'plain ASCII': 'Here are the day\'s most upvoted papers on Hugging Face, grouped by topic.\n',
  'non-ASCII': 'Zoë Ñúñez · Ελληνικά · 日本語 · 😀 · ▲ 40\n',
  'a long line with spaces': `${'word '.repeat(60)}end`,
  'a long word': 'x'.repeat(500),
  'a long line of escapes': 'é'.repeat(200),
  '"=" everywhere': '='.repeat(100),
  '"=" and "." at line starts': '.\n=\n.leading dot\n=3D is not an escape\n..\n',
  'trailing spaces and tabs before line breaks': 'end with space \nend with tab\t\n  \n\t\n',
  'trailing whitespace at the very end': 'the end   ',
  'a line of exactly 75, 76 and 77 characters': `${'a'.repeat(75)}\n${'b'.repeat(76)}\n${'c'.repeat(77)}`,
  'a last line of exactly 76 characters': 'd'.repeat(76),
  'a last line of 76 ending in an escape': `${'e'.repeat(74)}é`,
  'lone CR and LF line breaks': 'one\rtwo\nthree\r\nfour',
  'only a line break': '\n',
};

describe('encodeQuotedPrintable', () => {
  for (const [name, text] of Object.entries(EDGE_CASES)) {
    it(`encodes ${name} in lines of at most 76 characters that decode to exactly its CRLF bytes`, () => {
      const encoded = encodeQuotedPrintable(text);
      for (const line of qpLines(encoded)) expect(line.length, line).toBeLessThanOrEqual(76);
      expect(decodeStrictQuotedPrintable(encoded).equals(crlfBytes(text))).toBe(true);
    });
  }

  it('keeps 2,000 random texts (every escape, line break and whitespace mix) within 76 characters and exact', () => {
    const random = seeded(8);
    for (let round = 0; round < 2000; round += 1) {
      const text = randomText(random, 1 + Math.floor(random() * 300));
      const encoded = encodeQuotedPrintable(text);
      const context = JSON.stringify(text);
      expect(qpLines(encoded).every((line) => line.length <= 76), context).toBe(true);
      expect(decodeStrictQuotedPrintable(encoded).equals(crlfBytes(text)), context).toBe(true);
    }
  });

  it('ends every chunk with a line break, so the next chunk starts on a fresh line', () => {
    for (const text of [...Object.values(EDGE_CASES), 'no line break at the end']) {
      expect(encodeQuotedPrintable(text).subarray(-2).toString('latin1'), JSON.stringify(text)).toBe('\r\n');
    }
    expect(encodeQuotedPrintable('a').toString('latin1')).toBe('a=\r\n');
    expect(encodeQuotedPrintable('a\n').toString('latin1')).toBe('a\r\n');
    expect(encodeQuotedPrintable('')).toHaveLength(0);
  });

  it('encodes a chunk the same whatever it is joined with, and joined chunks decode to the joined texts', () => {
    const random = seeded(80);
    for (let round = 0; round < 300; round += 1) {
      const texts = Array.from({ length: 2 + Math.floor(random() * 4) }, () => randomText(random, Math.floor(random() * 120)));
      const joined = Buffer.concat(texts.map(encodeQuotedPrintable));
      const context = JSON.stringify(texts);
      expect(qpLines(joined).every((line) => line.length <= 76), context).toBe(true);
      expect(decodeStrictQuotedPrintable(joined).equals(crlfBytes(texts.join(''))), context).toBe(true);
    }
  });

  it('escapes a trailing space, so a chunk followed by a line break keeps it', () => {
    const joined = Buffer.concat([encodeQuotedPrintable('Hello '), encodeQuotedPrintable('\nnext')]);
    expect(decodeStrictQuotedPrintable(joined).toString('utf8')).toBe('Hello \r\nnext');
  });
});

/** Characters of links with tokens, names and counts, "=" and "." included, weighted towards the URL alphabet. */
const URL_CHARACTERS = 'abcxyzABCXYZ0189-._~:/?#[]@!$&\'()*+,;=%';

function randomUrl(random: () => number): string {
  let url = random() < 0.5 ? 'https://papers.example.org/' : 'http://localhost:8787/p/';
  const length = Math.floor(random() * 260);
  for (let index = 0; index < length; index += 1) url += URL_CHARACTERS[Math.floor(random() * URL_CHARACTERS.length)];
  return url;
}

function randomAscii(random: () => number): string {
  let text = '';
  const length = 1 + Math.floor(random() * 200);
  for (let index = 0; index < length; index += 1) text += String.fromCharCode(0x20 + Math.floor(random() * 95));
  return text;
}

describe('the fast path for one line of printable ASCII (links, most names)', () => {
  it('escapes 5,000 random links and ASCII lines exactly as Nodemailer\'s encoder does', () => {
    const random = seeded(2045);
    for (let round = 0; round < 5000; round += 1) {
      const text = round % 2 === 0 ? randomUrl(random) : randomAscii(random).replace(/ +$/, '') || 'x';
      expect(isPlainAsciiLine(text), JSON.stringify(text)).toBe(true);
      expect(encodePlainAsciiLine(text), JSON.stringify(text)).toBe(encode(text));
      expect(wrapPlainAsciiLine(encodePlainAsciiLine(text)), JSON.stringify(text)).toBe(wrap(encode(text), 76));
      const encoded = encodeQuotedPrintable(text);
      expect(qpLines(encoded).every((line) => line.length <= 76), JSON.stringify(text)).toBe(true);
      expect(decodeStrictQuotedPrintable(encoded).toString('latin1'), JSON.stringify(text)).toBe(text);
    }
  });

  it('wraps lines of punctuation, "=" and long runs without it exactly as Nodemailer\'s wrap does', () => {
    const random = seeded(76);
    const parts = ['=', '==', '.', '?', ',', '!', ' ', 'a', 'x'.repeat(20), 'y'.repeat(75), '=3D'];
    for (let round = 0; round < 5000; round += 1) {
      let text = '';
      while (text.length < 1 + Math.floor(random() * 400)) text += parts[Math.floor(random() * parts.length)];
      text = text.replace(/ +$/, '') || 'x';
      expect(wrapPlainAsciiLine(encodePlainAsciiLine(text)), JSON.stringify(text)).toBe(wrap(encode(text), 76));
    }
  });

  it('leaves a line break, a tab, a trailing space, a control character or a non-ASCII letter to Nodemailer\'s encoder', () => {
    for (const text of ['a\nb', 'a\r\nb', 'a\rb', 'a\tb', 'trailing ', ' ', 'bell\x07', 'del\x7f', 'Zoë', 'https://example.org/日本', '😀', '']) {
      expect(isPlainAsciiLine(text), JSON.stringify(text)).toBe(false);
    }
    for (const text of ['Ada', 'Ada Lovelace', 'https://example.org/unsubscribe?token=a.b-c_d', '=', 'x=3D', '12 papers']) {
      expect(isPlainAsciiLine(text), JSON.stringify(text)).toBe(true);
    }
  });
});
