import { describe, expect, it } from 'vitest';
import { compilePlaceholderTemplate } from '../../src/render/placeholders.js';

const fields = ['name', 'unsubscribeUrl'];

describe('compilePlaceholderTemplate', () => {
  it('fills the known placeholders, HTML-escaped for the HTML part', () => {
    const fill = compilePlaceholderTemplate('<a href="{{unsubscribeUrl}}">{{#if name}}Hi {{name}}{{else}}Hi there{{/if}}</a>', {
      fields,
      escape: true,
      templateName: 'test.html',
    });
    expect(fill({ name: '<b>Ada</b>', unsubscribeUrl: 'https://x.example/u?a=1&b=2' })).toBe(
      '<a href="https://x.example/u?a=1&amp;b=2">Hi &lt;b&gt;Ada&lt;/b&gt;</a>',
    );
    expect(fill({ name: null, unsubscribeUrl: 'https://x.example/u' })).toContain('Hi there');
    expect(fill({ name: `O'Neil "Q" & <i>`, unsubscribeUrl: 'https://x.example/u' })).toContain('Hi O&#39;Neil &quot;Q&quot; &amp; &lt;i&gt;');
  });

  it('inserts values as they are for the text part', () => {
    const fill = compilePlaceholderTemplate('Hi {{name}}', { fields, escape: false, templateName: 'test.txt' });
    expect(fill({ name: 'A & B', unsubscribeUrl: '' })).toBe('Hi A & B');
  });

  it('rejects a placeholder that is not a recipient field, naming its line', () => {
    expect(() => compilePlaceholderTemplate('ok\n{{constructor}}', { fields, escape: true, templateName: 'test.html' })).toThrow(
      expect.objectContaining({ code: 'ETEMPLATE', message: expect.stringContaining('line 2') }),
    );
  });

  it('rejects helpers and partials, which only the issue stage may use', () => {
    for (const source of ['{{#each name}}x{{/each}}', '{{> footer}}', '{{lookup name "x"}}']) {
      expect(() => compilePlaceholderTemplate(source, { fields, escape: true, templateName: 'test.html' })).toThrow(
        expect.objectContaining({ code: 'ETEMPLATE' }),
      );
    }
  });
});
