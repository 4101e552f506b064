/**
 * Operator endpoints, behind `Authorization: Bearer <ADMIN_TOKEN>`. With ADMIN_TOKEN
 * unset they do not exist (404): nothing to guess, nothing advertised.
 * `/preview` is also open without a token when PUBLIC_URL is this machine (development).
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { issueDayFor, parseIssueDay } from '../../digest/dates.js';
import { PapermailError } from '../../errors.js';
import { hasBearerToken } from '../admin-auth.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { notFoundPage } from '../error-pages.js';

const IssueDaySchema = z.string().refine(isIssueDay, 'date must be a real date as YYYY-MM-DD');

const SendRequestSchema = z.strictObject({
  date: IssueDaySchema.optional(),
  dryRun: z.boolean().optional(),
});

type Access = 'granted' | 'disabled' | 'refused';

export function registerAdminRoutes(app: Hono<AppEnv>, context: RouteContext): void {
  const { config, logger, pages } = context;

  const access = (c: Context): Access => {
    if (config.ADMIN_TOKEN === undefined) return 'disabled';
    return hasBearerToken(c.req.header('Authorization'), config.ADMIN_TOKEN) ? 'granted' : 'refused';
  };

  app.post('/admin/send', async (c) => {
    const decision = access(c);
    if (decision === 'disabled') return c.json({ error: 'ENOTFOUND' }, 404);
    if (decision === 'refused') {
      c.header('WWW-Authenticate', 'Bearer realm="papermail"');
      return c.json({ error: 'EUNAUTHORISED', message: 'Authorization: Bearer <ADMIN_TOKEN> required' }, 401);
    }
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
      if (decision === 'disabled') return c.html(notFoundPage(pages), 404);
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
