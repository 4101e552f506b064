import { describe, expect, it } from 'vitest';
import { escapeHtml, renderPage } from '../../src/render/page.js';

describe('renderPage', () => {
  const page = renderPage({ title: 'Subscribe <now>', bodyHtml: '<h1>Subscribe</h1><form method="post"></form>', siteName: 'paper&mail' });

  it('is an HTML5 document with a language and a viewport', () => {
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain('<meta charset="utf-8">');
  });

  it('puts the trusted body inside <main> and escapes the title and site name', () => {
    expect(page).toMatch(/<main>[\s\S]*<h1>Subscribe<\/h1><form method="post"><\/form>[\s\S]*<\/main>/);
    expect(page).toContain('<title>Subscribe &lt;now&gt;</title>');
    expect(page).toContain('paper&amp;mail');
  });

  it('uses no JavaScript', () => {
    expect(page).not.toMatch(/<script/i);
  });
});

describe('escapeHtml', () => {
  it('escapes the characters that can break out of text or attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
