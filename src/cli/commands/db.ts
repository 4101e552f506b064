import type { Command } from 'commander';
import { EnvSchema } from '../../config/config.js';
import { PapermailError } from '../../errors.js';
import { displayDatabaseUrl } from '../../subscribers/database-url.js';
import { openPostgresStore } from '../../subscribers/postgres-store.js';
import { openSqliteStore } from '../../subscribers/sqlite-store.js';
import type { CopyCount, CopyReport } from '../../subscribers/store-copy.js';
import { loadCliContext, storeExists } from '../context.js';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('move the store');
  db.command('copy')
    .description(
      'copy the SQLite store at DATABASE_PATH (subscribers, preferences, suppressions, ledger, delivery events, archive, frozen issues, readers\' votes, interests and models) into PostgreSQL; ' +
        'run it again to copy what is new (rows PostgreSQL has already are kept as they are)',
    )
    .requiredOption('--to <url>', 'the PostgreSQL database: postgres://user:password@host:5432/database', databaseUrlArgument)
    .action(async (options: { to: string }) => {
      const { config } = loadCliContext();
      const path = config.DATABASE_PATH;
      if (!storeExists(path)) throw new PapermailError('EUSAGE', `there is no SQLite store at ${path} to copy (DATABASE_PATH)`);
      const source = openSqliteStore(path);
      try {
        const target = await openPostgresStore(options.to);
        try {
          const report = await target.receiveCopy(source);
          process.stdout.write(`copied ${path} to ${displayDatabaseUrl(options.to)}: ${describeCopy(report)}\n`);
          if (config.DATABASE_URL !== options.to) {
            process.stdout.write('to use it, set DATABASE_URL to that URL (and stop every papermail still writing the SQLite file first)\n');
          }
        } finally {
          await target.close();
        }
      } finally {
        await source.close();
      }
    });
}

/** `--to`: a postgres:// URL, checked as DATABASE_URL is; the value is never echoed (it may hold a password). */
function databaseUrlArgument(value: string): string {
  const result = EnvSchema.shape.DATABASE_URL.safeParse(value.trim());
  if (!result.success || result.data === undefined) {
    throw new PapermailError('EUSAGE', `--to must be ${EnvSchema.shape.DATABASE_URL.description ?? 'a postgres:// URL'} (got value hidden)`);
  }
  return result.data;
}

function describeCopy(report: CopyReport): string {
  const part = (count: CopyCount, one: string, many: string) =>
    `${count.copied} ${count.copied === 1 ? one : many}${count.alreadyThere > 0 ? ` (${count.alreadyThere} already there)` : ''}`;
  return [
    part(report.subscribers, 'subscriber', 'subscribers'),
    part(report.deliveries, 'ledger row', 'ledger rows'),
    part(report.events, 'delivery event', 'delivery events'),
    part(report.issues, 'archived issue', 'archived issues'),
    part(report.days, 'frozen issue', 'frozen issues'),
    part(report.votes, 'vote', 'votes'),
    part(report.interests, "reader's interests", "readers' interests"),
    part(report.models, 'reader model', 'reader models'),
    part(report.vocabulary, 'vocabulary', 'vocabularies'),
  ].join(', ');
}
