/**
 * The header-style field groups of a machine-readable report part: message/delivery-status
 * (RFC 3464: one group for the message, then one per recipient) and message/feedback-report
 * (RFC 5965: one group). Folded lines are unfolded; names are lower-cased; a field that
 * appears twice keeps its first value (a report that repeats one is not more believable).
 */
import { unixLines } from './finding.js';

export type FieldGroup = Map<string, string>;

export function readFieldGroups(text: string): FieldGroup[] {
  const groups: FieldGroup[] = [];
  let group: FieldGroup | undefined;
  let lastName: string | undefined;
  for (const line of unixLines(text).split('\n')) {
    if (line.trim() === '') {
      group = undefined;
      lastName = undefined;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (group && lastName !== undefined) group.set(lastName, `${group.get(lastName)} ${line.trim()}`.trim());
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    if (!group) {
      group = new Map();
      groups.push(group);
    }
    lastName = name;
    if (!group.has(name)) group.set(name, line.slice(colon + 1).trim());
    else lastName = undefined;
  }
  return groups;
}
