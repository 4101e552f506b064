/**
 * Subscriber lists as CSV, for moving a list in from another tool and out for backup.
 *
 * The header names the columns, in any order: `email` is required, `name`, `status`,
 * `topics` and `suppression` are optional (an absent column leaves that field of an existing
 * subscriber alone; an empty cell clears the name or means "every topic"). `suppression` says
 * why an address gets no mail although nobody unsubscribed it (hard-bounce, soft-bounce,
 * complaint): export writes it, so a list read back in keeps its complainers out; an empty
 * cell, like an absent column, changes no suppression. Topics inside a cell are
 * separated by ";" (spaces and quoted commas are read too); export writes ";".
 * `cadence` is daily or weekly (src/subscribers/cadence.ts); an empty cell or an absent column
 * keeps an existing subscriber's and makes a new one daily.
 * `interests` (free text), `include`, `exclude` and `follow` are the reader's interests
 * (src/personal/reader-signals.ts): the three lists separated by commas, semicolons or line
 * breaks, each entry checked as InterestsSchema checks it; an empty cell clears that field,
 * an absent column keeps it. Export writes them, so a list moved elsewhere keeps them.
 * An empty status cell is left out like a missing column: the importer decides what it
 * means — 'confirmed' by default (importing is for lists people already agreed to), or
 * 'pending' with `subscribers import --status pending`.
 *
 * A row that fails validation is skipped with its line number and the reason; only a
 * file whose header is wrong, or whose quoting cannot be read, is refused as a whole.
 * When an address appears twice, the first row wins and the later one is reported.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { isPapermailError, PapermailError } from '../errors.js';
import { SUPPRESSION_REASONS } from '../feedback/event-store.js';
import { givenInterests, joinInterestList, splitInterestList } from '../personal/interest-lists.js';
import { InterestsSchema, type Interests, type ReaderSignals, type ReaderSignalStore } from '../personal/reader-signals.js';
import { CADENCES } from './cadence.js';
import { normaliseEmail, normaliseName, parseTopics } from './email.js';
import type { NewSubscriber, Subscriber, SubscriberDirectory, SubscriberStatus } from './store.js';

export const CSV_COLUMNS = ['email', 'name', 'status', 'topics', 'suppression', 'cadence', 'interests', 'include', 'exclude', 'follow'] as const;
type Column = (typeof CSV_COLUMNS)[number];

export interface ParsedSubscriberCsv {
  rows: Array<NewSubscriber & { line: number }>;
  skipped: Array<{ line: number; reason: string }>;
}

export interface CsvOptions {
  /** Where the text came from (usually the file path): starts every whole-file error. */
  origin: string;
  /** Topic slugs a row may name. */
  knownTopics: string[];
}

const STATUSES = ['pending', 'confirmed', 'unsubscribed', 'bounced'] as const satisfies readonly SubscriberStatus[];
const TOPIC_SEPARATOR = ';';
/** Rows per chunk of exported text: few writes, little memory. */
const EXPORT_CHUNK_ROWS = 256;

/** One data row's cells by column name; an absent column is undefined. */
type Cells = Partial<Record<Column, string>>;

/** A cell holding one of `words` (any case), or empty: left out, like a missing column. */
function wordCell<const Words extends readonly [string, ...string[]]>(column: Column, words: Words) {
  return z
    .string()
    .transform((value) => value.trim().toLowerCase())
    .pipe(
      z.union([z.literal('').transform(() => undefined), z.enum(words)], {
        error: (issue) => `${column} ${JSON.stringify(issue.input)} must be one of ${words.join(', ')} (or empty)`,
      }),
    );
}

/**
 * A cell holding the `field` of a reader's interests (`column` in the file), read as
 * InterestsSchema reads that field (a list split by splitInterestList); a problem names the
 * column and the entry.
 */
function interestCell<Field extends keyof Interests>(column: Column, field: Field) {
  const schema = InterestsSchema.shape[field];
  return z.string().transform((value, context): Interests[Field] => {
    const result = schema.safeParse(field === 'text' ? value : splitInterestList(value));
    if (result.success) return result.data as Interests[Field];
    const issue = result.error.issues[0]!;
    const entry = typeof issue.path[0] === 'number' ? ` entry ${issue.path[0] + 1}` : '';
    context.addIssue({ code: 'custom', message: `${column}${entry}: ${issue.message}` });
    return z.NEVER;
  });
}

function rowSchema(knownTopics: string[]) {
  // Wraps a normaliser that throws PapermailError so its message becomes the zod issue.
  const via = <T>(normalise: (value: string) => T) =>
    z.string().transform((value, context) => {
      try {
        return normalise(value);
      } catch (error) {
        if (!isPapermailError(error, 'EINPUT')) throw error;
        context.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    });
  return z.object({
    email: via(normaliseEmail),
    name: via(normaliseName).optional(),
    status: wordCell('status', STATUSES).optional(),
    topics: via((value) => parseTopics(value, knownTopics)).optional(),
    suppression: wordCell('suppression', SUPPRESSION_REASONS).optional(),
    cadence: wordCell('cadence', CADENCES).optional(),
    interests: interestCell('interests', 'text').optional(),
    include: interestCell('include', 'include').optional(),
    exclude: interestCell('exclude', 'exclude').optional(),
    follow: interestCell('follow', 'follow').optional(),
  }).transform(({ interests, include, exclude, follow, ...subscriber }): NewSubscriber => {
    const given = givenInterests({ text: interests, include, exclude, follow });
    return { ...subscriber, ...(given === undefined ? {} : { interests: given }) };
  });
}

export function parseSubscriberCsv(text: string, options: CsvOptions): ParsedSubscriberCsv {
  const records = readRecords(text, options.origin);
  const [header, ...data] = records;
  if (header === undefined) {
    throw new PapermailError('EINPUT', `${options.origin} is empty; it needs a header line such as ${CSV_COLUMNS.join(',')}`);
  }
  const columns = readHeader(header, options.origin);
  const schema = rowSchema(options.knownTopics);
  const rows: ParsedSubscriberCsv['rows'] = [];
  const skipped: ParsedSubscriberCsv['skipped'] = [];
  const firstLineOf = new Map<string, number>();

  for (const { cells, line } of data) {
    if (cells.length > columns.length) {
      skipped.push({ line, reason: `has ${cells.length} cells but the header names ${columns.length} columns` });
      continue;
    }
    const result = schema.safeParse(cellsByColumn(columns, cells));
    if (!result.success) {
      skipped.push({ line, reason: result.error.issues[0]!.message });
      continue;
    }
    // The store treats addresses case-insensitively, so duplicates are found the same way.
    const key = result.data.email.toLowerCase();
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      skipped.push({ line, reason: `${result.data.email} already appears on line ${first}; the first row is used` });
      continue;
    }
    firstLineOf.set(key, line);
    rows.push({ line, ...result.data });
  }
  return { rows, skipped };
}

/** A subscriber as export writes them: with their interests (all empty when they have none). */
export type ExportedSubscriber = Subscriber & { interests: Interests };

/** Every subscriber with what they told papermail (their interests, their votes newest first): what `subscribers export` writes. */
export async function* subscribersWithSignals(
  store: Pick<SubscriberDirectory, 'all'> & Pick<ReaderSignalStore, 'readerSignals'>,
): AsyncGenerator<ExportedSubscriber & ReaderSignals> {
  for await (const subscriber of store.all()) yield { ...subscriber, ...(await store.readerSignals(subscriber.id)) };
}

/** Exported text in chunks (the header first); reads the subscribers as a stream. */
export async function* subscribersToCsv(subscribers: AsyncIterable<ExportedSubscriber>): AsyncGenerator<string> {
  yield stringify([[...CSV_COLUMNS]]);
  let batch: string[][] = [];
  for await (const subscriber of subscribers) {
    const { text, include, exclude, follow } = subscriber.interests;
    batch.push([
      subscriber.email,
      subscriber.name ?? '',
      subscriber.status,
      (subscriber.topics ?? []).join(TOPIC_SEPARATOR),
      subscriber.suppression?.reason ?? '',
      subscriber.cadence,
      text,
      joinInterestList(include),
      joinInterestList(exclude),
      joinInterestList(follow),
    ]);
    if (batch.length === EXPORT_CHUNK_ROWS) {
      yield stringify(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield stringify(batch);
}

interface CsvRecord {
  cells: string[];
  /** Where the record starts, counting from 1. */
  line: number;
}

function readRecords(text: string, origin: string): CsvRecord[] {
  // One line-ending convention, so that line numbers count what an editor shows.
  const normalised = text.replace(/\r\n?/g, '\n');
  let parsed: Array<{ record: string[]; raw: string; info: { lines: number } }>;
  try {
    parsed = parse(normalised, {
      bom: true,
      info: true,
      raw: true,
      // A stray quote inside a cell stays part of the value (and fails validation on that row alone).
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      // csv-parse's types do not follow the info/raw options to the shape they produce.
    }) as unknown as typeof parsed;
  } catch (error) {
    const where = (error as { lines?: number }).lines;
    const message = error instanceof Error ? error.message : String(error);
    throw new PapermailError('EINPUT', `${origin}${where ? `: line ${where}` : ''}: cannot be read as CSV: ${message}`, { cause: error });
  }
  return parsed.map(({ record, raw, info }) => ({ cells: record, line: info.lines - lineBreaksWithin(raw) }));
}

/** csv-parse reports the line a record ends on; a quoted cell can span several. */
function lineBreaksWithin(raw: string): number {
  return raw.replace(/^\n+/, '').replace(/\n$/, '').split('\n').length - 1;
}

function readHeader(header: CsvRecord, origin: string): Column[] {
  const names = header.cells.map((cell) => cell.trim().toLowerCase());
  const expected = `the first line must name the columns, e.g. ${CSV_COLUMNS.join(',')}`;
  const shown = JSON.stringify(header.cells.join(','));
  const unknown = names.find((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
  if (unknown !== undefined) {
    throw new PapermailError('EINPUT', `${origin}: line ${header.line}: unknown column ${JSON.stringify(unknown)}; ${expected} (got ${shown})`);
  }
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw new PapermailError('EINPUT', `${origin}: line ${header.line}: column "${repeated}" appears twice (got ${shown})`);
  }
  if (!names.includes('email')) {
    throw new PapermailError('EINPUT', `${origin}: line ${header.line}: no "email" column; ${expected} (got ${shown})`);
  }
  return names as Column[];
}

function cellsByColumn(columns: Column[], cells: string[]): Cells {
  const byColumn: Cells = {};
  // A short row leaves its last columns empty rather than absent: the column exists in the file.
  columns.forEach((column, index) => (byColumn[column] = cells[index] ?? ''));
  return byColumn;
}
