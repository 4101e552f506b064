import Handlebars from 'handlebars';
import { PapermailError } from '../errors.js';
import { safeHttpUrl } from './safe-url.js';
import { wrapText } from './text.js';

/**
 * Issue-stage Handlebars environments. Each is isolated (Handlebars.create) so helpers never
 * leak into, or depend on, the global instance other modules may use.
 */
export type HandlebarsEnvironment = typeof Handlebars;

/** For HTML and MJML: `{{ }}` escapes, and `url` is the only way a link gets into an href. */
export function createHtmlEnvironment(): HandlebarsEnvironment {
  const environment = Handlebars.create();
  environment.registerHelper('url', httpUrlOrHash);
  return environment;
}

/** For the plain-text part: no HTML escaping (the view has already folded untrusted text to inert lines). */
export function createTextEnvironment(width = 72): HandlebarsEnvironment {
  const environment = Handlebars.create();
  environment.registerHelper('url', httpUrlOrHash);
  environment.registerHelper('upper', (text: unknown) => String(text).toUpperCase());
  environment.registerHelper('rule', () => '-'.repeat(width));
  // "7.  " / "12. ": list numbers padded to the 4-column hanging indent of the lines below.
  environment.registerHelper('item', (number: unknown) => `${String(number)}.`.padEnd(4));
  environment.registerHelper('concat', (...values: unknown[]) => values.slice(0, -1).join(''));
  // {{wrap text indent=4 first=0}}: a hanging indent for text after a "12. " prefix.
  environment.registerHelper('wrap', (text: unknown, options: Handlebars.HelperOptions) => {
    const indent = Number(options.hash['indent'] ?? 0);
    const wrapped = wrapText(String(text), width, indent);
    return options.hash['first'] === 0 ? wrapped.slice(indent) : wrapped;
  });
  return environment;
}

function httpUrlOrHash(value: unknown): string {
  return safeHttpUrl(value) ?? '#';
}

export type RenderTemplate<View> = (view: View) => string;

/**
 * Compiles a template so that any failure — a syntax error (Handlebars compiles lazily, on
 * first use) or a field the view lacks (strict mode) — is an ETEMPLATE naming the file.
 */
export function compileTemplate<View>(
  environment: HandlebarsEnvironment,
  source: string,
  templateName: string,
  options: { noEscape?: boolean } = {},
): RenderTemplate<View> {
  let template: Handlebars.TemplateDelegate<View>;
  try {
    template = environment.compile<View>(environment.parse(source), { strict: true, ...options });
  } catch (error) {
    throw templateError(templateName, error);
  }
  return (view) => {
    try {
      return template(view);
    } catch (error) {
      throw templateError(templateName, error);
    }
  };
}

function templateError(templateName: string, error: unknown): PapermailError {
  const message = error instanceof Error ? error.message : String(error);
  return new PapermailError('ETEMPLATE', `templates/${templateName}: ${message}`, { cause: error });
}
