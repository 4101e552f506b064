/**
 * An issue whose body is transfer-encoded once, and the list a recipient's copy is made of.
 *
 * THE CONTRACT WITH THE RENDER SIDE (what an issue compiled once must hand over):
 *
 * 1. Pieces. The text part and the HTML part are each cut into named static pieces: the
 *    characters of one stretch of the part, exactly as every reader who gets that stretch
 *    sees them (a header block, one section per topic, one "Top papers" entry per paper, the
 *    footer around the links...). A piece holds no per-recipient value. Line breaks may be
 *    LF or CRLF (both become CRLF); a piece boundary never falls between the CR and the LF of
 *    one line break. Ids are unique within a part; the same id may name different pieces in
 *    the text and the HTML part.
 * 2. Slots. Whatever differs between recipients (name, address, links with their tokens) is
 *    a slot: a value the render side computes per recipient, already in its final form for
 *    the part it stands in (HTML-escaped in the HTML part, folded to one line where a line
 *    break would change the meaning). The delivery side only transfer-encodes it.
 * 3. A copy. A recipient's copy of each part is an ordered list of items, each a piece id or
 *    a slot value: the pieces of their topics and of their own "Top papers" block, with the
 *    slots where they belong. Nothing else is added: the part is those items joined.
 * 4. Encoding. `encodeIssue` encodes every piece once (quoted-printable, 76-character lines,
 *    each piece starting and ending on its own line), so per recipient only the slot values
 *    are encoded and the chosen pieces are joined as they are. The pieces' memory depends on
 *    the issue, never on the number of recipients or of topic selections.
 */
import { createHash } from 'node:crypto';
import { PapermailError } from '../errors.js';
import { encodeQuotedPrintable } from './quoted-printable.js';

/** The static pieces of each part, by id, as text (see the contract above). */
export interface IssuePieces {
  text: Readonly<Record<string, string>>;
  html: Readonly<Record<string, string>>;
}

export type BodyPart = 'text' | 'html';

/** One item of a recipient's copy of a part: a static piece, or this recipient's value of a slot. */
export type CopyItem = { piece: string } | { slot: string; value: string };

/** What one recipient gets: the subject and, per part, the items in order. */
export interface RecipientCopy {
  subject: string;
  text: readonly CopyItem[];
  html: readonly CopyItem[];
}

export interface EncodedIssue {
  /**
   * The multipart boundary of every copy. It contains "=_", which quoted-printable output
   * never does (an "=" is always followed by two hex digits or a line break), so no piece and
   * no recipient's value can ever contain a boundary line, whatever the text says.
   */
  readonly boundary: string;
  /** Each piece, quoted-printable, starting at a line start and ending with a line break. */
  readonly pieces: { readonly [part in BodyPart]: ReadonlyMap<string, Buffer> };
}

/** Encodes every piece once; the boundary is derived from the content, so the same issue always gets the same one. */
export function encodeIssue(pieces: IssuePieces): EncodedIssue {
  const digest = createHash('sha256');
  const encodePart = (part: BodyPart): Map<string, Buffer> => {
    const encoded = new Map<string, Buffer>();
    for (const [id, text] of Object.entries(pieces[part])) {
      const bytes = encodeQuotedPrintable(text);
      digest.update(`${part}\n${id}\n`).update(bytes);
      encoded.set(id, bytes);
    }
    return encoded;
  };
  const text = encodePart('text');
  const html = encodePart('html');
  return { boundary: `=_papermail_${digest.digest('hex').slice(0, 24)}`, pieces: { text, html } };
}

/**
 * The encoded chunks of one part of a copy, in order (appended to `chunks`): the stored piece
 * for a piece id, the value encoded now for a slot. Empty chunks are left out. A message's
 * own values (its links, name and address) stand in both parts: pass the same `ownValues` to
 * both calls and each is encoded once per message.
 */
export function encodedItems(
  issue: EncodedIssue,
  part: BodyPart,
  items: readonly CopyItem[],
  chunks: Buffer[] = [],
  ownValues: Map<string, Buffer> = new Map(),
): Buffer[] {
  const pieces = issue.pieces[part];
  const slots = slotEncodingsOf(issue);
  for (const item of items) {
    const chunk = 'piece' in item ? pieces.get(item.piece) : encodedSlot(slots, item.slot, item.value, ownValues);
    if (chunk === undefined) {
      // A copy can only name pieces the compiled issue has: anything else is a render bug.
      throw new PapermailError('ETEMPLATE', `the ${part} part of the issue has no piece ${JSON.stringify((item as { piece: string }).piece)}`);
    }
    if (chunk.length > 0) chunks.push(chunk);
  }
  return chunks;
}

/**
 * Most slots take one of a few values per issue (the archive link, the counts of a selection):
 * their encodings are kept, at most MAX_VALUES_PER_SLOT per slot. A slot that outgrows that is
 * a per-recipient one (a link with a token, an address): its values are dropped and it is
 * encoded per message from then on (once for both parts), so the memory stays bounded by the issue's slots.
 */
const MAX_VALUES_PER_SLOT = 256;
const slotEncodings = new WeakMap<EncodedIssue, SlotEncodings>();

type SlotEncodings = Map<string, Map<string, Buffer> | null>;

function slotEncodingsOf(issue: EncodedIssue): SlotEncodings {
  let slots = slotEncodings.get(issue);
  if (!slots) {
    slots = new Map();
    slotEncodings.set(issue, slots);
  }
  return slots;
}

function encodedSlot(slots: SlotEncodings, slot: string, value: string, ownValues: Map<string, Buffer>): Buffer {
  let values = slots.get(slot);
  if (values === undefined) {
    values = new Map();
    slots.set(slot, values);
  }
  if (values === null) {
    let own = ownValues.get(value);
    if (own === undefined) {
      own = encodeQuotedPrintable(value);
      ownValues.set(value, own);
    }
    return own;
  }
  let encoded = values.get(value);
  if (encoded === undefined) {
    encoded = encodeQuotedPrintable(value);
    if (values.size < MAX_VALUES_PER_SLOT) values.set(value, encoded);
    else slots.set(slot, null);
  }
  return encoded;
}
