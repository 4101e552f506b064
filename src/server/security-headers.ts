import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * Headers on every response. No script may run (the pages have none); styles are
 * inline because the page shell and the archived issues (MJML output) use them.
 * Referrer-Policy no-referrer matters more than usual: tokens are in our URLs.
 */
export function securityHeaders(publicUrl: string): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["'self'", 'https:', 'data:'],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    // HSTS only means something over HTTPS, and is left off includeSubDomains: the
    // deployer's other hosts are not ours to pin.
    strictTransportSecurity: publicUrl.startsWith('https:') ? 'max-age=15552000' : false,
  });
}

/**
 * Pages carrying a token must not be kept by a browser or proxy cache, so nothing is
 * cached unless a route opts in (the archive) by setting Cache-Control itself.
 */
export function noStoreByDefault(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}
