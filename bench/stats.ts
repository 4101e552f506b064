/** Small measuring helpers: every figure in the bench is a median of runs taken after a warm-up. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `measure` once to warm up (result dropped), then `runs` times, and returns the measured values. */
export async function warmThenMeasure(runs: number, measure: (run: number) => Promise<number> | number): Promise<number[]> {
  await measure(-1);
  const values: number[] = [];
  for (let run = 0; run < runs; run += 1) values.push(await measure(run));
  return values;
}

/** Milliseconds one call of a synchronous `work` takes, averaged over `times` calls in a row. */
export function millisecondsPerCall(times: number, work: (index: number) => unknown): number {
  const startedAt = performance.now();
  for (let index = 0; index < times; index += 1) work(index);
  return (performance.now() - startedAt) / times;
}

/** The same for asynchronous work, one call at a time. */
export async function millisecondsPerAsyncCall(times: number, work: (index: number) => Promise<unknown>): Promise<number> {
  const startedAt = performance.now();
  for (let index = 0; index < times; index += 1) await work(index);
  return (performance.now() - startedAt) / times;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
