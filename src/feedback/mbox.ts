/**
 * Splitting an mbox export (Thunderbird, mutt, Gmail Takeout, `formail`) into its messages.
 * Each message starts with a "From " separator line at the start of the file or after a
 * blank line; lines of the body that began with "From " were written as ">From " (mboxrd
 * escapes ">From " as ">>From " too), and are given back unescaped. Bytes stay bytes
 * (latin1 maps them one to one), so an 8-bit message is handed to the reader unchanged.
 */

/** A separator: `From <sender> <asctime date>`; the sender may be MAILER-DAEMON or an address. */
const SEPARATOR = /^From \S+ +\S/;

/** True when `raw` starts with an mbox "From " separator line rather than a header. */
export function looksLikeMbox(raw: Buffer): boolean {
  return SEPARATOR.test(raw.subarray(0, 1024).toString('latin1'));
}

/** The messages of an mbox, separator lines removed, ">From " unescaped. */
export function splitMbox(raw: Buffer): Buffer[] {
  const lines = raw.toString('latin1').split(/(?<=\n)/);
  const messages: string[][] = [];
  let current: string[] | undefined;
  let previousBlank = true;
  for (const line of lines) {
    if (previousBlank && SEPARATOR.test(line)) {
      if (current) messages.push(current);
      current = [];
      previousBlank = false;
      continue;
    }
    previousBlank = line === '\n' || line === '\r\n';
    if (current) current.push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  if (current) messages.push(current);
  return messages.map((message) => Buffer.from(withoutSeparatorBlank(message).join(''), 'latin1'));
}

/** The blank line that precedes the next separator belongs to the mbox, not to the message. */
function withoutSeparatorBlank(lines: string[]): string[] {
  const last = lines.at(-1);
  return last === '\n' || last === '\r\n' ? lines.slice(0, -1) : lines;
}
