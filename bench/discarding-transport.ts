/**
 * A MailTransport that takes every message and keeps nothing: for the memory figure at
 * 100,000 subscribers, where any real transport is bound by Nodemailer's MIME encoding
 * (about 5-7 ms of CPU per issue-sized message here, so 100,000 messages would take 10+
 * minutes). Everything papermail itself does per recipient still runs: reading the list in
 * pages, the ledger writes, tokens, personalisation and the Nodemailer message options.
 * Nodemailer's own buffers are per message in flight, so they do not grow with the list.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MailTransport } from '../src/delivery/transport.js';

export function discardingTransport(): MailTransport & { bytes(): number } {
  let bytes = 0;
  return {
    async send(message) {
      // Touch the content, as an encoder would, then yield as a socket write would.
      if (!('mail' in message)) {
        bytes += message.body.reduce((total, chunk) => total + chunk.length, 0);
        await nextTurn();
        return { messageId: message.messageId, accepted: true, response: '250 discarded' };
      }
      bytes += Buffer.byteLength(String(message.mail.html)) + Buffer.byteLength(String(message.mail.text));
      await nextTurn();
      return { messageId: String(message.mail.messageId), accepted: true, response: '250 discarded' };
    },
    async verify() {},
    close() {},
    describe: () => 'a discarding transport (bench)',
    bytes: () => bytes,
  };
}
