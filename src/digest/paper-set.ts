/**
 * A set of an issue's papers, written as compact text: each paper by its position in the
 * issue's ranking (rankedPapers), four positions to a hex digit, lowest first, trailing
 * zeros dropped ('' is the empty set). What a sent copy held is stored with its ledger row in
 * this form (about 10 characters for a day of 40 papers, against 400 for the arXiv ids), and
 * what a reader's copy leaves out is handed to the render side in it, so both are one short
 * string and equal sets are equal strings (usable as a cache key).
 */

/** The set of these positions (0 = the top paper). */
export function paperSetOf(positions: Iterable<number>): string {
  const digits: number[] = [];
  for (const position of positions) {
    const digit = position >> 2;
    while (digits.length <= digit) digits.push(0);
    digits[digit]! |= 1 << (position & 3);
  }
  let end = digits.length;
  while (end > 0 && digits[end - 1] === 0) end -= 1;
  let text = '';
  for (let index = 0; index < end; index += 1) text += digits[index]!.toString(16);
  return text;
}

/** The positions in a set, lowest first; characters that are not hex digits count as empty. */
export function paperSetPositions(set: string): number[] {
  const positions: number[] = [];
  for (let index = 0; index < set.length; index += 1) {
    const digit = Number.parseInt(set[index]!, 16);
    if (Number.isNaN(digit)) continue;
    for (let bit = 0; bit < 4; bit += 1) if (digit & (1 << bit)) positions.push(index * 4 + bit);
  }
  return positions;
}
