/**
 * Render: what personalising one copy of a 50-paper issue costs. Ours compiles MJML once per
 * issue and only runs the per-recipient Handlebars fill; the naive way compiles MJML for every
 * recipient.
 */
import { compileIssue, issueOptionsFrom } from '../src/render/index.js';
import { loadSampleDigest, recipientsFor } from './sample-day.js';
import { median, millisecondsPerAsyncCall, millisecondsPerCall, warmThenMeasure } from './stats.js';
import { benchConfig } from './workspace.js';

export interface RenderFigures {
  perRecipientMicros: number;
  naivePerRecipientMs: number;
  naiveOverOurs: number;
}

export async function measureRender(options: { runs: number; recipients: number; naiveRecipients: number }): Promise<RenderFigures> {
  const digest = await loadSampleDigest();
  const issueOptions = issueOptionsFrom(benchConfig());
  const recipients = recipientsFor(digest, options.recipients);
  const issue = await compileIssue(digest, issueOptions);

  const ours = await warmThenMeasure(options.runs, () =>
    millisecondsPerCall(recipients.length, (index) => issue.personalise(recipients[index]!)),
  );
  const naive = await warmThenMeasure(options.runs, () =>
    millisecondsPerAsyncCall(options.naiveRecipients, async (index) => (await compileIssue(digest, issueOptions)).personalise(recipients[index]!)),
  );
  const perRecipientMs = median(ours);
  const naivePerRecipientMs = median(naive);
  return { perRecipientMicros: perRecipientMs * 1000, naivePerRecipientMs, naiveOverOurs: naivePerRecipientMs / perRecipientMs };
}
