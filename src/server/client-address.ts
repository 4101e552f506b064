import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';

/**
 * The socket's remote address. X-Forwarded-For is deliberately ignored: anyone can send
 * it, and papermail has no setting saying which proxy to trust. Behind a reverse proxy
 * every client therefore shares the proxy's limit (see the report / README).
 * Requests made with `app.request()` have no socket and share the key "unknown".
 */
export function clientAddress(c: Context<{ Bindings: HttpBindings }>): string {
  if (!c.env?.incoming?.socket) return 'unknown';
  return getConnInfo(c).remote.address ?? 'unknown';
}
