/**
 * RFC 3464 message/delivery-status: a group about the message, then one per recipient with
 * Final-Recipient (and Original-Recipient, the address as we wrote it), Action, Status and
 * Diagnostic-Code. Postfix, Sendmail, Exchange/Office 365, Gmail, Amazon SES and most MTAs
 * send this. Action failed is a bounce (hard or soft by Status), delayed a soft one (the
 * relay is still retrying; enough of them in the window suppress), delivered a delivery;
 * relayed and expanded say nothing about the reader and are left out.
 */
import { addressIn, dateIn, type Finding } from './finding.js';
import { bounceTypeOf, cleanDiagnostic, enhancedStatusIn } from './classify.js';
import { readFieldGroups } from './fields.js';

export interface DeliveryStatusReading {
  findings: Finding[];
  /** The envelope sender the report names (Postfix's X-Postfix-Sender): our return path, when it was ours. */
  envelopeSender: string | null;
}

export function readDeliveryStatus(text: string): DeliveryStatusReading {
  const groups = readFieldGroups(text);
  const perMessage = groups.find((group) => !isRecipientGroup(group));
  const findings: Finding[] = [];
  for (const group of groups.filter(isRecipientGroup)) {
    const recipient = addressIn(group.get('original-recipient')) ?? addressIn(group.get('final-recipient')) ?? addressIn(group.get('x-actual-recipient'));
    const status = enhancedStatusIn(group.get('status'));
    const diagnostic = cleanDiagnostic(group.get('diagnostic-code'));
    // When it failed: the last attempt; Arrival-Date is when the relay took the original, hours earlier for a delay.
    const occurredAt = dateIn(group.get('last-attempt-date'));
    const action = (group.get('action') ?? '').toLowerCase().split(/[\s(]/)[0];
    if (action === 'delivered') {
      findings.push({ kind: 'delivered', recipient, status, diagnostic, occurredAt });
    } else if (action === 'delayed') {
      findings.push({ kind: 'bounce', bounceType: 'soft', recipient, status, diagnostic, occurredAt });
    } else if (action === 'failed' || (action === '' && (status?.startsWith('5') || status?.startsWith('4')))) {
      findings.push({ kind: 'bounce', bounceType: bounceTypeOf(status, diagnostic), recipient, status, diagnostic, occurredAt });
    }
  }
  return { findings, envelopeSender: addressIn(perMessage?.get('x-postfix-sender')) };
}

function isRecipientGroup(group: Map<string, string>): boolean {
  return group.has('final-recipient') || group.has('original-recipient') || group.has('action');
}
