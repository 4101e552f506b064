/**
 * The render bench's issue-8 figures, on the compiled dist/ as production runs them (see
 * papermail-sender.mjs for why not through tsx): the day's issue compiled once for every
 * selection, the MJML compiles that took, and what putting one reader's message together
 * costs with 2-6 random topics each — choosing their pieces, filling their slots, encoding
 * the slot values and writing the headers (their signed links are made beforehand: the send
 * bench counts those). argv[2] is the path of a job file { source, environment, runs,
 * recipients: [{ id, email, name, topics }] }; { type: 'result', result } goes back over IPC.
 * With history on (never the same paper twice), each reader's copy is first looked up in the map
 * a send works out once (src/delivery/paper-history.ts) and leaves out what they already got.
 */
import './heap-settings.mjs';
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../dist/config/config.js';
import { encodeIssue } from '../dist/delivery/encoded-issue.js';
import { assembleIssueMessage } from '../dist/delivery/message.js';
import { loadDailyDigest } from '../dist/digest/daily-digest.js';
import { paperSetOf } from '../dist/digest/paper-set.js';
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
/**
 * The history a send would find: a few of today's papers were listed on an earlier day (three,
 * spread over the ranking), and four readers in five got some of them then (which, seeded per
 * reader), so they have a set to leave out; the rest have none and are not in the map.
 */
const repeated = [2, 9, 21].filter((position) => position < parts.papers.length);
const history = new Map();
let seed = 20_251_002;
const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
for (const reader of readers) {
  if (next() >= 0.8) continue;
  const got = repeated.filter(() => next() < 0.5);
  if (got.length > 0) history.set(reader.id, paperSetOf(got));
}
let withHistory = false;
let assembled = 0;
const assembleOne = (reader) => {
  const selection = withHistory ? parts.select(reader.topics, history.get(reader.id)) : parts.select(reader.topics);
  if (!selection) return;
  const message = assembleIssueMessage({
    issue: encoded,
    copy: selection.copyFor({ name: reader.name, email: reader.email, unsubscribeUrl: reader.links.unsubscribeUrl, preferencesUrl: reader.links.preferencesUrl, viewInBrowserUrl: reader.links.viewInBrowserUrl, voteUrl: reader.links.voteUrl }),
    recipient: reader,
    config,
    issueDate: digest.date,
    unsubscribeUrl: reader.links.unsubscribeUrl,
  });
  assembled += message.body.length;
};
// Warm-up passes until the compiler has seen at least 6,000 copies (a send of a few thousand
// recipients is past that within seconds), then the measured passes: each the mean over every
// reader; the median of them. Without history, then with.
const measured = () => {
  for (let warmed = 0; warmed < 6_000; warmed += readers.length) for (const reader of readers) assembleOne(reader);
  const perCall = [];
  for (let run = 0; run < job.runs; run += 1) {
    const startedAt = performance.now();
    for (const reader of readers) assembleOne(reader);
    perCall.push((performance.now() - startedAt) / readers.length);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)];
};
const assembleMs = measured();
withHistory = true;
const assembleWithHistoryMs = measured();
if (assembled === 0) throw new Error('nothing was assembled');
if (history.size === 0) throw new Error('no reader had a history');
process.send?.({ type: 'result', result: { compilesPerIssue: mjmlCompilations() - before, assembleMs, assembleWithHistoryMs, readersWithHistory: history.size / readers.length } });
process.disconnect?.();
