/**
 * How papermail's processes size V8's heap. A send keeps little alive (about 20 MB after a full
 * collection, whatever the list's length), but with V8's defaults a long send's peak RSS is set
 * by the collector's sizing, not by what is live:
 *
 * - the young generation grows to two 16 MB semi-spaces as soon as a batch of copies in flight
 *   survives a scavenge, and every page of both is touched from then on;
 * - after each full collection the old generation may grow to about four times what survived
 *   before the next one, and the few hundred bytes per message that outlive a scavenge (copies
 *   in flight, claimed batches) fill it.
 *
 * Keeping the young generation at its first size and letting the old one grow by 30 % between
 * full collections, with the store's 2 MiB SQLite page cache, took the memory bench's sender
 * (bench/papermail-sender.mjs, the seeded 100,000-subscriber varied-topics list) from 160–204 MB
 * to 107–117 MB peak RSS in three runs each, at 0.089–0.092 ms CPU per message against
 * 0.086–0.098 before (README "Where a sender's memory goes"). Both flags are read by V8 whenever
 * it sizes the heap, so setting them at start-up, before the first send, takes effect.
 */
import { setFlagsFromString } from 'node:v8';

/** Each flag papermail sets, and the node flags with which an operator takes that choice themselves. */
const HEAP_SETTINGS: ReadonlyArray<{ flag: string; theirs: readonly string[] }> = [
  { flag: '--semi-space-growth-factor=1', theirs: ['--semi-space-growth-factor', '--max-semi-space-size', '--min-semi-space-size'] },
  { flag: '--heap-growing-percent=30', theirs: ['--heap-growing-percent'] },
];

export const HEAP_FLAGS: readonly string[] = HEAP_SETTINGS.map((setting) => setting.flag);

/**
 * HEAP_FLAGS less those whose choice the operator made themselves (`given`: node's command line
 * and NODE_OPTIONS), e.g. a young generation sized with --max-semi-space-size: theirs wins.
 */
export function heapFlagsToApply(given: string): string[] {
  const words = new Set(given.replaceAll('_', '-').split(/\s+/).map((word) => word.split('=')[0]!));
  return HEAP_SETTINGS.filter((setting) => !setting.theirs.some((flag) => words.has(flag))).map((setting) => setting.flag);
}

/**
 * Applies HEAP_FLAGS to this process (see heapFlagsToApply) and returns those applied. Node calls
 * changing flags after start-up unpredictable in general; tests/cli/heap-settings.test.ts pins
 * that these two take effect on the Node this project runs on.
 */
export function applyHeapSettings(): string[] {
  const applied = heapFlagsToApply([...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].join(' '));
  for (const flag of applied) setFlagsFromString(flag);
  return applied;
}
