/**
 * A stand-in for the render side of issue 8 until it is converted: today's compiled issue
 * (one MJML compile per topic selection) cut into the pieces-and-slots form that
 * src/delivery/encoded-issue.ts asks for. The issue is personalised once with marker values,
 * the markers become slots and the text between them the static pieces, once for a reader
 * with a name and once for one without (the greeting differs). Each recipient's slot values
 * are what the renderer itself puts there (HTML-escaped in the HTML part), so a copy joins to
 * exactly what `personalise` returns. Used by the assembly bench and the assembly tests.
 */
import Handlebars from 'handlebars';
import { type BodyPart, type CopyItem, encodeIssue, type EncodedIssue, type IssuePieces, type RecipientCopy } from '../src/delivery/encoded-issue.js';
import { recipientValues } from '../src/render/recipient.js';
import type { CompiledIssue, RecipientFields } from '../src/render/types.js';

export interface EncodedSample {
  /** The static pieces as text, for checking a copy against `personalise`. */
  pieces: IssuePieces;
  issue: EncodedIssue;
  copyFor(fields: RecipientFields): RecipientCopy;
}

type LayoutItem = { piece: string } | { field: string };

const MARKER = /(?:https:\/\/slot\.invalid\/)?xslot([a-zA-Z]+)x(?:@slot\.invalid)?/g;

function markerFields(named: boolean): RecipientFields {
  return {
    name: named ? 'xslotnamex' : null,
    email: 'xslotemailx@slot.invalid',
    unsubscribeUrl: 'https://slot.invalid/xslotunsubscribeUrlx',
    preferencesUrl: 'https://slot.invalid/xslotpreferencesUrlx',
    viewInBrowserUrl: 'https://slot.invalid/xslotviewInBrowserUrlx',
  };
}

export function encodedSample(compiled: CompiledIssue): EncodedSample {
  const pieces: { text: Record<string, string>; html: Record<string, string> } = { text: {}, html: {} };
  const layouts = { named: { text: [] as LayoutItem[], html: [] as LayoutItem[] }, anonymous: { text: [] as LayoutItem[], html: [] as LayoutItem[] } };
  for (const variant of ['named', 'anonymous'] as const) {
    const marked = compiled.personalise(markerFields(variant === 'named'));
    for (const part of ['text', 'html'] as const) {
      layouts[variant][part] = cut(marked[part], (text) => {
        const id = `${variant}:${part}:${Object.keys(pieces[part]).length}`;
        pieces[part][id] = text;
        return id;
      });
    }
  }
  const issue = encodeIssue(pieces);
  return {
    pieces,
    issue,
    copyFor(fields) {
      const values = recipientValues(fields);
      const layout = layouts[values.name === null ? 'anonymous' : 'named'];
      const fill = (part: BodyPart): CopyItem[] =>
        layout[part].map((item) => {
          if ('piece' in item) return item;
          const value = values[item.field] ?? '';
          return { slot: item.field, value: part === 'html' ? Handlebars.escapeExpression(value) : value };
        });
      return { subject: compiled.subject, text: fill('text'), html: fill('html') };
    },
  };
}

function cut(marked: string, addPiece: (text: string) => string): LayoutItem[] {
  const items: LayoutItem[] = [];
  let last = 0;
  for (const match of marked.matchAll(MARKER)) {
    items.push({ piece: addPiece(marked.slice(last, match.index)) }, { field: match[1]! });
    last = match.index + match[0].length;
  }
  items.push({ piece: addPiece(marked.slice(last)) });
  return items;
}
