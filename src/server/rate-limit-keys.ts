/** What the subscribe limits count by: one key per client network and one per mailbox. */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key an address is rate-limited under: an IPv4 address as is (IPv4-mapped IPv6
 * too), an IPv6 address by its /64 prefix, because one home or server usually holds a
 * whole /64 and could otherwise rotate through fresh addresses for free.
 */
export function rateLimitKeyForAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(address)) return address;
  const withoutZone = address.split('%')[0]!;
  if (!isIPv6(withoutZone)) return address;
  return `${expandIpv6(withoutZone).slice(0, 4).join(':')}::/64`;
}

/** "2001:db8::1" → ["2001","db8","0","0","0","0","0","1"] (already validated as IPv6). */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4 was handled above) counts as two groups.
  const groupCount = (groups: string[]) => groups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const missing = tail === undefined ? 0 : 8 - groupCount(headGroups) - groupCount(tailGroups);
  const groups = [...headGroups, ...Array.from({ length: missing }, () => '0'), ...tailGroups];
  return groups.map((group) => (group.includes('.') ? group : parseInt(group, 16).toString(16)));
}

/**
 * One mailbox, one counter: case and "+tag" variants of an address reach the same inbox,
 * so they must not each get a fresh allowance of confirmation emails.
 */
export function rateLimitKeyForEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at).toLowerCase().split('+')[0];
  return `${local}@${email.slice(at + 1).toLowerCase()}`;
}
