/**
 * The issue compiled once for every topic selection (src/render/issue-parts.ts), on the real
 * sample days: one MJML compile, and each reader's copy chosen from its pieces.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { filterDigestByTopics } from '../../src/digest/filter.js';
import { rankPapers } from '../../src/digest/rank.js';
import type { Digest } from '../../src/digest/paper.js';
import { paperSetOf } from '../../src/digest/paper-set.js';
import {
  compileIssue,
  createIssueRenderer,
  HTML_BUDGET_BYTES,
  issueOptionsFrom,
  issueSubject,
  joinedCopy,
  mjmlCompilations,
  type IssueRenderer,
  type PersonalisedIssue,
} from '../../src/render/index.js';
import { preheader } from '../../src/render/issue-view.js';
import { digestOf, paper } from '../builders.js';
import { decodeEntities, recipient } from './fixtures.js';
import { SAMPLE_DAYS, sampleConfig, sampleDay } from './sample-days.js';

const options = issueOptionsFrom(sampleConfig());
const days = new Map<string, Digest>();

beforeAll(async () => {
  for (const day of SAMPLE_DAYS) days.set(day, await sampleDay(day));
});

/** Subscribers' choices, the same on every run: 2-6 topics each, from the day's own and some the day lacks. */
function seededSelections(digest: Digest, count: number): string[][] {
  const slugs = [...digest.sections.map((section) => section.slug), 'not-today-a', 'not-today-b'];
  let seed = 20_251_001;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => {
    const size = 2 + Math.floor(next() * 5);
    return [...slugs].sort(() => next() - 0.5).slice(0, size);
  });
}

async function copyOf(renderer: IssueRenderer, topics: string[] | null, reader = recipient('parts')): Promise<PersonalisedIssue | null> {
  const issue = await renderer.forTopics(topics);
  return issue ? issue.personalise(reader) : null;
}

/** The papers of the sections, by their Hugging Face link, in the order they appear. */
function sectionPapers(html: string): string[] {
  return [...html.matchAll(/<div class="pm-paper"[^>]*>\s*(?:<div[^>]*>[^<]*<\/div>\s*)?<a class="pm-title" href="([^"]+)"/g)].map((match) => decodeEntities(match[1]!));
}

/** The "Top papers" entries: rank and link. */
function topPapers(html: string): Array<[number, string]> {
  return [...html.matchAll(/<table class="pm-top"[\s\S]*?>(\d+)\.<\/span> <a class="pm-title" href="([^"]+)"/g)].map((match) => [
    Number(match[1]),
    decodeEntities(match[2]!),
  ]);
}

function sectionTitles(html: string): string[] {
  return [...html.matchAll(/<h2 style="margin:0 0 4px[^"]*">([^<]*) <span[^>]*>([^<]*)<\/span>/g)].map((match) => `${match[1]} · ${match[2]}`);
}

/** Rendering-neutral differences: white space between tags, and MJML merging two adjacent Outlook-only comments into one. */
function layoutNeutral(html: string): string {
  return html
    .replace(/<!\[endif\]-->\s*<!--\[if mso \| IE\]>/g, '')
    .replace(/>\s+</g, '><')
    .replace(/\s+/g, ' ');
}

describe('the issue compiled once for every topic selection, on the sample days', () => {
  for (const day of SAMPLE_DAYS) {
    it(`${day}: MJML compiles once, however many different selections are put together`, async () => {
      const digest = days.get(day)!;
      const before = mjmlCompilations();
      const renderer = createIssueRenderer(digest, options);
      for (const topics of [null, ...seededSelections(digest, 40)]) await copyOf(renderer, topics);
      expect(mjmlCompilations() - before).toBe(1);
    });

    it(`${day}: a reader's copy holds exactly their topics' papers (their sections', and those whose secondary topic is theirs), and their own top papers with the day's ranks`, async () => {
      const digest = days.get(day)!;
      const renderer = createIssueRenderer(digest, options);
      const all = (await copyOf(renderer, null))!;
      const ranked = rankPapers(digest.sections.flatMap((section) => section.papers));
      const slugs = digest.sections.map((section) => section.slug);
      const selections = [[slugs[0]!], slugs.slice(1, 4), [...slugs].reverse(), ...seededSelections(digest, 12)];
      for (const topics of selections) {
        const copy = (await copyOf(renderer, topics))!;
        const context = `${day} ${topics.join(',')}`;
        // The digest-level rule (filterDigestByTopics) is what the copy must follow.
        const theirs = new Set(filterDigestByTopics(digest, topics)!.sections.flatMap((section) => section.papers.map((each) => new URL(each.url).href)));
        expect(sectionPapers(copy.html), context).toEqual(sectionPapers(all.html).filter((link) => theirs.has(link)));
        const mine = ranked.filter((each) => theirs.has(new URL(each.url).href));
        expect(topPapers(copy.html), context).toEqual(
          mine.slice(0, digest.highlights.length).map((each) => [ranked.indexOf(each) + 1, new URL(each.url).href]),
        );
        // The text part lists the same papers, every one in full.
        for (const each of ranked) expect(copy.text.includes(new URL(each.url).href), `${context} ${each.id}`).toBe(mine.includes(each));
        expect(copy.subject, context).toContain(mine[0]!.title.slice(0, 20));
        expect(copy.html, context).toContain(`${mine.length} paper${mine.length === 1 ? '' : 's'} &#183; `);
      }
    });

    it(`${day}: each selection's subject and preview line are its own, however many selections came before`, async () => {
      const digest = days.get(day)!;
      const renderer = createIssueRenderer(digest, options);
      const ranked = rankPapers(digest.sections.flatMap((section) => section.papers));
      const selections = seededSelections(digest, 60);
      // Three times over: a selection is kept from its second reader on, so the third copy comes from what the issue kept.
      for (const topics of [...selections, ...[...selections].reverse(), ...selections]) {
        const selected = filterDigestByTopics(digest, topics);
        if (selected === null) continue;
        const copy = (await copyOf(renderer, topics))!;
        expect(copy.subject, topics.join(',')).toBe(issueSubject(selected));
        expect(decodeEntities(copy.html), topics.join(',')).toContain(decodeEntities(preheader(selected)));
      }
    });

    it(`${day}: every copy, the all-topics one and any selection's, stays within the Gmail size budget`, async () => {
      const digest = days.get(day)!;
      const renderer = createIssueRenderer(digest, options);
      const longFields = recipient('x'.repeat(200), { name: 'N'.repeat(80) });
      for (const topics of [null, ...seededSelections(digest, 30)]) {
        const copy = await copyOf(renderer, topics, longFields);
        if (copy) expect(Buffer.byteLength(copy.html), `${day} ${String(topics)}`).toBeLessThanOrEqual(HTML_BUDGET_BYTES + 2_000);
      }
    });
  }

  // On these days the budget trims nothing, so the issue compiled for all topics alone is the same content.
  for (const day of ['2024-05-27', '2026-08-21'] as const) {
    it(`${day}: the all-topics copy reads exactly as the issue compiled for all topics alone`, async () => {
      const digest = days.get(day)!;
      const reader = recipient('same', { name: 'Zoë "Z" <O\'Brien> = 1' });
      const copy = (await copyOf(createIssueRenderer(digest, options), null, reader))!;
      const alone = (await compileIssue(digest, options)).personalise(reader);
      expect(copy.subject).toBe(alone.subject);
      expect(copy.text).toBe(alone.text);
      expect(layoutNeutral(copy.html)).toBe(layoutNeutral(alone.html));
    });
  }

  it('2026-08-21: "Also today" shows only the reader\'s own one-paper topics, counted for them', async () => {
    const digest = days.get('2026-08-21')!;
    const singles = digest.sections.filter((section) => section.papers.length === 1);
    const renderer = createIssueRenderer(digest, options);
    const two = (await copyOf(renderer, [singles[0]!.slug, singles[1]!.slug]))!;
    expect(sectionTitles(two.html)).toEqual(['Also today · 2 papers']);
    expect(sectionPapers(two.html)).toEqual(rankPapers([singles[0]!.papers[0]!, singles[1]!.papers[0]!]).map((each) => new URL(each.url).href));
    expect(two.text).toContain('ALSO TODAY · 2 papers');
    const one = (await copyOf(renderer, [singles[2]!.slug]))!;
    expect(sectionTitles(one.html)).toEqual(['Also today · 1 paper']);
    expect(one.text).toContain('ALSO TODAY · 1 paper\n');
  });

  it('gives a selection with none of today\'s topics nothing, and the "no papers today" note to every selection', async () => {
    const digest = days.get('2025-09-30')!;
    const parts = await createIssueRenderer(digest, options).parts();
    expect(parts.select(['not-a-topic-today'])).toBeNull();
    expect(parts.select([])).toBeNull();
    const quiet = await createIssueRenderer({ ...digestOf([]), date: '2025-10-04' }, options).parts();
    expect(quiet.select(['not-a-topic-today'])?.subject).toBe('No new papers for 4 Oct 2025');
  });

  it("keeps a reader's values inert in both parts: escaped in HTML, on one line in text", async () => {
    const renderer = createIssueRenderer(digestOf([paper({ title: 'Leaking {{unsubscribeUrl}} via titles' })]), options);
    const copy = (await copyOf(renderer, null, recipient('a', { name: '"><script>alert(1)</script>\r\nUnsubscribe: https://evil.example' })))!;
    expect(copy.html).not.toContain('<script>');
    expect(copy.html).toContain('&quot;&gt;&lt;script&gt;');
    expect(copy.text).toContain('Hi "><script>alert(1)</script> Unsubscribe: https://evil.example,');
    expect(copy.html).not.toContain('https://papers.example.com/unsubscribe?token=unsub-a via titles');
  });
});

describe('secondary topics: a paper close to two topics reaches the readers of both, in its one section', () => {
  it('2025-09-30: a reader of only a paper\'s secondary topic gets it in its own section, counted for them, and every other paper of that section left out', async () => {
    const digest = days.get('2025-09-30')!;
    const section = digest.sections.find((each) => each.papers.length >= 2 && each.papers.some((paper) => paper.secondaryTopic !== undefined && !digest.sections.some((other) => other.slug === paper.secondaryTopic)))
      ?? digest.sections.find((each) => each.papers.length >= 2 && each.papers.some((paper) => paper.secondaryTopic !== undefined))!;
    const paper = section.papers.find((each) => each.secondaryTopic !== undefined)!;
    const topic = paper.secondaryTopic!;
    const renderer = createIssueRenderer(digest, options);
    const copy = (await copyOf(renderer, [topic]))!;
    const link = new URL(paper.url).href;
    const others = section.papers.filter((each) => each !== paper && each.secondaryTopic !== topic);
    expect(sectionPapers(copy.html)).toContain(link);
    expect(sectionPapers(copy.html).filter((each) => each === link)).toHaveLength(1);
    for (const other of others) expect(copy.text.includes(new URL(other.url).href), other.id).toBe(false);
    // Its section is the primary topic's, holding only what this reader gets of it.
    const mine = filterDigestByTopics(digest, [topic])!;
    const shown = mine.sections.find((each) => each.slug === section.slug)!;
    expect(shown.papers).toContain(paper);
    expect(copy.text).toContain(`${section.topic.toUpperCase()} · ${shown.papers.length} paper${shown.papers.length === 1 ? '' : 's'}`);
    // A reader of the primary topic gets the whole section, the paper once.
    const primary = (await copyOf(renderer, [section.slug]))!;
    expect(sectionPapers(primary.html).filter((each) => each === link)).toHaveLength(1);
  });

  it('gives a reader of a topic with no section today the papers it is secondary for, and nothing when none is', async () => {
    const agentOne = paper({ id: '2510.00001', title: 'Agent one', upvotes: 9, secondaryTopic: 'robotics' });
    const agentTwo = paper({ id: '2510.00002', title: 'Agent two', upvotes: 8 });
    const speechOne = paper({ id: '2510.00003', title: 'Speech one', upvotes: 7 });
    const digest = digestOf([agentOne, agentTwo, speechOne], {
      sections: [
        { slug: 'agents', topic: 'Agents', upvotes: 17, papers: [agentOne, agentTwo] },
        { slug: 'speech', topic: 'Speech', upvotes: 7, papers: [speechOne] },
      ],
    });
    const renderer = createIssueRenderer(digest, options);
    const copy = (await copyOf(renderer, ['robotics']))!;
    expect(copy.text).toContain('Agent one');
    expect(copy.text).not.toContain('Agent two');
    expect(copy.text).not.toContain('Speech one');
    expect(await renderer.forTopics(['code'])).toBeNull();
  });
});

describe('leaving out papers a reader was already sent (select with a paper set)', () => {
  const linkOf = (each: { url: string }) => new URL(each.url).href;

  it('2025-09-30: leaves out exactly those papers, in both parts and in "Top papers", with the sections counted for what is left', async () => {
    const digest = days.get('2025-09-30')!;
    const parts = await createIssueRenderer(digest, options).parts();
    const ranked = rankPapers(digest.sections.flatMap((section) => section.papers));
    // The whole issue first, twice, so its plan is kept: a copy with papers left out must not be given it.
    const whole = parts.select(null)!;
    parts.select(null);
    const all = joinedCopy(parts.pieces, whole.copyFor(recipient('all')));
    const section = digest.sections.find((each) => each.papers.length >= 3 && !each.papers.includes(ranked[0]!))!;
    const inSection = ranked.indexOf(section.papers[1]!);
    const left = [0, inSection];
    const copy = joinedCopy(parts.pieces, parts.select(null, paperSetOf(left))!.copyFor(recipient('left')));
    const gone = new Set(left.map((position) => linkOf(ranked[position]!)));

    expect(sectionPapers(copy.html)).toEqual(sectionPapers(all.html).filter((link) => !gone.has(link)));
    for (const each of ranked) expect(copy.text.includes(linkOf(each)), each.id).toBe(!gone.has(linkOf(each)));
    const kept = ranked.filter((each) => !gone.has(linkOf(each)));
    expect(topPapers(copy.html)).toEqual(kept.slice(0, digest.highlights.length).map((each) => [ranked.indexOf(each) + 1, linkOf(each)]));
    expect(sectionTitles(copy.html).map(decodeEntities)).toContain(`${section.topic} · ${section.papers.length - 1} papers`);
    expect(sectionTitles(all.html).map(decodeEntities)).toContain(`${section.topic} · ${section.papers.length} papers`);
    expect(copy.text).toContain(`${section.topic.toUpperCase()} · ${section.papers.length - 1} papers`);
    expect(copy.subject).not.toContain(ranked[0]!.title.slice(0, 20));
    expect(copy.subject).toContain(kept[0]!.title.slice(0, 20));
    expect(copy.html).toContain(`${digest.total - 2} papers`);
    // What the copy held, for the ledger: every paper but those.
    expect(whole.received).toBe(paperSetOf(ranked.map((_, position) => position)));
    expect(parts.select(null, paperSetOf(left))!.received).toBe(paperSetOf(ranked.map((_, position) => position).filter((position) => !left.includes(position))));
  });

  it('counts only the papers left for the reader in the line about papers left out for size', async () => {
    const crowded = digestOf(
      // As the size budget's own test (tests/render/issue.test.ts): far too big for Gmail, so the lowest papers are left out for size.
      Array.from({ length: 220 }, (_, index) =>
        paper({
          upvotes: 1000 - index,
          title: `Crowded day paper number ${index} with a fairly long descriptive title about models`,
          abstract: `Abstract of paper ${index}. ${'Long abstract text that goes on and on. '.repeat(20)}`,
          authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra'],
          githubRepo: `https://github.com/example/repository-${index}`,
          projectPage: `https://example.org/projects/${index}`,
        }),
      ),
    );
    const parts = await createIssueRenderer(crowded, options).parts();
    const ranked = rankPapers(crowded.sections[0]!.papers);
    const all = joinedCopy(parts.pieces, parts.select(null)!.copyFor(recipient('all')));
    const shown = new Set(sectionPapers(all.html));
    const omitted = ranked.map((each, position) => (shown.has(linkOf(each)) ? -1 : position)).filter((position) => position >= 0);
    expect(omitted.length).toBeGreaterThan(2);
    expect(all.html).toContain(`+ ${omitted.length} more papers in Other`);
    const some = joinedCopy(parts.pieces, parts.select(null, paperSetOf(omitted.slice(-2)))!.copyFor(recipient('some')));
    expect(some.html).toContain(`+ ${omitted.length - 2} more papers in Other`);
    expect(sectionTitles(some.html)).toEqual([`Other · ${ranked.length - 2} papers`]);
    const none = joinedCopy(parts.pieces, parts.select(null, paperSetOf(omitted))!.copyFor(recipient('none')));
    expect(none.html).not.toContain('more paper');
    expect(sectionPapers(none.html)).toEqual(sectionPapers(all.html));
  });

  it('2026-08-21: drops a paper from "Also today" and a section left empty, and gives nothing when every paper of the topics is left out', async () => {
    const digest = days.get('2026-08-21')!;
    const parts = await createIssueRenderer(digest, options).parts();
    const ranked = rankPapers(digest.sections.flatMap((section) => section.papers));
    const singles = digest.sections.filter((section) => section.papers.length === 1);
    const topics = [singles[0]!.slug, singles[1]!.slug];
    const first = ranked.indexOf(singles[0]!.papers[0]!);
    const copy = joinedCopy(parts.pieces, parts.select(topics, paperSetOf([first]))!.copyFor(recipient('left')));
    expect(sectionTitles(copy.html)).toEqual(['Also today · 1 paper']);
    expect(sectionPapers(copy.html)).toEqual([linkOf(singles[1]!.papers[0]!)]);
    expect(copy.text).toContain('ALSO TODAY · 1 paper\n');
    const several = digest.sections.find((section) => section.papers.length > 1)!;
    const withoutSection = joinedCopy(parts.pieces, parts.select(null, paperSetOf(several.papers.map((each) => ranked.indexOf(each))))!.copyFor(recipient('x')));
    expect(sectionTitles(withoutSection.html).some((title) => title.startsWith(`${several.topic} ·`))).toBe(false);
    expect(parts.select(topics, paperSetOf(topics.map((_, index) => ranked.indexOf(singles[index]!.papers[0]!))))).toBeNull();
    expect(parts.select(null, paperSetOf(ranked.map((_, position) => position)))).toBeNull();
  });
});
