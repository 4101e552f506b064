/**
 * `npx tsx bench/assemble.ts [--messages 2000] [--runs 3]` — per-message CPU of a message
 * assembled from an issue encoded once and sent as raw bytes, against plain Nodemailer
 * `sendMail({ html, text })` of the same content, both through a pool of 5 to a loopback SMTP
 * sink in its own process (smtp-sink-process.ts). Each run measures both senders back to back
 * in fresh processes, alternating which goes first; the figures are medians over the runs,
 * after one warm-up pair. Also: the in-process time to assemble one copy (no sending).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assembleIssueMessage } from '../src/delivery/message.js';
import { messageBytes } from '../src/delivery/assembled-message.js';
import { recipientLinks } from '../src/links/public-links.js';
import { createIssueRenderer, issueOptionsFrom } from '../src/render/index.js';
import type { AssembleJob, AssembleResult } from './assemble-sender.js';
import { encodedSample } from './encoded-sample.js';
import { runForResult } from './processes.js';
import { loadSampleDigest } from './sample-day.js';
import { subscriberAddress } from './seed.js';
import { startSinkProcess } from './sink.js';
import { median, round } from './stats.js';
import { benchConfig, REPO_ROOT } from './workspace.js';

const SENDER = path.join(REPO_ROOT, 'bench', 'assemble-sender.ts');

const { values } = parseArgs({ options: { messages: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' } } });
const count = Number(values.messages);
const runs = Number(values.runs);

console.log(`assembly: ${round(await assembleMicros(2000), 1)} µs per copy (median of 2,000 recipients, 50-paper issue, no sending)`);

const sink = await startSinkProcess();
try {
  const pairs: Array<{ assembled: AssembleResult; plain: AssembleResult }> = [];
  for (let run = -1; run < runs; run += 1) {
    const size = run < 0 ? Math.min(count, 300) : count;
    const order: Array<AssembleJob['mode']> = run % 2 === 0 ? ['assembled', 'plain'] : ['plain', 'assembled'];
    const pair: Partial<Record<AssembleJob['mode'], AssembleResult>> = {};
    for (const mode of order) pair[mode] = await measured(mode, size);
    const { assembled, plain } = pair as { assembled: AssembleResult; plain: AssembleResult };
    console.log(
      `  ${run < 0 ? 'warm-up' : `run ${run + 1}/${runs}`} (${size} messages): assembled ${describe(assembled)}, plain sendMail ${describe(plain)}`,
    );
    if (run >= 0) pairs.push({ assembled, plain });
  }
  const assembledCpu = median(pairs.map((pair) => pair.assembled.cpuMsPerMessage));
  const plainCpu = median(pairs.map((pair) => pair.plain.cpuMsPerMessage));
  console.log(`CPU per message: assembled ${round(assembledCpu, 2)} ms, plain sendMail ${round(plainCpu, 2)} ms; ratio plain / assembled ${round(plainCpu / assembledCpu, 2)}`);
  console.log(
    `messages per second: assembled ${round(median(pairs.map((pair) => pair.assembled.perSecond)))}, plain ${round(median(pairs.map((pair) => pair.plain.perSecond)))}; ratio ${round(median(pairs.map((pair) => pair.assembled.perSecond / pair.plain.perSecond)), 2)}`,
  );
} finally {
  await sink.close();
}

async function measured(mode: AssembleJob['mode'], size: number): Promise<AssembleResult> {
  sink.reset();
  const job: AssembleJob = { mode, smtpUrl: sink.url, count: size };
  const result = await runForResult<AssembleResult>(SENDER, [JSON.stringify(job)]);
  const { accepted } = await sink.stats();
  if (result.sent !== size || accepted !== size) throw new Error(`${mode}: ${result.sent} sent, ${accepted} accepted by the sink, ${size} expected`);
  return result;
}

function describe(result: AssembleResult): string {
  return `${result.perSecond.toFixed(0)} msg/s, ${result.cpuMsPerMessage.toFixed(2)} ms CPU/msg`;
}

/** Slot values, headers and the joined bytes of one copy: what a sender does per recipient before the transport. */
async function assembleMicros(recipients: number): Promise<number> {
  const config = benchConfig();
  const digest = await loadSampleDigest();
  const compiled = (await createIssueRenderer(digest, issueOptionsFrom(config)).forTopics(null))!;
  const sample = encodedSample(compiled);
  const people = Array.from({ length: recipients }, (_, index) => {
    const id = index + 1;
    const email = subscriberAddress(id);
    return { recipient: { id, email, name: id % 3 === 0 ? `Reader Number ${id}` : null }, links: recipientLinks(config, { id, email }, digest.date) };
  });
  const times: number[] = [];
  let bytes = 0;
  for (const { recipient, links } of [...people, ...people]) {
    const start = performance.now();
    const copy = sample.copyFor({ name: recipient.name, email: recipient.email, ...links });
    const message = assembleIssueMessage({ issue: sample.issue, copy, recipient, config, unsubscribeUrl: links.unsubscribeUrl, issueDate: digest.date });
    bytes += messageBytes(message).length;
    times.push((performance.now() - start) * 1000);
  }
  if (bytes === 0) throw new Error('nothing assembled');
  // The first pass warms up; the second is measured.
  return median(times.slice(recipients));
}
