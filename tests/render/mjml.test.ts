import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compactHtml, compileMjml } from '../../src/render/mjml.js';

const document = (body: string) => `<mjml><mj-body><mj-section><mj-column>\n${body}\n</mj-column></mj-section></mj-body></mjml>`;

describe('compileMjml', () => {
  it('compiles valid MJML and keeps a placeholder inside an href', async () => {
    const html = await compileMjml(document('<mj-text><a href="{{unsubscribeUrl}}">Unsubscribe</a></mj-text>'), 'test.mjml');
    expect(html).toContain('<a href="{{unsubscribeUrl}}">Unsubscribe</a>');
  });

  it('rejects invalid MJML with ETEMPLATE naming the template, the line and the problem', async () => {
    const failure = compileMjml(document('<mj-text colour="#000">Hi</mj-text>\n<mj-nonsense />'), 'broken.mjml');
    await expect(failure).rejects.toMatchObject({
      code: 'ETEMPLATE',
      message: expect.stringMatching(/templates\/broken\.mjml.*line 2 \(mj-text\): Attribute colour is illegal.*line 3/),
    });
  });

  it('compiles in a child process: mjml is never loaded into the process that asks', async () => {
    await compileMjml(document('<mj-text>Hi</mj-text>'), 'test.mjml');
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.filter((file) => /node_modules\/mjml/.test(file))).toEqual([]);
    // The probe can see CommonJS packages this process loaded: handlebars is one (it cuts the compiled issue).
    await import('handlebars');
    expect(Object.keys(createRequire(import.meta.url).cache).some((file) => /node_modules\/handlebars\//.test(file))).toBe(true);
  });

  it('emits no web-font link: the issue uses the system font stack', async () => {
    const html = await compileMjml(document('<mj-text>Hi</mj-text>'), 'test.mjml');
    expect(html).not.toContain('fonts.googleapis.com');
  });
});

describe('compactHtml', () => {
  it('removes indentation and blank lines but keeps a line break where white space was', () => {
    expect(compactHtml('<div>\n    <p>a</p>\n\n    <p>b</p>\n  </div>\n')).toBe('<div>\n<p>a</p>\n<p>b</p>\n</div>\n');
  });
});
