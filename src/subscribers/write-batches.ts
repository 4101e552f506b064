/**
 * Group commit for the ledger's per-message calls ('sent' marks, holds of a claim): calls made
 * while a batch is running, or in the same turn of the event loop, go into the next batch, one
 * statement or transaction for all of them, and each caller's promise settles with its own
 * result. A send loop has up to SMTP_POOL_CONNECTIONS × 2 messages between hold and record at
 * once, so one round trip or commit serves up to that many instead of one, and no call waits
 * longer than the batch before it. A batch that fails fails every call in it, and each caller
 * retries (busy-retry.ts) as it would have alone.
 */
export function inBatches<Item, Result>(run: (items: Item[]) => Promise<Result[]> | Result[], maxBatch = 500): (item: Item) => Promise<Result> {
  const waiting: Array<{ item: Item; settle: (outcome: { result: Result } | { error: unknown }) => void }> = [];
  let running = false;

  const next = () => {
    if (running || waiting.length === 0) return;
    running = true;
    // One turn later, so that calls made in this turn join the batch.
    setImmediate(() => void flush());
  };

  const flush = async () => {
    const batch = waiting.splice(0, maxBatch);
    let outcome: { results: Result[] } | { error: unknown };
    try {
      outcome = { results: await run(batch.map((entry) => entry.item)) };
    } catch (error) {
      outcome = { error };
    }
    running = false;
    batch.forEach((entry, index) => entry.settle('error' in outcome ? outcome : { result: outcome.results[index]! }));
    next();
  };

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      waiting.push({ item, settle: (outcome) => ('error' in outcome ? reject(outcome.error) : resolve(outcome.result)) });
      next();
    });
}

/** Items grouped by a key, in first-seen order (a batch usually has one issue date). */
export function groupedBy<Item, Key>(items: readonly Item[], key: (item: Item) => Key): Map<Key, Item[]> {
  const groups = new Map<Key, Item[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
