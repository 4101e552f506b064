import type { Command } from 'commander';
import { z } from 'zod';
import { createConfirmationMailer } from '../../delivery/confirmation-mail.js';
import { createTransport } from '../../delivery/transport.js';
import { loadTaxonomy, topicCatalogue } from '../../digest/taxonomy.js';
import { PapermailError } from '../../errors.js';
import { readTextFile } from '../../file-errors.js';
import { confirmLink } from '../../server/subscription.js';
import { givenInterests, splitInterestList } from '../../personal/interest-lists.js';
import type { Interests } from '../../personal/reader-signals.js';
import { createReaderTrainer, type RetrainServices } from '../../personal/retrain.js';
import { parseSubscriberCsv, subscribersToCsv, subscribersWithSignals } from '../../subscribers/csv.js';
import { parseCadence, type Cadence } from '../../subscribers/cadence.js';
import { normaliseName } from '../../subscribers/email.js';
import { readInterestChanges } from '../../subscribers/subscriber-input.js';
import { hasComplained, hasWithdrawnConsent, type StoreLifecycle, type Subscriber, type SubscriberDirectory } from '../../subscribers/store.js';
import { emailArgument, topicsArgument, usageValue } from '../arguments.js';
import { loadCliContext, openCliStore, type CliContext } from '../context.js';

interface AddOptions {
  name?: string;
  topics?: string;
  confirmed?: boolean;
  /** commander's --no-email: false when given. */
  email: boolean;
  force?: boolean;
  cadence?: Cadence;
  interests?: string;
  include?: string[];
  exclude?: string[];
  follow?: string[];
}

/** The statuses `import --status` may give rows whose status cell is empty or missing. */
const ImportStatusSchema = z.enum(['confirmed', 'pending'], {
  error: (issue) => `--status must be confirmed or pending (got ${JSON.stringify(issue.input)})`,
});
type ImportStatus = z.infer<typeof ImportStatusSchema>;

export interface ImportOptions {
  /** What an empty or missing status cell means. */
  emptyStatus: ImportStatus;
}

export function registerSubscriberCommands(program: Command): void {
  const subscribers = program.command('subscribers').description('manage the subscriber list');

  subscribers
    .command('add <email>')
    .description('add or change a subscriber: pending, and sent a confirmation email, unless --confirmed')
    .option('-n, --name <name>', 'display name (an existing subscriber keeps theirs unless given)')
    .option('-t, --topics <slugs>', 'comma-separated topic slugs or "all" (new: all topics; an existing subscriber keeps theirs unless given)')
    .option('--cadence <daily|weekly>', 'every daily issue, or only the weekly one (new: daily; an existing subscriber keeps theirs unless given)', cadenceArgument)
    .option('--interests <text>', 'what they want "For you" to find, in their words ("" clears; an existing subscriber keeps theirs unless given)', interestsArgument('--interests', 'text'))
    .option('--include <keywords>', 'comma-separated keywords whose papers always reach their "For you" block ("" clears)', interestsArgument('--include', 'include'))
    .option('--exclude <keywords>', 'comma-separated keywords whose papers are left out of their copy ("" clears)', interestsArgument('--exclude', 'exclude'))
    .option('--follow <names>', 'comma-separated authors or organisations whose papers always reach "For you" ("" clears)', interestsArgument('--follow', 'follow'))
    .option('--confirmed', 'skip double opt-in (only for people who already agreed)')
    .option('--no-email', 'do not send the confirmation email')
    .option('--force', 'subscribe an address that unsubscribed or bounced again (only when they asked you; never one that complained); logged')
    .action(async (email: string, options: AddOptions) => {
      // Checked before the store is opened, so a typo creates no database file.
      const address = emailArgument('<email>')(email);
      await withStore((context) => addSubscriber(address, options, context), {
        checkArguments: ({ knownTopics }) => {
          if (options.topics !== undefined) topicsArgument(knownTopics)(options.topics);
        },
      });
    });

  subscribers
    .command('remove <email>')
    .description('delete a subscriber with their delivery history, votes, interests and model')
    .action(async (email: string) =>
      withStore(async ({ store }) => {
        const address = emailArgument('<email>')(email);
        if (!(await store.remove(address))) throw new PapermailError('ENOTFOUND', `no subscriber ${address}`);
        process.stdout.write(`removed ${address}\n`);
      }),
    );

  subscribers
    .command('list')
    .description('list subscribers: email, status, name, topics, cadence, and why a suppressed address gets no mail')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }) =>
      withStore(async ({ store }) => {
        for await (const subscriber of store.all()) {
          const line = options.json
            ? JSON.stringify(subscriber)
            : [subscriber.email, subscriber.status, subscriber.name ?? '', (subscriber.topics ?? ['all']).join(','), subscriber.cadence, describeSuppression(subscriber)].join('\t');
          process.stdout.write(line + '\n');
        }
      }),
    );

  subscribers
    .command('import <file.csv>')
    .description('import a CSV with header email,name,status,topics,cadence (idempotent)')
    .option(
      '--status <status>',
      'status of rows whose status is empty or missing: confirmed (a list people already agreed to) or pending (each is sent a confirmation email)',
      'confirmed',
    )
    .action(async (file: string, options: { status: string }) => {
      const parsed = ImportStatusSchema.safeParse(options.status);
      if (!parsed.success) throw new PapermailError('EUSAGE', parsed.error.issues[0]!.message);
      // Read before the store is opened, so a wrong path creates no database file.
      const text = await readTextFile(file, 'EINPUT');
      await withStore((context) => importSubscriberFile({ file, text }, context, { emptyStatus: parsed.data }));
    });

  subscribers
    .command('export')
    .description("write all subscribers as CSV to stdout, suppressions and interests included (import reads it back); --json adds each reader's votes")
    .option('--json', 'one JSON object per line: the subscriber, their interests and their votes (newest first)')
    .action(async (options: { json?: boolean }) =>
      withStore(async ({ store }) => {
        if (options.json) {
          for await (const subscriber of subscribersWithSignals(store)) process.stdout.write(JSON.stringify(subscriber) + '\n');
          return;
        }
        for await (const chunk of subscribersToCsv(subscribersWithSignals(store))) process.stdout.write(chunk);
      }),
    );
}

/** `--interests`, `--include`, `--exclude`, `--follow`: checked as InterestsSchema checks its field, EUSAGE naming the option. */
function interestsArgument<Field extends keyof Interests>(name: string, field: Field): (value: string) => Interests[Field] {
  return usageValue(name, (value) => {
    const given = { [field]: field === 'text' ? value : splitInterestList(value) } as Partial<Interests>;
    return readInterestChanges(given)[field] as Interests[Field];
  });
}

/** `--cadence`: checked as the command line is read, EUSAGE naming the option. */
function cadenceArgument(value: string): Cadence {
  try {
    return parseCadence(value.trim().toLowerCase(), '--cadence');
  } catch (error) {
    throw new PapermailError('EUSAGE', (error as Error).message);
  }
}

/** "suppressed: complaint since 2025-10-01 (…)" for `list`, or empty for an address that is not. */
function describeSuppression({ suppression }: Subscriber): string {
  if (suppression === null) return '';
  return `suppressed: ${suppression.reason} since ${suppression.at.slice(0, 10)}${suppression.detail ? ` (${suppression.detail})` : ''}`;
}

/**
 * `subscribers add`: the operator's explicit action, so it may change what it is given —
 * and only that. An address whose consent was withdrawn (unsubscribed, bounced) is refused
 * unless --force says the person asked; one that complained (marked an issue as spam) is
 * refused even then: only the person, subscribing through the form and confirming, comes
 * back from that. A pending subscriber is sent the confirmation email unless --no-email;
 * the line printed says where it went, or that none was sent.
 */
async function addSubscriber(address: string, options: AddOptions, context: StoreContext): Promise<void> {
  const { store, knownTopics, logger } = context;
  const existing = await store.findByEmail(address);
  if (existing !== undefined && hasComplained(existing)) {
    throw new PapermailError(
      'EINPUT',
      `${existing.email} complained (marked an issue as spam) on ${existing.suppression!.at.slice(0, 10)}; add never subscribes them again, not even with --force (they can subscribe themselves through the form and confirm)`,
    );
  }
  if (existing !== undefined && hasWithdrawnConsent(existing.status)) {
    if (!options.force) {
      throw new PapermailError(
        'EINPUT',
        `${existing.email} is ${existing.status}; add does not subscribe them again (give --force only if they asked you to)`,
      );
    }
    logger.warn(`--force: subscribing ${existing.email} again, who was ${existing.status}`);
  }
  const interests = givenInterests({ text: options.interests, include: options.include, exclude: options.exclude, follow: options.follow });
  const { subscriber, created } = await store.upsert({
    email: address,
    ...(options.name === undefined ? {} : { name: normaliseName(options.name) }),
    ...(options.topics === undefined ? {} : { topics: topicsArgument(knownTopics)(options.topics) }),
    ...(options.cadence === undefined ? {} : { cadence: options.cadence }),
    ...(interests === undefined ? {} : { interests }),
    status: options.confirmed ? 'confirmed' : 'pending',
  });
  if (interests !== undefined) await retrainReaders([subscriber.id], context);
  const done = `${created ? 'added' : 'updated'} ${subscriber.email} (${subscriber.status})`;
  process.stdout.write(`${done}; ${await confirmationNote(subscriber, options, context)}\n`);
}

/** Sends the confirmation email a pending subscriber needs, and says what happened either way. */
async function confirmationNote(subscriber: Subscriber, options: AddOptions, context: StoreContext): Promise<string> {
  if (subscriber.status === 'confirmed') return 'no confirmation email needed';
  if (!options.email) return 'no confirmation email sent (--no-email): they stay pending until they confirm';
  const { sent, where, lastResponse } = await sendConfirmations([subscriber], context);
  return sent === 1 ? `confirmation email sent ${where}: ${lastResponse}` : `no confirmation email sent (${where} failed)`;
}

/**
 * Confirmation emails through the configured transport (SMTP, or the outbox without
 * SMTP_URL), each with a link bound to the subscriber's status version. A failure is a
 * warning naming the address; the rest are still sent.
 */
async function sendConfirmations(
  subscribers: Subscriber[],
  { config, logger }: StoreContext,
): Promise<{ sent: number; where: string; lastResponse: string }> {
  const transport = createTransport(config);
  const mailer = createConfirmationMailer(config, transport);
  let sent = 0;
  let lastResponse = '';
  try {
    for (const subscriber of subscribers) {
      try {
        const now = new Date();
        const result = await mailer.sendConfirmation(subscriber, confirmLink(config, subscriber, now), now);
        sent += 1;
        lastResponse = result.response;
      } catch (error) {
        logger.warn(`confirmation email to ${subscriber.email} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    transport.close();
  }
  return { sent, where: `via ${transport.describe()}`, lastResponse };
}

/**
 * Imports a CSV file and prints one summary line; each skipped row is a warning with its
 * line. Rows without a status take `emptyStatus`, and the summary says how many did. With
 * 'pending', everyone the import made pending is sent a confirmation email (those pending
 * before were asked already and are not mailed again). `source` is the
 * file's path, or its path and text when the caller has read it already.
 */
export async function importSubscriberFile(
  source: string | { file: string; text: string },
  context: StoreContext,
  { emptyStatus }: ImportOptions = { emptyStatus: 'confirmed' },
): Promise<void> {
  const { store, knownTopics, logger } = context;
  const { file, text } = typeof source === 'string' ? { file: source, text: await readTextFile(source, 'EINPUT') } : source;
  const parsed = parseSubscriberCsv(text, { origin: file, knownTopics });
  const rows = parsed.rows.map((row) => (row.status === undefined ? { ...row, status: emptyStatus } : row));
  // Read before the import: someone already waiting to confirm was asked before and is not mailed again.
  const pendingBefore = emptyStatus === 'pending' ? await pendingAddresses(rows.map((row) => row.email), store) : new Set<string>();
  const report = await store.importSubscribers(rows);
  const refused = new Set(report.skipped.map((row) => row.line));
  const taken = rows.filter((row) => !refused.has(row.line));
  const defaulted = parsed.rows.filter((row) => row.status === undefined && !refused.has(row.line)).length;
  const skipped = [...parsed.skipped, ...report.skipped].sort((a, b) => a.line - b.line);
  for (const row of skipped) logger.warn(`${file}: line ${row.line}: ${row.reason}`);

  const parts = [`${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${skipped.length} skipped`];
  if (defaulted > 0) {
    const hint = emptyStatus === 'confirmed' ? ' (use --status pending to ask them to confirm)' : '';
    parts.push(`${defaulted} with an empty status taken as ${emptyStatus}${hint}`);
  }
  const withInterests: number[] = [];
  for (const row of taken) {
    if (row.interests === undefined) continue;
    const subscriber = await store.findByEmail(row.email);
    if (subscriber !== undefined) withInterests.push(subscriber.id);
  }
  if (withInterests.length > 0) {
    await retrainReaders(withInterests, context);
    parts.push(`${withInterests.length} reader model${withInterests.length === 1 ? '' : 's'} trained from the interests given`);
  }
  if (emptyStatus === 'pending') {
    const pending: Subscriber[] = [];
    let askedBefore = 0;
    for (const row of taken) {
      const subscriber = await store.findByEmail(row.email);
      if (subscriber?.status !== 'pending') continue;
      if (pendingBefore.has(subscriber.email)) askedBefore += 1;
      else pending.push(subscriber);
    }
    const { sent, where } = await sendConfirmations(pending, context);
    parts.push(`${sent} confirmation email${sent === 1 ? '' : 's'} sent ${where}`);
    if (askedBefore > 0) {
      parts.push(`${askedBefore} already pending not mailed again (\`papermail subscribers add <address>\` sends one again)`);
    }
  }
  process.stdout.write(`imported ${file}: ${parts.join('; ')}\n`);
}

/** Which of `emails` are stored as pending now, by their stored address. */
async function pendingAddresses(emails: readonly string[], store: StoreContext['store']): Promise<Set<string>> {
  const pending = new Set<string>();
  for (const email of emails) {
    const subscriber = await store.findByEmail(email);
    if (subscriber?.status === 'pending') pending.add(subscriber.email);
  }
  return pending;
}

export type StoreContext = CliContext & { store: SubscriberDirectory & RetrainServices['store'] & Pick<StoreLifecycle, 'close'>; knownTopics: string[] };

/**
 * Trains the models of readers whose interests the operator just set, as the server does
 * after a reader's own change: a send reads models and never trains.
 */
async function retrainReaders(subscriberIds: readonly number[], { store, logger }: StoreContext): Promise<void> {
  const retrain = createReaderTrainer({ store, logger });
  for (const id of subscriberIds) await retrain(id);
}

export async function withStore(
  work: (context: StoreContext) => Promise<void>,
  options: { checkArguments?: (known: { knownTopics: string[] }) => void } = {},
): Promise<void> {
  const context = loadCliContext();
  const taxonomy = await loadTaxonomy(context.config.TOPICS_FILE);
  const knownTopics = topicCatalogue(taxonomy).map((topic) => topic.slug);
  // Arguments that need the taxonomy are checked before the store is opened (or created).
  options.checkArguments?.({ knownTopics });
  const store = await openCliStore(context);
  try {
    await work({ ...context, store, knownTopics });
  } finally {
    await store.close();
  }
}
