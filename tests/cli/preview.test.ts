import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/render/escape.js';
import { REPO_ROOT, useCliSandboxes, type CliResult } from './run-cli.js';

const sandboxes = useCliSandboxes();

// Comfortably under Gmail's ~102 KB clipping limit, with room for per-reader links and headers.
const HTML_BUDGET_BYTES = 90 * 1024;

/** The most upvoted paper's title as the saved API response spells it, whitespace collapsed. */
async function topTitleIn(sample: string): Promise<string> {
  const entries = JSON.parse(await readFile(join(REPO_ROOT, sample), 'utf8')) as Array<{ paper: { title: string; upvotes: number } }>;
  const top = entries.map((entry) => entry.paper).sort((a, b) => b.upvotes - a.upvotes)[0]!;
  return top.title.replace(/\s+/g, ' ').trim();
}

describe('papermail preview --out x.html', () => {
  let result: CliResult;
  let htmlPath: string;
  let textPath: string;
  let html: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    htmlPath = sandbox.path('x.html');
    textPath = sandbox.path('x.txt');
    result = await sandbox.run(['preview', '--source', 'samples/2025-09-30.json', '--out', htmlPath]);
    html = await readFile(htmlPath, 'utf8');
  });

  it('exits 0 and names the HTML and the text file it wrote', () => {
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(htmlPath);
    expect(result.stdout).toContain(textPath);
  });

  it('writes an HTML document under the size budget', async () => {
    expect(html).toContain('<html');
    expect((await stat(htmlPath)).size).toBeLessThan(HTML_BUDGET_BYTES);
  });

  it('shows the most upvoted paper’s title', async () => {
    expect(html).toContain(escapeHtml(await topTitleIn('samples/2025-09-30.json')));
  });

  it('escapes paper text: the apostrophe in "Euclid’s Gift" becomes an entity', () => {
    expect(html).toMatch(/Euclid&#(?:39|x27);s Gift/);
    expect(html).not.toContain("Euclid's Gift");
  });

  it('links to unsubscribing', () => {
    expect(html).toMatch(/href="https?:\/\/[^"]*\/unsubscribe[^"]*"/);
  });

  it('writes the text part beside the HTML', async () => {
    const text = await readFile(textPath, 'utf8');
    expect(text).toContain('30 September 2025');
    expect(text).toContain('Multiplayer Nash Preference Optimization');
    expect(text).not.toContain('<');
  });
});

describe('papermail preview of other days and formats', () => {
  const sources: Array<{ name: string; args: string[] }> = [
    { name: 'samples/2026-08-21.json', args: ['--source', 'samples/2026-08-21.json'] },
    { name: 'samples/2024-05-27.json', args: ['--source', 'samples/2024-05-27.json'] },
    { name: 'samples/daily-papers-page.txt', args: ['--source', 'samples/daily-papers-page.txt', '--date', '2024-12-12'] },
  ];
  const previews = new Map<string, { result: CliResult; htmlPath: string }>();

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    await Promise.all(
      sources.map(async ({ name, args }, index) => {
        const htmlPath = sandbox.path(`preview-${index}.html`);
        previews.set(name, { result: await sandbox.run(['preview', ...args, '--out', htmlPath]), htmlPath });
      }),
    );
  });

  it.each(sources.map((source) => source.name))('writes an HTML issue under the size budget for %s', async (name) => {
    const { result, htmlPath } = previews.get(name)!;
    expect(result.code).toBe(0);
    expect(await readFile(htmlPath, 'utf8')).toContain('<html');
    expect((await stat(htmlPath)).size).toBeLessThan(HTML_BUDGET_BYTES);
  });
});

describe('papermail preview --weekly on the bundled week', () => {
  let result: CliResult;
  let html: string;
  let text: string;
  let htmlPath: string;

  beforeAll(async () => {
    const sandbox = await sandboxes.create();
    htmlPath = sandbox.path('week.html');
    result = await sandbox.run(['preview', '--weekly', '--week', '2025-W40', '--source', 'samples/week-2025-W40', '--out', htmlPath]);
    html = await readFile(htmlPath, 'utf8');
    text = await readFile(sandbox.path('week.txt'), 'utf8');
  });

  it('exits 0 and prints the weekly subject', () => {
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('subject: Week 40 · LongLive: Real-time Interactive Long Video… and 19 more');
  });

  it('writes the weekly under the size budget, headed with the week', async () => {
    expect((await stat(htmlPath)).size).toBeLessThan(HTML_BUDGET_BYTES);
    expect(html).toContain('Week 40, 2025: the top 20 papers');
    expect(text).toContain('29 September – 5 October 2025 · 20 papers');
  });

  it('links "view in browser" to the week’s archive address', () => {
    expect(html).toContain('href="http://localhost:8080/archive/2025-W40"');
  });
});

describe('papermail preview --weekly refusals', () => {
  it('fails in one line, exit 1, when a weekday of the week is missing from the folder', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run(['preview', '--weekly', '--week', '2025-W39', '--source', 'samples/week-2025-W40', '--out', sandbox.path('x.html')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^papermail: samples\/week-2025-W40: no 2025-09-22\.json, .*2025-09-26\.json; a weekly issue of 2025-W39 needs a file for each weekday, 2025-09-22 to 2025-09-26\n$/);
  });
});

describe('papermail demo --weekly', () => {
  it('previews the bundled week in the outbox folder and sends nothing', async () => {
    const sandbox = await sandboxes.create();
    const result = await sandbox.run(['demo', '--weekly']);
    expect(result.code).toBe(0);
    const htmlPath = join(sandbox.outboxDirectory, '2025-W40', 'weekly-preview.html');
    expect(result.stdout).toContain(`wrote ${htmlPath}`);
    expect(await readFile(htmlPath, 'utf8')).toContain('Week 40, 2025: the top 20 papers');
    expect(await readFile(htmlPath.replace(/\.html$/, '.txt'), 'utf8')).toContain('TOP PAPERS');
    expect(await sandbox.outboxFiles()).toEqual([]);
  });
});
