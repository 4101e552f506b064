/**
 * Statistics for tests that compare timings without asserting any: the rank-sum
 * (Mann-Whitney U) test asks whether one sample tends to be larger than another, using
 * only the order of the values, so a slow machine, GC pauses and outliers shift both
 * samples alike and do not decide the result.
 */

/**
 * The standardised Mann-Whitney U of `a` against `b` (normal approximation, mid-ranks and
 * tie correction). Near 0 when neither tends to be larger; |z| > 3.3 happens by chance
 * about once in a thousand comparisons of samples from the same distribution.
 */
export function rankSumZ(a: readonly number[], b: readonly number[]): number {
  const pooled = [...a.map((value) => ({ value, fromA: true })), ...b.map((value) => ({ value, fromA: false }))].sort(
    (x, y) => x.value - y.value,
  );
  const n = pooled.length;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && pooled[end + 1]!.value === pooled[start]!.value) end += 1;
    const tied = end - start + 1;
    const midRank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index += 1) if (pooled[index]!.fromA) rankSumA += midRank;
    tieTerm += tied ** 3 - tied;
    start = end + 1;
  }
  const [nA, nB] = [a.length, b.length];
  const u = rankSumA - (nA * (nA + 1)) / 2;
  const mean = (nA * nB) / 2;
  const variance = ((nA * nB) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  return (u - mean) / Math.sqrt(variance);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A deterministic source of numbers in [0, 1) (mulberry32), so a failing case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic shuffle, so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}
