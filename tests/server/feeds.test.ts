import { afterEach, describe, expect, it } from 'vitest';
import { paperSetOf } from '../../src/digest/paper-set.js';
import { rankedPapers } from '../../src/render/issue-view.js';
import { frozenDigest } from '../../src/delivery/frozen-issue.js';
import { FEED_ISSUES } from '../../src/feeds/archive-issues.js';
import type { Digest } from '../../src/digest/paper.js';
import { relativePrivateFeedLink, relativeSubscriberLink } from '../../src/links/public-links.js';
import { escapeHtml } from '../../src/render/escape.js';
import type { SubscriberStatus } from '../../src/subscribers/store.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { digestOf, paper } from '../builders.js';
import { atomFeed, atomText, parseFeedXml, rssChannel } from '../feeds/feed-xml.js';
import { startHarness, type Harness } from './harness.js';

let harness: Harness;

afterEach(async () => {
  await harness.close();
});

const SAMPLE_DAY = '2025-09-30';

/** The sample day through the real daily send: frozen, then archived (with no subscriber, nobody is mailed). */
async function sendSampleDay(): Promise<Digest> {
  await harness.deps.runSend({ date: SAMPLE_DAY });
  const record = await harness.store.frozenIssue(SAMPLE_DAY);
  return frozenDigest(record!)!;
}

/**
 * Another archived issue, a day later by the store's clock. The feeds read a frozen issue's
 * digest only, so its compiled part is left empty here (no MJML compile per test issue).
 */
async function archiveDay(digest: Digest, subject = `Issue of ${digest.date}`): Promise<void> {
  harness.clock.advanceHours(24);
  await harness.store.freezeIssue({ issueDate: digest.date, digest: JSON.stringify(digest), compiled: '{}' });
  await harness.store.saveIssue({ date: digest.date, subject, html: `<p>${subject}</p>`, text: subject });
}

function twoTopics(date: string, titles: { agents: string[]; vision: string[] }): Digest {
  const agents = titles.agents.map((title) => paper({ title, day: date }));
  const vision = titles.vision.map((title) => paper({ title, day: date }));
  return digestOf([...agents, ...vision], {
    date,
    sections: [
      { slug: 'agents', topic: 'Agents', upvotes: 0, papers: agents },
      { slug: 'vision-language', topic: 'Vision-language', upvotes: 0, papers: vision },
    ].filter((section) => section.papers.length > 0),
  });
}

/** A link of a feed as a path the app answers (PUBLIC_URL is the harness's localhost default). */
function pathOf(link: string): string {
  expect(link.startsWith(harness.config.PUBLIC_URL.replace(/\/$/, ''))).toBe(true);
  const url = new URL(link);
  return url.pathname + url.search;
}

function titlesIn(html: string, digest: Digest): string[] {
  return digest.sections.flatMap((section) => section.papers.map((each) => each.title)).filter((title) => html.includes(escapeHtml(title)));
}

async function subscriber(topics: string[] | null, status: SubscriberStatus = 'confirmed') {
  return (await harness.store.upsert({ email: 'ada@example.org', name: 'Ada', topics, status })).subscriber;
}

describe('the archive feeds', () => {
  it('list every archived issue, newest first, each linking to its archive page and carrying its papers (RSS)', async () => {
    harness = await startHarness();
    const sample = await sendSampleDay();
    const next = twoTopics('2025-10-01', { agents: ['An agent paper'], vision: ['A vision paper'] });
    await archiveDay(next);

    const response = await harness.app.request('/feed.xml');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/rss+xml; charset=utf-8');
    const channel = rssChannel(await response.text());

    expect(channel.title).toBe('papermail');
    expect(channel.link).toBe('http://localhost:8080/archive');
    expect(channel.description).toContain('The latest issues of papermail');
    const archived = await harness.store.listIssues();
    expect(channel.item.map((item) => item.title)).toEqual(['Issue of 2025-10-01', archived.find((issue) => issue.date === SAMPLE_DAY)!.subject]);
    expect(channel.item.map((item) => item.link)).toEqual(['http://localhost:8080/archive/2025-10-01', 'http://localhost:8080/archive/2025-09-30']);
    expect(channel.item.map((item) => item.guid['#text'])).toEqual(channel.item.map((item) => item.link));
    for (const item of channel.item) expect(new Date(item.pubDate).getTime()).not.toBeNaN();
    // Every paper of each issue, as its frozen issue has them.
    const samplePapers = sample.sections.flatMap((section) => section.papers);
    expect(titlesIn(channel.item[1]!['content:encoded'], sample)).toHaveLength(samplePapers.length);
    expect(titlesIn(channel.item[0]!['content:encoded'], next)).toEqual(['An agent paper', 'A vision paper']);
    for (const item of channel.item) expect((await harness.app.request(pathOf(item.link))).status).toBe(200);
    // The real browser version (MJML's output) links the feeds from its head.
    const page = await (await harness.app.request('/archive/2025-09-30')).text();
    expect(page.slice(0, page.indexOf('</head>'))).toContain('<link rel="alternate" type="application/rss+xml" title="papermail (RSS)" href="http://localhost:8080/feed.xml">');
  });

  it('say the same in Atom and JSON Feed 1.1', async () => {
    harness = await startHarness();
    await sendSampleDay();
    await archiveDay(twoTopics('2025-10-01', { agents: ['An agent paper'], vision: [] }));

    const atom = atomFeed(await (await harness.app.request('/atom.xml')).text());
    expect(atom.id).toBe('http://localhost:8080/atom.xml');
    expect(atomText(atom.title)).toBe('papermail');
    expect(atom.updated).toBe(atom.entry[0]!.updated);
    expect(atom.entry.map((entry) => [entry.id, entry.link[0]!['@href']])).toEqual([
      ['http://localhost:8080/archive/2025-10-01', 'http://localhost:8080/archive/2025-10-01'],
      ['http://localhost:8080/archive/2025-09-30', 'http://localhost:8080/archive/2025-09-30'],
    ]);
    expect(atom.entry.map((entry) => atomText(entry.title))[0]).toBe('Issue of 2025-10-01');

    const response = await harness.app.request('/feed.json');
    expect(response.headers.get('Content-Type')).toBe('application/feed+json; charset=utf-8');
    const json = (await response.json()) as { version: string; title: string; items: Array<{ id: string; url: string; content_html: string }> };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.title).toBe('papermail');
    expect(json.items.map((item) => item.url)).toEqual(['http://localhost:8080/archive/2025-10-01', 'http://localhost:8080/archive/2025-09-30']);
    expect(json.items.map((item) => item.id)).toEqual(json.items.map((item) => item.url));
    expect(json.items[0]!.content_html).toContain('An agent paper');
  });

  it(`hold the newest ${FEED_ISSUES} issues, while a topic's feed looks further back`, async () => {
    harness = await startHarness();
    const days = Array.from({ length: FEED_ISSUES + 1 }, (_, index) => new Date(Date.UTC(2025, 9, 1 + index)).toISOString().slice(0, 10));
    for (const day of days) await archiveDay(twoTopics(day, { agents: [`Agent paper of ${day}`], vision: [] }));

    const items = rssChannel(await (await harness.app.request('/feed.xml')).text()).item;
    const topicItems = rssChannel(await (await harness.app.request('/topics/agents/feed.xml')).text()).item;

    expect(items.map((item) => item.link)).toEqual(days.slice(1).reverse().map((day) => `http://localhost:8080/archive/${day}`));
    expect(topicItems.map((item) => item.title)).toEqual(days.reverse().map((day) => `Agent paper of ${day}`));
  });

  it('are well-formed and empty before any issue, with no Last-Modified', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/feed.xml');

    expect(response.status).toBe(200);
    expect(rssChannel(await response.text()).item).toEqual([]);
    expect(response.headers.get('Last-Modified')).toBeNull();
    expect(response.headers.get('ETag')).toMatch(/^"[\w-]+"$/);
  });

  it('answer HEAD with the headers and no body', async () => {
    harness = await startHarness();
    await archiveDay(twoTopics('2025-10-01', { agents: ['An agent paper'], vision: [] }));
    const get = await harness.app.request('/atom.xml');

    const head = await harness.app.request('/atom.xml', { method: 'HEAD' });

    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Type')).toBe('application/atom+xml; charset=utf-8');
    expect(head.headers.get('ETag')).toBe(get.headers.get('ETag'));
    expect(await head.text()).toBe('');
  });
});

describe('caching of the feeds', () => {
  it('sends a short public Cache-Control, an ETag of the body and the newest issue as Last-Modified', async () => {
    harness = await startHarness();
    await archiveDay(twoTopics('2025-10-01', { agents: ['An agent paper'], vision: [] }));
    const [newest] = await harness.store.listIssues();

    const response = await harness.app.request('/feed.xml');

    expect(response.headers.get('Cache-Control')).toBe('public, max-age=300');
    expect(response.headers.get('Last-Modified')).toBe(new Date(newest!.createdAt).toUTCString());
    const again = await harness.app.request('/feed.xml');
    expect(again.headers.get('ETag')).toBe(response.headers.get('ETag'));
    expect((await harness.app.request('/feed.json')).headers.get('ETag')).not.toBe(response.headers.get('ETag'));
  });

  it('answers 304 to a matching If-None-Match, and 200 with the new feed once another issue is archived', async () => {
    harness = await startHarness();
    await archiveDay(twoTopics('2025-10-01', { agents: ['An agent paper'], vision: [] }));
    const etag = (await harness.app.request('/feed.xml')).headers.get('ETag')!;

    const notModified = await harness.app.request('/feed.xml', { headers: { 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    expect(notModified.headers.get('ETag')).toBe(etag);
    expect(notModified.headers.get('Cache-Control')).toBe('public, max-age=300');
    expect((await harness.app.request('/feed.xml', { headers: { 'If-None-Match': `"other", W/${etag}` } })).status).toBe(304);

    await archiveDay(twoTopics('2025-10-02', { agents: ['A newer agent paper'], vision: [] }));
    const changed = await harness.app.request('/feed.xml', { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('ETag')).not.toBe(etag);
    expect(rssChannel(await changed.text()).item).toHaveLength(2);
  });

  it('answers 304 to If-Modified-Since at or after the newest issue, and 200 before it', async () => {
    harness = await startHarness();
    await archiveDay(twoTopics('2025-10-01', { agents: ['An agent paper'], vision: [] }));
    const lastModified = (await harness.app.request('/atom.xml')).headers.get('Last-Modified')!;
    const earlier = new Date(Date.parse(lastModified) - 1000).toUTCString();

    expect((await harness.app.request('/atom.xml', { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
    expect((await harness.app.request('/atom.xml', { headers: { 'If-Modified-Since': earlier } })).status).toBe(200);
    // If-None-Match decides when both are sent.
    expect((await harness.app.request('/atom.xml', { headers: { 'If-Modified-Since': lastModified, 'If-None-Match': '"stale"' } })).status).toBe(200);
  });
});

describe('the topic feeds', () => {
  it("hold one entry per paper of the topic across the recent issues, newest first, and nothing of other topics", async () => {
    harness = await startHarness();
    await archiveDay(twoTopics('2025-10-01', { agents: ['Older agent A', 'Older agent B'], vision: ['Vision paper'] }));
    await archiveDay(twoTopics('2025-10-02', { agents: ['Newer agent'], vision: ['Another vision paper'] }));

    const channel = rssChannel(await (await harness.app.request('/topics/agents/feed.xml')).text());

    expect(channel.title).toBe(`papermail · ${harness.topics.find((topic) => topic.slug === 'agents')!.name}`);
    expect(channel.item.map((item) => item.title)).toEqual(['Newer agent', 'Older agent A', 'Older agent B']);
    expect(channel.item[0]!.link).toMatch(/^https:\/\/huggingface\.co\/papers\//);
    expect(channel.item[0]!['content:encoded']).toContain('href="http://localhost:8080/archive/2025-10-02"');
    const atom = atomFeed(await (await harness.app.request('/topics/vision-language/atom.xml')).text());
    expect(atom.entry.map((entry) => atomText(entry.title))).toEqual(['Another vision paper', 'Vision paper']);
    const json = (await (await harness.app.request('/topics/agents/feed.json')).json()) as { items: Array<{ title: string }> };
    expect(json.items.map((item) => item.title)).toEqual(['Newer agent', 'Older agent A', 'Older agent B']);
  });

  it('answer 404 for a topic that does not exist', async () => {
    harness = await startHarness();

    const response = await harness.app.request('/topics/no-such-topic/feed.xml');

    expect(response.status).toBe(404);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
  });
});

describe('the private feed', () => {
  /** The ledger's word that `issueDate` was sent to them: with what their copy held, or (null) as a copy sent before copies kept that. */
  async function sentTo(who: { id: number }, issueDate: string, received: string | null = null): Promise<void> {
    await harness.store.markSent(issueDate, who.id, `<${issueDate}.${who.id}@papermail.test>`, received);
  }

  it("mirrors the subscriber's copies: the issues they were sent, each with their topics' papers", async () => {
    harness = await startHarness();
    await archiveDay(twoTopics('2025-10-01', { agents: ['Not sent to them'], vision: [] }));
    await archiveDay(twoTopics('2025-10-02', { agents: ['Their agent paper'], vision: ['Not their vision paper'] }));
    const ada = await subscriber(['agents']);
    await sentTo(ada, '2025-10-02');

    const response = await harness.app.request(`/${relativePrivateFeedLink(harness.config.secret, ada, 'rss')}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('private, max-age=300');
    const channel = rssChannel(await response.text());
    expect(channel.item.map((item) => item.link)).toEqual(['http://localhost:8080/archive/2025-10-02']);
    expect(channel.item[0]!['content:encoded']).toContain('Their agent paper');
    expect(channel.item[0]!['content:encoded']).not.toContain('Not their vision paper');
    const json = (await (await harness.app.request(`/${relativePrivateFeedLink(harness.config.secret, ada, 'json')}`)).json()) as { version: string; items: Array<{ url: string }> };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.items.map((item) => item.url)).toEqual(['http://localhost:8080/archive/2025-10-02']);
  });

  it('shows of each issue exactly the papers their copy held: not one an earlier issue had already sent them', async () => {
    harness = await startHarness();
    const day = twoTopics('2025-10-02', { agents: ['Held by their copy', 'Sent to them the day before'], vision: [] });
    await archiveDay(day);
    const ada = await subscriber(null);
    const held = rankedPapers(day).findIndex((each) => each.title === 'Held by their copy');
    await sentTo(ada, '2025-10-02', paperSetOf([held]));

    const html = rssChannel(await (await harness.app.request(`/${relativePrivateFeedLink(harness.config.secret, ada, 'rss')}`)).text()).item[0]!['content:encoded'];

    expect(html).toContain('Held by their copy');
    expect(html).not.toContain('Sent to them the day before');
  });

  it('holds their daily and weekly issues as they were sent, before and after a change of cadence', async () => {
    harness = await startHarness();
    await archiveDay(twoTopics('2025-10-02', { agents: ['A daily paper'], vision: [] }));
    harness.clock.advanceHours(24);
    const week = { ...twoTopics('2025-09-29', { agents: ['A weekly paper'], vision: [] }), period: { week: '2025-W40', from: '2025-09-29', to: '2025-10-05' } };
    await harness.store.freezeIssue({ issueDate: '2025-W40', digest: JSON.stringify(week), compiled: '{}' });
    await harness.store.saveIssue({ date: '2025-W40', subject: 'Week 40', html: '<p>Week 40</p>', text: 'Week 40' });
    const ada = await subscriber(null);
    const link = `/${relativePrivateFeedLink(harness.config.secret, ada, 'rss')}`;
    const links = async () => rssChannel(await (await harness.app.request(link)).text()).item.map((item) => item.link);

    await sentTo(ada, '2025-10-02');
    expect(await links()).toEqual(['http://localhost:8080/archive/2025-10-02']);
    await harness.store.setCadence(ada.id, 'weekly');
    await sentTo(ada, '2025-W40');
    expect(await links()).toEqual(['http://localhost:8080/archive/2025-W40', 'http://localhost:8080/archive/2025-10-02']);
  });

  it('keeps a copy as it was sent when the subscriber changes topics afterwards', async () => {
    harness = await startHarness();
    const day = twoTopics('2025-10-02', { agents: ['An agent paper'], vision: ['A vision paper'] });
    await archiveDay(day);
    const ada = await subscriber(['agents']);
    await sentTo(ada, '2025-10-02', paperSetOf([rankedPapers(day).findIndex((each) => each.title === 'An agent paper')]));

    await harness.store.setTopics(ada.id, ['vision-language']);
    const html = rssChannel(await (await harness.app.request(`/${relativePrivateFeedLink(harness.config.secret, ada, 'rss')}`)).text()).item[0]!['content:encoded'];

    expect(html).toContain('An agent paper');
    expect(html).not.toContain('A vision paper');
  });

  it('answers the same 404 to a forged token, a token of another purpose, a deleted and an unsubscribed or bounced subscriber', async () => {
    harness = await startHarness();
    await archiveDay(twoTopics('2025-10-02', { agents: ['An agent paper'], vision: [] }));
    const ada = await subscriber(null);
    const secret = harness.config.secret;
    const good = createToken(secret, { purpose: 'feed', subscriberId: ada.id, email: ada.email });
    const [payload] = good.split('.');
    const forged = `${Buffer.from(JSON.stringify({ p: 'feed', i: ada.id, e: ada.email })).toString('base64url')}.${good.split('.')[1]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`;
    const unsubscribeToken = relativeSubscriberLink(secret, { purpose: 'unsubscribe', subscriber: ada }).split('token=')[1]!;
    const otherSecret = createToken('another-secret-that-is-at-least-32-chars!', { purpose: 'feed', subscriberId: ada.id, email: ada.email });
    const stranger = createToken(secret, { purpose: 'feed', subscriberId: ada.id, email: 'eve@example.org' });

    const refusals = [`${payload}.${'A'.repeat(43)}.xml`, `${forged}.xml`, `${unsubscribeToken}.xml`, `${otherSecret}.xml`, `${stranger}.xml`, `${good}.html`, 'feed.xml'];
    const bodies = new Set<string>();
    for (const file of refusals) {
      const response = await harness.app.request(`/feed/${file}`);
      expect(response.status, file).toBe(404);
      bodies.add(await response.text());
    }
    for (const status of ['unsubscribed', 'bounced'] as const) {
      await harness.store.setStatus(ada.id, status);
      const response = await harness.app.request(`/feed/${good}.xml`);
      expect(response.status, status).toBe(404);
      bodies.add(await response.text());
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).not.toContain('ada@example.org');
    await harness.store.setStatus(ada.id, 'confirmed');
    expect((await harness.app.request(`/feed/${good}.xml`)).status).toBe(200);
  });

  it('is linked from the subscriber’s preferences page', async () => {
    harness = await startHarness();
    const ada = await subscriber(['agents']);
    const page = await (await harness.app.request(`/${relativeSubscriberLink(harness.config.secret, { purpose: 'preferences', subscriber: ada })}`)).text();

    const link = /href="(feed\/[^"]+\.xml)"/.exec(page)?.[1];

    expect(link).toBeDefined();
    const response = await harness.app.request(`/${link!}`);
    expect(response.status).toBe(200);
    expect(rssChannel(await response.text()).title).toBe('papermail · your issues');
  });
});

describe('hostile paper text in the feeds', () => {
  it('stays inert in every format: the XML stays well-formed and no markup or non-http(s) link comes through', async () => {
    harness = await startHarness();
    const hostile = paper({
      title: 'Evil </title></item><script>alert(1)</script> ]]> <![CDATA[ & co',
      authors: ['</name><evil/>'],
      aiSummary: ']]><script>alert(2)</script>',
    });
    await archiveDay(digestOf([hostile], { date: '2025-10-02', sections: [{ slug: 'agents', topic: 'Agents', upvotes: 0, papers: [hostile] }] }), 'Subject </title> ]]> <b>');

    for (const path of ['/feed.xml', '/atom.xml', '/topics/agents/feed.xml', '/topics/agents/atom.xml']) {
      const document = parseFeedXml(await (await harness.app.request(path)).text());
      // No element came out of paper text, and what readers take as HTML holds no markup of it.
      expect(elementNames(document), path).not.toContain('script');
      expect(elementNames(document), path).not.toContain('evil');
      for (const html of htmlFields(document)) expect(html, path).not.toMatch(/<script|<evil|<\/title|<\/item/);
    }
    const channel = rssChannel(await (await harness.app.request('/topics/agents/feed.xml')).text());
    expect(channel.item).toHaveLength(1);
    expect(channel.item[0]!.title).toBe('Evil &lt;/title&gt;&lt;/item&gt;&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &lt;![CDATA[ &amp; co');
    const json = (await (await harness.app.request('/feed.json')).json()) as { items: Array<{ title: string; content_html: string }> };
    expect(json.items[0]!.title).toBe('Subject </title> ]]> <b>');
    expect(json.items[0]!.content_html).not.toMatch(/<script/);
  });

  it('leaves out papers whose stored issue holds a non-http(s) link, and still answers', async () => {
    harness = await startHarness();
    const bad = { ...twoTopics('2025-10-02', { agents: ['Linked to javascript'], vision: [] }) };
    bad.sections[0]!.papers[0] = { ...bad.sections[0]!.papers[0]!, url: 'javascript:alert(1)' };
    await archiveDay(bad);

    const response = await harness.app.request('/feed.xml');

    expect(response.status).toBe(200);
    const xml = await response.text();
    expect(xml).not.toContain('javascript:');
    expect(rssChannel(xml).item.map((item) => item.link)).toEqual(['http://localhost:8080/archive/2025-10-02']);
    expect(harness.logLines.join('\n')).toMatch(/feeds: the frozen issue of 2025-10-02 \(its digest\).*its entry has no papers/);
  });
});

/** Every element name in a parsed document (attributes, text and the XML declaration left out). */
function elementNames(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(elementNames);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => (key.startsWith('@') || key.startsWith('#') || key.startsWith('?') ? [] : [key, ...elementNames(value)]));
}

/** The values RSS and Atom readers render as HTML: item titles, descriptions, summaries and contents. */
function htmlFields(document: Record<string, any>): string[] {
  const text = (value: unknown) => (typeof value === 'string' ? value : String((value as Record<string, unknown>)['#text'] ?? ''));
  const items = (document.rss?.channel.item ?? []) as Array<Record<string, unknown>>;
  const entries = (document.feed?.entry ?? []) as Array<Record<string, unknown>>;
  return [
    ...items.flatMap((item) => [item.title, item.description, item['content:encoded']].map(text)),
    ...entries.flatMap((entry) => [entry.title, entry.summary, entry.content].map(text)),
  ];
}

describe('links to the feeds', () => {
  it('are in the head of the site’s pages and of archived issues, and open the feeds', async () => {
    harness = await startHarness();
    await harness.store.saveIssue({ date: '2025-10-02', subject: 'Stored', html: '<html><head><title>Stored</title></head><body>the issue</body></html>', text: 'the issue' });

    for (const path of ['/', '/archive', '/no-such-page', '/archive/2025-10-02']) {
      const page = await (await harness.app.request(path)).text();
      const links = [...page.matchAll(/<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">/g)].map((match) => [match[1], match[2]]);
      expect(links, path).toEqual([
        ['application/rss+xml', 'http://localhost:8080/feed.xml'],
        ['application/atom+xml', 'http://localhost:8080/atom.xml'],
        ['application/feed+json', 'http://localhost:8080/feed.json'],
      ]);
    }
    for (const path of ['/feed.xml', '/atom.xml', '/feed.json']) expect((await harness.app.request(path)).status).toBe(200);
  });
});
