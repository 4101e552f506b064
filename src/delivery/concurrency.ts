/**
 * Runs `work` on the items of a (possibly long, paged) stream with at most `limit` in
 * flight. Workers share ONE iterator and take turns pulling from it: several `for await`
 * loops over one iterator would close it for everyone as soon as one loop ends, and not
 * every iterator tolerates overlapping next() calls.
 *
 * `shouldStop` is asked before each pull: once it says yes no new item is taken, the ones in
 * flight finish, and the promise resolves. It resolves to true when the stream was read to
 * its end, false when it stopped early. If `work` throws, no new item is taken either and
 * the first error is rethrown after the others settle. An iterator left before its end is
 * closed (return()), so a database cursor behind it is released.
 */
export async function forEachConcurrently<T>(
  items: AsyncIterable<T> | Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<boolean> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer (got ${limit})`);
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : toAsync(items[Symbol.iterator]());
  let finished = false; // the iterator reported its end
  let stopped = false; // we stopped pulling before the end
  let failure: { error: unknown } | undefined;
  let turn: Promise<unknown> = Promise.resolve();

  // Pulls are chained so only one next() is ever pending.
  const pull = (): Promise<IteratorResult<T> | 'stop'> => {
    const next = turn.then((): Promise<IteratorResult<T>> | IteratorResult<T> | 'stop' => {
      if (finished) return { done: true, value: undefined };
      if (failure || shouldStop()) return 'stop';
      return iterator.next();
    });
    turn = next.catch(() => undefined);
    return next;
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      let result: IteratorResult<T> | 'stop';
      try {
        result = await pull();
      } catch (error) {
        // The source itself failed (a database error): its iterator is already finished.
        finished = true;
        failure ??= { error };
        return;
      }
      if (result === 'stop') {
        stopped = true;
        return;
      }
      if (result.done) {
        finished = true;
        return;
      }
      try {
        await work(result.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: limit }, worker));
  if (stopped && !finished) await iterator.return?.();
  if (failure) throw failure.error;
  return finished;
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}
