/**
 * Operator endpoints, behind `Authorization: Bearer <ADMIN_TOKEN>`: POST /admin/send runs the
 * daily send, GET /admin/report[?date=] answers the delivery report (`papermail report --json`).
 * With ADMIN_TOKEN unset they are off (404): no token to guess, and the answer says how to
 * turn them on. `/preview` is also open without a token when PUBLIC_URL is this machine (development).
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../../config/config.js';
import { issueDayFor, parseIssueDay } from '../../digest/dates.js';
import { isIssueId } from '../../digest/issue-id.js';
import { PapermailError } from '../../errors.js';
import { deliveryReportDocument } from '../../feedback/delivery-report.js';
import { hasBearerToken } from '../admin-auth.js';
import type { AppEnv, RouteContext } from '../dependencies.js';

const IssueDaySchema = z.string().refine(isIssueDay, 'date must be a real date as YYYY-MM-DD');

const SendRequestSchema = z.strictObject({
  date: IssueDaySchema.optional(),
  dryRun: z.boolean().optional(),
});

type Access = 'granted' | 'disabled' | 'refused';

const HOW_TO_TURN_ON = 'set ADMIN_TOKEN to at least 24 random characters (openssl rand -base64 32) and restart papermail';

/** The answer of every /admin/ path while ADMIN_TOKEN is unset. */
const ADMIN_OFF = { error: 'EDISABLED', message: `the admin API is off; to turn it on, ${HOW_TO_TURN_ON}` };

/** An /admin/ path no route took: "off" while it is, else which endpoint exists. */
export function adminNotFound(c: Context, config: Pick<Config, 'ADMIN_TOKEN'>): Response {
  if (config.ADMIN_TOKEN === undefined) return c.json(ADMIN_OFF, 404);
  return c.json({ error: 'ENOTFOUND', message: `no admin endpoint ${c.req.method} ${c.req.path}; the admin API has POST /admin/send and GET /admin/report` }, 404);
}

export function registerAdminRoutes(app: Hono<AppEnv>, context: RouteContext): void {
  const { config, logger, pages } = context;

  const access = (c: Context): Access => {
    if (config.ADMIN_TOKEN === undefined) return 'disabled';
    return hasBearerToken(c.req.header('Authorization'), config.ADMIN_TOKEN) ? 'granted' : 'refused';
  };

  /** The answer for a request without access, or undefined when it may go on. */
  const refusal = (c: Context): Response | undefined => {
    const decision = access(c);
    if (decision === 'disabled') return c.json(ADMIN_OFF, 404);
    if (decision === 'refused') {
      c.header('WWW-Authenticate', 'Bearer realm="papermail"');
      return c.json({ error: 'EUNAUTHORISED', message: 'Authorization: Bearer <ADMIN_TOKEN> required' }, 401);
    }
    return undefined;
  };

  app.get('/admin/report', async (c) => {
    const refused = refusal(c);
    if (refused) return refused;
    const given = c.req.query('date');
    if (given !== undefined && !isIssueId(given)) throw new PapermailError('EINPUT', `date: must be an issue, a real date as YYYY-MM-DD or a week as YYYY-Www (got ${JSON.stringify(given)})`);
    return c.json(deliveryReportDocument(await context.store.deliveryReport(given)), 200);
  });

  app.post('/admin/send', async (c) => {
    const refused = refusal(c);
    if (refused) return refused;
    const request = SendRequestSchema.safeParse(await readJson(c));
    if (!request.success) {
      const issue = request.error.issues[0]!;
      const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
      throw new PapermailError('EINPUT', `${field}: ${issue.message}`);
    }
    logger.info(`admin: send requested${request.data.date ? ` for ${request.data.date}` : ''}${request.data.dryRun ? ' (dry run)' : ''}`);
    // The send runs to completion before answering, so the summary is the real outcome.
    return c.json(await context.runSend(request.data), 200);
  });

  app.get('/preview', async (c) => {
    if (!config.isLocal) {
      const decision = access(c);
      if (decision === 'disabled') {
        return c.html(pages.message({ title: 'Preview is off', message: `Off localhost the preview needs the admin token: ${HOW_TO_TURN_ON}.` }), 404);
      }
      if (decision === 'refused') {
        c.header('WWW-Authenticate', 'Bearer realm="papermail"');
        return c.html(pages.message({ title: 'Not allowed', message: 'The preview needs the admin token.' }), 401);
      }
    }
    const given = c.req.query('date');
    const date = given === undefined ? issueDayFor(context.now(), config.TZ, config.DIGEST_DAY_OFFSET) : parseIssueDay(given, 'date');
    return c.html(await context.renderPreview(date));
  });
}

/** An empty body means "all defaults"; anything else must be JSON. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new PapermailError('EINPUT', 'body: must be JSON such as {"date":"2025-09-30","dryRun":true}');
  }
}

function isIssueDay(value: string): boolean {
  try {
    parseIssueDay(value);
    return true;
  } catch {
    return false;
  }
}
