/**
 * The personal bench's cost figure, on the compiled dist/ as production runs it (see
 * papermail-sender.mjs for why not through tsx): one reader's message assembled with their "For
 * you" block — their stored model parsed and validated, their choice made against the day read
 * once, their copy and message put together — against the same readers' messages without it.
 * argv[2] is the path of a job file { source, environment, runs, vocabulary, models, recipients:
 * [{ id, email, name }] }: `models` are stored model JSON texts, recipient i gets models[i % n].
 * { type: 'result', result: { extraMs, plainMs } } goes back over IPC.
 */
import './heap-settings.mjs';
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../dist/config/config.js';
import { encodeIssue } from '../dist/delivery/encoded-issue.js';
import { assembleIssueMessage } from '../dist/delivery/message.js';
import { loadDailyDigest } from '../dist/digest/daily-digest.js';
import { createVectoriser } from '../dist/digest/text-features.js';
import { recipientLinks } from '../dist/links/public-links.js';
import { silentLogger } from '../dist/logger.js';
import { dayFeatures } from '../dist/personal/for-you.js';
import { personalisationOf } from '../dist/personal/issue-personalisation.js';
import { createIssueRenderer, issueOptionsFrom } from '../dist/render/index.js';
import { rankedPapers } from '../dist/render/issue-view.js';

const job = JSON.parse(await readFile(process.argv[2], 'utf8'));
const config = loadConfig(job.environment);
const { digest } = await loadDailyDigest({ source: job.source, config, logger: silentLogger });
const readers = job.recipients.map((reader) => ({ ...reader, links: recipientLinks(config, reader, digest.date) }));
const parts = await createIssueRenderer(digest, issueOptionsFrom(config)).parts();
const encoded = encodeIssue(parts.pieces);
// Once per issue, as a send does: the day's papers read with the vocabulary.
const day = dayFeatures(rankedPapers(digest), createVectoriser(JSON.parse(job.vocabulary)));
const stored = new Map(readers.map((reader, index) => [reader.id, { subscriberId: reader.id, json: job.models[index % job.models.length], trainedAt: '2025-10-01T00:00:00.000Z' }]));

let blocks = 0;
let assembled = 0;
const assembleOne = (reader, personal) => {
  const chosen = personal?.copyFor(reader.id, undefined);
  if (chosen && chosen.choice.forYou.length > 0) blocks += 1;
  const selection = parts.select(null, chosen?.leaveOut);
  const fields = { name: reader.name, email: reader.email, ...reader.links };
  const message = assembleIssueMessage({ issue: encoded, copy: selection.copyFor(fields, chosen?.choice.forYou), recipient: reader, config, issueDate: digest.date, unsubscribeUrl: reader.links.unsubscribeUrl });
  assembled += message.body.length;
};
/**
 * One pass over every reader, ms of this process's CPU per reader (CPU time, not wall time: on a
 * shared machine other work stretches wall time far more than the few µs measured here); with a
 * block, their models loaded first as a claimed batch would have them.
 */
const pass = async (withBlock) => {
  const personal = withBlock ? personalisationOf(day, async (ids) => new Map(ids.map((id) => [id, stored.get(id)])), silentLogger) : undefined;
  await personal?.loadBatch(readers.map((reader) => reader.id));
  const startedAt = process.cpuUsage();
  for (const reader of readers) assembleOne(reader, personal);
  const used = process.cpuUsage(startedAt);
  return (used.user + used.system) / 1000 / readers.length;
};
// Warm-up until the compiler has seen at least 6,000 copies of each, then alternating pairs.
for (let warmed = 0; warmed < 6_000; warmed += readers.length) {
  await pass(true);
  await pass(false);
}
const extra = [];
const plain = [];
for (let run = 0; run < job.runs; run += 1) {
  const first = run % 2 === 0;
  const a = await pass(first);
  const b = await pass(!first);
  const [withBlock, without] = first ? [a, b] : [b, a];
  extra.push(withBlock - without);
  plain.push(without);
}
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
if (assembled === 0 || blocks === 0) throw new Error('no copy was assembled with a block');
process.send?.({ type: 'result', result: { extraMs: median(extra), plainMs: median(plain) } });
process.disconnect?.();
