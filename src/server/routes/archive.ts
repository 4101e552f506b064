/** Past issues, as their browser versions were stored at send time. */
import type { Hono } from 'hono';
import { parseIssueId } from '../../digest/issue-id.js';
import { PapermailError } from '../../errors.js';
import { withAlternateLinks } from '../../render/page.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { siteFeedLinks } from '../pages.js';

/** Issues never change once sent; a few minutes of caching spares the store on a busy day. */
const ARCHIVE_CACHE = 'public, max-age=300';

export function registerArchiveRoutes(app: Hono<AppEnv>, context: RouteContext): void {
  const { store, pages, config } = context;
  // Issues archived before the feeds existed get the links too: they are added as the page is served.
  const feeds = siteFeedLinks(config.PUBLIC_URL, config.NEWSLETTER_NAME);

  app.get('/archive', async (c) => {
    const issues = await store.listIssues();
    c.header('Cache-Control', ARCHIVE_CACHE);
    return c.html(pages.archive(issues));
  });

  // A daily issue by its date (/archive/2025-09-30), a weekly one by its week (/archive/2025-W40).
  app.get('/archive/:date', async (c) => {
    const date = parseIssueId(c.req.param('date'), 'the issue in the address');
    const issue = await store.getIssue(date);
    if (issue === undefined) throw new PapermailError('ENOTFOUND', `there is no issue for ${date}`);
    c.header('Cache-Control', ARCHIVE_CACHE);
    return c.html(withAlternateLinks(issue.html, feeds));
  });
}
