import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '../../src/delivery/concurrency.js';

/** A paged async source that records how it was used. */
function trackedSource(count: number) {
  const usage = { pulled: 0, closed: false, overlappingPulls: 0 };
  let pulling = false;
  const iterator: AsyncIterator<number> = {
    async next() {
      if (pulling) usage.overlappingPulls += 1;
      pulling = true;
      await Promise.resolve();
      pulling = false;
      if (usage.pulled >= count) return { done: true, value: undefined };
      usage.pulled += 1;
      return { done: false, value: usage.pulled };
    },
    async return() {
      usage.closed = true;
      return { done: true, value: undefined };
    },
  };
  return { usage, source: { [Symbol.asyncIterator]: () => iterator } };
}

/** Work that stays pending until released, to observe how many run at once. */
function gatedWork() {
  const waiting: Array<() => void> = [];
  const state = { running: 0, maxRunning: 0, done: [] as number[] };
  const work = async (item: number) => {
    state.running += 1;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    await new Promise<void>((resolve) => waiting.push(resolve));
    state.running -= 1;
    state.done.push(item);
  };
  /** Releases one waiting item per turn of the event loop until `run` settles. */
  const releaseOneByOne = async (run: Promise<unknown>) => {
    let settled = false;
    void run.finally(() => (settled = true));
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      waiting.shift()?.();
    }
  };
  return { work, state, releaseOneByOne };
}

describe('forEachConcurrently', () => {
  it('handles every item exactly once', async () => {
    const { source } = trackedSource(50);
    const seen: number[] = [];
    const finished = await forEachConcurrently(source, 7, async (item) => {
      await Promise.resolve();
      seen.push(item);
    });
    expect(finished).toBe(true);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
  });

  it('never has more than `limit` items in flight', async () => {
    const { source } = trackedSource(20);
    const gate = gatedWork();
    await gate.releaseOneByOne(forEachConcurrently(source, 3, gate.work));
    expect(gate.state.maxRunning).toBe(3);
    expect(gate.state.done).toHaveLength(20);
  });

  it('never calls next() on the shared iterator while another call is pending', async () => {
    const { source, usage } = trackedSource(30);
    await forEachConcurrently(source, 5, async () => {});
    expect(usage.overlappingPulls).toBe(0);
  });

  it('stops pulling once shouldStop says so, lets started items finish, and closes the iterator', async () => {
    const { source, usage } = trackedSource(100);
    const handled: number[] = [];
    const finished = await forEachConcurrently(
      source,
      4,
      async (item) => {
        await Promise.resolve();
        handled.push(item);
      },
      () => handled.length >= 10,
    );
    expect(finished).toBe(false);
    expect(handled.length).toBeGreaterThanOrEqual(10);
    expect(handled.length).toBeLessThan(10 + 4);
    expect(usage.closed).toBe(true);
  });

  it('rethrows the first failure after the items in flight settle, and takes no new ones', async () => {
    const { source, usage } = trackedSource(100);
    const settled: number[] = [];
    const run = forEachConcurrently(source, 3, async (item) => {
      await Promise.resolve();
      if (item === 5) throw new Error('item 5 failed');
      settled.push(item);
    });
    await expect(run).rejects.toThrow('item 5 failed');
    expect(settled).not.toContain(5);
    expect(usage.pulled).toBeLessThan(5 + 3);
    expect(usage.closed).toBe(true);
  });

  it('accepts a plain iterable', async () => {
    const seen: string[] = [];
    await forEachConcurrently(['a', 'b', 'c'], 2, async (item) => {
      seen.push(item);
    });
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
  });

  it('refuses a limit below one', async () => {
    await expect(forEachConcurrently([1], 0, async () => {})).rejects.toThrow(RangeError);
  });
});
