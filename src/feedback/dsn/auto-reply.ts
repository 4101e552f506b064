/**
 * Why a message that is no report was not read, for the count and `bounces scan`: an
 * automatic reply (out of office, vacation: RFC 3834's Auto-Submitted, or the headers and
 * subjects the common mail programs use), a mail system's notice in a dialect we do not
 * know, or a person's mail.
 */
export interface MessageSummary {
  subject: string;
  from: string;
  /** Lower-cased header names with their raw values. */
  header(name: string): string | undefined;
}

const AUTO_REPLY_SUBJECT =
  /^(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)|autoreply|auto:|abwesend|abwesenheitsnotiz|réponse automatique|respuesta automática|risposta automatica|vacation|on vacation|away from)/i;

export function notABounceReason(message: MessageSummary): string {
  // A mail system's notices carry Auto-Submitted too: who sent it is asked first.
  if (/mailer-daemon|postmaster|mail delivery/i.test(message.from)) {
    return 'a mail system notice in a dialect papermail does not read (no delivery-status part, no known bounce wording)';
  }
  const autoSubmitted = message.header('auto-submitted')?.toLowerCase() ?? '';
  const precedence = message.header('precedence')?.toLowerCase() ?? '';
  if (
    autoSubmitted.startsWith('auto-replied') ||
    message.header('x-autoreply') !== undefined ||
    message.header('x-autorespond') !== undefined ||
    precedence.includes('auto_reply') ||
    AUTO_REPLY_SUBJECT.test(message.subject.trim())
  ) {
    return 'an automatic reply (out of office or vacation), not a bounce';
  }
  return 'not a bounce or complaint: no delivery-status or feedback-report part and no known bounce wording';
}
