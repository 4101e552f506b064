/** The paper cards and the issue's layout, on the real sample days of samples/. */
import { beforeAll, describe, expect, it } from 'vitest';
import { filterDigestByTopics } from '../../src/digest/filter.js';
import { rankPapers } from '../../src/digest/rank.js';
import type { Digest } from '../../src/digest/paper.js';
import { compileIssue, HTML_BUDGET_BYTES, issueOptionsFrom, renderBrowserVersion, type PersonalisedIssue } from '../../src/render/index.js';
import { decodeEntities, hrefs, recipient } from './fixtures.js';
import { SAMPLE_DAYS, sampleConfig, sampleDay } from './sample-days.js';

const options = issueOptionsFrom(sampleConfig());
const days = new Map<string, { digest: Digest; subject: string; email: PersonalisedIssue }>();

beforeAll(async () => {
  for (const day of SAMPLE_DAYS) {
    const digest = await sampleDay(day);
    const issue = await compileIssue(digest, options);
    days.set(day, { digest, subject: issue.subject, email: issue.personalise(recipient('cards')) });
  }
});

function sample(day: (typeof SAMPLE_DAYS)[number]) {
  return days.get(day)!;
}

/** The HTML as a reader's text: tags dropped, characters decoded, white space folded. */
function visibleText(html: string): string {
  return decodeEntities(html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
}

/** The text part's numbered lines, "12. Title…" → [12, "Title…"]. */
function numberedLines(text: string): [number, string][] {
  return [...text.matchAll(/^(\d+)\.\s+(\S.*)$/gm)].map((match) => [Number(match[1]), match[2]!.replace(/ \(▲ \d+\)$/, '')]);
}

describe('links from the paper id', () => {
  it('gives every paper of 2025-09-30 its arXiv abstract and PDF links, in the HTML and the text', () => {
    const { digest, email } = sample('2025-09-30');
    for (const paper of digest.sections.flatMap((section) => section.papers)) {
      expect(email.text).toContain(`arXiv: https://arxiv.org/abs/${paper.id}`);
      expect(email.text).toContain(`PDF: https://arxiv.org/pdf/${paper.id}`);
    }
    // The HTML of this big day is trimmed for size from the bottom; the top ten stay in full.
    for (const paper of rankPapers(digest.sections.flatMap((section) => section.papers)).slice(0, 10)) {
      expect(hrefs(email.html)).toEqual(expect.arrayContaining([`https://arxiv.org/abs/${paper.id}`, `https://arxiv.org/pdf/${paper.id}`]));
    }
  });

  it('gives no arXiv link to papers from copied page text, whose ids are not arXiv ids', async () => {
    const digest = await sampleDay('2024-12-12', 'daily-papers-page.txt');
    expect(digest.total).toBeGreaterThan(0);
    const { html, text } = (await compileIssue(digest, options)).personalise(recipient('page'));
    expect(hrefs(html).filter((link) => link.includes('arxiv.org'))).toEqual([]);
    expect(text).not.toContain('arxiv.org');
  });
});

describe('titles', () => {
  it('are underlined links in the accent colour, like the links they are', () => {
    const { email } = sample('2026-08-21');
    const titles = [...email.html.matchAll(/<a class="pm-title"[^>]*style="([^"]*)"/g)].map((match) => match[1]!);
    expect(titles.length).toBeGreaterThanOrEqual(17);
    for (const style of titles) {
      expect(style).toContain('text-decoration:underline');
      expect(style).toContain('color:#3730a3');
    }
  });
});

describe('thumbnails of the top papers', () => {
  it('show each top paper of 2026-08-21 with its API thumbnail, its title as alt text and a fixed size', () => {
    const { digest, email } = sample('2026-08-21');
    const images = [...email.html.matchAll(/<img\b[^>]*>/g)].map((match) => match[0]);
    expect(images).toHaveLength(digest.highlights.length);
    digest.highlights.forEach((paper, index) => {
      const image = decodeEntities(images[index]!);
      expect(image).toContain(`src="${paper.thumbnail}"`);
      expect(image).toContain(`alt="${paper.title}"`);
      expect(image).toMatch(/ width="112" height="60"/);
    });
  });

  it('are left out with THUMBNAILS=false', async () => {
    const { digest } = sample('2026-08-21');
    const off = issueOptionsFrom(sampleConfig({ THUMBNAILS: 'false' }));
    const { html } = (await compileIssue(digest, off)).personalise(recipient('cards'));
    expect(html).not.toMatch(/<img\b/);
    expect(html).toContain(digest.highlights[0]!.title);
  });

  it('are absent on a day whose API answer had none (2024)', () => {
    expect(sample('2024-05-27').email.html).not.toMatch(/<img\b/);
  });
});

describe('sections', () => {
  it('fold the one-paper topics of 2026-08-21 (17 papers in 11 topics, 9 of them with one paper) into one "Also today", each paper naming its topic', () => {
    const { digest, email } = sample('2026-08-21');
    expect([digest.total, digest.sections.length]).toEqual([17, 11]);
    const single = digest.sections.filter((section) => section.papers.length === 1);
    const multiple = digest.sections.filter((section) => section.papers.length > 1);
    expect(single).toHaveLength(9);
    const text = visibleText(email.html);
    expect(text).toContain('Also today 9 papers');
    for (const section of single) {
      expect(text).not.toContain(`${section.topic} 1 paper`);
      expect(text).toContain(`${section.topic} ${section.papers[0]!.title}`);
    }
    for (const section of multiple) expect(text).toContain(`${section.topic} ${section.papers.length} papers`);
    // The text part has the same sections.
    expect(email.text).toContain('ALSO TODAY · 9 papers');
    expect(email.text.match(/^-{72}\n(.+)\n-{72}$/gm)).toHaveLength(multiple.length + 1);
  });

  it('put "Also today" after the topics and keep its papers in rank order', () => {
    const { email } = sample('2026-08-21');
    const headings = [...email.text.matchAll(/^-{72}\n(.+) · \d+ papers?\n-{72}$/gm)].map((match) => match[1]);
    expect(headings.at(-1)).toBe('ALSO TODAY');
    const alsoToday = email.text.slice(email.text.indexOf('ALSO TODAY'));
    const ranks = numberedLines(alsoToday.slice(0, alsoToday.indexOf('-'.repeat(72), 100))).map(([rank]) => rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('say "1 paper" for a topic with one paper, on every sample day and for a one-topic selection', async () => {
    for (const day of SAMPLE_DAYS) {
      const { email } = sample(day);
      expect(visibleText(email.html)).not.toMatch(/\b1 papers\b/);
      expect(email.text).not.toMatch(/\b1 papers\b/);
    }
    const { digest } = sample('2026-08-21');
    const lone = digest.sections.find((section) => section.papers.length === 1)!;
    const selection = filterDigestByTopics(digest, [lone.slug, digest.sections[0]!.slug])!;
    const { html, text } = (await compileIssue(selection, options)).personalise(recipient('cards'));
    expect(visibleText(html)).toContain(`${lone.topic} 1 paper `);
    expect(text).toContain(`${lone.topic.toUpperCase()} · 1 paper\n`);
  });
});

describe('numbers', () => {
  it.each(SAMPLE_DAYS)('mean the same paper in "Top papers" and in the sections on %s: its rank of the day', (day) => {
    const { digest, email } = sample(day);
    const lines = numberedLines(email.text);
    const titleOf = new Map<number, string>();
    for (const [rank, title] of lines) {
      const known = titleOf.get(rank);
      if (known !== undefined) expect(title).toBe(known);
      else titleOf.set(rank, title);
    }
    // Every paper has one number, 1 to total, and "Top papers" are 1, 2, 3.
    expect([...titleOf.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: digest.total }, (_, index) => index + 1));
    digest.highlights.forEach((paper, index) => expect(titleOf.get(index + 1)!.replace(/\s+/g, ' ')).toBe(paper.title.slice(0, titleOf.get(index + 1)!.length)));
  });
});

describe('the subject', () => {
  it.each(SAMPLE_DAYS)('stays within 70 characters and adds no colon of its own on %s', (day) => {
    const { digest, subject } = sample(day);
    const top = digest.highlights[0]!;
    expect(subject.length).toBeLessThanOrEqual(70);
    const ownColons = (top.title.match(/:/g) ?? []).length;
    expect((subject.match(/:/g) ?? []).length).toBeLessThanOrEqual(ownColons);
    expect(subject).toMatch(new RegExp(`^\\d{1,2} [A-Z][a-z]{2} · .+ and ${digest.total - 1} more$`));
  });

  it('reads "30 Sep · SLA: Beyond Sparsity in Diffusion Transformers… and 49 more" on 2025-09-30', () => {
    expect(sample('2025-09-30').subject).toBe('30 Sep · SLA: Beyond Sparsity in Diffusion Transformers… and 49 more');
  });
});

describe('credits', () => {
  it('do not name the organisation twice when an author is the organisation (NVIDIA on 2025-09-30)', () => {
    const { digest, email } = sample('2025-09-30');
    const nvidia = digest.sections.flatMap((section) => section.papers).find((paper) => paper.id === '2509.25149')!;
    expect(nvidia.authors[0]).toBe('NVIDIA');
    expect(nvidia.organization).toBe('NVIDIA');
    const credit = `${nvidia.authors[1]}, ${nvidia.authors[2]}, ${nvidia.authors[3]} +${nvidia.authors.length - 4} · NVIDIA`;
    expect(email.text.replace(/\s+/g, ' ')).toContain(credit);
    for (const part of [visibleText(email.html), email.text.replace(/\s+/g, ' ')]) expect(part).not.toMatch(/NVIDIA \+\d+ · NVIDIA/);
  });
});

describe('size', () => {
  it.each(SAMPLE_DAYS)('keeps the HTML of %s under the Gmail budget, with every paper in the text part', (day) => {
    const { digest, email } = sample(day);
    expect(Buffer.byteLength(email.html)).toBeLessThan(HTML_BUDGET_BYTES + 2_000);
    for (const paper of digest.sections.flatMap((section) => section.papers)) expect(email.text).toContain(`https://huggingface.co/papers/${paper.id}`);
  });

  it('leaves the web version of every sample day untrimmed', async () => {
    for (const day of SAMPLE_DAYS) {
      const { digest } = sample(day);
      const { text, html } = await renderBrowserVersion(digest, options);
      for (const paper of digest.sections.flatMap((section) => section.papers)) expect(hrefs(html)).toContain(`https://arxiv.org/abs/${paper.id}`);
      expect(text).toContain('web version');
    }
  });
});
