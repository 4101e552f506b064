/**
 * One measured sender for bench/assemble.ts, in its own process so its CPU time is its own.
 * argv[2] is an AssembleJob (JSON); the AssembleResult goes back over IPC.
 *  - assembled: per message, the recipient's copy (slot values), the message assembled from
 *    the issue encoded once (encoded-sample.ts stands in for the render side), handed to
 *    papermail's SMTP transport as raw bytes.
 *  - plain:     plain Nodemailer `sendMail({ html, text, … })` of the same personalised content,
 *    composed by Nodemailer for every message (the ceiling of bench/send.ts).
 * Both use the pool settings of src/delivery/transport.ts and keep 10 messages in flight.
 * Setup (sample day, MJML compile, encoding, tokens) is done before the measured loop.
 */
import nodemailer from 'nodemailer';
import { assembleIssueMessage } from '../src/delivery/message.js';
import { createTransport } from '../src/delivery/transport.js';
import { recipientLinks } from '../src/links/public-links.js';
import { createIssueRenderer, issueOptionsFrom } from '../src/render/index.js';
import { encodedSample } from './encoded-sample.js';
import { plainMessage } from './plain-message.js';
import { loadSampleDigest } from './sample-day.js';
import { subscriberAddress } from './seed.js';
import { benchConfig } from './workspace.js';

export interface AssembleJob {
  mode: 'assembled' | 'plain';
  smtpUrl: string;
  count: number;
}

export interface AssembleResult {
  sent: number;
  perSecond: number;
  /** CPU time (user + system) of the send loop only, per message. */
  cpuMsPerMessage: number;
}

const IN_FLIGHT = 10;

const job = JSON.parse(process.argv[2] ?? '{}') as AssembleJob;
const config = benchConfig({ SMTP_URL: job.smtpUrl });
const digest = await loadSampleDigest();
const compiled = (await createIssueRenderer(digest, issueOptionsFrom(config)).forTopics(null))!;
const recipients = Array.from({ length: job.count }, (_, index) => {
  const id = index + 1;
  const email = subscriberAddress(id);
  const name = id % 3 === 0 ? `Reader Number ${id}` : null;
  return { recipient: { id, email, name }, links: recipientLinks(config, { id, email }, digest.date) };
});

const send = job.mode === 'assembled' ? assembledSender() : plainSender();
await send.ready();
const cpuAtStart = process.cpuUsage();
const startedAt = performance.now();
let next = 0;
let sent = 0;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < job.count) {
      const index = next++;
      if (await send.one(index)) sent += 1;
    }
  }),
);
const durationMs = performance.now() - startedAt;
const cpu = process.cpuUsage(cpuAtStart);
send.close();
const result: AssembleResult = { sent, perSecond: (sent * 1000) / durationMs, cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / sent };
process.send?.({ type: 'result', result });
process.disconnect?.();

function assembledSender() {
  const sample = encodedSample(compiled);
  const transport = createTransport(config);
  return {
    ready: () => transport.verify(),
    async one(index: number) {
      const { recipient, links } = recipients[index]!;
      const copy = sample.copyFor({ name: recipient.name, email: recipient.email, ...links });
      const message = assembleIssueMessage({ issue: sample.issue, copy, recipient, config, unsubscribeUrl: links.unsubscribeUrl, issueDate: digest.date });
      return (await transport.send(message)).accepted;
    },
    close: () => transport.close(),
  };
}

function plainSender() {
  const { recipient, links } = recipients[0]!;
  const issue = compiled.personalise({ name: recipient.name, email: recipient.email, ...links });
  const mail = plainMessage(config, issue, recipient, links.unsubscribeUrl, digest.date);
  const mailer = nodemailer.createTransport({ url: job.smtpUrl, pool: true, maxConnections: config.SMTP_POOL_CONNECTIONS, maxMessages: 100, logger: false });
  return {
    ready: () => mailer.verify(),
    async one() {
      const info = await mailer.sendMail(mail);
      return info.accepted.length === 1;
    },
    close: () => mailer.close(),
  };
}
