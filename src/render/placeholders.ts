import Handlebars from 'handlebars';
import { PapermailError } from '../errors.js';
import { escapeHtml } from './escape.js';

/**
 * The second stage of the confirmation email and the browser version. Their compiled HTML
 * (and text) still holds a few placeholders such as {{unsubscribeUrl}}; it is compiled with
 * Handlebars once and each fill only runs the compiled function. The daily issue's copies are
 * instead chosen from pieces of one compile (issue-parts.ts), which also saves re-encoding
 * the static text for every recipient. Before compiling, the template is checked to contain only the
 * known placeholders: paper text is made brace-inert in the issue stage, so anything else
 * is a template bug, reported as ETEMPLATE instead of silently rendering empty.
 */
export type PlaceholderValues = Record<string, string | null>;

export interface PlaceholderTemplateOptions {
  /** The names a placeholder may use; `{{#if name}}…{{else}}…{{/if}}` is allowed on them too. */
  fields: readonly string[];
  /**
   * HTML-escape the values (the HTML part; with escapeHtml, as the copies do, so a
   * value reads the same in every HTML papermail sends) or insert them as they are (the text part).
   */
  escape: boolean;
  templateName: string;
}

const placeholderEnvironment = Handlebars.create();

export function compilePlaceholderTemplate(
  rendered: string,
  { fields, escape, templateName }: PlaceholderTemplateOptions,
): (values: PlaceholderValues) => string {
  let program: hbs.AST.Program;
  try {
    program = placeholderEnvironment.parse(rendered);
  } catch (error) {
    throw new PapermailError('ETEMPLATE', `templates/${templateName}: ${(error as Error).message}`, { cause: error });
  }
  checkPlaceholders(program, new Set(fields), templateName);
  const fill = placeholderEnvironment.compile<PlaceholderValues>(program, { noEscape: true, knownHelpers: { if: true }, knownHelpersOnly: true });
  return escape ? (values) => fill(escapedValues(values)) : fill;
}

function escapedValues(values: PlaceholderValues): PlaceholderValues {
  const escaped: PlaceholderValues = {};
  for (const [field, value] of Object.entries(values)) escaped[field] = value === null ? null : escapeHtml(value);
  return escaped;
}

function checkPlaceholders(program: hbs.AST.Program, fields: ReadonlySet<string>, templateName: string): void {
  for (const statement of program.body) {
    if (statement.type === 'ContentStatement' || statement.type === 'CommentStatement') continue;
    if (statement.type === 'MustacheStatement') {
      const mustache = statement as hbs.AST.MustacheStatement;
      if (isField(mustache.path, fields) && mustache.params.length === 0) continue;
    } else if (statement.type === 'BlockStatement') {
      const block = statement as hbs.AST.BlockStatement;
      if (isPath(block.path, 'if') && block.params.length === 1 && isField(block.params[0]!, fields)) {
        checkPlaceholders(block.program, fields, templateName);
        if (block.inverse) checkPlaceholders(block.inverse, fields, templateName);
        continue;
      }
    }
    const line = statement.loc?.start.line ?? '?';
    throw new PapermailError(
      'ETEMPLATE',
      `templates/${templateName}: unexpected placeholder at line ${line} of the compiled issue; only ${[...fields].join(', ')} are filled per recipient`,
    );
  }
}

function isPath(expression: hbs.AST.Node, name: string): boolean {
  return expression.type === 'PathExpression' && (expression as hbs.AST.PathExpression).original === name;
}

function isField(expression: hbs.AST.Node, fields: ReadonlySet<string>): boolean {
  return expression.type === 'PathExpression' && fields.has((expression as hbs.AST.PathExpression).original);
}
