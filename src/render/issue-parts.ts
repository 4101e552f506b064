/**
 * The day's issue compiled once for every topic selection, cut into the pieces a reader's
 * copy is put together from (the contract in src/delivery/encoded-issue.ts).
 *
 * MJML compiles the whole issue once: every section, and a "Top papers" entry for every
 * paper (a selection's top papers can be any of them). Cut markers ({{pmcut "kind" n}}, see
 * issueView) in the compiled HTML and in the text part mark the pieces: the head, each "Top
 * papers" entry, each section's opening, each paper (a selection takes some of the papers of
 * "Also today", the one-paper topics gathered in one section; a reader's copy leaves out the
 * papers they were sent before), each section's close, and the tail. The per-recipient
 * placeholders ({{name}}, {{unsubscribeUrl}} …) become slots, and so does what depends on
 * the selection (the counts, the preview line, the size of "Also today" and of each section). A reader's copy is
 * a list of piece ids and slot values: nothing is compiled, parsed or escaped again but the
 * slot values, and the pieces' memory depends on the issue alone.
 */
import Handlebars from 'handlebars';
import { z } from 'zod';
import type { BodyPart, CopyItem, IssuePieces, RecipientCopy } from '../delivery/encoded-issue.js';
import { isForTopics } from '../digest/filter.js';
import { arxivIdWithoutVersion, type Digest } from '../digest/paper.js';
import { paperSetOf, paperSetPositions } from '../digest/paper-set.js';
import { PapermailError } from '../errors.js';
import { issueCounts } from './format.js';
import { fitToBudget, HTML_BUDGET_BYTES } from './issue.js';
import { issueTemplates } from './issue-templates.js';
import { FOR_YOU_ENTRIES, issueSections, issueView, preheader, rankedPapers } from './issue-view.js';
import { escapeHtml } from './escape.js';
import { asciiReferences, compileMjml } from './mjml.js';
import { PLANNED_SLOT_BYTES, RECIPIENT_PLACEHOLDERS, recipientValues } from './recipient.js';
import { issueSubject } from './subject.js';
import { foldWhitespace, plural, untrustedText } from './text.js';
import type { ForYouEntry, IssueOptions, PersonalisedIssue, RecipientFields } from './types.js';

/** The issue, compiled once, that every reader's copy is chosen from. */
export interface IssueParts {
  /** The issue day, YYYY-MM-DD. */
  readonly date: string;
  /** Every static piece of both parts, by id: what the delivery side encodes once. */
  readonly pieces: IssuePieces;
  /** The issue's papers by their position in its ranking (what a paper set counts), as arXiv ids without version. */
  readonly papers: readonly string[];
  /**
   * What a topic selection gets (null = all topics), leaving out the papers of `leaveOut` (a
   * paper set, src/digest/paper-set.ts: those the reader was already sent); null when none of
   * its topics has a paper today, or every one of them is left out.
   */
  select(topics: readonly string[] | null, leaveOut?: string): IssueSelection | null;
  /** The compiled issue as plain data, for a frozen issue: thawIssueParts makes the same parts of it without MJML. */
  frozen(): FrozenParts;
}

/** The compiled issue as plain data (JSON): the pieces, and each part's layout as [key, items] in order. */
export interface FrozenParts {
  pieces: IssuePieces;
  layouts: Record<BodyPart, ReadonlyArray<readonly [string, readonly LayoutItem[]]>>;
}

const LayoutItemSchema: z.ZodType<LayoutItem> = z.lazy(() =>
  z.union([
    z.strictObject({ piece: z.string() }),
    z.strictObject({ slot: z.string(), value: z.string() }),
    z.strictObject({ field: z.string() }),
    z.strictObject({ when: z.string(), then: z.array(LayoutItemSchema), otherwise: z.array(LayoutItemSchema) }),
  ]),
);
const LayoutSchema = z.array(z.tuple([z.string(), z.array(LayoutItemSchema)]));
const FrozenPartsSchema = z.strictObject({
  pieces: z.strictObject({ text: z.record(z.string(), z.string()), html: z.record(z.string(), z.string()) }),
  layouts: z.strictObject({ text: LayoutSchema, html: LayoutSchema }),
});

/** Frozen parts read back (from the store: validated like any outside input); `what` names them in errors. */
export function parseFrozenParts(value: unknown, what: string): FrozenParts {
  const parsed = FrozenPartsSchema.safeParse(value);
  if (!parsed.success) throw frozenUnreadable(what, parsed.error);
  return parsed.data;
}

/** A stored value that failed its schema: ESTORE naming it, the field and what is wrong there. */
export function frozenUnreadable(what: string, error: z.ZodError): PapermailError {
  const issue = error.issues[0]!;
  return new PapermailError('ESTORE', `${what} cannot be read: ${issue.path.join('.') || 'the value'} ${issue.message}`);
}

/** The parts of a compiled issue frozen earlier: the same copies as when it was compiled, with no MJML run. */
export function thawIssueParts(digest: Digest, frozen: FrozenParts): IssueParts {
  return issueParts(digest, { text: new Map(frozen.layouts.text), html: new Map(frozen.layouts.html) }, frozen.pieces);
}

export interface IssueSelection {
  readonly subject: string;
  /** The papers the copy holds, as a paper set of this issue: what its ledger row records. */
  readonly received: string;
  /**
   * The reader's copy: the selection's pieces, with this reader's values in the slots, and,
   * when `forYou` has entries, their "For you" block under the greeting (at most
   * FOR_YOU_ENTRIES; an issue frozen before the block existed has none to show). Without
   * entries the copy is exactly the selection's copy for everyone.
   */
  copyFor(fields: RecipientFields, forYou?: readonly ForYouEntry[]): RecipientCopy;
}

/** What a selection fills in besides the reader's own fields (computed from content, so written as ASCII in HTML). */
const SELECTION_FIELDS = ['counts', 'preheader', 'alsoTodayCount', 'alsoTodayOmitted'] as const;
type SelectionField = (typeof SELECTION_FIELDS)[number];
/** A section's own counts, filled in per section for the papers a copy keeps of it. */
const SECTION_FIELDS = ['sectionCount', 'sectionOmitted'] as const;
type SectionField = (typeof SECTION_FIELDS)[number];
/** A "For you" entry's reason: filled per entry of a reader's block. */
const FOR_YOU_REASON = 'forYouReason';
const SLOT_FIELDS: ReadonlySet<string> = new Set([...RECIPIENT_PLACEHOLDERS, ...SELECTION_FIELDS, ...SECTION_FIELDS, FOR_YOU_REASON]);
const IS_SELECTION_FIELD: ReadonlySet<string> = new Set(SELECTION_FIELDS);

/**
 * One item of a part's layout: a piece, a slot, or a choice on whether a slot has a value ("Hi
 * Ada," / "Hi there,"). A selection's plan also holds slots it has filled already (`slot`).
 */
type LayoutItem = { piece: string } | { slot: string; value: string } | { field: string } | { when: string; then: LayoutItem[]; otherwise: LayoutItem[] };

/** A part cut at its markers: the items of each stretch, by key ("head", "hl:3", "section:2", "paper:17", "tail" …). */
type Layout = ReadonlyMap<string, readonly LayoutItem[]>;

/** Cached wordings per issue: bounded, so memory never grows with the number of selections. */
const MAX_WORDINGS = 1_000;

/** The first size plan's estimate of one "Top papers" entry, thumbnail included. */
const BYTES_PER_HIGHLIGHT = 1_500;
/** … and of the largest "For you" block: its frame and FOR_YOU_ENTRIES entries with long titles and reasons. */
const FOR_YOU_BLOCK_BYTES = 5_000;

/**
 * Compiles the day's issue once for every selection. The size budget is planned for the
 * largest copy any selection can get (every section, and the largest "Top papers" entries),
 * so every copy fits; only a day whose first plan overshoots compiles again.
 */
export async function compileIssueParts(digest: Digest, options: IssueOptions): Promise<IssueParts> {
  const templates = issueTemplates();
  const textPieces: Record<string, string> = {};
  // The text part has no size limit worth trimming for: every paper in full.
  const text = cutPart(templates.text(issueView({ digest, options, forBrowser: false, forEverySelection: true })), textPieces, 'issue.txt.hbs');
  const allTopics = selectionValues(digest, rankedPapers(digest).length);
  const { layout: html, pieces: htmlPieces } = await fitToBudget(digest, HTML_BUDGET_BYTES, BYTES_PER_HIGHLIGHT, async (levels) => {
    const view = issueView({ digest, options, forBrowser: false, levels, forEverySelection: true });
    const pieces: Record<string, string> = {};
    const layout = cutPart(await compileMjml(templates.mjml(view), 'issue.mjml'), pieces, 'issue.mjml');
    return { result: { layout, pieces }, bytes: largestCopyBytes(layout, pieces, digest.highlights.length, allTopics) };
  }, digest.total > 0 ? FOR_YOU_BLOCK_BYTES : 0);
  return issueParts(digest, { text, html }, { text: textPieces, html: htmlPieces });
}

/** A copy joined into strings, for previews, the digest command and tests. */
export function joinedCopy(pieces: IssuePieces, copy: RecipientCopy): PersonalisedIssue {
  const join = (part: BodyPart) => copy[part].map((item) => ('piece' in item ? pieces[part][item.piece]! : item.value)).join('');
  return { subject: copy.subject, text: join('text'), html: join('html') };
}

const markerEnvironment = Handlebars.create();

/** Cuts a rendered part at its markers; the static text goes into `pieces`, the layout says how they follow each other. */
function cutPart(rendered: string, pieces: Record<string, string>, templateName: string): Layout {
  let program: hbs.AST.Program;
  try {
    program = markerEnvironment.parse(rendered);
  } catch (error) {
    throw new PapermailError('ETEMPLATE', `templates/${templateName}: ${(error as Error).message}`, { cause: error });
  }
  const layout = new Map<string, LayoutItem[]>();
  let key = 'head';
  let count = 0;
  let current: LayoutItem[] = [];
  layout.set(key, current);
  let text = '';
  const flush = (into: LayoutItem[]) => {
    if (text === '') return;
    const id = `${key}.${count++}`;
    pieces[id] = text;
    into.push({ piece: id });
    text = '';
  };
  const fail = (statement: hbs.AST.Statement): never => {
    throw new PapermailError(
      'ETEMPLATE',
      `templates/${templateName}: unexpected placeholder at line ${statement.loc?.start.line ?? '?'} of the compiled issue; only ${[...SLOT_FIELDS].join(', ')} are filled per recipient`,
    );
  };
  const walk = (body: hbs.AST.Statement[], into: LayoutItem[], topLevel: boolean): void => {
    for (const statement of body) {
      if (statement.type === 'ContentStatement') text += (statement as hbs.AST.ContentStatement).value;
      else if (statement.type === 'CommentStatement') continue;
      else if (statement.type === 'MustacheStatement') {
        const mustache = statement as hbs.AST.MustacheStatement;
        const cut = cutKey(mustache);
        if (cut !== undefined) {
          if (!topLevel || layout.has(cut)) fail(statement);
          flush(into);
          key = cut;
          into = current = [];
          layout.set(key, current);
        } else if (isSlot(mustache.path) && mustache.params.length === 0) {
          flush(into);
          into.push({ field: (mustache.path as hbs.AST.PathExpression).original });
        } else fail(statement);
      } else if (statement.type === 'BlockStatement') {
        const block = statement as hbs.AST.BlockStatement;
        const [param] = block.params;
        if (!isPathNamed(block.path, 'if') || block.params.length !== 1 || !param || !isSlot(param)) fail(statement);
        flush(into);
        const branch = { when: (param as hbs.AST.PathExpression).original, then: [] as LayoutItem[], otherwise: [] as LayoutItem[] };
        walk(block.program.body, branch.then, false);
        flush(branch.then);
        if (block.inverse) walk(block.inverse.body, branch.otherwise, false);
        flush(branch.otherwise);
        into.push(branch);
      } else fail(statement);
    }
  };
  walk(program.body, current, true);
  flush(current);
  return layout;
}

/** `{{pmcut "section" 2}}` → "section:2". */
function cutKey(mustache: hbs.AST.MustacheStatement): string | undefined {
  if (!isPathNamed(mustache.path, 'pmcut')) return undefined;
  const [kind, index] = mustache.params;
  if (kind?.type !== 'StringLiteral' || index?.type !== 'NumberLiteral') return undefined;
  const name = (kind as hbs.AST.StringLiteral).value;
  const number = (index as hbs.AST.NumberLiteral).value;
  return ['head', 'top', 'topEnd', 'tail', 'forYou', 'forYouEnd'].includes(name) ? name : `${name}:${number}`;
}

function isPathNamed(expression: hbs.AST.Node, name: string): boolean {
  return expression.type === 'PathExpression' && (expression as hbs.AST.PathExpression).original === name;
}

function isSlot(expression: hbs.AST.Node): boolean {
  return expression.type === 'PathExpression' && SLOT_FIELDS.has((expression as hbs.AST.PathExpression).original);
}

/**
 * The HTML size of the largest copy a selection can get: every section and every paper of
 * "Also today", the `highlightCount` largest "Top papers" entries, and a "For you" block of
 * its FOR_YOU_ENTRIES largest entries. Vote links and reasons count at their planned length
 * (PLANNED_SLOT_BYTES); other recipient slots as their placeholders did before (a few bytes;
 * HTML_BUDGET_BYTES leaves room for them).
 */
function largestCopyBytes(layout: Layout, pieces: Record<string, string>, highlightCount: number, allTopics: Record<SelectionField, string>): number {
  const fieldBytes = (field: string): number =>
    IS_SELECTION_FIELD.has(field) ? Buffer.byteLength(allTopics[field as SelectionField]) : (PLANNED_SLOT_BYTES[field] ?? field.length + 4);
  const itemBytes = (items: readonly LayoutItem[]): number =>
    items.reduce((sum, item) => {
      if ('piece' in item) return sum + Buffer.byteLength(pieces[item.piece]!);
      if ('slot' in item) return sum + Buffer.byteLength(item.value);
      if ('field' in item) return sum + fieldBytes(item.field);
      return sum + Math.max(itemBytes(item.then), itemBytes(item.otherwise));
    }, 0);
  const largest = (sizes: number[], count: number) => sizes.sort((a, b) => b - a).slice(0, count).reduce((sum, bytes) => sum + bytes, 0);
  let total = 0;
  const highlights: number[] = [];
  const forYou: number[] = [];
  for (const [key, items] of layout) {
    if (key.startsWith('hl:')) highlights.push(itemBytes(items));
    else if (key.startsWith('fy:')) forYou.push(itemBytes(items));
    else total += itemBytes(items);
  }
  return total + largest(highlights, highlightCount) + largest(forYou, FOR_YOU_ENTRIES);
}

/** A selection's own values: the counts, the preview line, and "Also today"'s size when it has `alsoToday` of its papers. */
function selectionValues(selected: Pick<Digest, 'total' | 'highlights' | 'sections' | 'period'>, alsoToday: number, alsoTodayOmitted = 0): Record<SelectionField, string> {
  return { ...countValues(selected, alsoToday, alsoTodayOmitted), preheader: preheader(selected) };
}

type CountField = Exclude<SelectionField, 'preheader'>;

function countValues(selected: Pick<Digest, 'total' | 'sections'>, alsoToday: number, alsoTodayOmitted: number): Record<CountField, string> {
  return {
    counts: issueCounts(selected.total, selected.sections.length),
    alsoTodayCount: plural(alsoToday, 'paper'),
    alsoTodayOmitted: alsoTodayOmitted > 0 ? `+ ${plural(alsoTodayOmitted, 'more paper')}` : '',
  };
}

/** What one key of the layout holds in each part (a part may have nothing under a key). */
interface Stretch {
  text: readonly LayoutItem[] | undefined;
  html: readonly LayoutItem[] | undefined;
}

interface PaperSlot {
  /** Its topic: an index into the digest's sections. */
  section: number;
  /** Its position in the issue's ranking (in paper sets). */
  position: number;
  /** Its entry in its section. */
  stretch: Stretch;
  /** False when the size plan left it out of the HTML: the line under "Also today" counts it. */
  inHtml: boolean;
}

/** Values as the text part shows them, and as the HTML part does (escaped, non-ASCII as references). */
interface ForEachPart<Field extends string = string> {
  text: Record<Field, string>;
  html: Record<Field, string>;
}

function forEachPart<Field extends string>(text: Record<Field, string>): ForEachPart<Field> {
  const html = {} as Record<Field, string>;
  for (const field of Object.keys(text) as Field[]) html[field] = asciiReferences(Handlebars.Utils.escapeExpression(text[field]));
  return { text, html };
}

/** Written out field by field: an object spread here cost more than the rest of choosing a selection. */
function selectionSlots(numbers: Record<CountField, string>, preview: Record<'preheader', string>): Record<SelectionField, string> {
  return { counts: numbers.counts, preheader: preview.preheader, alsoTodayCount: numbers.alsoTodayCount, alsoTodayOmitted: numbers.alsoTodayOmitted };
}

/** The value kept under `key`, made now if there is none; at most MAX_WORDINGS are kept, so memory stays bounded. */
function remembered<Value>(kept: Map<string, Value>, key: string, make: () => Value): Value {
  let value = kept.get(key);
  if (value === undefined) {
    value = make();
    if (kept.size < MAX_WORDINGS) kept.set(key, value);
  }
  return value;
}

/** A selection's wording: the subject, and its own slot values as each part shows them. */
interface Wording {
  subject: string;
  text: Record<SelectionField, string>;
  html: Record<SelectionField, string>;
}

/**
 * What one selection's copies are made of: its stretches in order and its wording. Only
 * references: the items are walked per copy (copyOfStretches), never copied into a plan. With
 * varied topics most selections are new, and a plan that held its own item lists (hundreds of
 * objects) lived in the selection cache long enough to be promoted to the old generation: a
 * sampling heap profile of a 100,000-recipient varied send put about 130 MB of such promoted
 * garbage in planning against a few MB for everything else per message (the session of
 * 2026-12-02, HeapProfiler sampling with includeObjectsCollectedByMajorGC).
 */
interface SelectionPlan {
  stretches: readonly Stretch[];
  wording: Wording;
  received: string;
}

/**
 * Selections are kept, most recently used last, up to this many: a list where many readers
 * share a few selections (everyone on the default, a popular pair) does the choosing once per
 * selection, and memory stays bounded however many different selections there are.
 */
const MAX_SELECTIONS = 256;
/**
 * A selection is kept from its second reader on. With varied topics most selections have a
 * handful of readers spread over the whole list, so a plan kept from its first reader would be
 * evicted before its next one came, after living long enough to be promoted to the old
 * generation; a plan not kept dies young. The keys seen once are numbers (or short strings),
 * forgotten all at once when this many have gathered.
 */
const MAX_SEEN_ONCE = 4_096;

function issueParts(digest: Digest, layouts: Record<BodyPart, Layout>, pieces: IssuePieces): IssueParts {
  // Everything a selection is chosen from is looked up here once: per selection only indices are compared.
  const ranked = rankedPapers(digest);
  const stretchOf = (key: string): Stretch => ({ text: layouts.text.get(key), html: layouts.html.get(key) });
  const sectionIndex = new Map(digest.sections.map((section, index) => [section.slug, index]));
  const sectionOfPaper = new Map<string, number>();
  digest.sections.forEach((section, index) => {
    for (const paper of section.papers) sectionOfPaper.set(paper.id, index);
  });
  const positionOf = new Map(ranked.map((paper, position) => [paper.id, position]));
  const rankedSections = ranked.map((paper) => sectionOfPaper.get(paper.id)!);
  const highlights = ranked.map((_, position) => stretchOf(`hl:${position}`));
  const shownSections = issueSections(digest).map((section, index) => ({
    /** The digest's section it shows, or null for "Also today" (one-paper topics gathered). */
    section: section.slug === null ? null : sectionIndex.get(section.slug)!,
    topic: untrustedText(section.topic),
    opening: stretchOf(`section:${index}`),
    omitted: stretchOf(`omitted:${index}`),
    closing: stretchOf(`close:${index}`),
    papers: section.papers.map((paper): PaperSlot => {
      const position = positionOf.get(paper.id)!;
      const key = `paper:${position}`;
      return { section: sectionOfPaper.get(paper.id)!, position, stretch: stretchOf(key), inHtml: layouts.html.has(key) };
    }),
  }));
  const [head, top, topEnd, tail] = (['head', 'top', 'topEnd', 'tail'] as const).map(stretchOf) as [Stretch, Stretch, Stretch, Stretch];
  const forYou: ForYouStretches | null =
    layouts.html.has('forYou') && layouts.text.has('forYou')
      ? { open: stretchOf('forYou'), close: stretchOf('forYouEnd'), entries: ranked.map((_, position) => stretchOf(`fy:${position}`)) }
      : null;
  const highlightCount = digest.highlights.length;
  const hasTop = layouts.html.has('top');
  const papers = ranked.map((paper) => arxivIdWithoutVersion(paper.id));
  const everyPaper = paperSetOf(ranked.map((_, position) => position));
  // A paper can be left out only where it is a piece of its own in both parts: an issue frozen
  // before sections were cut paper by paper is sent whole (the text part lists every paper).
  const canLeaveOut = ranked.every((_, position) => layouts.text.has(`paper:${position}`));
  // A section's stretches with its counts filled in, for each number of papers a copy keeps of it (bounded by the issue).
  // Kept by a number, not a string: this is looked up for every section of every new plan.
  const filled = new Map<number, Stretch>();
  /** A shown section's opening (its count of `count` papers) or its line of `count` papers left out for size. */
  const filledStretch = (shownIndex: number, field: SectionField, count: number): Stretch => {
    const key = (shownIndex * 2 + (field === 'sectionCount' ? 0 : 1)) * 100_000 + count;
    let kept = filled.get(key);
    if (kept === undefined) {
      const shown = shownSections[shownIndex]!;
      const stretch = field === 'sectionCount' ? shown.opening : shown.omitted;
      const value = field === 'sectionCount' ? plural(count, 'paper') : `+ ${plural(count, 'more paper')} in ${shown.topic}`;
      const { text, html } = forEachPart({ sectionCount: '', sectionOmitted: '', [field]: value } as Record<SectionField, string>);
      kept = { text: stretch.text && fillSectionFields(stretch.text, text), html: stretch.html && fillSectionFields(stretch.html, html) };
      filled.set(key, kept);
    }
    return kept;
  };
  // A selection is known by the set of today's topics it takes (topics the day lacks change nothing):
  // each section's, then those that are only some papers' secondary topic.
  const topicIndex = new Map(sectionIndex);
  const secondaryTopics = new Set<string>();
  for (const paper of ranked) if (paper.secondaryTopic !== undefined) secondaryTopics.add(paper.secondaryTopic);
  for (const slug of secondaryTopics) if (!topicIndex.has(slug)) topicIndex.set(slug, topicIndex.size);
  const byMask = topicIndex.size <= 30;
  const plans = new Map<number | string, SelectionPlan | null>();
  const seenOnce = new Set<number | string>();
  // A selection's wording depends on little of it: the subject on its top paper and count, the
  // preview line on its top papers, the counts on numbers. Each is kept by that (bounded), so
  // the folding, trimming and escaping of titles is done for far fewer combinations than selections.
  const subjects = new Map<string, string>();
  const previews = new Map<string, ForEachPart>();
  const counts = new Map<string, ForEachPart<CountField>>();
  const wordingOf = (selected: Pick<Digest, 'date' | 'period' | 'total' | 'highlights' | 'sections' | 'listed'>, positions: readonly number[], alsoToday: number, alsoTodayOmitted: number): Wording => {
    const top = positions.length > 0 ? positions.join(' ') : undefined;
    const subject = top === undefined ? issueSubject(selected) : remembered(subjects, `${positions[0]} ${selected.total}`, () => issueSubject(selected));
    const preview = top === undefined ? forEachPart({ preheader: preheader(selected) }) : remembered(previews, top, () => forEachPart({ preheader: preheader(selected) }));
    const numbers = remembered(counts, `${selected.total} ${selected.sections.length} ${alsoToday} ${alsoTodayOmitted}`, () =>
      forEachPart(countValues(selected, alsoToday, alsoTodayOmitted)),
    );
    return { subject, text: selectionSlots(numbers.text, preview.text), html: selectionSlots(numbers.html, preview.html) };
  };

  /** The positions of a paper set, as a flag per position of today's ranking. */
  const positionsLeftOut = (set: string): boolean[] => {
    const left = new Array<boolean>(ranked.length).fill(false);
    for (const position of paperSetPositions(set)) if (position < left.length) left[position] = true;
    return left;
  };
  /** Each digest section's papers by their positions in the ranking. */
  const sectionPositions = digest.sections.map((section) => section.papers.map((paper) => positionOf.get(paper.id)!));

  /**
   * The sections a reader of `topics` takes and the papers they leave out, when a secondary topic
   * of theirs brings papers of other sections: those sections are taken for those papers alone
   * (isForTopics, the rule filterDigestByTopics follows too). Worked out once per selection.
   */
  const withSecondary = (topics: readonly string[], chosen: boolean[], left: readonly boolean[] | null): { chosen: boolean[]; left: readonly boolean[] | null } => {
    if (!canLeaveOut || !topics.some((topic) => secondaryTopics.has(topic))) return { chosen, left };
    const wanted = new Set(topics);
    const kept = left === null ? new Array<boolean>(ranked.length).fill(false) : [...left];
    const taken = digest.sections.map((section, index) => {
      const positions = sectionPositions[index]!;
      let any = false;
      section.papers.forEach((paper, at) => {
        if (isForTopics(section, paper, wanted)) any = true;
        else kept[positions[at]!] = true;
      });
      return any;
    });
    return { chosen: taken, left: kept };
  };

  /** null: every section; `left`: the positions left out (null: none). */
  const planFor = (chosen: readonly boolean[] | null, left: readonly boolean[] | null): SelectionPlan | null => {
    const isChosen = (index: number) => chosen === null || chosen[index] === true;
    const isKept = (position: number) => left === null || left[position] !== true;
    let chosenSections = chosen === null ? digest.sections : digest.sections.filter((_, index) => chosen[index]);
    if (left !== null) {
      const kept: Digest['sections'] = [];
      digest.sections.forEach((section, index) => {
        if (!isChosen(index)) return;
        const positions = sectionPositions[index]!;
        if (!positions.some((position) => left[position])) return void kept.push(section);
        const papers = section.papers.filter((_, at) => !left[positions[at]!]);
        // Written out: an object spread here costs more than the rest of the plan.
        if (papers.length > 0) kept.push({ slug: section.slug, topic: section.topic, upvotes: section.upvotes, papers });
      });
      if (kept.length === 0) return null;
      chosenSections = kept;
    }
    if (chosenSections.length === 0 && chosen !== null) return null;
    const positions: number[] = [];
    if (chosen === null && left === null) for (const paper of digest.highlights) positions.push(positionOf.get(paper.id)!);
    else
      for (let position = 0; position < ranked.length && positions.length < highlightCount; position += 1)
        if (isChosen(rankedSections[position]!) && isKept(position)) positions.push(position);
    const stretches: Stretch[] = [head];
    if (hasTop && positions.length > 0) stretches.push(top, ...positions.map((position) => highlights[position]!), topEnd);
    let alsoToday = 0;
    let alsoTodayOmitted = 0;
    const received: number[] = [];
    shownSections.forEach((shown, index) => {
      if (shown.section !== null) {
        if (!isChosen(shown.section)) return;
        const papers = left === null ? shown.papers : shown.papers.filter((paper) => isKept(paper.position));
        if (papers.length === 0) return;
        stretches.push(filledStretch(index, 'sectionCount', papers.length));
        let omitted = 0;
        for (const paper of papers) {
          stretches.push(paper.stretch);
          received.push(paper.position);
          if (!paper.inHtml) omitted += 1;
        }
        if (omitted > 0) stretches.push(filledStretch(index, 'sectionOmitted', omitted));
        stretches.push(shown.closing);
        return;
      }
      const papers = shown.papers.filter((paper) => isChosen(paper.section) && isKept(paper.position));
      for (const paper of papers) received.push(paper.position);
      if (papers.length === 0) return;
      alsoToday = papers.length;
      alsoTodayOmitted = papers.filter((paper) => !paper.inHtml).length;
      stretches.push(shown.opening, ...papers.map((paper) => paper.stretch));
      if (alsoTodayOmitted > 0) stretches.push(shown.omitted);
      stretches.push(shown.closing);
    });
    stretches.push(tail);
    const selected = {
      date: digest.date,
      period: digest.period,
      listed: digest.listed,
      total: chosen === null && left === null ? digest.total : chosenSections.reduce((sum, section) => sum + section.papers.length, 0),
      highlights: chosen === null && left === null ? digest.highlights : positions.map((position) => ranked[position]!),
      sections: chosenSections,
    };
    const held = chosen === null && left === null ? everyPaper : paperSetOf(received);
    return { stretches, wording: wordingOf(selected, positions, alsoToday, alsoTodayOmitted), received: digest.total === 0 ? '' : held };
  };

  return {
    date: digest.date,
    pieces,
    papers,
    frozen: () => ({ pieces, layouts: { text: [...layouts.text], html: [...layouts.html] } }),
    select(topics, leaveOut = '') {
      // The "no papers today" note goes to everyone, whatever their topics.
      let chosen: boolean[] | null = null;
      let key: number | string = -1;
      const leaving = leaveOut !== '' && canLeaveOut && digest.total > 0;
      if (topics !== null && digest.total > 0) {
        chosen = digest.sections.map(() => false);
        const takes = byMask ? null : new Array<boolean>(topicIndex.size).fill(false);
        let mask = 0;
        for (const topic of topics) {
          const index = topicIndex.get(topic);
          if (index === undefined) continue;
          if (index < chosen.length) chosen[index] = true;
          if (takes === null) mask |= 1 << index;
          else takes[index] = true;
        }
        key = takes === null ? mask : takes.map((taken) => (taken ? '1' : '0')).join('');
      }
      // The papers left out are part of what is chosen: a selection with some left out is a plan of its own.
      if (leaving) key = `${key}/${leaveOut}`;
      let plan = plans.get(key);
      if (plan !== undefined) {
        // Most recently used last.
        plans.delete(key);
        plans.set(key, plan);
      } else {
        const left = leaving ? positionsLeftOut(leaveOut) : null;
        const choice = chosen === null || topics === null ? { chosen, left } : withSecondary(topics, chosen, left);
        plan = planFor(choice.chosen, choice.left);
        if (seenOnce.delete(key)) {
          if (plans.size >= MAX_SELECTIONS) plans.delete(plans.keys().next().value!);
          plans.set(key, plan);
        } else {
          if (seenOnce.size >= MAX_SEEN_ONCE) seenOnce.clear();
          seenOnce.add(key);
        }
      }
      return plan === null ? null : selection(plan, forYou);
    },
  };
}

/** The "For you" block's stretches: its opening, one entry per paper of the ranking (by position), its close. */
interface ForYouStretches {
  open: Stretch;
  close: Stretch;
  entries: readonly Stretch[];
}

function selection(plan: SelectionPlan, forYou: ForYouStretches | null): IssueSelection {
  return {
    subject: plan.wording.subject,
    received: plan.received,
    copyFor(fields, entries) {
      const text = recipientValues(fields);
      const html: Record<string, string> = {};
      // escapeHtml, not Handlebars' escape: slots stand only in element content and quoted
      // attributes, where "=" is plain text, so a link reads the same in both parts and its
      // encoding is made once per message for both (encoded-issue.ts).
      for (const field of RECIPIENT_PLACEHOLDERS) html[field] = escapeHtml(text[field] ?? '');
      const { wording } = plan;
      const block = forYou !== null && entries !== undefined && entries.length > 0 ? entries : null;
      const part = (name: BodyPart, values: Readonly<Record<string, string | null>>, reasonOf: (reason: string) => string): CopyItem[] => {
        const into: CopyItem[] = [];
        plan.stretches.forEach((stretch, index) => {
          const items = stretch[name];
          if (items) copyItems(items, wording[name], values, into);
          // The block goes under the greeting: the head is every plan's first stretch.
          if (index === 0 && block !== null) copyForYou(forYou!, block, name, wording[name], values, reasonOf, into);
        });
        return into;
      };
      return { subject: wording.subject, text: part('text', text, reasonInText), html: part('html', html, reasonInHtml) };
    },
  };
}

/**
 * A reason as each part shows it. Readers share a few reasons ("like papers you 👍", their
 * common phrases), so each wording is kept (bounded, like the selections' wordings).
 */
const reasonWordings = { text: new Map<string, string>(), html: new Map<string, string>() };
const reasonInText = (reason: string) => remembered(reasonWordings.text, reason, () => foldWhitespace(reason));
const reasonInHtml = (reason: string) => remembered(reasonWordings.html, reason, () => escapeHtml(foldWhitespace(reason)));

/** A reader's "For you" block in one part: its opening, their entries with their reasons, its close. */
function copyForYou(
  forYou: ForYouStretches,
  entries: readonly ForYouEntry[],
  part: BodyPart,
  selectionValues: Readonly<Record<SelectionField, string>>,
  ownValues: Readonly<Record<string, string | null>>,
  reasonOf: (reason: string) => string,
  into: CopyItem[],
): void {
  const shown = entries.filter((entry) => forYou.entries[entry.position]?.[part] !== undefined).slice(0, FOR_YOU_ENTRIES);
  if (shown.length === 0) return;
  const around = (stretch: Stretch) => {
    const items = stretch[part];
    if (items) copyItems(items, selectionValues, ownValues, into);
  };
  around(forYou.open);
  for (const entry of shown) {
    const reason = reasonOf(entry.reason);
    for (const item of forYou.entries[entry.position]![part]!) {
      // The entry's own reason in its slot; anything else as in any stretch.
      if ('piece' in item || 'slot' in item) into.push(item);
      else if ('field' in item && item.field === FOR_YOU_REASON) into.push({ slot: FOR_YOU_REASON, value: reason });
      else copyItems([item], selectionValues, ownValues, into);
    }
  }
  around(forYou.close);
}

function copyItems(
  items: readonly LayoutItem[],
  selectionValues: Readonly<Record<SelectionField, string>>,
  ownValues: Readonly<Record<string, string | null | undefined>>,
  into: CopyItem[],
): void {
  for (const item of items) {
    if ('piece' in item || 'slot' in item) into.push(item);
    else if ('field' in item) {
      const value = IS_SELECTION_FIELD.has(item.field) ? selectionValues[item.field as SelectionField] : ownValues[item.field];
      into.push({ slot: item.field, value: value ?? '' });
    } else {
      const taken = IS_SELECTION_FIELD.has(item.when) ? selectionValues[item.when as SelectionField] !== '' : Boolean(ownValues[item.when]);
      copyItems(taken ? item.then : item.otherwise, selectionValues, ownValues, into);
    }
  }
}

/** A section's items with its own counts written in (the section-count slots become filled slots). */
function fillSectionFields(items: readonly LayoutItem[], values: Readonly<Record<SectionField, string>>): LayoutItem[] {
  return items.map((item): LayoutItem => {
    if ('field' in item && (item.field === 'sectionCount' || item.field === 'sectionOmitted')) return { slot: item.field, value: values[item.field] };
    if ('when' in item) return { when: item.when, then: fillSectionFields(item.then, values), otherwise: fillSectionFields(item.otherwise, values) };
    return item;
  });
}
