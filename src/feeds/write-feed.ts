/**
 * Entries written as RSS 2.0, Atom 1.0 or JSON Feed 1.1, with the `feed` library. Pure, and
 * the same input always gives the same bytes (no "now" in it), so a feed's ETag only moves
 * when an issue does.
 *
 * The library takes an item's title as HTML (RSS: in CDATA; Atom: type="html"), so titles are
 * escaped for those two and given as plain text to JSON Feed, whose title is text. It splits
 * a "]]>" inside CDATA itself and escapes what goes into elements. What XML 1.0 cannot hold at
 * all (control characters, lone surrogates) is dropped from the output: paper text may carry them.
 */
import { Feed, type Item } from 'feed';
import { escapeHtml } from '../render/escape.js';
import type { FeedEntry } from './feed-entries.js';
import type { FeedFormat } from './formats.js';

/** What a feed says about itself. */
export interface FeedDescription {
  /** A URL that stays the feed's id for good. */
  id: string;
  title: string;
  description: string;
  /** The page the feed is the feed of (the archive). */
  homeUrl: string;
  /** The feed's own address in this format. */
  selfUrl: string;
  /** Who writes it: the newsletter. */
  author: string;
  /** When it last changed: its newest entry's date, or undefined when it has none (the Unix epoch is written then). */
  updated: Date | undefined;
}

const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';
const NO_ENTRIES_YET = new Date(0);
// Outside XML 1.0's Char production (tab, line feed, carriage return and the rest of Unicode but surrogates, U+FFFE and U+FFFF).
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The feed as text in `format`. */
export function writeFeed(format: FeedFormat, feed: FeedDescription, entries: readonly FeedEntry[]): string {
  const writer = new Feed({
    id: feed.id,
    title: feed.title,
    description: feed.description,
    link: feed.homeUrl,
    language: 'en',
    updated: feed.updated ?? NO_ENTRIES_YET,
    generator: 'papermail',
    feedLinks: { [format]: feed.selfUrl },
    author: { name: feed.author, link: feed.homeUrl },
  });
  for (const entry of entries) writer.addItem(item(entry, format === 'json' ? entry.title : escapeHtml(entry.title)));
  switch (format) {
    case 'rss':
      return writer.rss2().replace(NOT_XML, '');
    case 'atom':
      return writer.atom1().replace(NOT_XML, '');
    case 'json':
      return jsonFeed11(writer.json1(), entries);
  }
}

function item(entry: FeedEntry, title: string): Item {
  return {
    id: entry.id,
    title,
    link: entry.link,
    date: entry.date,
    // An issue is written once: published and updated are the same time.
    published: entry.date,
    description: escapeHtml(entry.summary),
    content: entry.contentHtml,
    ...(entry.authors.length > 0 ? { author: entry.authors.map((name) => ({ name })) } : {}),
  };
}

interface LibraryJsonFeed {
  version: string;
  author?: unknown;
  items: Array<Record<string, unknown>>;
}

/**
 * The library writes JSON Feed 1.0. 1.1 differs in what is used here by its version, `authors`
 * (a list) for `author`, `language`, and a plain-text `summary`.
 */
function jsonFeed11(written: string, entries: readonly FeedEntry[]): string {
  const { version: _version, author, items, ...rest } = JSON.parse(written) as LibraryJsonFeed;
  const feed = {
    version: JSON_FEED_VERSION,
    ...rest,
    language: 'en',
    ...(author === undefined ? {} : { authors: [author] }),
    items: items.map(({ author: _author, summary: _summary, ...fields }, index) => {
      const entry = entries[index]!;
      return {
        ...fields,
        summary: entry.summary,
        ...(entry.authors.length > 0 ? { authors: entry.authors.map((name) => ({ name })) } : {}),
      };
    }),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}
