/**
 * The delivery report as people read it: `papermail report` prints it as a table (or JSON
 * with --json), GET /admin/report serves the same JSON. The counts come from the store
 * (DeliveryEventStore.deliveryReport); this adds the warnings, against the lines the big
 * mailbox providers hold senders to.
 */
import type { IssueDeliveryReport } from './event-store.js';

/** Gmail's bulk-sender rule: spam complaints below 0.3 % of what was delivered. */
export const COMPLAINT_RATE_LINE = 0.003;
/**
 * Bounces worth a look: above 2 % of what was handed over. Lists that keep clean stay well
 * under it; Amazon SES puts an account under review from 5 %.
 */
export const BOUNCE_RATE_LINE = 0.02;

export interface DeliveryWarning {
  issueDate: string;
  rate: 'complaint' | 'bounce';
  value: number;
  line: number;
  message: string;
}

/** What `report --json` prints and GET /admin/report answers. */
export interface DeliveryReportDocument {
  /** Newest issue first. */
  issues: IssueDeliveryReport[];
  warnings: DeliveryWarning[];
}

export function deliveryReportDocument(issues: IssueDeliveryReport[]): DeliveryReportDocument {
  return { issues, warnings: issues.flatMap(warningsFor) };
}

function warningsFor(report: IssueDeliveryReport): DeliveryWarning[] {
  const warnings: DeliveryWarning[] = [];
  if (report.complaintRate > COMPLAINT_RATE_LINE) {
    warnings.push({
      issueDate: report.issueDate,
      rate: 'complaint',
      value: report.complaintRate,
      line: COMPLAINT_RATE_LINE,
      message:
        `${report.issueDate}: complaint rate ${percent(report.complaintRate)} is above Gmail's ${percent(COMPLAINT_RATE_LINE)} line ` +
        `(${report.complained} of ${report.accepted}); mail only people who asked for it, and make unsubscribing easy`,
    });
  }
  if (report.bounceRate > BOUNCE_RATE_LINE) {
    const bounced = report.bounced.hard + report.bounced.soft;
    warnings.push({
      issueDate: report.issueDate,
      rate: 'bounce',
      value: report.bounceRate,
      line: BOUNCE_RATE_LINE,
      message:
        `${report.issueDate}: bounce rate ${percent(report.bounceRate)} is above ${percent(BOUNCE_RATE_LINE)} ` +
        `(${report.bounced.hard} hard, ${report.bounced.soft} soft); check where the list came from`,
    });
  }
  return warnings;
}

const COLUMNS = ['issue', 'accepted', 'delivered', 'hard', 'soft', 'complained', 'unsubscribed', 'deferred', 'bounce rate', 'complaint rate'] as const;

/** The report as a text table, one line per issue, and a "warning:" line per rate over its line. */
export function deliveryReportText(document: DeliveryReportDocument): string[] {
  const rows = document.issues.map((report) => [
    report.issueDate,
    String(report.accepted),
    String(report.delivered),
    String(report.bounced.hard),
    String(report.bounced.soft),
    String(report.complained),
    String(report.unsubscribed),
    String(report.deferred),
    percent(report.bounceRate),
    percent(report.complaintRate),
  ]);
  const widths = COLUMNS.map((column, index) => Math.max(column.length, ...rows.map((row) => row[index]!.length)));
  // The date left-aligned, every number right-aligned under its heading.
  const line = (cells: readonly string[]) =>
    cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ').trimEnd();
  return [line(COLUMNS), ...rows.map(line), ...document.warnings.map((warning) => `warning: ${warning.message}`)];
}

/** 0.0031 → "0.31 %". */
function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)} %`;
}
