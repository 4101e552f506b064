import { describe, expect, it } from 'vitest';
import { html, SafeHtml } from '../../src/server/html.js';

describe('html tag', () => {
  it('escapes every interpolated string, in text and attributes', () => {
    const name = `<img src=x onerror="alert('x')">`;

    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;</p>',
    );
  });

  it('keeps markup built with the tag, alone or in lists', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);

    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });

  it('renders nothing for null, undefined and false, so conditions read naturally', () => {
    expect(html`[${null}${undefined}${false}${0}]`.value).toBe('[0]');
  });

  it('returns SafeHtml that prints as its markup', () => {
    const fragment = html`<b>${'x'}</b>`;

    expect(fragment).toBeInstanceOf(SafeHtml);
    expect(`${fragment}`).toBe('<b>x</b>');
  });
});
