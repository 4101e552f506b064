import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { type AssembledMessage, messageBytes } from '../../src/delivery/assembled-message.js';
import { type CopyItem, encodedItems, encodeIssue, type IssuePieces, type RecipientCopy } from '../../src/delivery/encoded-issue.js';
import { assembleIssueMessage } from '../../src/delivery/message.js';
import { recipientLinks } from '../../src/links/public-links.js';
import { buildMessage } from '../support/nodemailer-message.js';
import { loadDailyDigest } from '../../src/digest/daily-digest.js';
import { isPapermailError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { joinedCopy } from '../../src/render/index.js';
import { decodeStrictQuotedPrintable } from '../support/quoted-printable.js';
import { deliveryConfig, headerNames, headerValue, ISSUE_DATE, issueRenderer } from './fixtures.js';

const config = deliveryConfig();
const date = new Date('2025-10-01T06:30:00.000Z');

type Item = string | { slot: string; value: string };

/** A copy written as a list of texts and slot values: text items become the issue's static pieces. */
interface CopyCase {
  subject: string;
  recipient: { id: number; email: string; name: string | null };
  text: Item[];
  html: Item[];
}

function encodedCase(testCase: CopyCase) {
  const pieces: IssuePieces = { text: {}, html: {} };
  const itemsOf = (part: 'text' | 'html'): CopyItem[] =>
    testCase[part].map((item, index) => {
      if (typeof item !== 'string') return item;
      (pieces[part] as Record<string, string>)[`${part}-${index}`] = item;
      return { piece: `${part}-${index}` };
    });
  const copy: RecipientCopy = { subject: testCase.subject, text: itemsOf('text'), html: itemsOf('html') };
  return { issue: encodeIssue(pieces), copy };
}

function joined(items: Item[]): string {
  return items.map((item) => (typeof item === 'string' ? item : item.value)).join('');
}

// Nodemailer's own message pipeline (list headers, envelope, MIME), writing to a Buffer.
const composer = nodemailer.createTransport({ streamTransport: true, buffer: true });

/** What papermail sends today for the same content: buildMessage's options, composed by Nodemailer. */
async function composedByNodemailer(testCase: CopyCase, unsubscribeUrl?: string): Promise<Buffer> {
  const issue = { subject: testCase.subject, text: joined(testCase.text), html: joined(testCase.html) };
  const { mail } = buildMessage({ issue, recipient: testCase.recipient, config, issueDate: ISSUE_DATE, date, ...(unsubscribeUrl ? { unsubscribeUrl } : {}) });
  return (await composer.sendMail(mail)).message as Buffer;
}

function assembled(testCase: CopyCase, unsubscribeUrl?: string): AssembledMessage {
  const { issue, copy } = encodedCase(testCase);
  return assembleIssueMessage({ issue, copy, recipient: testCase.recipient, config, issueDate: ISSUE_DATE, date, ...(unsubscribeUrl ? { unsubscribeUrl } : {}) });
}

/** What a reader's mail program sees: everything but the boundary (and the transfer encoding of each part). */
function asReceived(parsed: ParsedMail) {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of parsed.headers) {
    headers[name] = name === 'content-type' ? (value as { value: string }).value : value;
  }
  return { subject: parsed.subject, text: parsed.text, html: parsed.html, headers };
}

/** The body of each part of a raw multipart message, as it is on the wire. */
function encodedParts(raw: Buffer, boundary: string): Buffer[] {
  // Split at each delimiter (its CRLF included): the head comes first, the closing "--" last.
  const sections = raw.toString('latin1').split(`\r\n--${boundary}`);
  return sections.slice(1, -1).map((part) => Buffer.from(part.slice(part.indexOf('\r\n\r\n') + 4), 'latin1'));
}

function crlfBytes(text: string): Buffer {
  return Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'utf8');
}

const ada = { id: 7, email: 'ada@example.net', name: 'Ada Lovelace' };
const links = recipientLinks(config, ada, ISSUE_DATE);

const CASES: Record<string, CopyCase> = {
  'an ASCII copy': {
    subject: 'Top papers for 30 Sep 2025: Reasoning in Large Language Models',
    recipient: ada,
    text: ['Hi ', { slot: 'name', value: 'Ada Lovelace' }, ',\n\nHere are the day\'s papers.\n\nUnsubscribe: ', { slot: 'unsubscribeUrl', value: links.unsubscribeUrl }, '\n'],
    html: ['<p>Hi ', { slot: 'name', value: 'Ada Lovelace' }, ',</p>\n<a href="', { slot: 'unsubscribeUrl', value: links.unsubscribeUrl }, '">Unsubscribe</a>\n'],
  },
  'a non-ASCII copy': {
    subject: 'Les meilleurs articles du 30 sept. : Ünïcödé, 日本語 et ▲ 40',
    recipient: { id: 8, email: 'zoe@example.net', name: 'Zoë Ñúñez-Ørsted 山田' },
    text: ['PAPER DIGEST · 30 septembre\nBonjour ', { slot: 'name', value: 'Zoë Ñúñez-Ørsted 山田' }, ',\n▲ 40 · 😀\n'],
    html: ['<p>Bonjour ', { slot: 'name', value: 'Zoë Ñúñez-Ørsted 山田' }, ' · ▲ 40</p>\n'],
  },
  'long lines and a long slot': {
    subject: `A subject that is long enough to be folded over more than one header line ${'and longer '.repeat(8)}`,
    recipient: { id: 9, email: 'long@example.net', name: `Pneumonoultramicroscopicsilicovolcanoconiosis${'x'.repeat(30)}` },
    text: [`${'A long abstract line without a break '.repeat(40)}\n`, { slot: 'url', value: `https://papers.example.org/preferences?token=${'T'.repeat(300)}` }, `\n${'y'.repeat(900)}`],
    html: [`<table><tr><td style="padding:0 24px;font-family:Helvetica,Arial,sans-serif">${'<span>cell</span>'.repeat(200)}</td></tr></table>`, { slot: 'url', value: `https://papers.example.org/preferences?token=${'T'.repeat(300)}` }, '\n'],
  },
  'slots at line starts and line ends, and empty slots': {
    subject: 'Slots at the edges',
    recipient: { id: 10, email: 'edge@example.net', name: null },
    text: [{ slot: 'first', value: 'at the very start' }, '\n', { slot: 'lineStart', value: 'starts a line' }, ' and ends with ', { slot: 'lineEnd', value: 'a slot' }, '\n', { slot: 'empty', value: '' }, 'after an empty slot ', { slot: 'trailingSpace', value: 'trails  ' }, '\n', { slot: 'last', value: 'last' }],
    html: [{ slot: 'first', value: '<b>first</b>' }, '\n', { slot: 'empty', value: '' }, '', { slot: 'spaces', value: '   ' }, '\n'],
  },
  '"=" and "." at line starts': {
    subject: '= and . =?UTF-8?Q?not_an_encoded_word?=',
    recipient: { id: 11, email: 'dots@example.net', name: 'Dot = Equals' },
    text: ['.\n', '.leading dot\n', { slot: 'dot', value: '.' }, '\n=\n', { slot: 'equals', value: '=3D=20=' }, '\n..\n=?UTF-8?Q?x?=\n'],
    html: ['.\n<p>\n', { slot: 'dot', value: '.' }, '\n', '=\n', { slot: 'equals', value: '=' }, '\n.</p>'],
  },
  'header injection attempts in the name and the subject': {
    subject: 'Today\r\nBcc: eve@evil.test\r\n\r\n<b>body</b>',
    recipient: { id: 12, email: 'ada@example.net', name: 'Ada "the Countess" = \\\r\nBcc: eve@evil.test\nX-Injected: yes' },
    text: ['Hi\n'],
    html: ['<p>Hi</p>\n'],
  },
};

describe('an assembled message, parsed with mailparser', () => {
  for (const [name, testCase] of Object.entries(CASES)) {
    it(`reads the same as the message Nodemailer composes from the same content: ${name}`, async () => {
      const ours = await simpleParser(messageBytes(assembled(testCase, links.unsubscribeUrl)));
      const nodemailers = await simpleParser(await composedByNodemailer(testCase, links.unsubscribeUrl));
      expect(asReceived(ours)).toEqual(asReceived(nodemailers));
      expect(ours.text).toBe(joined(testCase.text).replace(/\r\n/g, '\n'));
    });

    it(`keeps every body line within 76 characters and decodes to exactly the copy's bytes: ${name}`, () => {
      const message = assembled(testCase, links.unsubscribeUrl);
      const raw = messageBytes(message);
      const boundary = /boundary="([^"]+)"/.exec(message.headers.join('\n'))![1]!;
      const [text, html] = encodedParts(raw, boundary);
      expect(decodeStrictQuotedPrintable(text!).toString('hex')).toBe(crlfBytes(joined(testCase.text)).toString('hex'));
      expect(decodeStrictQuotedPrintable(html!).toString('hex')).toBe(crlfBytes(joined(testCase.html)).toString('hex'));
      const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4).toString('latin1');
      expect(body.split('\r\n').filter((line) => line.length > 76)).toEqual([]);
    });
  }

  it('leaves out List-Unsubscribe and List-Unsubscribe-Post without an unsubscribe URL, as a test copy is', async () => {
    const testCase = CASES['an ASCII copy']!;
    const raw = messageBytes(assembled(testCase));
    expect(headerNames(raw)).not.toContain('list-unsubscribe');
    expect(headerNames(raw)).not.toContain('list-unsubscribe-post');
    expect(asReceived(await simpleParser(raw))).toEqual(asReceived(await simpleParser(await composedByNodemailer(testCase))));
  });

  it('offers one-click unsubscribe with the https link and a mailto to the reply address, a List-Id, Precedence', () => {
    const raw = messageBytes(assembled(CASES['an ASCII copy']!, links.unsubscribeUrl));
    expect(headerValue(raw, 'List-Unsubscribe')).toBe(`<${links.unsubscribeUrl}>, <mailto:editor@papermail.test?subject=unsubscribe>`);
    expect(headerValue(raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(headerValue(raw, 'List-Id')).toBe('"Paper Digest" <paper-digest.papermail.test>');
    expect(headerValue(raw, 'Precedence')).toBe('bulk');
    expect(headerValue(raw, 'X-Auto-Response-Suppress')).toBe('OOF, AutoReply');
  });

  it('names one envelope recipient and keeps injected lines out of the header, whatever the name and subject say', async () => {
    const message = assembled(CASES['header injection attempts in the name and the subject']!, links.unsubscribeUrl);
    const raw = messageBytes(message);
    expect(message.envelope).toEqual({ from: 'papers@papermail.test', to: ['ada@example.net'] });
    expect(headerNames(raw)).not.toContain('bcc');
    expect(headerNames(raw)).not.toContain('x-injected');
    for (const line of message.headers) expect(line).toMatch(/^[\x21-\x39\x3b-\x7e]+:[^\r\n]*(\r\n[ \t][^\r\n]*)*$/);
    const parsed = await simpleParser(raw);
    expect(parsed.to).toMatchObject({ value: [{ address: 'ada@example.net' }] });
    expect(parsed.text).toBe('Hi\n');
  });

  it('refuses a recipient address that would name a second recipient', () => {
    const testCase = CASES['an ASCII copy']!;
    for (const email of ['ada@example.net, eve@evil.test', 'ada@example.net\r\nBcc: eve@evil.test', '<eve@evil.test>']) {
      let thrown: unknown;
      try {
        assembled({ ...testCase, recipient: { ...ada, email } });
      } catch (error) {
        thrown = error;
      }
      expect(isPapermailError(thrown, 'EINPUT'), email).toBe(true);
    }
  });

  it('cannot be broken out of by a slot value that spells the boundary', async () => {
    const probe = encodedCase(CASES['an ASCII copy']!);
    const fake = `\r\n--${probe.issue.boundary}\r\nContent-Type: text/html\r\n\r\n<script>evil()</script>`;
    const testCase: CopyCase = { ...CASES['an ASCII copy']!, text: ['Hi ', { slot: 'name', value: fake }, '\n'] };
    const parsed = await simpleParser(messageBytes(assembled(testCase)));
    expect(parsed.text).toBe(`Hi ${fake.replace(/\r\n/g, '\n')}\n`);
    expect(parsed.html).not.toContain('evil()');
  });

  it('refuses a copy that names a piece the encoded issue does not have', () => {
    const { issue } = encodedCase(CASES['an ASCII copy']!);
    let thrown: unknown;
    try {
      assembleIssueMessage({ issue, copy: { subject: 's', text: [{ piece: 'missing' }], html: [] }, recipient: ada, config, issueDate: ISSUE_DATE });
    } catch (error) {
      thrown = error;
    }
    expect(isPapermailError(thrown, 'ETEMPLATE')).toBe(true);
  });
});

describe('an encoded issue', () => {
  it('shares one encoded Buffer per static piece between every copy, so nothing static is encoded again', () => {
    const { issue, copy } = encodedCase(CASES['an ASCII copy']!);
    const first = assembleIssueMessage({ issue, copy, recipient: ada, config, issueDate: ISSUE_DATE, date });
    const second = assembleIssueMessage({ issue, copy, recipient: { ...ada, id: 8, email: 'b@example.net' }, config, issueDate: ISSUE_DATE, date });
    const piece = issue.pieces.text.get('text-0')!;
    expect(first.body.some((chunk) => chunk === piece)).toBe(true);
    expect(second.body.some((chunk) => chunk === piece)).toBe(true);
  });

  it('gives every copy its own slot values, whether the slot repeats a few values or takes a new one per reader', () => {
    const issue = encodeIssue({ text: { a: 'x\n' }, html: {} });
    const archive = 'https://papers.example.org/archive/2025-09-30';
    const shared: Buffer[] = [];
    for (let reader = 0; reader < 1000; reader += 1) {
      const token = `https://papers.example.org/unsubscribe?token=${reader}.${'t'.repeat(reader % 90)}`;
      const counts = `${reader % 7} papers · ${reader % 3} topics`;
      const chunks = encodedItems(issue, 'text', [{ piece: 'a' }, { slot: 'unsubscribeUrl', value: token }, { slot: 'counts', value: counts }, { slot: 'viewInBrowserUrl', value: archive }]);
      const decoded = chunks.slice(1).map((chunk) => decodeStrictQuotedPrintable(chunk).toString('utf8'));
      expect(decoded).toEqual([token, counts, archive]);
      shared.push(chunks[3]!);
    }
    // A value every reader shares is encoded once.
    expect(shared.every((chunk) => chunk === shared[0])).toBe(true);
  });

  it('has a boundary that quoted-printable can never produce, the same for the same content', () => {
    const pieces = { text: { a: 'x' }, html: { a: '<p>x</p>' } };
    expect(encodeIssue(pieces).boundary).toContain('=_');
    expect(encodeIssue(pieces).boundary).toBe(encodeIssue(pieces).boundary);
    expect(encodeIssue({ ...pieces, text: { a: 'y' } }).boundary).not.toBe(encodeIssue(pieces).boundary);
  });
});

/**
 * The real issue of each sample day, compiled once and chosen from per reader as the send loop
 * does: each reader's assembled copy must read exactly like Nodemailer's composition of the same
 * content (the copy joined into strings).
 */
describe('assembled copies of the sample days, against Nodemailer composing the same content', () => {
  const days = ['2024-05-27', '2025-09-30', '2026-08-21'];
  const readers = [
    { id: 21, email: 'zoe@example.net', name: 'Zoë Ñúñez "Z" = O\'Brien' },
    { id: 22, email: 'grace@example.net', name: null },
  ];
  for (const day of days) {
    it(`matches for ${day}: all topics, one topic, a few and none of today's, for a reader with a name and one without`, async () => {
      const { digest } = await loadDailyDigest({ source: `samples/${day}.json`, config, logger: silentLogger });
      const slugs = digest.sections.map((section) => section.slug);
      const parts = await issueRenderer(config, digest).parts();
      const issue = encodeIssue(parts.pieces);
      expect(parts.select(['not-a-topic-today'])).toBeNull();
      for (const topics of [null, slugs.slice(0, 1), slugs.slice(1, 4)]) {
        const selection = parts.select(topics)!;
        for (const reader of readers) {
          const readerLinks = recipientLinks(config, reader, digest.date);
          const copy = selection.copyFor({ name: reader.name, email: reader.email, ...readerLinks });
          const expected = joinedCopy(parts.pieces, copy);
          const context = `${day} ${String(topics)} ${reader.email}`;
          const message = assembleIssueMessage({ issue, copy, recipient: reader, config, issueDate: digest.date, date, unsubscribeUrl: readerLinks.unsubscribeUrl });
          const raw = messageBytes(message);
          const { mail } = buildMessage({ issue: expected, recipient: reader, config, issueDate: digest.date, date, unsubscribeUrl: readerLinks.unsubscribeUrl });
          const nodemailers = await simpleParser((await composer.sendMail(mail)).message as Buffer);
          expect(asReceived(await simpleParser(raw)), context).toEqual(asReceived(nodemailers));
          const [text, html] = encodedParts(raw, issue.boundary);
          expect(decodeStrictQuotedPrintable(text!).equals(crlfBytes(expected.text)), context).toBe(true);
          expect(decodeStrictQuotedPrintable(html!).equals(crlfBytes(expected.html)), context).toBe(true);
        }
      }
    });
  }
});
