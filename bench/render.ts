/**
 * Render: what personalising one copy of a 50-paper issue costs. Ours compiles MJML once per
 * issue and only runs the per-recipient Handlebars fill; the naive way compiles MJML for every
 * recipient. Then the issue-8 pipeline: the issue compiled once for every selection, and what
 * assembling one reader's message costs when readers pick 2-6 topics each.
 */
import { encodeIssue } from '../src/delivery/encoded-issue.js';
import { assembleIssueMessage } from '../src/delivery/message.js';
import { compileIssue, createIssueRenderer, issueOptionsFrom, mjmlCompilations } from '../src/render/index.js';
import { loadSampleDigest, recipientsFor } from './sample-day.js';
import { topicPicker } from './seed.js';
import { median, millisecondsPerAsyncCall, millisecondsPerCall, warmThenMeasure } from './stats.js';
import { benchConfig } from './workspace.js';

export interface RenderFigures {
  perRecipientMicros: number;
  naivePerRecipientMs: number;
  naiveOverOurs: number;
  /** MJML compiles for the issue and every reader's copy, varied topics (the archive version is not counted). */
  compilesPerIssue: number;
  /** One reader's message from the encoded issue, varied topics: selection, copy, slots and headers. */
  assembleMicros: number;
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
  const { compilesPerIssue, assembleMs } = await measureAssembly(digest, recipients, options.runs);
  const perRecipientMs = median(ours);
  const naivePerRecipientMs = median(naive);
  return {
    perRecipientMicros: perRecipientMs * 1000,
    naivePerRecipientMs,
    naiveOverOurs: naivePerRecipientMs / perRecipientMs,
    compilesPerIssue,
    assembleMicros: assembleMs * 1000,
  };
}

async function measureAssembly(digest: Awaited<ReturnType<typeof loadSampleDigest>>, recipients: ReturnType<typeof recipientsFor>, runs: number) {
  const config = benchConfig();
  const pick = await topicPicker();
  const selections = recipients.map(() => pick());
  const before = mjmlCompilations();
  const parts = await createIssueRenderer(digest, issueOptionsFrom(config)).parts();
  const encoded = encodeIssue(parts.pieces);
  const assembleOne = (index: number) => {
    const fields = recipients[index]!;
    const selection = parts.select(selections[index]!);
    if (!selection) return undefined;
    return assembleIssueMessage({
      issue: encoded,
      copy: selection.copyFor(fields),
      recipient: { id: index + 1, email: fields.email, name: fields.name ?? null },
      config,
      issueDate: digest.date,
      unsubscribeUrl: fields.unsubscribeUrl,
    });
  };
  const assembled = await warmThenMeasure(runs, () => millisecondsPerCall(recipients.length, assembleOne));
  return { compilesPerIssue: mjmlCompilations() - before, assembleMs: median(assembled) };
}
