/**
 * The render bench's issue-8 figures, on the compiled dist/ as production runs them (see
 * papermail-sender.mjs for why not through tsx): the day's issue compiled once for every
 * selection, the MJML compiles that took, and what putting one reader's message together
 * costs with 2-6 random topics each — choosing their pieces, filling their slots, encoding
 * the slot values and writing the headers (their signed links are made beforehand: the send
 * bench counts those). argv[2] is the path of a job file { source, environment, runs,
 * recipients: [{ id, email, name, topics }] }; { type: 'result', result } goes back over IPC.
 */
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../dist/config/config.js';
import { encodeIssue } from '../dist/delivery/encoded-issue.js';
import { assembleIssueMessage } from '../dist/delivery/message.js';
import { loadDailyDigest } from '../dist/digest/daily-digest.js';
import { recipientLinks } from '../dist/links/public-links.js';
import { silentLogger } from '../dist/logger.js';
import { createIssueRenderer, issueOptionsFrom, mjmlCompilations } from '../dist/render/index.js';

const job = JSON.parse(await readFile(process.argv[2], 'utf8'));
const config = loadConfig(job.environment);
const { digest } = await loadDailyDigest({ source: job.source, config, logger: silentLogger });
const readers = job.recipients.map((reader) => ({ ...reader, links: recipientLinks(config, reader, digest.date) }));

const before = mjmlCompilations();
const parts = await createIssueRenderer(digest, issueOptionsFrom(config)).parts();
const encoded = encodeIssue(parts.pieces);
let assembled = 0;
const assembleOne = (reader) => {
  const selection = parts.select(reader.topics);
  if (!selection) return;
  const message = assembleIssueMessage({
    issue: encoded,
    copy: selection.copyFor({ name: reader.name, email: reader.email, unsubscribeUrl: reader.links.unsubscribeUrl, preferencesUrl: reader.links.preferencesUrl, viewInBrowserUrl: reader.links.viewInBrowserUrl }),
    recipient: reader,
    config,
    issueDate: digest.date,
    unsubscribeUrl: reader.links.unsubscribeUrl,
  });
  assembled += message.body.length;
};
// Warm-up passes until the compiler has seen at least 6,000 copies (a send of a few thousand
// recipients is past that within seconds), then the measured passes: each the mean over every reader.
for (let warmed = 0; warmed < 6_000; warmed += readers.length) for (const reader of readers) assembleOne(reader);
const perCall = [];
for (let run = 0; run < job.runs; run += 1) {
  const startedAt = performance.now();
  for (const reader of readers) assembleOne(reader);
  perCall.push((performance.now() - startedAt) / readers.length);
}
if (assembled === 0) throw new Error('nothing was assembled');
perCall.sort((a, b) => a - b);
process.send?.({ type: 'result', result: { compilesPerIssue: mjmlCompilations() - before, assembleMs: perCall[Math.floor(perCall.length / 2)] } });
process.disconnect?.();
