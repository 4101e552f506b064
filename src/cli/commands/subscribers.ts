import type { Command } from 'commander';
import { loadTaxonomy, topicCatalogue } from '../../digest/taxonomy.js';
import { PapermailError } from '../../errors.js';
import { readTextFile } from '../../file-errors.js';
import { parseSubscriberCsv, subscribersToCsv } from '../../subscribers/csv.js';
import { normaliseName, parseTopics } from '../../subscribers/email.js';
import type { SubscriberStore } from '../../subscribers/store.js';
import { emailArgument } from '../arguments.js';
import { loadCliContext, openStore, type CliContext } from '../context.js';

export function registerSubscriberCommands(program: Command): void {
  const subscribers = program.command('subscribers').description('manage the subscriber list');

  subscribers
    .command('add <email>')
    .description('add a subscriber (pending until they confirm, unless --confirmed)')
    .option('-n, --name <name>', 'display name')
    .option('-t, --topics <slugs>', 'comma-separated topic slugs (default: all topics)')
    .option('--confirmed', 'skip double opt-in (only for people who already agreed)')
    .action(async (email: string, options: { name?: string; topics?: string; confirmed?: boolean }) => {
      // Checked before the store is opened, so a typo creates no database file.
      const address = emailArgument('<email>')(email);
      await withStore(async ({ store, knownTopics }) => {
        const { subscriber, created } = await store.upsert({
          email: address,
          name: normaliseName(options.name),
          topics: parseTopics(options.topics, knownTopics),
          status: options.confirmed ? 'confirmed' : 'pending',
        });
        process.stdout.write(`${created ? 'added' : 'updated'} ${subscriber.email} (${subscriber.status})\n`);
      });
    });

  subscribers
    .command('remove <email>')
    .description('delete a subscriber and their delivery history')
    .action(async (email: string) =>
      withStore(async ({ store }) => {
        const address = emailArgument('<email>')(email);
        if (!(await store.remove(address))) throw new PapermailError('ENOTFOUND', `no subscriber ${address}`);
        process.stdout.write(`removed ${address}\n`);
      }),
    );

  subscribers
    .command('list')
    .description('list subscribers')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }) =>
      withStore(async ({ store }) => {
        for await (const subscriber of store.all()) {
          const line = options.json
            ? JSON.stringify(subscriber)
            : [subscriber.email, subscriber.status, subscriber.name ?? '', (subscriber.topics ?? ['all']).join(',')].join('\t');
          process.stdout.write(line + '\n');
        }
      }),
    );

  subscribers
    .command('import <file.csv>')
    .description('import a CSV with header email,name,status,topics (idempotent)')
    .action(async (file: string) => withStore((context) => importSubscriberFile(file, context)));

  subscribers
    .command('export')
    .description('write all subscribers as CSV to stdout')
    .action(async () =>
      withStore(async ({ store }) => {
        for await (const chunk of subscribersToCsv(store.all())) process.stdout.write(chunk);
      }),
    );
}

/** Imports a CSV file and prints one summary line; each skipped row is a warning with its line. */
export async function importSubscriberFile(file: string, { store, knownTopics, logger }: StoreContext): Promise<void> {
  const text = await readTextFile(file, 'EINPUT');
  const parsed = parseSubscriberCsv(text, { origin: file, knownTopics });
  const report = await store.importSubscribers(parsed.rows);
  const skipped = [...parsed.skipped, ...report.skipped].sort((a, b) => a.line - b.line);
  for (const row of skipped) logger.warn(`${file}: line ${row.line}: ${row.reason}`);
  process.stdout.write(
    `imported ${file}: ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${skipped.length} skipped\n`,
  );
}

export type StoreContext = CliContext & { store: SubscriberStore; knownTopics: string[] };

export async function withStore(
  work: (context: StoreContext) => Promise<void>,
): Promise<void> {
  const context = loadCliContext();
  const taxonomy = await loadTaxonomy(context.config.TOPICS_FILE);
  const knownTopics = topicCatalogue(taxonomy).map((topic) => topic.slug);
  const store = openStore(context);
  try {
    await work({ ...context, store, knownTopics });
  } finally {
    await store.close();
  }
}
