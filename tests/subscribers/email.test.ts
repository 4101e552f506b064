import { describe, expect, it } from 'vitest';
import { isPapermailError } from '../../src/errors.js';
import { normaliseEmail, normaliseName, parseTopics } from '../../src/subscribers/email.js';
import { seededRandom } from '../support/statistics.js';

function rejection(input: string): string {
  try {
    normaliseEmail(input);
  } catch (error) {
    if (isPapermailError(error, 'EINPUT')) return error.message;
    throw error;
  }
  throw new Error(`${JSON.stringify(input)} was accepted`);
}

describe('normaliseEmail', () => {
  it.each([
    ['  Ann@Example.COM ', 'Ann@example.com'],
    ['bob+papers@example.org', 'bob+papers@example.org'],
    ["o'neil@example.com", "o'neil@example.com"],
    ['first.last@mail.example.co.uk', 'first.last@mail.example.co.uk'],
    ['info@Bücher.de', 'info@xn--bcher-kva.de'],
  ])('accepts %j as %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it.each([
    ['a@b.com\r\nBcc: x@y.com', 'contains a line break'],
    ['a@b.com\nBcc: x@y.com', 'contains a line break'],
    ['a@b.com, c@d.com', 'more than one address'],
    ['a@b.com;c@d.com', 'more than one address'],
    ['<a@b.com>', 'angle brackets'],
    ['Ann <a@b.com>', 'angle brackets'],
    ['"a"@b.com', 'quotes'],
    ['a b@c.com', 'whitespace'],
    ['a@b.com\u0000', 'control character'],
    ['a@b.com\u202e', 'control character'],
    ['not-an-email', 'one "@"'],
    ['@example.com', 'one "@"'],
    ['ann@', 'one "@"'],
    ['a@@example.com', 'is not a valid address'],
    ['ann@localhost', 'is not a valid address'],
    ['ann@example..com', 'is not a valid address'],
    ['.ann@example.com', 'is not a valid address'],
    [`${'a'.repeat(65)}@example.com`, 'too long'],
  ])('rejects %j (%s)', (input, reason) => {
    expect(rejection(input)).toContain(reason);
  });

  it('shows a rejected value with its line breaks escaped so it cannot forge log lines', () => {
    expect(rejection('a@b.com\r\nBcc: x@y.com')).toBe(
      'email "a@b.com\\r\\nBcc: x@y.com" is not a valid address (contains a line break)',
    );
  });

  it('says so when the address is empty', () => {
    expect(rejection('   ')).toBe('email is empty');
  });
});

/** What normaliseEmail says of an input: the address it returns, or its error. */
function outcome(input: string): string {
  try {
    return `ok ${normaliseEmail(input)}`;
  } catch (error) {
    if (isPapermailError(error, 'EINPUT')) return 'rejected';
    throw error;
  }
}

describe('normaliseEmail on addresses already in normal form (the send loop checks every recipient)', () => {
  // Near-misses of the plain form: quotes, upper case, punycode, digit TLDs, dots in odd places, long parts.
  const pieces = ['a', 'Zed', '0', '_', '+', '-', '.', "'", 'xn--', 'B', 'ü', '..', 'x'.repeat(30)];
  const domainPieces = ['a', 'b0', '-', '.', 'xn--', 'Ex', 'co', '9', 'y'.repeat(40)];
  const random = seededRandom(8);
  const pick = (from: readonly string[], count: number) => Array.from({ length: count }, () => from[Math.floor(random() * from.length)]!).join('');
  const candidates = Array.from({ length: 3_000 }, () => `${pick(pieces, 1 + Math.floor(random() * 5))}@${pick(domainPieces, 1 + Math.floor(random() * 4))}.${pick(['org', 'io', 'c', 'd3', 'DE', 'uk'], 1)}`);

  it('answers every address exactly as the full checks do (which a leading space forces)', () => {
    const accepted = candidates.filter((candidate) => outcome(candidate) !== 'rejected');
    expect(accepted.length).toBeGreaterThan(300);
    for (const candidate of candidates) expect(outcome(candidate), candidate).toBe(outcome(` ${candidate}`));
  });
});

describe('normaliseName', () => {
  it('trims and collapses whitespace', () => {
    expect(normaliseName('  Ada \t  Lovelace ')).toBe('Ada Lovelace');
  });

  it('removes line breaks so a name cannot add a header', () => {
    expect(normaliseName('Ann\r\nBcc: x@y.com')).toBe('Ann Bcc: x@y.com');
  });

  it('removes bidirectional overrides that disguise a name', () => {
    expect(normaliseName('Ann\u202eevil')).toBe('Ann evil');
  });

  it('drops leading characters that would run as a spreadsheet formula in an export', () => {
    expect(normaliseName('=HYPERLINK("http://x")')).toBe('HYPERLINK("http://x")');
    expect(normaliseName('+-@Ann')).toBe('Ann');
  });

  it('keeps at most 100 characters without splitting a character in two', () => {
    const name = normaliseName('😀'.repeat(150));
    expect(Array.from(name!)).toHaveLength(100);
    expect(name).toBe('😀'.repeat(100));
  });

  it('treats nothing, blanks and control characters alone as no name', () => {
    expect(normaliseName(undefined)).toBeNull();
    expect(normaliseName(null)).toBeNull();
    expect(normaliseName('  \r\n ')).toBeNull();
  });
});

describe('parseTopics', () => {
  const known = ['llm-reasoning', 'vision', 'robotics'];

  it('reads comma-, semicolon- and space-separated slugs in catalogue order without repeats', () => {
    expect(parseTopics('robotics, LLM-Reasoning;vision robotics', known)).toEqual(['llm-reasoning', 'vision', 'robotics']);
  });

  it('reads a list, as a form with repeated checkboxes sends it', () => {
    expect(parseTopics(['vision', 'llm-reasoning'], known)).toEqual(['llm-reasoning', 'vision']);
  });

  it('means every topic (null) when empty, absent or "all"', () => {
    expect(parseTopics(undefined, known)).toBeNull();
    expect(parseTopics('', known)).toBeNull();
    expect(parseTopics(' ; ', known)).toBeNull();
    expect(parseTopics('all', known)).toBeNull();
    expect(parseTopics('vision,all', known)).toBeNull();
  });

  it('rejects an unknown slug by name and lists the choices', () => {
    expect(() => parseTopics('vision,cooking', known)).toThrow(
      'unknown topic "cooking"; choose from llm-reasoning, vision, robotics or "all"',
    );
  });
});
