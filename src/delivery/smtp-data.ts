/**
 * SMTP DATA for bytes that need no escaping, without a JavaScript loop over every byte.
 *
 * Nodemailer streams every message through its DataStream, which looks at each byte in turn
 * to stuff dots at line starts and turn bare CR or LF into CRLF (RFC 5321 §4.5.2). A CPU
 * profile of the send bench put about a quarter of papermail's sender in that loop
 * (`npm run bench -- --quick --only send --cpu-prof`, 2026-12-02: 26 % of the sender's
 * samples), on an 80 KB message whose lines all end in CRLF and none of which starts with a
 * dot — quoted-printable pieces rarely do, and nothing here relies on it.
 *
 * So each chunk is searched with Buffer#indexOf (native, line by line) for the bytes that need
 * something inserted — a bare CR or LF, a dot starting a line, counting the previous chunk's
 * last byte. The clean stretches between them go out as they are, exactly as the loop would
 * have passed them on; each byte that needs escaping goes through Nodemailer's own loop,
 * unchanged. The counters and the last byte are kept as Nodemailer keeps them, so its
 * end-of-data line is the same.
 * tests/delivery/smtp-data.test.ts compares the two on random chunk sequences.
 *
 * Only installed for the Nodemailer version it was checked against: after an upgrade the
 * original runs until the tests are run against the new version and the version below moves.
 */
import { createRequire } from 'node:module';
import type { TransformCallback } from 'node:stream';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';

const CHECKED_NODEMAILER = '10.6.1';
const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

type Transform = (this: DataStream, chunk: unknown, encoding: BufferEncoding, done: TransformCallback) => void;

let installed = false;
let transparentChunks = 0;

/** Clean stretches sent without Nodemailer's per-byte loop since the process started (tests read it). */
export function transparentChunkCount(): number {
  return transparentChunks;
}

/** Installs the check in front of DataStream's loop, once per process; false when this Nodemailer is not the checked one. */
export function installSmtpDataFastPath(): boolean {
  if (installed) return true;
  const version = (createRequire(import.meta.url)('nodemailer/package.json') as { version: string }).version;
  if (version !== CHECKED_NODEMAILER) return false;
  const prototype = DataStream.prototype as unknown as { _transform: Transform };
  const escaping = prototype._transform;
  prototype._transform = function (chunk, encoding, done) {
    if (!Buffer.isBuffer(chunk) || chunk.length === 0) {
      escaping.call(this, chunk, encoding, done);
      return;
    }
    let failure: Error | null | undefined;
    for (let start = 0; start < chunk.length; ) {
      const stop = firstByteToEscape(chunk, start, start === 0 ? this.lastByte : chunk[start - 1]!);
      if (stop > start) {
        // A clean stretch: exactly the bytes the loop would have passed on.
        transparentChunks += 1;
        this.inByteCount += stop - start;
        this.outByteCount += stop - start;
        this.lastByte = chunk[stop - 1]!;
        this.push(chunk.subarray(start, stop));
      }
      if (stop === chunk.length) break;
      // The byte that needs something inserted goes through Nodemailer's own rules.
      escaping.call(this, chunk.subarray(stop, stop + 1), encoding, (error) => (failure = error));
      if (failure) break;
      start = stop + 1;
    }
    done(failure);
  };
  installed = true;
  return true;
}

/** True when DataStream would send `chunk` unchanged after a chunk ending in `lastByte` (false at the start of the data). */
export function isTransparentData(chunk: Buffer, lastByte: number | false): boolean {
  return firstByteToEscape(chunk, 0, lastByte) === chunk.length;
}

/**
 * The first index from `from` at which DataStream inserts something (chunk.length if none),
 * where `previous` is the byte before `from` (false at the start of the data). Its three
 * rules: after a CR that no LF follows, a LF (and a dot that follows, stuffed); before a
 * bare LF, a CR; before a dot that starts a line, a dot. A CR at the very end is decided by
 * the next chunk's first byte, as DataStream decides it. Found with indexOf, line by line.
 */
export function firstByteToEscape(chunk: Buffer, from: number, previous: number | false): number {
  const first = chunk[from];
  if ((previous === CR && first !== LF) || (first === LF && previous !== CR) || (first === DOT && (previous === LF || previous === false))) return from;
  let found = chunk.length;
  for (let at = chunk.indexOf(LF, from); at !== -1; at = chunk.indexOf(LF, at + 1)) {
    if ((at === from ? previous : chunk[at - 1]) !== CR) {
      found = at;
      break;
    }
    if (chunk[at + 1] === DOT) {
      found = at + 1;
      break;
    }
  }
  for (let at = chunk.indexOf(CR, from); at !== -1 && at + 1 < found; at = chunk.indexOf(CR, at + 1)) {
    if (chunk[at + 1] !== LF) return at + 1;
  }
  return found;
}
