import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PapermailError } from '../errors.js';

/** templates/ at the top of the project, next to src/. */
export const TEMPLATES_DIRECTORY = fileURLToPath(new URL('../../templates/', import.meta.url));

const cache = new Map<string, string>();

/** A template's source, read once per process: templates ship with the code and do not change while it runs. */
export function readTemplate(name: string, directory = TEMPLATES_DIRECTORY): string {
  const path = join(directory, name);
  let source = cache.get(path);
  if (source === undefined) {
    try {
      source = readFileSync(path, 'utf8');
    } catch (error) {
      throw new PapermailError('ETEMPLATE', `cannot read template ${path}: ${(error as Error).message}`, { cause: error });
    }
    cache.set(path, source);
  }
  return source;
}
