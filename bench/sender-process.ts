/**
 * The ceiling's measured send, in a process of its own so its peak RSS is its own: plain
 * Nodemailer with the same pool settings and the same number of messages in flight, sending
 * one pre-rendered papermail message `count` times. argv[2] is a SenderJob (JSON); the
 * SenderResult goes back over IPC. papermail's own sender is papermail-sender.mjs (dist/).
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { loadDailyDigest } from '../src/digest/daily-digest.js';
import { recipientLinks } from '../src/links/public-links.js';
import { createLogger } from '../src/logger.js';
import { createIssueRenderer, issueOptionsFrom } from '../src/render/index.js';
import { plainMessage } from './plain-message.js';
import { subscriberAddress } from './seed.js';
import { benchConfig, FULL_DAY_SOURCE } from './workspace.js';

export interface SenderJob {
  mode: 'ceiling';
  smtpUrl: string;
  count: number;
}

export interface SenderResult {
  sent: number;
  /** From just before connecting to the last accepted message. */
  durationMs: number;
  perSecond: number;
  /**
   * CPU time (user + system) of the whole job after start-up, per message: loading and
   * rendering the day once, then sending. Much less disturbed by other work on the machine
   * than the wall-clock rate, since both senders are bound by CPU.
   */
  cpuMsPerMessage: number;
  /** Peak resident set size of this process. */
  maxRssMB: number;
  /** papermail's sender only: wall-clock start and end of its send, ms since the epoch. */
  startedAt?: number;
  endedAt?: number;
}

/** Papermail's transport keeps 100 messages per connection; the ceiling gets the same. */
const MESSAGES_PER_CONNECTION = 100;

const job = JSON.parse(process.argv[2] ?? '{}') as SenderJob;
const cpuAtStart = process.cpuUsage();
const result = await sendCeiling(job);
process.send?.({ type: 'result', result });
process.disconnect?.();

async function sendCeiling(job: SenderJob): Promise<SenderResult> {
  const mail = await preRenderedMessage();
  const config = benchConfig();
  const mailer = nodemailer.createTransport({
    url: job.smtpUrl,
    pool: true,
    maxConnections: config.SMTP_POOL_CONNECTIONS,
    maxMessages: MESSAGES_PER_CONNECTION,
    logger: false,
  });
  try {
    const startedAt = performance.now();
    await mailer.verify();
    let next = 0;
    let sent = 0;
    // Papermail keeps twice the pool size in flight (send-issue.ts): so does the ceiling.
    const worker = async () => {
      while (next < job.count) {
        next += 1;
        const info = await mailer.sendMail(mail);
        if (info.accepted.length === 1) sent += 1;
      }
    };
    await Promise.all(Array.from({ length: config.SMTP_POOL_CONNECTIONS * 2 }, worker));
    return measured(sent, performance.now() - startedAt);
  } finally {
    mailer.close();
  }
}

/** The issue as papermail would send it to its first subscriber, built once. */
async function preRenderedMessage(): Promise<SendMailOptions> {
  const config = benchConfig();
  const { digest } = await loadDailyDigest({ source: FULL_DAY_SOURCE, config, logger: createLogger('warn') });
  const issue = await createIssueRenderer(digest, issueOptionsFrom(config)).forTopics(null);
  if (!issue) throw new Error('the sample day produced no issue');
  const recipient = { id: 1, email: subscriberAddress(1), name: null };
  const links = recipientLinks(config, recipient, digest.date);
  const personalised = issue.personalise({ name: null, email: recipient.email, ...links });
  return plainMessage(config, personalised, recipient, links.unsubscribeUrl, digest.date);
}

function measured(sent: number, durationMs: number): SenderResult {
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    sent,
    durationMs,
    perSecond: durationMs > 0 ? (sent * 1000) / durationMs : 0,
    cpuMsPerMessage: sent > 0 ? (cpu.user + cpu.system) / 1000 / sent : 0,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}
