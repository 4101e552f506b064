/**
 * Which recipients the bench/soak SMTP sink mistreats, decided from a hash of the address
 * alone. Because the decision is deterministic, the soak knows in advance exactly which
 * subscribers must end up bounced, and a restarted sender meets the same faults again.
 */
import { createHash } from 'node:crypto';

export interface FaultPlan {
  /** Share of recipients answered 421 or 451 at the end of DATA on their first attempt only. */
  temporary: number;
  /** Share of recipients refused with 550 at RCPT TO on every attempt (a hard bounce). */
  reject: number;
  /** Share of recipients whose connection is cut at the end of DATA, without a reply, on their first attempt only. */
  drop: number;
}

export type Fault = 'reject' | 'defer-421' | 'defer-451' | 'drop';

export const NO_FAULTS: FaultPlan = { temporary: 0, reject: 0, drop: 0 };

/** The fault a recipient meets on a given attempt (1 = first), or undefined to accept. */
export function faultFor(address: string, attempt: number, plan: FaultPlan): Fault | undefined {
  const fault = plannedFault(address, plan);
  if (fault === 'reject') return fault;
  return attempt === 1 ? fault : undefined;
}

/** The fault a recipient is set up for, whatever the attempt. */
export function plannedFault(address: string, plan: FaultPlan): Fault | undefined {
  const [position, coin] = addressHash(address);
  if (position < plan.reject) return 'reject';
  if (position < plan.reject + plan.temporary) return coin < 0.5 ? 'defer-421' : 'defer-451';
  if (position < plan.reject + plan.temporary + plan.drop) return 'drop';
  return undefined;
}

/** Two independent numbers in [0, 1) from the address: where it falls, and a coin for 421 vs 451. */
function addressHash(address: string): [number, number] {
  const digest = createHash('sha256').update(address.toLowerCase()).digest();
  return [digest.readUInt32BE(0) / 2 ** 32, digest.readUInt32BE(4) / 2 ** 32];
}
