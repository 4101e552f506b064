import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createToken, createVoteToken, readVoteToken, verifyConfirmToken, verifyToken, verifyVoteToken } from '../../src/subscribers/tokens.js';

const secret = 'a-test-secret-that-is-at-least-32-characters-long';
const claims = { subscriberId: 42, email: 'Ann@example.com' };
const issuedAt = new Date('2025-10-01T08:00:00Z');

function expectTokenError(verify: () => unknown, reason: RegExp): void {
  expect(verify).toThrow(expect.objectContaining({ code: 'ETOKEN', message: expect.stringMatching(reason) }));
}

/** Changes the MAC's first character: it carries six full bits (the last one partly padding). */
function alterSignature(token: string): string {
  const [payload, mac] = token.split('.');
  return `${payload}.${mac!.startsWith('A') ? 'B' : 'A'}${mac!.slice(1)}`;
}

describe('tokens', () => {
  it.each(['unsubscribe', 'preferences', 'feed'] as const)('round-trips a %s token to its subscriber id and email', (purpose) => {
    const token = createToken(secret, { purpose, ...claims });
    expect(verifyToken(secret, token, purpose)).toEqual(claims);
  });

  it('keeps an unsubscribe token without expiry valid years later, as one-click unsubscribe needs', () => {
    const token = createToken(secret, { purpose: 'unsubscribe', ...claims });
    expect(verifyToken(secret, token, 'unsubscribe', new Date('2035-01-01T00:00:00Z'))).toEqual(claims);
  });

  it('accepts a confirm token until its expiry and refuses it from then on', () => {
    const expiresAt = new Date(issuedAt.getTime() + 48 * 3600_000);
    const token = createToken(secret, { purpose: 'confirm', ...claims, expiresAt, confirm: { statusVersion: 0 } });
    expect(verifyToken(secret, token, 'confirm', new Date(expiresAt.getTime() - 1000))).toEqual(claims);
    expectTokenError(() => verifyToken(secret, token, 'confirm', expiresAt), /confirm link expired on 2025-10-03T08:00:00.000Z/);
  });

  it('refuses to mint a confirm token that never expires', () => {
    expect(() => createToken(secret, { purpose: 'confirm', ...claims, confirm: { statusVersion: 0 } })).toThrow(/needs expiresAt/);
  });

  it('refuses to mint a confirm token without a status version, or another token with one', () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    expect(() => createToken(secret, { purpose: 'confirm', ...claims, expiresAt })).toThrow(/confirm claims/);
    expect(() => createToken(secret, { purpose: 'unsubscribe', ...claims, confirm: { statusVersion: 0 } })).toThrow(/confirm claims/);
  });

  it('carries a confirm token’s status version and the name and topics the sign-up asked for', () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const choices = { name: 'Ann « Smith »', topics: ['agents', 'code'] };
    const token = createToken(secret, { purpose: 'confirm', ...claims, expiresAt, confirm: { statusVersion: 7, choices } });
    expect(verifyConfirmToken(secret, token, issuedAt)).toEqual({ ...claims, statusVersion: 7, choices });
    const bare = createToken(secret, { purpose: 'confirm', ...claims, expiresAt, confirm: { statusVersion: 2 } });
    expect(verifyConfirmToken(secret, bare, issuedAt)).toEqual({ ...claims, statusVersion: 2 });
  });

  it('carries the cadence a sign-up asked for, and reads a link from before cadences without one', () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const choices = { name: null, topics: null, cadence: 'weekly' as const };
    const token = createToken(secret, { purpose: 'confirm', ...claims, expiresAt, confirm: { statusVersion: 1, choices } });
    expect(verifyConfirmToken(secret, token, issuedAt)).toEqual({ ...claims, statusVersion: 1, choices });
    const older = createToken(secret, { purpose: 'confirm', ...claims, expiresAt, confirm: { statusVersion: 1, choices: { name: null, topics: null } } });
    expect(verifyConfirmToken(secret, older, issuedAt).choices).toEqual({ name: null, topics: null });
  });

  it('refuses a confirm token whose requested topics were altered', () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const token = createToken(secret, { purpose: 'confirm', ...claims, expiresAt, confirm: { statusVersion: 0, choices: { name: null, topics: null } } });
    const [payload, mac] = token.split('.');
    const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...decoded, c: { n: 'Mallory', t: ['robotics'] } })).toString('base64url');
    expectTokenError(() => verifyConfirmToken(secret, `${forged}.${mac}`, issuedAt), /bad signature/);
  });

  it('refuses a confirm token minted before tokens carried a status version', () => {
    // Signed exactly as the previous format was, so only the missing version can refuse it.
    const payload = Buffer.from(JSON.stringify({ p: 'confirm', i: 42, e: 'Ann@example.com', x: 1_900_000_000 })).toString('base64url');
    const mac = createHmac('sha256', secret).update(`papermail-token-v1.${payload}`).digest('base64url');
    expect(verifyToken(secret, `${payload}.${mac}`, 'confirm', issuedAt)).toEqual(claims);
    expectTokenError(() => verifyConfirmToken(secret, `${payload}.${mac}`, issuedAt), /older version of papermail/);
  });

  it('refuses a token whose payload was altered (another subscriber id)', () => {
    const [payload, mac] = createToken(secret, { purpose: 'unsubscribe', ...claims }).split('.');
    const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...decoded, i: 43 })).toString('base64url');
    expectTokenError(() => verifyToken(secret, `${forged}.${mac}`, 'unsubscribe'), /bad signature/);
  });

  it('refuses a token whose signature was altered', () => {
    const token = createToken(secret, { purpose: 'unsubscribe', ...claims });
    expectTokenError(() => verifyToken(secret, alterSignature(token), 'unsubscribe'), /bad signature/);
  });

  it('refuses a second spelling of a valid signature (the unused bits of its last character set)', () => {
    const token = createToken(secret, { purpose: 'unsubscribe', ...claims });
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes fill 43 characters with 2 bits to spare, so index ^ 1 decodes to the same bytes.
    const respelled = token.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(respelled.split('.')[1]!, 'base64url')).toEqual(Buffer.from(token.split('.')[1]!, 'base64url'));
    expectTokenError(() => verifyToken(secret, respelled, 'unsubscribe'), /bad signature/);
  });

  it('refuses a token signed with another secret', () => {
    const token = createToken('another-secret-of-at-least-32-characters!!', { purpose: 'unsubscribe', ...claims });
    expectTokenError(() => verifyToken(secret, token, 'unsubscribe'), /bad signature/);
  });

  it('refuses a token made for another purpose', () => {
    const token = createToken(secret, { purpose: 'unsubscribe', ...claims });
    expectTokenError(() => verifyToken(secret, token, 'preferences'), /for unsubscribe, not preferences/);
  });

  it.each(['', 'abc', 'a.b.c', 'ab+c.def', 'x'.repeat(5000) + '.y', '.abc'])('calls %j malformed', (token) => {
    expectTokenError(() => verifyToken(secret, token, 'unsubscribe'), /malformed/);
  });

  it('is URL-safe and short enough for a link', () => {
    const token = createToken(secret, {
      purpose: 'preferences',
      subscriberId: 123_456,
      email: 'someone.with.a.longish.name@example.com',
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(160);
  });
});

describe('vote tokens', () => {
  const ann = { id: 42, email: 'Ann@example.com' };
  const token = createVoteToken(secret, { subscriberId: 42, email: ann.email, issueId: '2025-09-30' });

  it('round-trip to the subscriber and the issue, for the subscriber as stored', () => {
    expect(readVoteToken(token)).toEqual({ subscriberId: 42, issueId: '2025-09-30' });
    expect(verifyVoteToken(secret, token, ann)).toEqual({ subscriberId: 42, issueId: '2025-09-30' });
    expect(verifyVoteToken(secret, createVoteToken(secret, { subscriberId: 42, email: ann.email, issueId: '2025-W40' }), ann).issueId).toBe('2025-W40');
  });

  it('are short: one per copy, repeated on every card', () => {
    expect(createVoteToken(secret, { subscriberId: 9_999_999, email: 'a-rather-long-address@example.org', issueId: '2025-09-30' }).length).toBeLessThanOrEqual(34);
  });

  it('open nothing for the same id with another address (a deleted subscriber whose id was reused)', () => {
    expectTokenError(() => verifyVoteToken(secret, token, { id: 42, email: 'someone-else@example.com' }), /bad signature/);
  });

  it('open nothing for another subscriber, another issue, an altered MAC or another secret', () => {
    expectTokenError(() => verifyVoteToken(secret, token, { id: 43, email: ann.email }), /bad signature/);
    expectTokenError(() => verifyVoteToken(secret, token.replace('2025-09-30', '2025-10-01'), ann), /bad signature/);
    const mac = token.slice(-16);
    expectTokenError(() => verifyVoteToken(secret, token.slice(0, -16) + (mac.startsWith('A') ? 'B' : 'A') + mac.slice(1), ann), /bad signature/);
    expectTokenError(() => verifyVoteToken('another-secret-that-is-also-long-enough-ok', token, ann), /bad signature/);
  });

  it('are never minted for what is no issue id, since every link of the copy would be dead', () => {
    expect(() => createVoteToken(secret, { subscriberId: 42, email: ann.email, issueId: '30 Sep' })).toThrow(/issue id such as/);
  });

  it('refuse what is not a vote token: cut off, another kind of token, an id that is no id', () => {
    expectTokenError(() => readVoteToken(token.slice(0, -3)), /malformed/);
    expectTokenError(() => readVoteToken(createToken(secret, { purpose: 'preferences', ...claims })), /malformed/);
    expectTokenError(() => readVoteToken(`0.2025-09-30.${'A'.repeat(16)}`), /malformed/);
    expectTokenError(() => readVoteToken(`zzzzzzzzzzz.2025-09-30.${'A'.repeat(16)}`), /malformed/);
  });
});
