import type { Context } from 'hono';

/** The `?token=` of a link; a missing or repeated one reads as empty, which verifies as malformed. */
export function tokenParameter(c: Context): string {
  const values = c.req.queries('token') ?? [];
  return values.length === 1 ? values[0]! : '';
}
