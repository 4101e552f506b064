/**
 * Parsers for command-line values, for commander's `.option(flags, description, parser)` and for
 * `<argument>`s. A value that fails its check is a usage error (EUSAGE, exit 2) naming the option,
 * whatever code the check itself throws (an address checker throws EINPUT for forms and CSV rows).
 */
import { PapermailError, isPapermailError } from '../errors.js';
import { checkSource } from '../sources/load-papers.js';
import { normaliseEmail, parseTopics } from '../subscribers/email.js';

/** Wraps a check so its failure reads `<name>: <why>` and exits 2. */
export function usageValue<T>(name: string, check: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return check(value);
    } catch (error) {
      if (!isPapermailError(error)) throw error;
      if (error.code === 'EUSAGE') throw error;
      throw new PapermailError('EUSAGE', `${name}: ${error.message}`, { cause: error });
    }
  };
}

/** One email address given on the command line (`--to`, `subscribers add <email>`), normalised. */
export const emailArgument = (name: string) => usageValue(name, normaliseEmail);

/** `--topics` of `subscribers add`: comma-separated slugs of the taxonomy, or "all" (null). */
export const topicsArgument = (knownTopics: readonly string[]) =>
  usageValue('--topics', (value) => parseTopics(value, [...knownTopics]));

/** `--source`: a file path or an http(s) URL; `ftp://…` or a bare `http://` is refused here. */
export const sourceArgument = (value: string): string => checkSource(value, '--source', 'EUSAGE');

/** `--out` of `preview`: the HTML file; the text part is written beside it with `.txt`. */
export function htmlFileArgument(value: string): string {
  if (!/\.html$/i.test(value)) {
    throw new PapermailError(
      'EUSAGE',
      `--out must be a file name ending in .html; the text part is written beside it as .txt (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}
