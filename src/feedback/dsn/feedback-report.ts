/**
 * RFC 5965 message/feedback-report (ARF), the format of the feedback loops (Yahoo/AOL,
 * Microsoft JMRP, Comcast, Fastmail …): a reader pressed "this is spam". Feedback-Type
 * abuse, fraud, virus and other are complaints; not-spam and auth-failure (DMARC failure
 * reports) are not, and are left unread. The complaining address is Original-Rcpt-To, else
 * the To of the enclosed original (many loops redact one or the other). Original-Mail-From is
 * the envelope sender, so it carries our VERP tag when the report goes to a separate address.
 * The complaint happened when the report was sent (its Date): Arrival-Date is the original's.
 */
import { addressIn, type Finding } from './finding.js';
import { cleanDiagnostic } from './classify.js';
import { readFieldGroups } from './fields.js';

const COMPLAINT_TYPES = new Set(['abuse', 'fraud', 'virus', 'other']);

export type FeedbackReportReading =
  /** `mailFrom`: Original-Mail-From, the envelope sender of the original (our VERP return path). */
  | { kind: 'complaint'; finding: Finding; mailFrom: string | null }
  | { kind: 'not-a-complaint'; feedbackType: string };

export function readFeedbackReport(text: string, originalTo: string | null): FeedbackReportReading {
  const fields = new Map(readFieldGroups(text).flatMap((group) => [...group]));
  const feedbackType = (fields.get('feedback-type') ?? 'abuse').toLowerCase();
  if (!COMPLAINT_TYPES.has(feedbackType)) return { kind: 'not-a-complaint', feedbackType };
  const recipient = addressIn(fields.get('original-rcpt-to')) ?? addressIn(originalTo);
  const agent = fields.get('user-agent');
  return {
    kind: 'complaint',
    finding: {
      kind: 'complaint',
      recipient,
      diagnostic: cleanDiagnostic(`Feedback-Type: ${feedbackType}${agent ? ` (${agent})` : ''}`),
    },
    mailFrom: addressIn(fields.get('original-mail-from')),
  };
}
