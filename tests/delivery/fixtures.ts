/** Shared set-up for delivery tests: config, a small two-topic issue, subscribers, a real SMTP sink. */
import { afterEach } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { AssembledMessage } from '../../src/delivery/assembled-message.js';
import { encodeIssue } from '../../src/delivery/encoded-issue.js';
import { assembleIssueMessage, type AssembledMessageRequest } from '../../src/delivery/message.js';
import { createTransport, type MailTransport } from '../../src/delivery/transport.js';
import type { Digest } from '../../src/digest/paper.js';
import { recipientLinks, type RecipientLinks } from '../../src/links/public-links.js';
import { createIssueRenderer, issueOptionsFrom, type IssueRenderer } from '../../src/render/index.js';
import type { NewSubscriber, Subscriber, SubscriberStore } from '../../src/subscribers/store.js';
import { digestOf, paper } from '../builders.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../support/smtp-sink.js';

export const ISSUE_DATE = '2025-09-30';

/** Port 9 (discard) on loopback: connections are refused at once, as in the CLI sandbox. */
export const UNREACHABLE_API = 'http://127.0.0.1:9/';

/** Settings for delivery tests; the papers API points nowhere and is asked once, so no test reaches the network. */
export function deliveryConfig(environment: Record<string, string> = {}): Config {
  return loadConfig({
    HF_API_URL: UNREACHABLE_API,
    FETCH_RETRIES: '0',
    MAIL_FROM: 'Paper Digest <papers@papermail.test>',
    MAIL_REPLY_TO: 'editor@papermail.test',
    PUBLIC_URL: 'https://papers.example.org',
    APP_SECRET: 'a-test-secret-that-is-long-enough-for-hmac',
    NEWSLETTER_NAME: 'Paper Digest',
    SMTP_POOL_CONNECTIONS: '2',
    SEND_RETRIES: '2',
    ...environment,
  });
}

/** Two topics, so selections can match one, both, or none. */
export function twoTopicDigest(): Digest {
  const language = [paper({ title: 'Reasoning in Large Language Models', upvotes: 40 }), paper({ upvotes: 12 })];
  const vision = [paper({ title: 'Seeing Through Diffusion', upvotes: 30 })];
  const base = digestOf([...language, ...vision]);
  return {
    ...base,
    date: ISSUE_DATE,
    sections: [
      { slug: 'llm', topic: 'Language models', upvotes: 52, papers: language },
      { slug: 'vision', topic: 'Vision', upvotes: 30, papers: vision },
    ],
  };
}

export function issueRenderer(config: Config, digest: Digest = twoTopicDigest()): IssueRenderer {
  return createIssueRenderer(digest, issueOptionsFrom(config));
}

export interface IssueMessageRequest extends Partial<Omit<AssembledMessageRequest, 'copy' | 'config' | 'recipient'>> {
  config: Config;
  recipient: Pick<Subscriber, 'id' | 'email' | 'name'>;
  /** Replaces the subject of the recipient's copy. */
  subject?: string;
}

/**
 * A subscriber's copy of the two-topic issue (every topic), assembled as the send loop does:
 * encoded once, their own signed links in the slots, List-Unsubscribe with their link.
 */
export async function issueMessage(request: IssueMessageRequest): Promise<{ message: AssembledMessage; links: RecipientLinks }> {
  const { config, recipient, subject, ...rest } = request;
  const parts = await issueRenderer(config).parts();
  const links = recipientLinks(config, recipient, ISSUE_DATE);
  const copy = parts.select(null)!.copyFor({ name: recipient.name, email: recipient.email, ...links });
  const message = assembleIssueMessage({
    issue: encodeIssue(parts.pieces),
    copy: subject === undefined ? copy : { ...copy, subject },
    recipient,
    config,
    unsubscribeUrl: links.unsubscribeUrl,
    issueDate: ISSUE_DATE,
    ...rest,
  });
  return { message, links };
}

export async function addConfirmed(store: SubscriberStore, people: Array<string | NewSubscriber>): Promise<Subscriber[]> {
  const added: Subscriber[] = [];
  for (const person of people) {
    const input = typeof person === 'string' ? { email: person } : person;
    added.push((await store.upsert({ ...input, status: 'confirmed' })).subscriber);
  }
  return added;
}

export function addresses(count: number, prefix = 'reader'): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${index + 1}@example.net`);
}

/** Sinks and transports opened by a test, closed after it. */
export function useMailPeers() {
  const sinks: SmtpSink[] = [];
  const transports: MailTransport[] = [];
  afterEach(async () => {
    for (const transport of transports.splice(0)) transport.close();
    for (const sink of sinks.splice(0)) await sink.close();
  });
  return {
    async sink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
      const sink = await startSmtpSink(options);
      sinks.push(sink);
      return sink;
    },
    transport(config: Config): MailTransport {
      const transport = createTransport(config);
      transports.push(transport);
      return transport;
    },
  };
}

/** A header's value from a raw message, with folded lines joined. */
export function headerValue(raw: Buffer | string, name: string): string | undefined {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

export function headerNames(raw: Buffer | string): string[] {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return head.split(/\r?\n/).map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
}

/** No waiting between retries: tests never depend on timing. */
export const noSleep = async (): Promise<void> => {};
