/**
 * Render: what personalising one copy of a 50-paper issue costs. Ours compiles MJML once per
 * issue and only runs the per-recipient Handlebars fill; the naive way compiles MJML for every
 * recipient. Then the issue-8 pipeline: the issue compiled once for every selection, and what
 * assembling one reader's message costs when readers pick 2-6 topics each.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compileIssue, issueOptionsFrom } from '../src/render/index.js';
import { runForResult } from './processes.js';
import { loadSampleDigest, recipientsFor } from './sample-day.js';
import { topicPicker } from './seed.js';
import { median, millisecondsPerAsyncCall, millisecondsPerCall, warmThenMeasure } from './stats.js';
import { benchConfig, buildDist, FULL_DAY_SOURCE, REPO_ROOT, scratchFolder, SENDER_ENVIRONMENT } from './workspace.js';

export interface RenderFigures {
  perRecipientMicros: number;
  naivePerRecipientMs: number;
  naiveOverOurs: number;
  /** MJML compiles for the issue and every reader's copy, varied topics (the archive version is not counted). */
  compilesPerIssue: number;
  /** One reader's message from the encoded issue, varied topics: selection, copy, slots and headers. */
  assembleMicros: number;
  /** The same with history on: four readers in five have a few papers to leave out (never the same paper twice). */
  assembleMicrosWithHistory: number;
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
  const { compilesPerIssue, assembleMs, assembleWithHistoryMs } = await measureAssembly(recipients, options.runs);
  const perRecipientMs = median(ours);
  const naivePerRecipientMs = median(naive);
  return {
    perRecipientMicros: perRecipientMs * 1000,
    naivePerRecipientMs,
    naiveOverOurs: naivePerRecipientMs / perRecipientMs,
    compilesPerIssue,
    assembleMicros: assembleMs * 1000,
    assembleMicrosWithHistory: assembleWithHistoryMs * 1000,
  };
}

/** Runs on dist/ in a process of its own (assembly-process.mjs), as production runs it. */
async function measureAssembly(
  recipients: ReturnType<typeof recipientsFor>,
  runs: number,
): Promise<{ compilesPerIssue: number; assembleMs: number; assembleWithHistoryMs: number }> {
  await buildDist();
  const pick = await topicPicker();
  const scratch = await scratchFolder('bench-assembly');
  try {
    const jobFile = path.join(scratch.folder, 'job.json');
    const readers = recipients.map((fields, index) => ({ id: index + 1, email: fields.email, name: fields.name ?? null, topics: pick() }));
    await writeFile(jobFile, JSON.stringify({ source: FULL_DAY_SOURCE, environment: SENDER_ENVIRONMENT, runs, recipients: readers }));
    return await runForResult(path.join(REPO_ROOT, 'bench', 'assembly-process.mjs'), [jobFile]);
  } finally {
    await scratch.remove();
  }
}
