/**
 * The bounce dialects that put the failed address and the reason in plain text, with no
 * message/delivery-status part: qmail and Yahoo (which runs on it), Exim, Sendmail before
 * DSNs (and v5), Microsoft Exchange (the old Internet Mail Connector and 2007+ text NDRs),
 * Gmail's older notices, and any MTA that at least names the address in X-Failed-Recipients.
 * Each dialect is recognised by its own fixed sentence, so a person's reply or an
 * out-of-office that merely mentions "delivery" is never taken for a bounce.
 */
import { addressIn, type Finding } from './finding.js';
import { bounceTypeOf, cleanDiagnostic, enhancedStatusIn } from './classify.js';

export interface PlainTextBounce {
  /** The decoded text of the message, "\n" line breaks. */
  text: string;
  /** The X-Failed-Recipients header (Exim, Gmail, Postfix with a milter …), if any. */
  failedRecipients: string | null;
  /** From and Subject: the generic reader only trusts X-Failed-Recipients from a mailer daemon. */
  from: string;
  subject: string;
}

export interface PlainTextReading {
  dialect: string;
  findings: Finding[];
}

interface Dialect {
  name: string;
  signature: RegExp;
  read(report: string, whole: PlainTextBounce): Finding[];
}

/** The lines that start the copy of the original in each dialect: what follows is not the report. */
const ORIGINAL_COPY =
  /^(?:--- Below this line is a copy of the message\.|------ This is a copy of the (?:message|body)|[ \t]*----- (?:Unsent|Original) message follows -----|-+ ?Original message ?-+|Original message headers:|[ \t]*----- The header of the original message is following\. -----)[^\n]*/im;

/** The text before the copy of the original, and the copy (empty when the report quotes none). */
export function splitAtOriginalCopy(text: string): { report: string; original: string } {
  const match = ORIGINAL_COPY.exec(text);
  if (!match) return { report: text, original: '' };
  return { report: text.slice(0, match.index), original: text.slice(match.index + match[0].length) };
}

const DIALECTS: Dialect[] = [
  {
    // "Hi. This is the qmail-send program at …" / Yahoo's "Sorry, we were unable to deliver
    // your message to the following address." — then `<address>:` and the reason, per paragraph.
    name: 'qmail',
    signature: /^Hi\. This is the qmail-send program/m,
    read: (report) => readAngleParagraphs(report, /This is a permanent error/i.test(report) ? 'permanent' : ''),
  },
  {
    name: 'yahoo',
    signature: /^Sorry, we were unable to deliver your message to the following address/m,
    read: (report) => readAngleParagraphs(report, ''),
  },
  {
    // "This message was created automatically by mail delivery software." then the addresses
    // indented by two spaces, each followed by its reason indented further.
    name: 'exim',
    signature: /^This message was created automatically by mail delivery software/m,
    read: (report) => {
      const delayed = /has not yet been delivered/i.test(report);
      const list = /(?:following address\(es\) failed|could not be delivered to one or more of its recipients|has not yet been delivered|addresses? to which the message has not yet been delivered)[^\n]*\n/i.exec(report);
      return readIndentedAddresses(list ? report.slice(list.index + list[0].length) : report, delayed, delayed ? '' : report);
    },
  },
  {
    // Sendmail without a delivery-status part: "----- The following addresses had permanent
    // fatal errors -----", or (v5 and older) only the transcript "554 <a@b>... 550 Host unknown".
    name: 'sendmail',
    signature: /^[ \t]*----- (?:Transcript of session follows|The following addresses had (?:permanent fatal|transient non-fatal) errors) -----/m,
    read: readSendmail,
  },
  {
    // Exchange 5.5-2003 (Internet Mail Connector): "The following recipient(s) could not be reached:".
    name: 'exchange',
    signature: /^The following recipient\(s\) (?:could not be reached|cannot be reached):/m,
    read: (report) => {
      const list = /^The following recipient\(s\) (?:could not be reached|cannot be reached):[^\n]*\n/m.exec(report)!;
      return readIndentedAddresses(report.slice(list.index + list[0].length), false, '');
    },
  },
  {
    // Exchange 2007 and later, Office 365 when it sends text only: "Delivery has failed to these
    // recipients or groups:", with the remote words under "Diagnostic information for administrators".
    name: 'exchange',
    signature: /^Delivery has failed to these recipients or groups/m,
    read: readModernExchange,
  },
  {
    // Gmail before 2016 (and Google Groups): "Delivery to the following recipient failed
    // permanently:" or "… has been delayed:", then "Technical details of … failure:".
    name: 'gmail',
    signature: /^Delivery to the following recipients? (?:failed permanently|has been delayed)/m,
    read: (report) => {
      const delayed = /^Delivery to the following recipients? has been delayed/m.test(report);
      const heading = /^Delivery to the following recipients? [^\n]*\n/m.exec(report)!;
      const details = /^Technical details of (?:permanent|temporary) failure:[ \t]*\n?/m.exec(report);
      const listed = report.slice(heading.index + heading[0].length, details ? details.index : undefined);
      const detailText = details ? report.slice(details.index + details[0].length).split(/\n[ \t]*\n/)[0]! : '';
      const returned = /The error that the other server returned was:\s*([\s\S]*)$/i.exec(detailText);
      const diagnostic = cleanDiagnostic(returned ? returned[1] : detailText);
      return addressesIn(listed).map((recipient) => bounceFinding(recipient, diagnostic, delayed, delayed ? '' : 'permanent'));
    },
  },
];

/** Reads `bounce` in the first dialect whose sentence it carries; null when none does. */
export function readPlainTextBounce(bounce: PlainTextBounce): PlainTextReading | null {
  const { report } = splitAtOriginalCopy(bounce.text);
  for (const dialect of DIALECTS) {
    if (!dialect.signature.test(report)) continue;
    const findings = dialect.read(report, bounce);
    if (findings.length > 0) return { dialect: dialect.name, findings };
  }
  return readFailedRecipientsHeader(report, bounce);
}

/** Any MTA: a mailer daemon's message with X-Failed-Recipients; the reason is the first line with an SMTP code. */
function readFailedRecipientsHeader(report: string, bounce: PlainTextBounce): PlainTextReading | null {
  if (!bounce.failedRecipients || !/mailer-daemon|postmaster|mail delivery/i.test(bounce.from)) return null;
  const recipients = bounce.failedRecipients.split(',').map(addressIn).filter((address) => address !== null);
  if (recipients.length === 0) return null;
  const codeLine = /^.*\b[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}\b)?.*$/m.exec(report)?.[0];
  const diagnostic = cleanDiagnostic(codeLine);
  const delayed = /delay|not yet been delivered|will (?:retry|keep trying)/i.test(`${bounce.subject}\n${report}`);
  return { dialect: 'x-failed-recipients', findings: recipients.map((recipient) => bounceFinding(recipient, diagnostic, delayed, report)) };
}

function bounceFinding(recipient: string, diagnostic: string | null, delayed: boolean, wording: string): Finding {
  const status = enhancedStatusIn(diagnostic);
  return { kind: 'bounce', bounceType: delayed ? 'soft' : bounceTypeOf(status, diagnostic, wording), recipient, status, diagnostic };
}

/** qmail-style paragraphs: `<a@example.net>:` on a line, the reason on the lines after it. */
function readAngleParagraphs(report: string, wording: string): Finding[] {
  const findings: Finding[] = [];
  for (const paragraph of report.split(/\n[ \t]*\n/)) {
    const head = /^[ \t]*<([^<>\s@]+@[^<>\s@]+)>:[ \t]*(.*)$/m.exec(paragraph);
    if (!head) continue;
    const recipient = addressIn(head[1]);
    if (!recipient) continue;
    const rest = `${head[2]}\n${paragraph.slice(head.index + head[0].length)}`;
    const remote = /Remote host said:\s*([\s\S]*?)(?:\n[ \t]*Giving up on [^\n]*)?$/i.exec(rest);
    findings.push(bounceFinding(recipient, cleanDiagnostic(remote ? remote[1] : rest), false, `${wording}\n${rest}`));
  }
  return findings;
}

/**
 * Exim and old Exchange: an address on a line of its own (indented, maybe `on <date>` after it),
 * then its reason on the more indented lines below, until a blank line or the next address.
 */
function readIndentedAddresses(list: string, delayed: boolean, wording: string): Finding[] {
  const findings: Finding[] = [];
  let current: { recipient: string; indent: number; reason: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const reason = current.reason.join(' ');
    const remote = /host \S{1,255} \[[^\]]{1,64}\](?::\d+)?:\s*(.+)$/i.exec(reason);
    findings.push(bounceFinding(current.recipient, cleanDiagnostic(remote ? remote[1] : reason), delayed, `${wording}\n${reason}`));
    current = undefined;
  };
  for (const line of list.split('\n')) {
    const indent = /^[ \t]*/.exec(line)![0].replace(/\t/g, '        ').length;
    const entry = /^[ \t]+<?([^<>\s@]+@[^<>\s@]+)>?(?:\s+on\s+.*)?\s*$/.exec(line);
    if (entry && (!current || indent <= current.indent)) {
      flush();
      const recipient = addressIn(entry[1]);
      if (recipient) current = { recipient, indent, reason: [] };
      continue;
    }
    if (line.trim() === '') {
      if (current && current.reason.length > 0) flush();
      else if (!current && findings.length > 0) break;
      continue;
    }
    if (current && indent > current.indent) current.reason.push(line.trim().replace(/^Delay reason:\s*/i, ''));
    else if (current) flush();
  }
  flush();
  return findings;
}

function readSendmail(report: string): Finding[] {
  const findings: Finding[] = [];
  const section = /^[ \t]*----- The following addresses had (permanent fatal|transient non-fatal) errors -----\n([\s\S]*?)(?:\n[ \t]*\n|\n[ \t]*-----|(?![\s\S]))/m.exec(report);
  if (section) {
    const transient = section[1] === 'transient non-fatal';
    const lines = section[2]!.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const recipient = addressIn(lines[index]);
      if (!recipient) continue;
      const reason = /^[ \t]*\(reason:\s*(.*?)\)?\s*$/.exec(lines[index + 1] ?? '')?.[1] ?? transcriptReason(report, recipient);
      findings.push(bounceFinding(recipient, cleanDiagnostic(reason), transient, transient ? '' : 'permanent'));
    }
    if (findings.length > 0) return findings;
  }
  // The transcript alone: "554 <a@example.net>... 550 Host unknown (Authoritative answer from name server)".
  const seen = new Set<string>();
  for (const match of report.matchAll(/^([45]\d\d)[ -]<?([^<>\s@]+@[^<>\s@]+)>?\.\.\.\s*(.+)$/gm)) {
    const recipient = addressIn(match[2]);
    if (!recipient || seen.has(recipient)) continue;
    seen.add(recipient);
    findings.push(bounceFinding(recipient, cleanDiagnostic(`${match[3]}`), match[1]!.startsWith('4'), ''));
  }
  return findings;
}

function transcriptReason(report: string, recipient: string): string | null {
  const escaped = recipient.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^[45]\\d\\d[ -]<?${escaped}>?\\.\\.\\.\\s*(.+)$`, 'im').exec(report)?.[1] ?? null;
}

function readModernExchange(report: string): Finding[] {
  const findings: Finding[] = [];
  const admin = /^Diagnostic information for administrators:/m.exec(report);
  if (admin) {
    // "a@example.net\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##" or "Remote Server returned '550 …'".
    const lines = report.slice(admin.index).split('\n').map((line) => line.trim());
    for (let index = 0; index < lines.length; index++) {
      const recipient = /^[^\s@]+@[^\s@]+$/.test(lines[index]!) ? addressIn(lines[index]) : null;
      if (!recipient) continue;
      const next = lines.slice(index + 1).find((line) => line !== '') ?? '';
      const reason = /^(?:Remote Server returned\s+'?(.*?)'?|[^#]*#(.*?)#*)$/.exec(next);
      findings.push(bounceFinding(recipient, cleanDiagnostic(reason ? (reason[1] ?? reason[2]) : null), false, report));
    }
  }
  if (findings.length > 0) return findings;
  const heading = /^Delivery has failed to these recipients or groups:?[^\n]*\n/m.exec(report)!;
  const paragraph = report.slice(heading.index + heading[0].length).replace(/^[ \t]*\n/, '').split(/\n[ \t]*\n/)[0] ?? '';
  return addressesIn(paragraph).map((recipient) => bounceFinding(recipient, null, false, report));
}

/** Every address in `text`, in order, once. */
function addressesIn(text: string): string[] {
  // Word by word rather than one unanchored pattern, which would rescan every run of text without an "@".
  const found = new Set<string>();
  for (const word of text.split(/[\s<>()"',;]+/)) {
    const address = word.includes('@') ? addressIn(word.replace(/^mailto:|:$/gi, '')) : null;
    if (address) found.add(address);
  }
  return [...found];
}
