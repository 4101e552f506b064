/**
 * Reading one mail that came back to the bounce address (from the IMAP mailbox or a file):
 * an RFC 3464 delivery status notification, an RFC 5965 ARF complaint, or one of the
 * non-standard bounce dialects (qmail, Exim, older Sendmail, Exchange, Yahoo …).
 */
import type { ReportedEvent } from './delivery-event.js';

export type BounceMessageReading =
  /** A report: one event per recipient it is about (kind bounce or complaint, or delivered for a success DSN). */
  | { kind: 'report'; events: ReportedEvent[] }
  /** Not a report papermail can read (an auto-reply, a person's answer, garbage): left where it is, counted. */
  | { kind: 'unreadable'; reason: string };

/** How a reader of bounce mail is called: the raw message and when it was received (the events' time when the report gives none). */
export type ReadBounceMessage = (raw: Buffer, received: Date) => Promise<BounceMessageReading>;
