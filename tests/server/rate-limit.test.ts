import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/server/rate-limit.js';
import { rateLimitKeyForAddress, rateLimitKeyForEmail } from '../../src/server/rate-limit-keys.js';

/** A clock that moves only when the test says so. */
function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('rate limiter', () => {
  it('allows up to the limit per key in one window, then refuses', () => {
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, now: clock().now });

    const decisions = [limiter.hit('a'), limiter.hit('a'), limiter.hit('a')].map((decision) => decision.allowed);

    expect(decisions).toEqual([true, true, false]);
  });

  it('counts each key on its own', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, now: clock().now });
    limiter.hit('a');

    expect(limiter.hit('b').allowed).toBe(true);
    expect(limiter.hit('a').allowed).toBe(false);
  });

  it('says how many whole seconds remain until the window resets', () => {
    const time = clock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, now: time.now });
    limiter.hit('a');
    time.advance(15_500);

    expect(limiter.hit('a').retryAfterSeconds).toBe(45);
  });

  it('says, without counting a hit, how long a key that used its allowance must wait', () => {
    const time = clock();
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000, now: time.now });
    limiter.hit('a');
    expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.retryAfter('a')).toBe(0);
    limiter.hit('a');
    time.advance(20_000);

    expect(limiter.retryAfter('a')).toBe(40);
    expect(limiter.retryAfter('b')).toBe(0);
    time.advance(40_000);
    expect(limiter.retryAfter('a')).toBe(0);
  });

  it('allows the key again once its window has passed', () => {
    const time = clock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, now: time.now });
    limiter.hit('a');
    time.advance(60_000);

    expect(limiter.hit('a')).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 0 });
  });

  it('forgets expired keys when it reaches its key bound', () => {
    const time = clock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 1_000, now: time.now, maxKeys: 3 });
    ['a', 'b', 'c'].forEach((key) => limiter.hit(key));
    time.advance(1_000);

    limiter.hit('d');

    expect(limiter.size()).toBe(1);
  });

  it('never tracks more keys than its bound, dropping the oldest live window first', () => {
    const time = clock();
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, now: time.now, maxKeys: 100 });
    for (let index = 0; index < 1_000; index += 1) {
      limiter.hit(`client-${index}`);
      time.advance(1);
    }

    expect(limiter.size()).toBe(100);
    expect(limiter.hit('client-999').allowed).toBe(false);
    expect(limiter.hit('client-0').allowed).toBe(true);
  });
});

describe('rate limit keys', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::ffff', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['unknown', 'unknown'],
  ])('keys client address %s as %s', (address, key) => {
    expect(rateLimitKeyForAddress(address)).toBe(key);
  });

  it.each([
    ['Ada@example.org', 'ada@example.org'],
    ['ada+news@example.org', 'ada@example.org'],
    ['ADA+x+y@EXAMPLE.ORG', 'ada@example.org'],
    ['grace@example.org', 'grace@example.org'],
  ])('counts %s against the mailbox %s', (email, key) => {
    expect(rateLimitKeyForEmail(email)).toBe(key);
  });
});
