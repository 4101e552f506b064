/**
 * Group commit for ledger marks: calls made while a write is running, or in the same turn of
 * the event loop, are written together by the next write, and each caller's promise settles
 * with its batch. A send loop has up to SMTP_POOL_CONNECTIONS × 2 messages between hand-over
 * and record at once, so one commit records up to that many instead of one, and no mark waits
 * longer than the write before it. A batch that fails fails every call in it, and each caller
 * retries (busy-retry.ts) as it would have alone.
 */
export function writeInBatches<Item>(write: (items: Item[]) => Promise<void> | void, maxBatch = 500): (item: Item) => Promise<void> {
  const waiting: Array<{ item: Item; done: (failure?: { error: unknown }) => void }> = [];
  let writing = false;

  const next = () => {
    if (writing || waiting.length === 0) return;
    writing = true;
    // One turn later, so that calls made in this turn join the batch.
    setImmediate(() => void flush());
  };

  const flush = async () => {
    const batch = waiting.splice(0, maxBatch);
    let failure: { error: unknown } | undefined;
    try {
      await write(batch.map((entry) => entry.item));
    } catch (error) {
      failure = { error };
    }
    writing = false;
    for (const entry of batch) entry.done(failure);
    next();
  };

  return (item) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ item, done: (failure) => (failure === undefined ? resolve() : reject(failure.error)) });
      next();
    });
}

/** Items grouped by a key, in first-seen order (a batch of marks usually has one issue date). */
export function groupedBy<Item, Key>(items: readonly Item[], key: (item: Item) => Key): Map<Key, Item[]> {
  const groups = new Map<Key, Item[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
