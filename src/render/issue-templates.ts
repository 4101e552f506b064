import { createHtmlEnvironment, createTextEnvironment, compileTemplate, type RenderTemplate } from './handlebars.js';
import type { IssueView, PaperView } from './issue-view.js';
import { readTemplate } from './template-files.js';

export interface IssueTemplates {
  /** The issue as MJML, ready for mjml2html. */
  mjml: RenderTemplate<IssueView>;
  /** One paper's HTML, exactly as the MJML template includes it: used to size the issue. */
  paper: RenderTemplate<PaperView>;
  text: RenderTemplate<IssueView>;
}

let templates: IssueTemplates | undefined;

/** The issue templates, read and compiled once per process. */
export function issueTemplates(): IssueTemplates {
  if (templates) return templates;
  const html = createHtmlEnvironment();
  const paperSource = readTemplate('issue-paper.hbs');
  html.registerPartial('paper', paperSource);
  templates = {
    mjml: compileTemplate<IssueView>(html, readTemplate('issue.mjml'), 'issue.mjml'),
    paper: compileTemplate<PaperView>(html, paperSource, 'issue-paper.hbs'),
    text: compileTemplate<IssueView>(createTextEnvironment(), readTemplate('issue.txt.hbs'), 'issue.txt.hbs', { noEscape: true }),
  };
  return templates;
}
