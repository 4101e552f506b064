import { parseIssueDay } from '../digest/dates.js';
import { PapermailError } from '../errors.js';
import { parseApiResponse } from './huggingface-api.js';
import { looksLikeDailyPapersPage, parseDailyPapersPage } from './page-text.js';
import type { PaperList } from './paper-list.js';

const NEITHER_FORMAT = 'not a Hugging Face Daily Papers API response (JSON) nor a copied Daily Papers page';

/**
 * Reads a day's list in whichever format the text is in: JSON is the API format, text with
 * paper meta blocks is a copied page. `origin` (a path or URL) names the input in messages;
 * `day` is the Daily Papers day for papers whose source does not say.
 */
export function readPaperList(text: string, origin: string, day: string): PaperList {
  parseIssueDay(day, 'day');
  const content = text.replace(/^\uFEFF/, '');
  if (content.trim() === '') throw new PapermailError('ESOURCE', `${origin}: is empty; ${NEITHER_FORMAT}`);
  const json = parseJson(content);
  if ('value' in json) return parseApiResponse(json.value, origin, day);
  if (looksLikeDailyPapersPage(content)) return parseDailyPapersPage(content, origin, day);
  // A truncated download or a hand-edited file: say why the JSON failed rather than only "unknown format".
  const hint = /^\s*[[{]/.test(content) ? ` (it looks like JSON but does not parse: ${json.error})` : '';
  throw new PapermailError('ESOURCE', `${origin}: ${NEITHER_FORMAT}${hint}`);
}

function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
