/**
 * POST /webhooks/<provider>: the thin HTTP side of src/feedback/webhooks. Each route is off
 * (404) until its provider's secret is set, has its own body limit (the app's 8 KB is for
 * forms), verifies the request before anything is recorded, and records what it reports
 * only through recordReportedEvents. A refusal is a 4xx with a one-line reason in JSON;
 * a store that stays locked is a 503, which every provider retries.
 *
 * Rate limiting counts refusals only, per client network: a provider's good requests come in
 * bursts (a SendGrid batch every few seconds during a send) and must never be slowed, while a
 * client that keeps sending forged or broken requests is told to wait (429) before its body
 * is read or a certificate fetched. Behind a reverse proxy every client shares the proxy's
 * count (src/server/client-address.ts): a flood of forgeries then delays real webhooks, which
 * the providers retry.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { EventSource } from '../../feedback/delivery-event.js';
import { recordReportedEvents, type FeedbackContext } from '../../feedback/record.js';
import { GENERIC_MAX_BODY_BYTES, readGenericWebhook } from '../../feedback/webhooks/generic.js';
import { MAILGUN_MAX_BODY_BYTES, readMailgunWebhook } from '../../feedback/webhooks/mailgun.js';
import { POSTMARK_MAX_BODY_BYTES, readPostmarkWebhook } from '../../feedback/webhooks/postmark.js';
import { SENDGRID_MAX_BODY_BYTES, readSendgridWebhook, sendgridPublicKey } from '../../feedback/webhooks/sendgrid.js';
import { createSnsVerifier, readSesWebhook, SES_MAX_BODY_BYTES } from '../../feedback/webhooks/ses.js';
import { WebhookRefusal, type WebhookReading, type WebhookRequest } from '../../feedback/webhooks/webhook-request.js';
import { clientAddress } from '../client-address.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import type { RateLimiter } from '../rate-limit.js';
import { rateLimitKeyForAddress } from '../rate-limit-keys.js';

/** Refused webhook requests allowed per client network per hour before it is answered 429 unread. */
export const WEBHOOK_REFUSALS_PER_HOUR = 60;

type WebhookProvider = Extract<EventSource, 'ses' | 'postmark' | 'sendgrid' | 'mailgun' | 'generic'>;

interface WebhookEndpoint {
  provider: WebhookProvider;
  maxBodyBytes: number;
  /** The setting that turns it on, for the 404's message. */
  setting: string;
  /** Undefined while the setting is unset. */
  read: ((request: WebhookRequest) => WebhookReading | Promise<WebhookReading>) | undefined;
}

export interface WebhookLimits {
  /** Counts refused requests per client network. */
  refusals: RateLimiter;
}

/** The endpoints as configured; a SendGrid key that is not one fails here, when the app is built (ECONFIG). */
function webhookEndpoints({ config, snsNetwork }: RouteContext): WebhookEndpoint[] {
  const topicArns = config.SES_SNS_TOPIC_ARNS?.split(',').map((arn) => arn.trim());
  const postmark = config.POSTMARK_WEBHOOK_USER && config.POSTMARK_WEBHOOK_PASSWORD ? { user: config.POSTMARK_WEBHOOK_USER, password: config.POSTMARK_WEBHOOK_PASSWORD } : undefined;
  const sendgridKey = config.SENDGRID_WEBHOOK_PUBLIC_KEY ? sendgridPublicKey(config.SENDGRID_WEBHOOK_PUBLIC_KEY) : undefined;
  const { MAILGUN_WEBHOOK_SIGNING_KEY: mailgunKey, WEBHOOK_TOKEN: token, WEBHOOK_MAX_AGE_SECONDS: maxAgeSeconds } = config;
  const sns = topicArns && { topicArns, verifier: createSnsVerifier((url) => snsNetwork.fetchCertificate(url)), confirmSubscription: (url: URL) => snsNetwork.confirmSubscription(url) };
  return [
    { provider: 'ses', maxBodyBytes: SES_MAX_BODY_BYTES, setting: 'SES_SNS_TOPIC_ARNS', read: sns && ((request) => readSesWebhook(request, sns)) },
    {
      provider: 'postmark',
      maxBodyBytes: POSTMARK_MAX_BODY_BYTES,
      setting: 'POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD',
      read: postmark && ((request) => readPostmarkWebhook(request, postmark)),
    },
    {
      provider: 'sendgrid',
      maxBodyBytes: SENDGRID_MAX_BODY_BYTES,
      setting: 'SENDGRID_WEBHOOK_PUBLIC_KEY',
      read: sendgridKey && ((request) => readSendgridWebhook(request, { publicKey: sendgridKey, maxAgeSeconds })),
    },
    {
      provider: 'mailgun',
      maxBodyBytes: MAILGUN_MAX_BODY_BYTES,
      setting: 'MAILGUN_WEBHOOK_SIGNING_KEY',
      read: mailgunKey ? (request) => readMailgunWebhook(request, { signingKey: mailgunKey, maxAgeSeconds }) : undefined,
    },
    { provider: 'generic', maxBodyBytes: GENERIC_MAX_BODY_BYTES, setting: 'WEBHOOK_TOKEN', read: token ? (request) => readGenericWebhook(request, token) : undefined },
  ];
}

export function registerWebhookRoutes(app: Hono<AppEnv>, context: RouteContext, limits: WebhookLimits): void {
  const { logger } = context;
  const feedback: FeedbackContext = { store: context.store, config: context.config, logger };

  for (const endpoint of webhookEndpoints(context)) {
    const { provider, read } = endpoint;
    const path = `/webhooks/${provider}`;
    if (read === undefined) {
      app.post(path, (c) => c.json({ error: 'EDISABLED', message: `the ${provider} webhook is off; set ${endpoint.setting} to turn it on` }, 404));
      continue;
    }
    const refuse = (c: Context, refusal: WebhookRefusal) => {
      limits.refusals.hit(refusalKey(c));
      // The reason may quote the request (a field name, a topic): no control characters reach the log.
      logger.warn(`webhook ${provider}: refused (${refusal.status}): ${refusal.message.replace(/[\u0000-\u001f\u007f]/g, '?')}`);
      return c.json({ error: refusal.code, message: refusal.message }, refusal.status);
    };

    app.post(path, refusedTooOften(limits.refusals), bodyLimitOf(endpoint, refuse), async (c) => {
      const request: WebhookRequest = { body: Buffer.from(await c.req.arrayBuffer()), header: (name) => c.req.header(name), receivedAt: context.now() };
      let reading: WebhookReading;
      try {
        reading = await read(request);
      } catch (error) {
        if (error instanceof WebhookRefusal) return refuse(c, error);
        throw error;
      }
      const outcomes = await recordReportedEvents(feedback, reading.events);
      const count = (kind: string) => outcomes.filter((outcome) => outcome.kind === kind).length;
      const summary = { received: reading.events.length, recorded: count('recorded'), duplicates: count('duplicate'), unmatched: count('unmatched'), ...(reading.action ? { action: reading.action } : {}) };
      logger.info(
        `webhook ${provider}: ${reading.action ?? `${summary.received} event${summary.received === 1 ? '' : 's'}, ${summary.recorded} recorded, ${summary.duplicates} already recorded, ${summary.unmatched} matched no subscriber`}`,
      );
      return c.json(summary, 200);
    });
  }
}

function refusalKey(c: Context<AppEnv>): string {
  return rateLimitKeyForAddress(clientAddress(c));
}

/** A 429 before anything is read for a client that used up its refusals. */
function refusedTooOften(refusals: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const retryAfter = refusals.retryAfter(refusalKey(c));
    if (retryAfter === 0) return next();
    c.header('Retry-After', String(retryAfter));
    return c.json({ error: 'ERATELIMIT', message: `too many refused webhook requests from this address; try again in ${retryAfter} s` }, 429);
  };
}

/** The endpoint's own body limit; a larger body is refused (413) unread, and counts as a refusal. */
function bodyLimitOf(endpoint: WebhookEndpoint, refuse: (c: Context, refusal: WebhookRefusal) => Response): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: endpoint.maxBodyBytes,
    onError: (c) => refuse(c, new WebhookRefusal(413, `the body is larger than the ${endpoint.provider} webhook's ${endpoint.maxBodyBytes / 1024} KB`)),
  });
}
