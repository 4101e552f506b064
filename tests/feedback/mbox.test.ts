import { describe, expect, it } from 'vitest';
import { looksLikeMbox, splitMbox } from '../../src/feedback/mbox.js';

const message = (subject: string, body: string) => `From: a@example.net\nSubject: ${subject}\n\n${body}`;

describe('splitting an mbox', () => {
  it('gives each message between "From " separator lines, without them', () => {
    const mbox = [
      'From MAILER-DAEMON Wed Oct  1 06:35:19 2025',
      message('one', 'first body\n'),
      'From bounces@example.org Wed Oct  1 07:00:00 2025',
      message('two', 'second body\n'),
    ].join('\n');
    expect(splitMbox(Buffer.from(mbox)).map((part) => part.toString())).toEqual([message('one', 'first body\n'), message('two', 'second body\n')]);
  });

  it('does not split on a "From " line inside a body, and unescapes ">From "', () => {
    const mbox = [
      'From MAILER-DAEMON Wed Oct  1 06:35:19 2025',
      message('one', 'a line\nFrom here on, not a separator (no blank line before it)\n\n>From the escaped line\n>>From twice escaped\n'),
    ].join('\n');
    const [only, ...rest] = splitMbox(Buffer.from(mbox));
    expect(rest).toEqual([]);
    expect(only!.toString()).toBe(message('one', 'a line\nFrom here on, not a separator (no blank line before it)\n\nFrom the escaped line\n>From twice escaped\n'));
  });

  it('keeps CRLF line ends and 8-bit bytes as they were', () => {
    const body = Buffer.concat([Buffer.from('From: a@example.net\r\nSubject: caf'), Buffer.from([0xe9]), Buffer.from('\r\n\r\nbody\r\n')]);
    const mbox = Buffer.concat([Buffer.from('From MAILER-DAEMON Wed Oct  1 06:35:19 2025\r\n'), body, Buffer.from('\r\nFrom x@example.net Wed Oct  1 06:35:20 2025\r\n'), body]);
    expect(splitMbox(mbox)).toEqual([body, body]);
  });

  it('is told apart from a single message', () => {
    expect(looksLikeMbox(Buffer.from('From MAILER-DAEMON Wed Oct  1 06:35:19 2025\nSubject: x\n\n'))).toBe(true);
    expect(looksLikeMbox(Buffer.from('From: MAILER-DAEMON@example.net\nSubject: x\n\n'))).toBe(false);
    expect(looksLikeMbox(Buffer.from('Return-Path: <>\nFrom: x\n\n'))).toBe(false);
  });
});
