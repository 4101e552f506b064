/**
 * The web side of papermail, composed from small route modules. Built without
 * listen(): tests call `app.request()` or serve it on port 0; serve.ts runs it.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { snsOverHttps } from '../feedback/webhooks/ses.js';
import { retryingWhileBusy, type BusyRetryPolicy } from '../subscribers/busy-retry.js';
import { createBackgroundTasks } from './background.js';
import { NO_RETRAINING, type AppDependencies, type AppEnv, type RouteContext } from './dependencies.js';
import { errorResponse, notFoundPage } from './error-pages.js';
import { createPages, siteFeedLinks } from './pages.js';
import { createRateLimiter } from './rate-limit.js';
import { adminNotFound, registerAdminRoutes } from './routes/admin.js';
import { registerArchiveRoutes } from './routes/archive.js';
import { registerFeedRoutes } from './routes/feeds.js';
import { registerPreferencesRoutes } from './routes/preferences.js';
import { registerSubscribeRoutes } from './routes/subscribe.js';
import { registerUnsubscribeRoutes } from './routes/unsubscribe.js';
import { registerVoteRoutes, VOTE_POSTS_PER_HOUR } from './routes/vote.js';
import { registerWebhookRoutes, WEBHOOK_REFUSALS_PER_HOUR } from './routes/webhooks.js';
import { noStoreByDefault, securityHeaders } from './security-headers.js';

/**
 * Forms carry an address, a name and a few topic slugs: 8 KB is generous. Webhooks have
 * their own limits (an SNS message is up to 256 KB, a SendGrid batch up to 768 KB), set by
 * their routes (routes/webhooks.ts).
 */
export const MAX_BODY_BYTES = 8 * 1024;
const WEBHOOKS = '/webhooks/';
const HOUR_MS = 60 * 60 * 1000;
/**
 * Each store call already waits up to the store's busy timeout (5 s) for another process's
 * write lock; then it is tried twice more, after 0.5 s and 1 s, before the visitor gets a 503.
 */
export const STORE_RETRY: BusyRetryPolicy = { retries: 2, firstDelayMs: 500, maxDelayMs: 1_000 };

export function createApp(deps: AppDependencies): Hono<AppEnv> {
  const context = routeContext(deps);
  const app = new Hono<AppEnv>();

  app.use(securityHeaders(deps.config.PUBLIC_URL));
  app.use(noStoreByDefault());
  const formBodyLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.html(context.pages.message({ title: 'Too much data', message: `The form sent more than ${MAX_BODY_BYTES / 1024} KB.` }), 413),
  });
  app.use((c, next) => (c.req.path.startsWith(WEBHOOKS) ? next() : formBodyLimit(c, next)));

  // The store as opened, not the retrying one: a health check answers at once.
  app.get('/healthz', async (c) => {
    const health = await deps.store.health();
    return health.ok ? c.text('ok') : c.text(`store: ${health.problem}`, 503);
  });
  const hourly = (limit: number) => createRateLimiter({ limit, windowMs: HOUR_MS, now: () => context.now().getTime() });
  registerSubscribeRoutes(app, context, {
    perAddress: hourly(deps.config.SUBSCRIBE_LIMIT_PER_ADDRESS_PER_HOUR),
    perClient: hourly(deps.config.SUBSCRIBE_LIMIT_PER_IP_PER_HOUR),
  });
  registerUnsubscribeRoutes(app, context);
  registerPreferencesRoutes(app, context);
  registerVoteRoutes(app, context, { perClient: hourly(VOTE_POSTS_PER_HOUR) });
  registerArchiveRoutes(app, context);
  registerFeedRoutes(app, context);
  registerAdminRoutes(app, context);
  registerWebhookRoutes(app, context, { refusals: hourly(WEBHOOK_REFUSALS_PER_HOUR) });

  app.notFound((c) => (c.req.path.startsWith('/admin/') ? adminNotFound(c, deps.config) : c.html(notFoundPage(context.pages), 404)));
  app.onError((error, c) => errorResponse(c, error, context.pages, deps.logger));
  return app;
}

function routeContext({ storeRetry = STORE_RETRY, snsNetwork = snsOverHttps(), signalsChanged = NO_RETRAINING, ...deps }: AppDependencies): RouteContext {
  return {
    ...deps,
    store: retryingWhileBusy(deps.store, {
      ...storeRetry,
      onRetry: (error, retry, delayMs) => deps.logger.debug(`store busy, retry ${retry} in ${delayMs} ms: ${error.message}`),
    }),
    now: deps.now ?? (() => new Date()),
    background: deps.background ?? createBackgroundTasks(deps.logger),
    pages: createPages(deps.config.NEWSLETTER_NAME, siteFeedLinks(deps.config.PUBLIC_URL, deps.config.NEWSLETTER_NAME)),
    snsNetwork,
    signalsChanged,
  };
}
