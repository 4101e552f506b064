/**
 * `send --to <address>`: one copy of the issue to any address, outside the list. Nothing is
 * recorded, no lock is taken, and the copy carries no subscriber's token: its unsubscribe
 * and preferences links lead to the front page, it has no List-Unsubscribe header (it is
 * not list mail), and its Message-ID is fresh, so it never matches a real delivery. Its subject
 * starts with "[Test]", so neither the sender nor a colleague takes it for the day's issue.
 */
import { PapermailError } from '../errors.js';
import type { IssueRenderer } from '../render/issue-renderer.js';
import { normaliseEmail } from '../subscribers/email.js';
import { classifySendError, describeSendError, transportFailure } from './classify.js';
import { encodeIssue } from './encoded-issue.js';
import { testCopyLinks } from '../links/public-links.js';
import { assembleIssueMessage, senderAddress, testCopyMessageId, type MessageSettings } from './message.js';
import type { MailTransport, SendResult } from './transport.js';

export interface TestCopyRequest {
  to: string;
  renderer: IssueRenderer;
  transport: MailTransport;
  config: MessageSettings;
  /** The selection to preview; every topic by default. */
  topics?: string[] | null;
}

export function testCopySubject(subject: string): string {
  return `[Test] ${subject}`;
}

export async function sendTestCopy(request: TestCopyRequest): Promise<SendResult> {
  const { renderer, transport, config } = request;
  const to = normaliseEmail(request.to);
  const issue = await renderer.parts();
  const selection = issue.select(request.topics ?? null);
  if (!selection) {
    const topics = request.topics ? `topics ${request.topics.join(', ')}` : 'any topic';
    throw new PapermailError('ENOTFOUND', `the issue has no papers in ${topics}: there is nothing to send`);
  }
  const copy = selection.copyFor({ name: null, email: to, ...testCopyLinks(config.PUBLIC_URL, issue.date) });
  // Assembled like every subscriber's copy, from the issue compiled and encoded once.
  const message = assembleIssueMessage({
    issue: encodeIssue(issue.pieces),
    copy: { ...copy, subject: testCopySubject(copy.subject) },
    recipient: { id: 0, email: to, name: null },
    config,
    issueDate: issue.date,
    messageId: testCopyMessageId(issue.date, senderAddress(config.MAIL_FROM).domain),
  });
  try {
    return await transport.send(message);
  } catch (error) {
    if (classifySendError(error) === 'fatal') throw transportFailure(error, transport.describe());
    throw new PapermailError('ETRANSPORT', `the test copy to ${to} was not accepted: ${describeSendError(error)}`, { cause: error });
  }
}
