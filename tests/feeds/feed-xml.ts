/** Reading feeds back as a feed reader would: a real XML parser, with the lists always lists. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const LISTS = new Set(['rss.channel.item', 'feed.entry', 'feed.link', 'feed.entry.link', 'feed.entry.author']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (_name, path) => LISTS.has(String(path)),
  parseTagValue: false,
  trimValues: true,
});

/** The parsed document; throws with the parser's error when the XML is not well-formed. */
export function parseFeedXml(xml: string): Record<string, any> {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(xml) as Record<string, any>;
}

export interface RssItem {
  title: string;
  link: string;
  guid: { '#text': string; '@isPermaLink': string };
  pubDate: string;
  description: string;
  'content:encoded': string;
}

/** The channel of an RSS 2.0 document, its items always a list. */
export function rssChannel(xml: string): { title: string; link: string; description: string; item: RssItem[] } & Record<string, any> {
  const document = parseFeedXml(xml);
  const channel = document.rss.channel;
  return { ...channel, item: channel.item ?? [] };
}

export interface AtomEntry {
  id: string;
  title: string | { '#text': string };
  updated: string;
  link: Array<{ '@href': string }>;
  content: { '#text': string };
}

/** The feed element of an Atom 1.0 document, its entries always a list. */
export function atomFeed(xml: string): { id: string; title: string; updated: string; entry: AtomEntry[] } & Record<string, any> {
  const feed = parseFeedXml(xml).feed;
  return { ...feed, entry: feed.entry ?? [] };
}

/** An Atom text construct's text, whether it carried attributes (type="html") or not. */
export function atomText(value: string | { '#text': string }): string {
  return typeof value === 'string' ? value : value['#text'];
}
