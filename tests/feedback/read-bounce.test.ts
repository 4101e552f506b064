import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BounceMessageReading } from '../../src/feedback/bounce-message.js';
import type { ReportedEvent } from '../../src/feedback/delivery-event.js';
import { MAX_BOUNCE_MESSAGE_BYTES, readBounceMessage } from '../../src/feedback/read-bounce.js';
import { readReturnPath } from '../../src/feedback/return-path.js';

const FIXTURES = new URL('./fixtures/bounces/', import.meta.url);
/** The secret the fixtures' VERP tags were signed with (fixtures/bounces/README.md). */
const FIXTURE_SECRET = 'fixture-secret-for-bounce-mail-tests-0001';
const received = new Date('2025-10-02T00:00:00Z');

const fixture = (name: string) => readFile(new URL(name, FIXTURES));
const tagOf = (subscriberId: number) => expect.stringMatching(new RegExp(`^bounces\\+20251001-${subscriberId}-[0-9a-f]{20}@example\\.org$`));
const messageIdOf = (subscriberId: number) => `<2025-10-01.${subscriberId}.${subscriberId.toString(16).padStart(16, '0')}@example.org>`;

async function eventsOf(raw: Buffer): Promise<ReportedEvent[]> {
  const reading = await readBounceMessage(raw, received);
  if (reading.kind !== 'report') throw new Error(`expected a report, got: ${reading.reason}`);
  return reading.events;
}

async function reasonOf(raw: Buffer | string): Promise<string> {
  const reading: BounceMessageReading = await readBounceMessage(Buffer.from(raw), received);
  if (reading.kind !== 'unreadable') throw new Error(`expected unreadable, got ${JSON.stringify(reading.events)}`);
  return reading.reason;
}

interface Expected {
  recipient: string;
  kind: 'bounce' | 'complaint';
  bounceType: 'hard' | 'soft' | null;
  status: string | null;
  diagnostic: string | null;
}

/** What each fixture reports, per recipient; the subscriber id is the one its VERP tag and original Message-ID name. */
const REPORTS: Record<string, { subscriberId: number; originalQuoted: boolean; occurredAt: string; events: Expected[] }> = {
  'postfix.eml': {
    subscriberId: 101,
    originalQuoted: true,
    occurredAt: '2025-10-01T06:35:16.000Z',
    events: [{ recipient: 'reader@example.net', kind: 'bounce', bounceType: 'hard', status: '5.1.1', diagnostic: '550 5.1.1 <reader@example.net>... User Unknown' }],
  },
  'postfix-delayed.eml': {
    subscriberId: 102,
    originalQuoted: true,
    occurredAt: '2025-10-01T10:40:02.000Z',
    events: [{ recipient: 'slow@example.net', kind: 'bounce', bounceType: 'soft', status: '4.2.2', diagnostic: '452 4.2.2 <slow@example.net>: Mailbox full' }],
  },
  'exim.eml': {
    subscriberId: 103,
    originalQuoted: true,
    occurredAt: '2025-10-01T07:31:43.000Z',
    events: [
      { recipient: 'gone@example.net', kind: 'bounce', bounceType: 'hard', status: '5.1.1', diagnostic: '550 5.1.1 <gone@example.net>... User Unknown' },
      { recipient: 'moved@example.net', kind: 'bounce', bounceType: 'hard', status: '5.2.1', diagnostic: '550 5.2.1 <moved@example.net>... Mailbox disabled' },
    ],
  },
  'sendmail.eml': {
    subscriberId: 104,
    originalQuoted: true,
    occurredAt: '2025-10-01T05:15:35.000Z',
    events: [{ recipient: 'nobody@example.net', kind: 'bounce', bounceType: 'hard', status: '5.1.1', diagnostic: '550 5.1.1 <nobody@example.net>... User Unknown' }],
  },
  'sendmail-v5.eml': {
    subscriberId: 105,
    originalQuoted: true,
    occurredAt: '2025-10-01T14:34:45.000Z',
    events: [
      { recipient: 'someone@nohost.example.net', kind: 'bounce', bounceType: 'hard', status: null, diagnostic: '550 Host unknown (Authoritative answer from name server)' },
    ],
  },
  'office365.eml': {
    subscriberId: 106,
    originalQuoted: true,
    occurredAt: '2025-10-01T05:07:55.000Z',
    events: [
      {
        recipient: 'ghost@contoso.example.net',
        kind: 'bounce',
        bounceType: 'hard',
        status: '5.1.10',
        diagnostic: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
      },
    ],
  },
  'exchange-2003.eml': {
    subscriberId: 107,
    originalQuoted: false,
    occurredAt: '2025-10-01T14:34:45.000Z',
    events: [{ recipient: 'left@exchange.example.net', kind: 'bounce', bounceType: 'hard', status: null, diagnostic: 'Recipient Not Found MSEXCH:IMC:EXAMPLE:EXCHANGE:CAT' }],
  },
  'gmail.eml': {
    subscriberId: 108,
    originalQuoted: true,
    occurredAt: '2025-10-01T09:11:07.000Z',
    events: [
      {
        recipient: 'lost.reader@example.net',
        kind: 'bounce',
        bounceType: 'hard',
        status: '5.1.1',
        diagnostic:
          "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser a1-20020a05600c.5 - gsmtp",
      },
    ],
  },
  'gmail-legacy.eml': {
    subscriberId: 109,
    originalQuoted: true,
    occurredAt: '2025-10-01T22:49:32.000Z',
    events: [{ recipient: 'refused@example.net', kind: 'bounce', bounceType: 'hard', status: '5.7.0', diagnostic: '554 554 5.7.0 Header error (state 18).' }],
  },
  'amazon-ses.eml': {
    subscriberId: 110,
    originalQuoted: true,
    occurredAt: '2025-10-01T12:16:46.000Z',
    events: [
      {
        recipient: 'unknown.user@example.net',
        kind: 'bounce',
        bounceType: 'hard',
        status: '5.0.0',
        diagnostic: "5.3.0 - Other mail system problem 550-'Unknown user unknown.user@example.net' (delivery attempts: 0)",
      },
    ],
  },
  'qmail.eml': {
    subscriberId: 111,
    originalQuoted: true,
    occurredAt: '2025-10-01T08:30:56.000Z',
    events: [{ recipient: 'nouser@example.net', kind: 'bounce', bounceType: 'hard', status: '5.1.1', diagnostic: '550 5.1.1 <nouser@example.net>... User Unknown' }],
  },
  'yahoo.eml': {
    subscriberId: 112,
    originalQuoted: true,
    occurredAt: '2025-09-30T22:11:04.000Z',
    events: [
      { recipient: 'no.such.reader@example.net', kind: 'bounce', bounceType: 'hard', status: '5.1.1', diagnostic: '550 5.1.1 <no.such.reader@example.net>... User Unknown [RCPT_TO]' },
    ],
  },
  'arf-yahoo.eml': {
    subscriberId: 113,
    originalQuoted: true,
    occurredAt: '2025-10-01T23:45:00.000Z',
    events: [{ recipient: 'annoyed.reader@example.net', kind: 'complaint', bounceType: null, status: null, diagnostic: 'Feedback-Type: abuse (Yahoo!-Mail-Feedback/2.0)' }],
  },
  'arf-microsoft.eml': {
    subscriberId: 114,
    originalQuoted: true,
    occurredAt: '2025-10-01T18:02:41.000Z',
    events: [{ recipient: 'reported.reader@hotmail.example.net', kind: 'complaint', bounceType: null, status: null, diagnostic: 'Feedback-Type: abuse (Microsoft JMRP/1.0)' }],
  },
};

describe('reading bounce mail', () => {
  describe.each(Object.entries(REPORTS))('%s', (name, report) => {
    it('names each recipient with its kind, status and the remote diagnostic', async () => {
      const events = await eventsOf(await fixture(name));
      expect(events.map(({ recipient, kind, bounceType, status, diagnostic }) => ({ recipient, kind, bounceType, status, diagnostic }))).toEqual(report.events);
      for (const event of events) expect(event).toMatchObject({ source: 'mailbox', occurredAt: report.occurredAt });
    });

    it('carries the VERP return path it was sent to, which verifies, and the original Message-ID', async () => {
      for (const event of await eventsOf(await fixture(name))) {
        expect(event.returnPath).toEqual(tagOf(report.subscriberId));
        expect(readReturnPath(event.returnPath!, 'bounces@example.org', FIXTURE_SECRET)).toEqual({
          kind: 'delivery',
          delivery: { issueDate: '2025-10-01', subscriberId: report.subscriberId },
        });
        expect(event.messageId).toBe(report.originalQuoted ? messageIdOf(report.subscriberId) : null);
      }
    });

    it('gives the same keys when read twice, and a different key per recipient', async () => {
      const raw = await fixture(name);
      const first = (await eventsOf(raw)).map((event) => event.key);
      const second = (await eventsOf(Buffer.from(raw))).map((event) => event.key);
      expect(second).toEqual(first);
      expect(new Set(first).size).toBe(first.length);
    });
  });

  it('keys a report without a Message-ID of its own by its bytes', async () => {
    const raw = (await fixture('qmail.eml')).toString('utf8').replace(/^Message-Id: .*\n/m, '');
    const [once] = await eventsOf(Buffer.from(raw));
    const [again] = await eventsOf(Buffer.from(raw));
    const [changed] = await eventsOf(Buffer.from(raw.replace('Giving up on', 'Giving up at last on')));
    expect(again!.key).toBe(once!.key);
    expect(changed!.key).not.toBe(once!.key);
    const [withId] = await eventsOf(await fixture('qmail.eml'));
    expect(withId!.key).not.toBe(once!.key);
  });

  it('prefers a plus-tagged address (here the envelope sender the report names) to a To without one', async () => {
    const raw = (await fixture('postfix.eml'))
      .toString('utf8')
      .replace(/^(?:X-Original-To|Delivered-To): .*\n/gm, '')
      .replace(/^To: .*$/m, 'To: bounces@example.org')
      .replace(/^Return-Path: <bounces\+.*$/m, 'Return-Path: <bounces@example.org>');
    const [event] = await eventsOf(Buffer.from(raw));
    expect(event!.returnPath).toEqual(tagOf(101));
  });

  it('reads an Exim delay warning as a soft bounce', async () => {
    const raw = (await fixture('exim.eml'))
      .toString('utf8')
      .replace(/A message that you sent could not[\s\S]*?failed:\n/, 'A message that you sent has not yet been delivered to one or more of its\nrecipients after more than 24 hours on the queue on relay.example.net.\n\nThe address to which the message has not yet been delivered is:\n')
      .replace(/550 5\.1\.1 (<gone)/, '451 4.3.0 $1');
    const events = await eventsOf(Buffer.from(raw));
    expect(events.map((event) => [event.recipient, event.bounceType, event.status])).toEqual([
      ['gone@example.net', 'soft', '4.3.0'],
      ['moved@example.net', 'soft', '5.2.1'],
    ]);
  });

  it('reads a Sendmail "transient non-fatal" section as soft', async () => {
    const raw = (await fixture('sendmail.eml'))
      .toString('utf8')
      .replace(/Content-Type: message\/delivery-status[\s\S]*?(--r9G5FZh9018575\.1759295735\/smtpgw\.example\.net\r\nContent-Type: message\/rfc822)/, '$1')
      .replace('had permanent fatal errors', 'had transient non-fatal errors')
      .replace('(reason: 550 5.1.1 <nobody@example.net>... User Unknown)', '(reason: 451 Temporary failure, try again later)');
    const [event] = await eventsOf(Buffer.from(raw));
    expect(event).toMatchObject({ recipient: 'nobody@example.net', bounceType: 'soft', status: null, diagnostic: '451 Temporary failure, try again later' });
  });

  it('keeps control characters out of the recipient and the diagnostic (both end up in logs)', async () => {
    const raw = (await fixture('postfix.eml'))
      .toString('utf8')
      .replace('Diagnostic-Code: smtp; 550 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 \u001b[2K\u0007forged')
      .replace('Original-Recipient: rfc822;reader@example.net', 'Original-Recipient: rfc822;read\u001b[2Ker@example.net');
    const [event] = await eventsOf(Buffer.from(raw));
    expect(event!.recipient).toBe('reader@example.net');
    expect(event!.diagnostic).toBe('550 5.1.1 [2K forged <reader@example.net>... User Unknown');
  });

  it('falls back to the received time when the report dates nothing', async () => {
    const raw = (await fixture('exchange-2003.eml')).toString('utf8').replace(/^Date: .*\n/m, '');
    const [event] = await eventsOf(Buffer.from(raw));
    expect(event!.occurredAt).toBe(received.toISOString());
  });

  describe('what is not a bounce', () => {
    it('an out-of-office auto-reply', async () => {
      expect(await reasonOf(await fixture('vacation.eml'))).toMatch(/automatic reply/);
    });

    it("a reader's answer, even one that talks about delivery", async () => {
      expect(await reasonOf(await fixture('human-reply.eml'))).toMatch(/^not a bounce or complaint/);
    });

    it('a feedback report that is not a complaint (not-spam, DMARC auth-failure)', async () => {
      const raw = (await fixture('arf-yahoo.eml')).toString('utf8');
      expect(await reasonOf(raw.replace('Feedback-Type: abuse', 'Feedback-Type: not-spam'))).toMatch(/"not-spam", not a complaint/);
      expect(await reasonOf(raw.replace('Feedback-Type: abuse', 'Feedback-Type: auth-failure'))).toMatch(/"auth-failure"/);
    });

    it('a delivery status report about relayed recipients only', async () => {
      const raw = (await fixture('postfix.eml')).toString('utf8').replace('Action: failed', 'Action: relayed');
      expect(await reasonOf(raw)).toMatch(/names no failed, delayed or delivered recipient/);
    });

    it('a mail system notice in a dialect papermail does not know', async () => {
      const raw = 'From: MAILER-DAEMON@mx.example.net\nTo: bounces+x@example.org\nSubject: Notice\n\nSomething happened to a message.\n';
      expect(await reasonOf(raw)).toMatch(/dialect papermail does not read/);
    });
  });

  describe('malformed input is unreadable, never an error', () => {
    const cases: Array<[string, Buffer | string]> = [
      ['an empty message', ''],
      ['random bytes', randomBytes(64 * 1024)],
      ['headers only', 'Subject: hello\n'],
      ['no header at all, just text', 'Hi. This is not the qmail-send program.\n'],
      ['a multipart/report whose boundary never comes', 'Content-Type: multipart/report; report-type=delivery-status; boundary="x"\n\nno parts here\n'],
      ['an empty delivery-status part', 'Content-Type: multipart/report; report-type=delivery-status; boundary="x"\n\n--x\nContent-Type: message/delivery-status\n\n\n--x--\n'],
      ['a delivery-status part of garbage', `Content-Type: multipart/report; report-type=delivery-status; boundary="x"\n\n--x\nContent-Type: message/delivery-status\n\n${'::\n;;; Final-Recipient\n'.repeat(500)}--x--\n`],
      ['a qmail bounce naming no address', 'From: MAILER-DAEMON@q.example.net\n\nHi. This is the qmail-send program at q.example.net.\n\n<not an address>:\nRemote host said: 550 no\n'],
      ['deeply nested multiparts', `${Array.from({ length: 200 }, (_, depth) => `Content-Type: multipart/mixed; boundary="b${depth}"\n\n--b${depth}\n`).join('')}\nend\n`],
    ];
    it.each(cases)('%s', async (_, raw) => {
      await expect(reasonOf(raw)).resolves.toEqual(expect.any(String));
    });

    it('a message larger than any report is not parsed at all', async () => {
      const huge = Buffer.alloc(MAX_BOUNCE_MESSAGE_BYTES + 1, 'a');
      expect(await reasonOf(huge)).toMatch(/larger than any report/);
    });
  });
});
