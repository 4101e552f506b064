/**
 * The noun phrase an abstract names its main contribution with: in "We introduce IWR-Bench, a
 * novel benchmark for evaluating LVLMs", the paper *is* "a novel benchmark", whatever it is
 * evaluated on. A paper that says "we propose a method ... evaluated on three benchmarks" only
 * used one. Topic rules can count in this phrase as a field of its own ("contribution").
 */

/** The first sentence part where the authors say what they contribute, from its verb on. */
const CONTRIBUTION_STATEMENT =
  /\b(?:we|this (?:paper|work|report))\s+(?:\w+ly\s+|first\s+|further\s+|also\s+|then\s+|here\s+)?(?:introduc|present|propos|construct|build|built|curat|develop|creat|contribut|establish|design|offer)\w*\s+([^.;:!?]*)/i;

/** A name before the appositive: "IWR-Bench, a ..." (a few words, then a comma and an article). */
const NAMED_APPOSITIVE = /^[^,]{1,60}?,\s+(?=(?:a|an|the|one|our)\s)/i;

/** Words that end the head noun phrase: what follows says what it is for or made of, not what it is. */
const PHRASE_END = new Set([
  'for', 'that', 'which', 'who', 'to', 'of', 'with', 'designed', 'comprising', 'consisting', 'in', 'on',
  'built', 'named', 'called', 'termed', 'where', 'enabling', 'by', 'via', 'using', 'featuring', 'covering',
  'spanning', 'containing', 'aimed', 'tailored', 'based', 'as', 'from', 'across', 'specialized',
]);

/** At most this many words: a head noun phrase is short, and a runaway one would read the abstract again. */
const MAX_WORDS = 10;

/**
 * The head noun phrase of the abstract's first contribution statement ("a novel benchmark"),
 * or "" when the abstract has none or it starts with a phrase end ("we propose to ...").
 * Raw text: normalise it like any other field.
 */
export function contributionPhrase(abstract: string): string {
  const statement = CONTRIBUTION_STATEMENT.exec(abstract)?.[1];
  if (statement === undefined) return '';
  const object = statement.replace(NAMED_APPOSITIVE, '');
  const words: string[] = [];
  for (const word of object.split(/[\s,]+/)) {
    if (word === '' ) continue;
    if (PHRASE_END.has(word.toLowerCase()) || words.length === MAX_WORDS) break;
    words.push(word);
  }
  return words.join(' ');
}
