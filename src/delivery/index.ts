/** Delivery: the transport (SMTP pool or .eml outbox), message building, and the ledger-driven send loop. */
export { createTransport, type MailTransport, type OutgoingMessage, type SendResult, type TransportSettings } from './transport.js';
export { buildMessage, recipientLinks, archiveLink, type MessageRequest, type MessageSettings, type RecipientLinks } from './message.js';
export { sendIssue, describeSummary, type SendIssueRequest, type SendProgress, type SendSettings, type SendSummary } from './send-issue.js';
export { sendTestCopy, type TestCopyRequest } from './test-copy.js';
export { classifySendError, type FailureKind } from './classify.js';
