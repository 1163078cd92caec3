import type * as XmlTools from '@xml-tools/parser';
import { InputLimit, NESTING_LIMITS, tooDeep } from '../limits';

/**
 * @xml-tools/parser with bounds. The parser (chevrotain) recurses once per
 * element and once per recovery from a syntax error, and recovering costs
 * about as much as parsing a few hundred tokens: a file nested past
 * NESTING_LIMITS.xml, or with as many stray closing tags, is not parsed, and
 * a file with more than MAX_ERRORS syntax errors is parsed only up to its
 * first one (what comes after is not analysed anyway).
 */
type Parsed = ReturnType<typeof XmlTools.parse>;

const MAX_ERRORS = 50;

interface Chevrotain {
  input: unknown[];
  errors: unknown[];
  document(): Parsed['cst'];
  SAVE_ERROR(error: unknown): unknown;
}

/** The parser and lexer are built when loaded: only for XML changelogs. */
let loaded: { parser: Chevrotain; lexer: { tokenize(text: string): { tokens: unknown[]; errors: Parsed['lexErrors'] } } } | undefined;

function load() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= { parser: require('@xml-tools/parser/lib/parser').xmlParser as Chevrotain, lexer: require('@xml-tools/parser/lib/lexer').xmlLexer };
  return loaded;
}

class TooManyErrors extends Error {}

interface Token {
  startOffset: number;
  tokenType: { name: string };
}

/** Parses as @xml-tools/parser's `parse` does, stopping once `maxErrors` syntax errors are recorded (then the CST is undefined). */
function parseUpTo(lexed: { tokens: unknown[]; errors: Parsed['lexErrors'] }, maxErrors: number): Parsed | undefined {
  const { parser } = load();
  // Setting the input resets the parser's state, errors included.
  parser.input = lexed.tokens;
  const save = parser.SAVE_ERROR;
  parser.SAVE_ERROR = function (this: Chevrotain, error: unknown) {
    const saved = save.call(this, error);
    if (this.errors.length >= maxErrors) throw new TooManyErrors();
    return saved;
  };
  try {
    const cst = parser.document();
    return { cst, tokenVector: lexed.tokens, lexErrors: lexed.errors, parseErrors: parser.errors } as unknown as Parsed;
  } catch (error) {
    if (error instanceof TooManyErrors) return undefined;
    throw error;
  } finally {
    delete (parser as Partial<Chevrotain>).SAVE_ERROR;
  }
}

export function parseXml(text: string): Parsed {
  // The lexer does not recurse; the bound is checked on the tokens the parser would see.
  const lexed = load().lexer.tokenize(text);
  const limit = xmlLimit(lexed.tokens as Token[], NESTING_LIMITS.xml);
  if (limit) throw limit;
  const whole = parseUpTo(lexed, MAX_ERRORS);
  if (whole) return whole;
  // Many errors: the elements before the first one, and that error.
  parseUpTo(lexed, 1);
  const error = load().parser.errors[0] as Parsed['parseErrors'][number];
  const offset = Number.isFinite(error.token.startOffset) ? error.token.startOffset : text.length;
  const prefix = parseUpTo(load().lexer.tokenize(text.slice(0, offset)), NESTING_LIMITS.xml + MAX_ERRORS);
  if (!prefix) throw new InputLimit(offset, `more than ${MAX_ERRORS} XML syntax errors from here`);
  return { ...prefix, parseErrors: [error, ...prefix.parseErrors] };
}

/**
 * Why the parser should not see these tokens: elements nested deeper than
 * `limit`, or more than `limit` closing tags that close nothing (each one a
 * recovery, and recoveries nest). Counted on the lexer's tokens, as the
 * parser reads them: a `<` followed by a name opens an element (also one
 * inside another tag or an unfinished declaration, which the lexer gives as
 * an opening too), one level deeper until its tag ends in `/>` or an end
 * tag closes it.
 */
export function xmlLimit(tokens: readonly Token[], limit: number): InputLimit | undefined {
  let depth = 0;
  let stray = 0;
  // An opening tag not yet ended by `>` or `/>`.
  let inTag = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token.tokenType.name) {
      case 'OPEN':
      case 'INVALID_OPEN_INSIDE':
        if (tokens[i + 1]?.tokenType.name !== 'Name') break;
        if (++depth > limit) return tooDeep('xml', token.startOffset);
        inTag = true;
        break;
      case 'SLASH_CLOSE':
        if (inTag && depth > 0) depth--;
        inTag = false;
        break;
      case 'CLOSE':
        inTag = false;
        break;
      case 'SLASH_OPEN':
      case 'INVALID_SLASH_OPEN':
        inTag = false;
        if (depth > 0) depth--;
        else if (++stray > limit) return new InputLimit(token.startOffset, `more than ${limit} XML closing tags that close nothing`);
        break;
    }
  }
  return undefined;
}
