/**
 * `papermail bounces scan <file.eml | folder | mbox> [--record]`: reads exported bounce mail
 * with the reader the bounce mailbox uses (src/feedback/read-bounce.ts) and prints one JSON
 * line per recipient reported (one per message it could not read), then a summary on stderr.
 * Without --record nothing is written, and a missing store is not created: matching is
 * against the store when there is one. With --record every event goes through
 * recordReportedEvents, as the mailbox's do, so a scan after the mailbox counts nothing twice.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { PapermailError } from '../../errors.js';
import type { ReportedEvent } from '../../feedback/delivery-event.js';
import { looksLikeMbox, splitMbox } from '../../feedback/mbox.js';
import { readBounceMessage } from '../../feedback/read-bounce.js';
import { matchEvent, recordReportedEvents, type FeedbackContext } from '../../feedback/record.js';
import { describeFileError } from '../../file-errors.js';
import { describeStoreLocation, openStore } from '../../subscribers/open-store.js';
import { loadCliContext, storeExists } from '../context.js';

/** One message to read: where it came from (a file, or `file#n` for the n-th of an mbox), its bytes and when it arrived. */
export interface ScannedMessage {
  file: string;
  raw: Buffer;
  received: Date;
}

/** One line of output. */
export interface ScanLine {
  file: string;
  recipient: string | null;
  kind: 'hard' | 'soft' | 'complaint' | 'delivered' | 'unknown';
  status: string | null;
  diagnostic: string | null;
  issue: string | null;
  subscriberId: number | null;
  /** Why the message was not read (kind "unknown" only). */
  reason?: string;
  /** With --record: what recording did (recorded, duplicate: recorded before, unmatched: nobody to record it for). */
  outcome?: 'recorded' | 'duplicate' | 'unmatched';
}

/** What a scan does with each event: match it (read-only) or record it. */
export type EventHandler = (events: ReportedEvent[]) => Promise<Array<Pick<ScanLine, 'issue' | 'subscriberId' | 'outcome'>>>;

export function registerBouncesCommands(program: Command): void {
  const bounces = program.command('bounces').description('read bounce and complaint mail');
  bounces
    .command('scan <path>')
    .description(
      'read a bounce message (.eml), every .eml file of a folder, or an mbox; print one JSON line per recipient reported ' +
        '(file, recipient, kind hard|soft|complaint|unknown, status, diagnostic, issue, subscriberId) and a summary on stderr',
    )
    .option('--record', 'also record what the reports say in the store (suppressing as the rules say), as the bounce mailbox does')
    .action(async (path: string, options: { record?: boolean }) => {
      const messages = await messagesAt(path);
      const { config, logger } = loadCliContext();
      if (config.DATABASE_URL === undefined && !storeExists(config.DATABASE_PATH)) {
        if (options.record) throw new PapermailError('EUSAGE', `--record needs the subscriber store, and there is none yet (${describeStoreLocation(config)})`);
        await scanMessages(messages, noStoreHandler, logger);
        return;
      }
      const store = await openStore(config);
      try {
        const feedback: FeedbackContext = { store, config, logger };
        await scanMessages(messages, options.record ? recordingHandler(feedback) : matchingHandler(feedback), logger);
      } finally {
        await store.close();
      }
    });
}

/** Without a store: nothing matches, and nothing is created to match against. */
const noStoreHandler: EventHandler = async (events) => events.map(() => ({ issue: null, subscriberId: null }));

/** Matches each event as recording would (VERP tag, Message-ID, address), writing nothing. */
function matchingHandler(feedback: FeedbackContext): EventHandler {
  return async (events) => {
    const matches = [];
    for (const event of events) {
      const match = await matchEvent(feedback, event);
      matches.push({ issue: match?.issueDate ?? null, subscriberId: match?.subscriberId ?? null });
    }
    return matches;
  };
}

/** Records each event through the one path every reader of reports uses (src/feedback/record.ts). */
function recordingHandler(feedback: FeedbackContext): EventHandler {
  return async (events) =>
    (await recordReportedEvents(feedback, events)).map((outcome) =>
      outcome.kind === 'unmatched'
        ? { issue: null, subscriberId: null, outcome: 'unmatched' as const }
        : { issue: outcome.issueDate, subscriberId: outcome.subscriberId, outcome: outcome.kind },
    );
}

/** Reads every message, prints its lines, and says on stderr what was found. */
export async function scanMessages(messages: AsyncIterable<ScannedMessage> | Iterable<ScannedMessage>, handle: EventHandler, logger: { info(message: string): void }): Promise<void> {
  const counts = { messages: 0, unreadable: 0, hard: 0, soft: 0, complaint: 0, delivered: 0, recorded: 0, duplicate: 0, unmatched: 0 };
  for await (const message of messages) {
    counts.messages++;
    const reading = await readBounceMessage(message.raw, message.received);
    if (reading.kind === 'unreadable') {
      counts.unreadable++;
      print({ file: message.file, recipient: null, kind: 'unknown', status: null, diagnostic: null, issue: null, subscriberId: null, reason: reading.reason });
      continue;
    }
    const matches = await handle(reading.events);
    for (const [index, event] of reading.events.entries()) {
      const kind = event.kind === 'bounce' ? event.bounceType! : event.kind === 'complaint' ? 'complaint' : event.kind === 'delivered' ? 'delivered' : 'unknown';
      if (kind !== 'unknown') counts[kind]++;
      const match = matches[index]!;
      if (match.outcome) counts[match.outcome]++;
      print({ file: message.file, recipient: event.recipient, kind, status: event.status, diagnostic: event.diagnostic, ...match });
    }
  }
  const found = [`${counts.hard} hard`, `${counts.soft} soft`, `${counts.complaint} complaint${counts.complaint === 1 ? '' : 's'}`];
  if (counts.delivered > 0) found.push(`${counts.delivered} delivered`);
  const recorded = counts.recorded + counts.duplicate + counts.unmatched > 0 ? `; recorded ${counts.recorded}, ${counts.duplicate} already recorded, ${counts.unmatched} matched no subscriber` : '';
  logger.info(`bounces scan: ${counts.messages} message${counts.messages === 1 ? '' : 's'} read: ${found.join(', ')}; ${counts.unreadable} unreadable${recorded}`);
}

function print(line: ScanLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

/**
 * The messages at `path`: the .eml files of a folder (sorted by name, not its subfolders), the
 * messages of an mbox, or the one message of a file. A path that cannot be read is an error
 * before anything is printed.
 */
export async function messagesAt(path: string): Promise<ScannedMessage[]> {
  const found = await stat(path).catch((error: unknown) => {
    throw new PapermailError('EUSAGE', `cannot read ${path}: ${describeFileError(error)}`, { cause: error });
  });
  if (found.isDirectory()) {
    const names = (await readdir(path)).filter((name) => name.toLowerCase().endsWith('.eml')).sort();
    const messages: ScannedMessage[] = [];
    for (const name of names) messages.push(...(await messagesInFile(join(path, name))));
    return messages;
  }
  return messagesInFile(path);
}

async function messagesInFile(file: string): Promise<ScannedMessage[]> {
  let raw: Buffer;
  let received: Date;
  try {
    raw = await readFile(file);
    received = (await stat(file)).mtime;
  } catch (error) {
    throw new PapermailError('EUSAGE', `cannot read ${file}: ${describeFileError(error)}`, { cause: error });
  }
  if (!looksLikeMbox(raw)) return [{ file, raw, received }];
  return splitMbox(raw).map((message, index) => ({ file: `${file}#${index + 1}`, raw: message, received }));
}
