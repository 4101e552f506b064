import { describe, expect, it } from 'vitest';
import { paperSetOf } from '../../src/digest/paper-set.js';
import type { Digest, Paper } from '../../src/digest/paper.js';
import { issueEntries, subscriberEntries, topicPaperEntries, type FeedIssue } from '../../src/feeds/feed-entries.js';
import { digestOf, paper } from '../builders.js';

const SITE = 'https://papers.example.org/base';

function twoTopics(date: string, agents: Paper[], vision: Paper[]): Digest {
  const all = [...agents, ...vision];
  return digestOf(all, {
    date,
    sections: [
      { slug: 'agents', topic: 'Agents', upvotes: 0, papers: agents },
      { slug: 'vision', topic: 'Vision', upvotes: 0, papers: vision },
    ],
  });
}

function issue(id: string, digest: Digest | undefined, at = `${id}T07:00:00.000Z`): FeedIssue {
  return { id, subject: `Issue of ${id}`, archivedAt: new Date(at), digest };
}

describe('issueEntries', () => {
  it('makes one entry per issue, in the order given, linking to its archive page under PUBLIC_URL', () => {
    const entries = issueEntries([issue('2025-09-30', digestOf([paper()])), issue('2025-09-29', digestOf([paper()]))], SITE);

    expect(entries.map((entry) => [entry.id, entry.link, entry.title])).toEqual([
      ['https://papers.example.org/base/archive/2025-09-30', 'https://papers.example.org/base/archive/2025-09-30', 'Issue of 2025-09-30'],
      ['https://papers.example.org/base/archive/2025-09-29', 'https://papers.example.org/base/archive/2025-09-29', 'Issue of 2025-09-29'],
    ]);
    expect(entries[0]!.date).toEqual(new Date('2025-09-30T07:00:00.000Z'));
  });

  it('carries every paper of the issue by topic: title, link, authors, upvotes and summary', () => {
    const first = paper({ title: 'Agents That Plan', upvotes: 12, authors: ['Ada Lovelace', 'Alan Turing'], aiSummary: 'They plan well.' });
    const second = paper({ title: 'Seeing Things', upvotes: 1 });
    const [entry] = issueEntries([issue('2025-09-30', twoTopics('2025-09-30', [first], [second]))], SITE);

    expect(entry!.summary).toBe('2 papers in 2 topics');
    expect(entry!.contentHtml).toContain('<h2>Agents</h2>');
    expect(entry!.contentHtml).toContain(`<a href="${first.url}"><strong>Agents That Plan</strong></a><br>Ada Lovelace, Alan Turing · 12 upvotes<br>They plan well.`);
    expect(entry!.contentHtml).toContain(`<a href="https://arxiv.org/abs/${first.id}">arXiv</a>`);
    expect(entry!.contentHtml).toContain('<h2>Vision</h2>');
    expect(entry!.contentHtml).toContain('Seeing Things');
  });

  it('takes any archived issue id, such as a week, and an issue without a frozen digest as a link alone', () => {
    const [weekly, bare] = issueEntries([issue('2026-W35', digestOf([paper()]), '2026-08-31T07:00:00.000Z'), issue('2025-09-29', undefined)], SITE);

    expect(weekly!.link).toBe('https://papers.example.org/base/archive/2026-W35');
    expect(bare!.contentHtml).toBe('<p><a href="https://papers.example.org/base/archive/2025-09-29">Read the issue on the web</a></p>');
  });

  it('keeps hostile paper text inert: escaped markup, no non-http(s) link, one-line titles', () => {
    // As if a paper had bypassed the schema: the feed must not trust it either.
    const hostile = {
      ...paper(),
      title: 'Evil </title><script>alert(1)</script> ]]> & co\u0007\nnext line',
      authors: ['<img src=x onerror=alert(1)>'],
      url: 'javascript:alert(1)',
      githubRepo: 'javascript:alert(2)',
      aiSummary: '"><a href="javascript:alert(3)">',
    } as Paper;
    const [entry] = issueEntries([issue('2025-09-30', digestOf([hostile]))], SITE);

    expect(entry!.contentHtml).not.toMatch(/<script|<img|<\/title|href="javascript:/i);
    expect(entry!.contentHtml).toContain('<strong>Evil &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp; co next line</strong>');
    expect(entry!.contentHtml).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const [topicEntry] = topicPaperEntries([issue('2025-09-30', digestOf([hostile]))], 'other', SITE);
    expect(topicEntry!.link).toBe('https://papers.example.org/base/archive/2025-09-30');
    expect(topicEntry!.title).toBe('Evil </title><script>alert(1)</script> ]]> & co next line');
  });
});

describe('topicPaperEntries', () => {
  it("makes one entry per paper of the topic across the issues, newest issue first, each linking to the paper", () => {
    const older = paper({ title: 'Old agent' });
    const newer = paper({ title: 'New agent' });
    const issues = [issue('2025-09-30', twoTopics('2025-09-30', [newer], [paper()])), issue('2025-09-29', twoTopics('2025-09-29', [older], [paper()]))];

    const entries = topicPaperEntries(issues, 'agents', SITE);

    expect(entries.map((entry) => [entry.title, entry.link, entry.id])).toEqual([
      ['New agent', newer.url, `https://papers.example.org/base/archive/2025-09-30#${newer.id}`],
      ['Old agent', older.url, `https://papers.example.org/base/archive/2025-09-29#${older.id}`],
    ]);
    expect(entries[0]!.authors).toEqual(['Ada Lovelace', 'Alan Turing']);
    expect(entries[0]!.contentHtml).toContain('From <a href="https://papers.example.org/base/archive/2025-09-30">Issue of 2025-09-30</a>.');
  });

  it("takes in the papers whose secondary topic it is, naming the section they are in", () => {
    const close = paper({ title: 'Agent that sees', secondaryTopic: 'vision' });
    const entries = topicPaperEntries([issue('2025-09-30', twoTopics('2025-09-30', [close, paper({ title: 'Plain agent' })], [paper({ title: 'Vision only' })]))], 'vision', SITE);
    expect(entries.map((entry) => entry.title).sort()).toEqual(['Agent that sees', 'Vision only']);
    expect(entries.find((entry) => entry.title === 'Agent that sees')!.summary).toContain(' · Agents · ');
  });

  it('is empty for a topic no recent issue had', () => {
    expect(topicPaperEntries([issue('2025-09-30', twoTopics('2025-09-30', [paper()], [paper()]))], 'robotics', SITE)).toEqual([]);
  });
});

describe('subscriberEntries', () => {
  /** Every issue sent to them, recorded before copies kept what they held. */
  const sentAll = (issues: ReadonlyArray<{ id: string }>) => new Map(issues.map((each) => [each.id, null]));

  it("keeps only the subscriber's topics in each issue and leaves out an issue none of them was in", () => {
    const agent = paper({ title: 'Only agents' });
    const seen = paper({ title: 'Only vision' });
    const issues = [issue('2025-09-30', twoTopics('2025-09-30', [agent], [seen])), issue('2025-09-29', digestOf([paper()]))];

    const entries = subscriberEntries(issues, sentAll(issues), ['agents'], SITE);

    expect(entries).toHaveLength(1);
    expect(entries[0]!.contentHtml).toContain('Only agents');
    expect(entries[0]!.contentHtml).not.toContain('Only vision');
    expect(entries[0]!.summary).toBe('1 paper in 1 topic');
  });

  it('gives a subscriber of every topic the whole issue', () => {
    const issues = [issue('2025-09-30', twoTopics('2025-09-30', [paper()], [paper()]))];
    expect(subscriberEntries(issues, sentAll(issues), null, SITE)).toEqual(issueEntries(issues, SITE));
  });

  it('shows exactly the papers their copy held, and no issue they were not sent', () => {
    const first = paper({ title: 'Held first', upvotes: 30 });
    const repeat = paper({ title: 'Already sent before', upvotes: 20 });
    const third = paper({ title: 'Held third', upvotes: 10 });
    const issues = [issue('2025-10-01', digestOf([first, repeat, third])), issue('2025-09-30', digestOf([paper({ title: 'Never sent to them' })]))];

    // Their copy of 2025-10-01 held the papers ranked 1st and 3rd (positions 0 and 2): the 2nd had reached them before.
    const entries = subscriberEntries(issues, new Map([['2025-10-01', paperSetOf([0, 2])]]), null, SITE);

    expect(entries).toHaveLength(1);
    expect(entries[0]!.contentHtml).toContain('Held first');
    expect(entries[0]!.contentHtml).toContain('Held third');
    expect(entries[0]!.contentHtml).not.toContain('Already sent before');
    expect(entries[0]!.summary).toBe('2 papers in 1 topic');
  });
});
