import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/digest/paper.js';
import { compileIssue, renderBrowserVersion, renderUnpersonalisedIssue } from '../../src/render/index.js';
import { digestOf, paper } from '../builders.js';
import { decodeEntities, hrefs, OPTIONS, recipient } from './fixtures.js';
import { sampleDigest } from './sample-digest.js';

const sample = sampleDigest();

describe('compileIssue on the real 50-paper day (samples/2025-09-30.json)', () => {
  it('compiles under strict MJML validation and keeps the HTML under 90 KB', async () => {
    const { html } = (await compileIssue(sample, OPTIONS)).personalise(recipient('a'));
    expect(html).toMatch(/^<!doctype html>/i);
    expect(Buffer.byteLength(html)).toBeLessThan(90 * 1024);
  });

  it('links every paper title to its Hugging Face page', async () => {
    const { html } = (await compileIssue(sample, OPTIONS)).personalise(recipient('a'));
    const links = hrefs(html);
    for (const each of sample.sections.flatMap((section) => section.papers)) expect(links).toContain(each.url);
  });

  it('shows the human date, the counts and the top papers block', async () => {
    const html = withCharactersDecoded((await compileIssue(sample, OPTIONS)).personalise(recipient('a')).html);
    expect(html).toContain('Tuesday, 30 September 2025');
    expect(html).toContain(`50 papers · ${sample.sections.length} topics`);
    expect(html).toContain('Top papers');
  });

  it('puts every paper title and the unsubscribe link in the text part', async () => {
    const { text } = (await compileIssue(sample, OPTIONS)).personalise(recipient('a'));
    for (const each of sample.sections.flatMap((section) => section.papers)) {
      expect(text.replace(/\s+/g, ' ')).toContain(each.title);
    }
    expect(text).toContain('Unsubscribe: https://papers.example.com/unsubscribe?token=unsub-a');
  });

  it('wraps the text part at 72 columns, apart from long links', async () => {
    const { text } = (await compileIssue(sample, OPTIONS)).personalise(recipient('a'));
    const longLines = text.split('\n').filter((line) => [...line].length > 72 && !/https?:\/\//.test(line));
    expect(longLines).toEqual([]);
  });

  it('names the day, the top paper and the count of the others in the subject, within 70 characters', async () => {
    const issue = await compileIssue(sample, OPTIONS);
    expect(issue.subject).toBe('30 Sep · SLA: Beyond Sparsity in Diffusion Transformers… and 49 more');
    expect(issue.subject.length).toBeLessThanOrEqual(70);
  });
});

describe('per-recipient placeholders', () => {
  it('survive MJML compilation inside href attributes', async () => {
    const { html } = await renderUnpersonalisedIssue(sample, OPTIONS);
    expect(html).toContain('href="{{unsubscribeUrl}}"');
    expect(html).toContain('href="{{preferencesUrl}}"');
    expect(html).toContain('href="{{viewInBrowserUrl}}"');
  });

  it('are replaced by the real URLs when personalised', async () => {
    const { html, text } = (await compileIssue(sample, OPTIONS)).personalise(recipient('a'));
    expect(hrefs(html)).toContain('https://papers.example.com/unsubscribe?token=unsub-a');
    expect(hrefs(html)).toContain('https://papers.example.com/preferences?token=prefs-a');
    expect(html).not.toContain('{{');
    expect(text).not.toContain('{{');
  });

  it('give each of two recipients of one compiled issue their own links and address', async () => {
    const issue = await compileIssue(sample, OPTIONS);
    const first = issue.personalise(recipient('first'));
    const second = issue.personalise(recipient('second'));
    expect(hrefs(first.html)).toContain('https://papers.example.com/unsubscribe?token=unsub-first');
    expect(hrefs(first.html)).not.toContain('https://papers.example.com/unsubscribe?token=unsub-second');
    expect(hrefs(second.html)).toContain('https://papers.example.com/unsubscribe?token=unsub-second');
    expect(second.html).toContain('reader-second@example.com');
    expect(second.text).toContain('https://papers.example.com/unsubscribe?token=unsub-second');
    expect(second.text).not.toContain('unsub-first');
  });

  it('greet the recipient by name, escaped in the HTML', async () => {
    const issue = await compileIssue(digestOf([paper()]), OPTIONS);
    const { html, text } = issue.personalise(recipient('a', { name: '"><script>alert(1)</script>' }));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Hi &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(text).toContain('Hi "><script>alert(1)</script>,');
  });

  it('fold a name with line breaks to one line in the text part', async () => {
    const issue = await compileIssue(digestOf([paper()]), OPTIONS);
    const { text } = issue.personalise(recipient('a', { name: 'Ada\r\nUnsubscribe: https://evil.example' }));
    expect(text).toContain('Hi Ada Unsubscribe: https://evil.example,');
    expect(text).not.toMatch(/^Unsubscribe: https:\/\/evil/m);
  });

  it('use a generic greeting when the name is absent', async () => {
    const issue = await compileIssue(digestOf([paper()]), OPTIONS);
    for (const name of [null, undefined, '   ']) {
      const { html, text } = issue.personalise(recipient('a', { name }));
      expect(html).toContain('Hi there,');
      expect(text).toContain('Hi there,');
    }
  });

  it('refuse a recipient link that is not http(s)', async () => {
    const issue = await compileIssue(digestOf([paper()]), OPTIONS);
    expect(() => issue.personalise(recipient('a', { unsubscribeUrl: 'javascript:alert(1)' }))).toThrow(
      expect.objectContaining({ code: 'EINPUT', message: expect.stringContaining('unsubscribeUrl') }),
    );
  });
});

describe('untrusted paper data', () => {
  it('renders a <script> title as harmless text', async () => {
    const issue = await compileIssue(digestOf([paper({ title: '<script>alert(1)</script>' })]), OPTIONS);
    const { html } = issue.personalise(recipient('a'));
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('renders an attribute-breaking title without creating an element or attribute', async () => {
    const issue = await compileIssue(digestOf([paper({ title: '"><img src=x onerror=alert(1)>' })]), OPTIONS);
    const { html } = issue.personalise(recipient('a'));
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/onerror\s*=/i);
    expect(decodeEntities(html)).toContain('"><img src=x onerror=alert(1)>');
  });

  it('never emits a javascript: link, even when the paper bypassed schema validation', async () => {
    const unsafe: Paper = { ...paper(), githubRepo: 'javascript:alert(1)', projectPage: 'data:text/html,x', url: 'javascript:alert(2)' };
    const { html, text } = (await compileIssue(digestOf([unsafe]), OPTIONS)).personalise(recipient('a'));
    expect(html).not.toMatch(/javascript:|data:text/i);
    expect(text).not.toMatch(/javascript:|data:text/i);
  });

  it('shows a GitHub link with its stars and the project page when present', async () => {
    const withLinks = paper({ githubRepo: 'https://github.com/example/repo', githubStars: 1234, projectPage: 'https://example.org/project' });
    const { html } = (await compileIssue(digestOf([withLinks]), OPTIONS)).personalise(recipient('a'));
    expect(hrefs(html)).toEqual(expect.arrayContaining(['https://github.com/example/repo', 'https://example.org/project']));
    expect(html).toContain('GitHub &#9733;&nbsp;1.2k');
  });

  it('keeps a title that looks like a placeholder as text instead of filling it', async () => {
    const issue = await compileIssue(digestOf([paper({ title: 'Leaking {{unsubscribeUrl}} via titles' })]), OPTIONS);
    const { html, text } = issue.personalise(recipient('a'));
    expect(withCharactersDecoded(html)).toContain('Leaking {\u200b{unsubscribeUrl}} via titles');
    expect(text).toContain('Leaking {\u200b{unsubscribeUrl}} via titles');
  });

  it('prefers the AI summary and otherwise trims the abstract at a word boundary', async () => {
    const summarised = paper({ upvotes: 9, aiSummary: 'A one-sentence AI summary.' });
    const abstractOnly = paper({ upvotes: 5, abstract: 'word '.repeat(200) });
    const { html } = (await compileIssue(digestOf([summarised, abstractOnly]), OPTIONS)).personalise(recipient('a'));
    expect(html).toContain('A one-sentence AI summary.');
    const trimmed = withCharactersDecoded(html).match(/(?:word ){10,}word…/)?.[0] ?? '';
    expect(trimmed.length).toBeGreaterThan(250);
    expect(trimmed.length).toBeLessThanOrEqual(300);
  });
});

describe('size budget', () => {
  const crowded = digestOf(
    Array.from({ length: 220 }, (_, index) =>
      paper({
        upvotes: 1000 - index,
        title: `Crowded day paper number ${index} with a fairly long descriptive title about models`,
        abstract: `Abstract of paper ${index}. ${'Long abstract text that goes on and on. '.repeat(20)}`,
        authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra'],
        githubRepo: `https://github.com/example/repository-${index}`,
        githubStars: index,
        projectPage: `https://example.org/projects/${index}`,
      }),
    ),
  );

  it('trims a day too big for Gmail to under 90 KB, keeping the top paper in full', async () => {
    const { html } = (await compileIssue(crowded, OPTIONS)).personalise(recipient('a'));
    expect(Buffer.byteLength(html)).toBeLessThan(90 * 1024);
    expect(html).toContain('Abstract of paper 0.');
    expect(html).toContain('https://github.com/example/repository-0');
  });

  it('drops detail from the lowest-ranked papers first and points to the full issue', async () => {
    const { html } = (await compileIssue(crowded, OPTIONS)).personalise(recipient('a'));
    expect(html).not.toContain('Abstract of paper 219.');
    expect(html).toMatch(/\+ \d+ more papers in Other/);
    expect(hrefs(html)).toContain('https://papers.example.com/archive/2025-09-30');
  });

  it('trims deterministically', async () => {
    const first = await renderUnpersonalisedIssue(crowded, OPTIONS);
    const second = await renderUnpersonalisedIssue(crowded, OPTIONS);
    expect(second.html).toBe(first.html);
  });

  it('keeps every paper in the text part of a trimmed issue', async () => {
    const { text } = (await compileIssue(crowded, OPTIONS)).personalise(recipient('a'));
    expect(text).toContain('Crowded day paper number 219');
  });
});

describe('an empty day', () => {
  const empty = { date: '2025-10-04', total: 0, listed: 0, highlights: [], sections: [] };

  it('is a short friendly issue with the footer links', async () => {
    const issue = await compileIssue(empty, OPTIONS);
    const { html, text } = issue.personalise(recipient('a'));
    expect(issue.subject).toBe('No new papers for 4 Oct 2025');
    expect(html).toContain('No new papers were listed');
    expect(text).toContain('No new papers were listed');
    expect(hrefs(html)).toContain('https://papers.example.com/unsubscribe?token=unsub-a');
    expect(html).not.toContain('Top papers');
  });
});

describe('the feed link in the footer', () => {
  it("is the site's public RSS feed, the same in every reader's copy, in both parts", async () => {
    const issue = await compileIssue(sample, OPTIONS);
    for (const id of ['a', 'b']) {
      const { html, text } = issue.personalise(recipient(id));
      expect(hrefs(html)).toContain('https://papers.example.com/feed.xml');
      expect(text).toContain('RSS feed: https://papers.example.com/feed.xml');
    }
  });

  it('is in the browser version too', async () => {
    const { html, text } = await renderBrowserVersion(sample, OPTIONS);
    expect(hrefs(html)).toContain('https://papers.example.com/feed.xml');
    expect(text).toContain('RSS feed: https://papers.example.com/feed.xml');
  });
});

describe('renderBrowserVersion', () => {
  it('links to the public site instead of a subscriber', async () => {
    const { html, text } = await renderBrowserVersion(sample, OPTIONS);
    expect(hrefs(html)).toEqual(expect.arrayContaining(['https://papers.example.com/unsubscribe', 'https://papers.example.com/']));
    expect(html).not.toContain('Hi there,');
    expect(html).not.toContain('You receive this');
    expect(text).toContain('web version');
  });

  it('shows every paper in full, however big the day', async () => {
    const many = digestOf(Array.from({ length: 120 }, (_, index) => paper({ upvotes: 500 - index, abstract: `Abstract ${index}. ${'More words here. '.repeat(15)}` })));
    const { html } = await renderBrowserVersion(many, OPTIONS);
    expect(html).toContain('Abstract 119.');
  });
});

/** The HTML keeps to ASCII (non-ASCII characters become numeric references): read them back. */
function withCharactersDecoded(html: string): string {
  return html.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}
