import { describe, expect, it } from 'vitest';
import type { FeedEntry } from '../../src/feeds/feed-entries.js';
import { writeFeed, type FeedDescription } from '../../src/feeds/write-feed.js';
import { atomFeed, atomText, rssChannel } from './feed-xml.js';

const FEED: FeedDescription = {
  id: 'https://papers.example.org/atom.xml',
  title: 'papermail & friends',
  description: 'Every issue',
  homeUrl: 'https://papers.example.org/archive',
  selfUrl: 'https://papers.example.org/feed.xml',
  author: 'papermail',
  updated: new Date('2025-09-30T07:00:00.000Z'),
};

function entry(overrides: Partial<FeedEntry> = {}): FeedEntry {
  return {
    id: 'https://papers.example.org/archive/2025-09-30',
    title: 'Top papers for 30 Sep 2025',
    link: 'https://papers.example.org/archive/2025-09-30',
    date: new Date('2025-09-30T07:00:00.000Z'),
    summary: '2 papers in 1 topic',
    contentHtml: '<p>The papers</p>',
    authors: ['Ada Lovelace'],
    ...overrides,
  };
}

const HOSTILE = entry({ title: 'A </title><b>bold</b> ]]> title & more\u0001', summary: 'x ]]> <i>y</i>', contentHtml: '<p>a ]]&gt; b</p>', authors: ['Eve </name>'] });

describe('writeFeed as RSS 2.0', () => {
  it('writes the channel and its items with the required elements', () => {
    const channel = rssChannel(writeFeed('rss', FEED, [entry(), entry({ id: 'https://papers.example.org/archive/2025-09-29', link: 'https://papers.example.org/archive/2025-09-29' })]));

    expect([channel.title, channel.link, channel.description]).toEqual(['papermail & friends', 'https://papers.example.org/archive', 'Every issue']);
    expect(channel.item).toHaveLength(2);
    const [first] = channel.item;
    expect(first!.title).toBe('Top papers for 30 Sep 2025');
    expect(first!.link).toBe('https://papers.example.org/archive/2025-09-30');
    expect(first!.guid).toMatchObject({ '#text': 'https://papers.example.org/archive/2025-09-30' });
    expect(new Date(first!.pubDate).toISOString()).toBe('2025-09-30T07:00:00.000Z');
    expect(first!['content:encoded']).toBe('<p>The papers</p>');
  });

  it('stays well-formed with hostile text, which reads back as the text it was', () => {
    const [item] = rssChannel(writeFeed('rss', FEED, [HOSTILE])).item;

    // Titles are HTML to the library (CDATA): escaped, so a reader shows them as text.
    expect(item!.title).toBe('A &lt;/title&gt;&lt;b&gt;bold&lt;/b&gt; ]]&gt; title &amp; more');
    expect(item!.description).toBe('x ]]&gt; &lt;i&gt;y&lt;/i&gt;');
    expect(item!['content:encoded']).toBe('<p>a ]]&gt; b</p>');
  });

  it('is the same bytes for the same input (no clock in it)', () => {
    expect(writeFeed('rss', { ...FEED, updated: undefined }, [])).toBe(writeFeed('rss', { ...FEED, updated: undefined }, []));
  });
});

describe('writeFeed as Atom 1.0', () => {
  it('writes the feed id, title and updated, and each entry with id, title, updated and link', () => {
    const feed = atomFeed(writeFeed('atom', FEED, [entry()]));

    expect(feed.id).toBe('https://papers.example.org/atom.xml');
    expect(atomText(feed.title)).toBe('papermail & friends');
    expect(feed.updated).toBe('2025-09-30T07:00:00.000Z');
    const [first] = feed.entry;
    expect(first!.id).toBe('https://papers.example.org/archive/2025-09-30');
    expect(atomText(first!.title)).toBe('Top papers for 30 Sep 2025');
    expect(first!.updated).toBe('2025-09-30T07:00:00.000Z');
    expect(first!.link[0]!['@href']).toBe('https://papers.example.org/archive/2025-09-30');
  });

  it('stays well-formed with hostile text', () => {
    const [first] = atomFeed(writeFeed('atom', FEED, [HOSTILE])).entry;
    expect(atomText(first!.title)).toBe('A &lt;/title&gt;&lt;b&gt;bold&lt;/b&gt; ]]&gt; title &amp; more');
  });
});

describe('writeFeed as JSON Feed 1.1', () => {
  it('writes version 1.1, the title, authors and items with id, url and plain-text title and summary', () => {
    const feed = JSON.parse(writeFeed('json', FEED, [HOSTILE]));

    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'papermail & friends',
      home_page_url: 'https://papers.example.org/archive',
      feed_url: 'https://papers.example.org/feed.xml',
      language: 'en',
      authors: [{ name: 'papermail', url: 'https://papers.example.org/archive' }],
    });
    expect(feed.author).toBeUndefined();
    expect(feed.items).toEqual([
      {
        id: 'https://papers.example.org/archive/2025-09-30',
        url: 'https://papers.example.org/archive/2025-09-30',
        title: 'A </title><b>bold</b> ]]> title & more\u0001',
        summary: 'x ]]> <i>y</i>',
        content_html: '<p>a ]]&gt; b</p>',
        date_modified: '2025-09-30T07:00:00.000Z',
        date_published: '2025-09-30T07:00:00.000Z',
        authors: [{ name: 'Eve </name>' }],
      },
    ]);
  });
});
