/**
 * `papermail report [--date D] [--json]`: what happened to each issue after the relay took it
 * — accepted, delivered, bounced (hard, soft), complained, unsubscribed, deferred — with the
 * bounce and complaint rates and a warning line where one is above its line (Gmail's 0.3 %
 * for complaints). Reads the store only; a SQLite store that does not exist yet is not created.
 */
import type { Command } from 'commander';
import { parseIssueId } from '../../digest/issue-id.js';
import { deliveryReportDocument, deliveryReportText } from '../../feedback/delivery-report.js';
import { describeStoreLocation, openStore } from '../../subscribers/open-store.js';
import { loadCliContext, storeExists } from '../context.js';

interface ReportOptions {
  date?: string;
  json?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('show what happened to each issue: accepted, delivered, bounced, complained, unsubscribed, deferred, and the rates')
    .option('--date <YYYY-MM-DD|YYYY-Www>', "only this issue: a day's, or a weekly issue's week", (value: string) => parseIssueId(value, '--date'))
    .option('--json', 'print the report as one JSON document (what GET /admin/report answers)')
    .action(async (options: ReportOptions) => {
      const { config } = loadCliContext();
      const noStoreYet = config.DATABASE_URL === undefined && !storeExists(config.DATABASE_PATH);
      const issues = noStoreYet ? [] : await readReport(config, options.date);
      const document = deliveryReportDocument(issues);
      if (options.json) {
        process.stdout.write(JSON.stringify(document) + '\n');
        return;
      }
      if (issues.length === 0) {
        const what = options.date === undefined ? 'no issue has been sent yet' : `no issue of ${options.date} has been sent`;
        process.stdout.write(`${what} (store: ${describeStoreLocation(config)})\n`);
        return;
      }
      process.stdout.write(deliveryReportText(document).join('\n') + '\n');
    });
}

async function readReport(config: Parameters<typeof openStore>[0], date: string | undefined) {
  const store = await openStore(config);
  try {
    return await store.deliveryReport(date);
  } finally {
    await store.close();
  }
}
