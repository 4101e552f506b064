import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EnvSchema, isSecretName, type Config, type SettingName } from '../../config/config.js';
import { displayUrl } from '../../delivery/transport.js';
import { describeStoreLocation, openStore, type StoreSettings } from '../../subscribers/open-store.js';
import type { LedgerCounts, SubscriberStatus } from '../../subscribers/store.js';
import { loadCliContext, storeExists, type CliContext } from '../context.js';
import { terminalText } from '../terminal.js';

/** How many of the latest issues `status` lists. */
const RECENT_ISSUES = 5;

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show the settings in use (secrets hidden), the store and its subscribers, the last issues, and where mail goes')
    .action(async () => {
      const context = loadCliContext();
      const store = await describeStore(context.config);
      process.stdout.write(terminalText([...describeSetup(context), ...store, '', 'settings:', ...describeSettings(context.config)].join('\n') + '\n'));
    });
}

function describeSetup({ config, envFile, settingsFolder }: CliContext): string[] {
  return [
    `settings: ${envFile ?? 'environment only (no .env found)'}; relative paths from ${settingsFolder}`,
    `mail:     ${config.SMTP_URL ? `SMTP ${displayUrl(config.SMTP_URL)}` : `no SMTP_URL: .eml files in ${resolve(config.OUTBOX_DIR)}`}`,
    `DKIM:     ${config.DKIM_DOMAIN && config.DKIM_SELECTOR && (config.DKIM_PRIVATE_KEY || config.DKIM_PRIVATE_KEY_FILE) ? `signing as ${config.DKIM_SELECTOR}._domainkey.${config.DKIM_DOMAIN}` : 'not configured'}`,
    `web:      ${config.PUBLIC_URL}${config.APP_SECRET ? '' : ' (development secret: APP_SECRET unset)'}; admin API ${config.ADMIN_TOKEN ? 'on' : 'off (ADMIN_TOKEN unset)'}`,
  ];
}

/** Which store (SQLite file or PostgreSQL), its subscribers by status and the latest issues with their ledgers; never creates a SQLite file. */
async function describeStore(config: StoreSettings): Promise<string[]> {
  const shown = describeStoreLocation(config);
  if (config.DATABASE_URL === undefined && !storeExists(config.DATABASE_PATH)) return [`store:    ${shown} does not exist yet (created on first use)`];
  const store = await openStore(config);
  try {
    const counts = await store.countByStatus();
    const issues = (await store.listIssues()).slice(0, RECENT_ISSUES);
    const lines = [`store:    ${shown}`, `subscribers: ${describeCounts(counts)}`];
    lines.push(issues.length === 0 ? 'issues: none sent yet' : 'last issues:');
    for (const issue of issues) lines.push(`  ${issue.date}  ${describeLedger(await store.ledgerCounts(issue.date))}  ${issue.subject}`);
    return lines;
  } finally {
    await store.close();
  }
}

function describeCounts(counts: Record<SubscriberStatus, number>): string {
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const parts = (Object.entries(counts) as Array<[SubscriberStatus, number]>).map(([status, count]) => `${count} ${status}`);
  return `${total} (${parts.join(', ')})`;
}

function describeLedger(counts: LedgerCounts): string {
  return (Object.entries(counts) as Array<[keyof LedgerCounts, number]>).map(([state, count]) => `${count} ${state}`).join(', ');
}

/** Every setting with the value in use (paths resolved); secrets only say whether they are set. */
function describeSettings(config: Config): string[] {
  return (Object.keys(EnvSchema.shape) as SettingName[]).map((name) => {
    const value = config[name];
    const shown = value === undefined ? '(unset)' : isSecretName(name) ? '(set, hidden)' : String(value);
    return `  ${name}=${shown}`;
  });
}
