import { describe, expect, it } from 'vitest';
import { hasBearerToken } from '../../src/server/admin-auth.js';

const token = 'admin-token-for-server-tests-0123456789';

describe('hasBearerToken', () => {
  it('accepts exactly "Bearer <token>", whatever the scheme’s case', () => {
    expect(hasBearerToken(`Bearer ${token}`, token)).toBe(true);
    expect(hasBearerToken(`bearer ${token}`, token)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer '],
    ['another token', 'Bearer admin-token-for-server-tests-XXXXXXXXXX'],
    ['a prefix of the token', `Bearer ${token.slice(0, 10)}`],
    ['the token with more after it', `Bearer ${token}x`],
    ['the token as Basic credentials', `Basic ${token}`],
    ['the bare token', token],
  ])('refuses %s', (_case, header) => {
    expect(hasBearerToken(header, token)).toBe(false);
  });
});
