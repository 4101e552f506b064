import { describe, expect, it } from 'vitest';
import { readReturnPath, returnPathFor } from '../../src/feedback/return-path.js';

const secret = 'a-test-secret-of-at-least-32-characters!!';
const bounces = 'bounces@example.org';
const delivery = { issueDate: '2025-10-01', subscriberId: 4217 };

describe('VERP return paths', () => {
  it('put the issue date, the subscriber and a MAC after a "+" of the bounce address', () => {
    const address = returnPathFor(bounces, delivery, secret);
    expect(address).toMatch(/^bounces\+20251001-4217-[0-9a-f]{20}@example\.org$/);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
  });

  it('read back as the delivery they were made for, however the report writes the address', () => {
    const address = returnPathFor(bounces, delivery, secret);
    for (const written of [address, `<${address}>`, `Bounces <${address}>`, address.toUpperCase(), `  ${address}\r\n`]) {
      expect(readReturnPath(written, bounces, secret)).toEqual({ kind: 'delivery', delivery });
    }
  });

  it('give a weekly issue its week as 2025w40, which reads back and verifies as the week', () => {
    const weekly = { issueDate: '2025-W40', subscriberId: 4217 };
    const address = returnPathFor(bounces, weekly, secret);
    expect(address).toMatch(/^bounces\+2025w40-4217-[0-9a-f]{20}@example\.org$/);
    for (const written of [address, address.toUpperCase()]) {
      expect(readReturnPath(written, bounces, secret)).toEqual({ kind: 'delivery', delivery: weekly });
    }
    // The week's MAC is not the MAC of another week, nor of a day.
    expect(readReturnPath(address.replace('2025w40', '2025w41'), bounces, secret)).toMatchObject({ kind: 'forged' });
    expect(readReturnPath(address.replace('2025w40', '20251001'), bounces, secret)).toMatchObject({ kind: 'forged' });
  });

  it('are told apart from other addresses, including the bounce address itself', () => {
    for (const address of [bounces, 'someone@example.org', 'bounces+20251001-4217-abc@other.example', 'papers+x@example.org', 'not an address']) {
      expect(readReturnPath(address, bounces, secret)).toEqual({ kind: 'other' });
    }
  });

  it('refuse a tag that does not verify: altered, made-up, or signed by another installation', () => {
    const address = returnPathFor(bounces, delivery, secret);
    const otherSubscriber = address.replace('-4217-', '-4218-');
    const otherDay = address.replace('20251001', '20251002');
    const otherSecret = returnPathFor(bounces, delivery, 'another-secret-of-at-least-32-characters');
    for (const forged of [otherSubscriber, otherDay, otherSecret, 'bounces+hello@example.org', 'bounces+20251001-0-00000000000000000000@example.org']) {
      expect(readReturnPath(forged, bounces, secret).kind).toBe('forged');
    }
  });
});
