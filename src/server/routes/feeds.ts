/**
 * Feeds of the archive: /feed.xml (RSS 2.0), /atom.xml (Atom 1.0), /feed.json (JSON Feed 1.1),
 * the same under /topics/<slug>/ for one topic's papers, and a subscriber's private feed at
 * /feed/<token>.xml (and .json), opened by a read-only feed token. The entries and the writing
 * are src/feeds'; these handlers only pick the issues, and answer conditional requests.
 *
 * Caching is explicit (the app's default is no-store): public feeds may be kept a few
 * minutes by anyone, as the archive pages; a private feed only by the reader's own client.
 * ETag is a hash of the body, Last-Modified the newest issue's archive time, and a request
 * that already has the feed gets a 304 (If-None-Match first; If-Modified-Since only without it,
 * as RFC 9110 §13.2.2 orders them).
 */
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { PapermailError, isPapermailError } from '../../errors.js';
import { archiveIssues, FEED_ISSUES, TOPIC_FEED_ISSUES } from '../../feeds/archive-issues.js';
import { issueEntries, subscriberEntries, topicPaperEntries, type FeedEntry, type FeedIssue } from '../../feeds/feed-entries.js';
import { FEED_FILES, FEED_FORMATS, FEED_MEDIA_TYPES, type FeedFormat } from '../../feeds/formats.js';
import { writeFeed, type FeedDescription } from '../../feeds/write-feed.js';
import { archiveListLink, feedLink, parsePrivateFeedFile, privateFeedLink } from '../../links/public-links.js';
import type { Subscriber } from '../../subscribers/store.js';
import type { AppEnv, RouteContext } from '../dependencies.js';
import { subscriberForToken } from '../subscriber-for-token.js';

/** As the archive pages: an issue changes once a day, and a few minutes spare the store. */
const PUBLIC_FEED_CACHE = 'public, max-age=300';
/** The address is the subscriber's key: no shared cache may keep it. */
const PRIVATE_FEED_CACHE = 'private, max-age=300';
/** One answer for a forged token, another purpose's, a deleted or an unsubscribed subscriber: it tells nobody which. */
const NO_SUCH_FEED = 'there is no feed at this address';

export function registerFeedRoutes(app: Hono<AppEnv>, context: RouteContext): void {
  const { config, topics, store, logger } = context;
  const issues = archiveIssues(store, logger);
  const publicUrl = config.PUBLIC_URL;
  const name = config.NEWSLETTER_NAME;

  for (const format of FEED_FORMATS) {
    app.get(`/${FEED_FILES[format]}`, async (c) => {
      const recent = await issues.recent(FEED_ISSUES);
      const description = {
        id: feedLink(publicUrl, 'atom'),
        title: name,
        description: `The latest issues of ${name}: the most upvoted papers on Hugging Face Daily Papers, by topic.`,
        selfUrl: feedLink(publicUrl, format),
      };
      return feedResponse(c, format, describe(description, recent), issueEntries(recent, publicUrl), PUBLIC_FEED_CACHE);
    });

    app.get(`/topics/:slug/${FEED_FILES[format]}`, async (c) => {
      const topic = topics.find((candidate) => candidate.slug === c.req.param('slug'));
      if (topic === undefined) throw new PapermailError('ENOTFOUND', 'there is no topic of that name');
      const recent = await issues.recent(TOPIC_FEED_ISSUES);
      const entries = topicPaperEntries(recent, topic.slug, publicUrl);
      const description = {
        id: feedLink(publicUrl, 'atom', topic.slug),
        title: `${name} · ${topic.name}`,
        description: `The papers on ${topic.name} in the latest issues of ${name}.`,
        selfUrl: feedLink(publicUrl, format, topic.slug),
      };
      return feedResponse(c, format, describe(description, recent, entries), entries, PUBLIC_FEED_CACHE);
    });
  }

  app.get('/feed/:file', async (c) => {
    const file = parsePrivateFeedFile(c.req.param('file'));
    if (file === undefined) throw new PapermailError('ENOTFOUND', NO_SUCH_FEED);
    const subscriber = await feedSubscriber(context, file.token);
    // Their emails, as the ledger has them: the issues they were sent (of whichever cadence they had then), each as their copy held it.
    const recent = await issues.recent(FEED_ISSUES);
    const entries = subscriberEntries(recent, await store.copiesSentTo(subscriber.id, recent.map((issue) => issue.id)), subscriber.topics, publicUrl);
    const description = {
      // The id does not change with the token's spelling: it is the subscriber's, by id.
      id: `${feedLink(publicUrl, 'atom')}#subscriber-${subscriber.id}`,
      title: `${name} · your issues`,
      description: `The issues of ${name} with your topics, as your emails have them. This address is yours: do not share it.`,
      selfUrl: privateFeedLink(config, subscriber, file.format),
    };
    return feedResponse(c, file.format, describe(description, recent, entries), entries, PRIVATE_FEED_CACHE);
  });

  function describe(feed: Pick<FeedDescription, 'id' | 'title' | 'description' | 'selfUrl'>, recent: readonly FeedIssue[], entries?: readonly FeedEntry[]): FeedDescription {
    const newest = entries === undefined ? recent[0]?.archivedAt : entries[0]?.date;
    return { ...feed, homeUrl: archiveListLink(publicUrl), author: name, updated: newest };
  }
}

/** The subscriber a feed token names, while they still get issues; a 404 that says nothing more otherwise. */
async function feedSubscriber(context: RouteContext, token: string): Promise<Subscriber> {
  let subscriber: Subscriber;
  try {
    subscriber = await subscriberForToken(context.store, context.config.secret, token, 'feed', context.now());
  } catch (error) {
    if (isPapermailError(error, 'ETOKEN')) throw new PapermailError('ENOTFOUND', NO_SUCH_FEED);
    throw error;
  }
  if (subscriber.status === 'unsubscribed' || subscriber.status === 'bounced') throw new PapermailError('ENOTFOUND', NO_SUCH_FEED);
  return subscriber;
}

function feedResponse(c: Context<AppEnv>, format: FeedFormat, feed: FeedDescription, entries: readonly FeedEntry[], cacheControl: string): Response {
  const body = writeFeed(format, feed, entries);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  c.header('Cache-Control', cacheControl);
  c.header('ETag', etag);
  if (feed.updated !== undefined) c.header('Last-Modified', feed.updated.toUTCString());
  if (notModified(c, etag, feed.updated)) return c.body(null, 304);
  c.header('Content-Type', `${FEED_MEDIA_TYPES[format]}; charset=utf-8`);
  return c.body(body);
}

/** Whether the client's copy is current: its ETag matches, or (with no ETag sent) it is no older than the newest issue. */
function notModified(c: Context, etag: string, lastModified: Date | undefined): boolean {
  const ifNoneMatch = c.req.header('If-None-Match');
  if (ifNoneMatch !== undefined) {
    // Weak comparison (RFC 9110 §8.8.3.2): a proxy that compressed the body may have marked our tag W/.
    return ifNoneMatch.split(',').some((tag) => {
      const candidate = tag.trim();
      return candidate === '*' || candidate.replace(/^W\//, '') === etag;
    });
  }
  const ifModifiedSince = Date.parse(c.req.header('If-Modified-Since') ?? '');
  // HTTP dates have whole seconds: the archive time is compared at that precision.
  return lastModified !== undefined && !Number.isNaN(ifModifiedSince) && Math.floor(lastModified.getTime() / 1000) * 1000 <= ifModifiedSince;
}
