/** Delivery: the transport (SMTP pool or .eml outbox), message building, and the ledger-driven send loop. */
export { createTransport, type MailTransport, type SendResult, type TransportSettings } from './transport.js';
export { assembleIssueMessage, type AssembledMessageRequest, type MessageSettings } from './message.js';
export { type AssembledMessage } from './assembled-message.js';
export { sendIssue, describeSummary, type SendIssueRequest, type SendProgress, type SendSettings, type SendSummary } from './send-issue.js';
export { sendTestCopy, type TestCopyRequest } from './test-copy.js';
export { classifySendError, type FailureKind } from './classify.js';
