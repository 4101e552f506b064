import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an Authorization header carries `Bearer <expected>`. Both sides are hashed
 * first so timingSafeEqual compares equal-length digests: neither the token's content
 * nor its length leaks through response timing.
 */
export function hasBearerToken(authorization: string | undefined, expected: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  const given = match?.[1] ?? '';
  const matches = timingSafeEqual(digest(given), digest(expected));
  return matches && given !== '';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
