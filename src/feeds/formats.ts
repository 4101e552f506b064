/**
 * The three formats every papermail feed is written in: RSS 2.0, Atom 1.0 and JSON Feed 1.1.
 * Each is served under a fixed file name (/feed.xml, /atom.xml, /feed.json, and the same
 * names under /topics/<slug>/); the links themselves are made in src/links/public-links.ts.
 */
export const FEED_FORMATS = ['rss', 'atom', 'json'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

/** The file name a feed of each format is served as. */
export const FEED_FILES: Record<FeedFormat, string> = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' };

/** The media type of each format, as `<link rel="alternate" type=…>` names it. */
export const FEED_MEDIA_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
};

/** How each format is named to people (a page's alternate links, a feed's title). */
export const FEED_FORMAT_NAMES: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };
