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

/** Parses as @xml-tools/parser's `parse` does, stopping once `maxErrors` syntax errors are recorded (then the CST is undefined). */
function parseUpTo(text: string, maxErrors: number): Parsed | undefined {
  const { parser, lexer } = load();
  const lexed = lexer.tokenize(text);
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
  const limit = xmlLimit(text, NESTING_LIMITS.xml);
  if (limit) throw limit;
  const whole = parseUpTo(text, MAX_ERRORS);
  if (whole) return whole;
  // Many errors: the elements before the first one, and that error.
  parseUpTo(text, 1);
  const error = load().parser.errors[0] as Parsed['parseErrors'][number];
  const offset = Number.isFinite(error.token.startOffset) ? error.token.startOffset : text.length;
  const prefix = parseUpTo(text.slice(0, offset), NESTING_LIMITS.xml + MAX_ERRORS);
  if (!prefix) throw new InputLimit(offset, `more than ${MAX_ERRORS} XML syntax errors from here`);
  return { ...prefix, parseErrors: [error, ...prefix.parseErrors] };
}

/**
 * Why the parser should not see this text: elements nested deeper than
 * `limit`, or more than `limit` closing tags that close nothing (each one a
 * recovery, and recoveries nest). Comments, CDATA, processing instructions,
 * declarations and quoted attribute values are skipped; a `<` that starts
 * no tag is text.
 */
export function xmlLimit(text: string, limit: number): InputLimit | undefined {
  let depth = 0;
  let stray = 0;
  const n = text.length;
  let i = text.indexOf('<');
  while (i !== -1 && i < n) {
    const next = text.charCodeAt(i + 1);
    if (text.startsWith('<!--', i)) i = skipPast(text, '-->', i + 4);
    else if (text.startsWith('<![CDATA[', i)) i = skipPast(text, ']]>', i + 9);
    else if (next === 63 /* ? */) i = skipPast(text, '?>', i + 2);
    else if (next === 33 /* ! */) i = skipPast(text, '>', i + 2);
    else if (next === 47 /* / */) {
      if (depth > 0) depth--;
      else if (++stray > limit) return new InputLimit(i, `more than ${limit} XML closing tags that close nothing`);
      i = skipPast(text, '>', i + 2);
    } else if (isNameStart(next)) {
      const start = i;
      // To the end of the tag, over quoted attribute values.
      let j = i + 1;
      let quote = 0;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (quote) {
          if (c === quote) quote = 0;
        } else if (c === 34 || c === 39) quote = c;
        else if (c === 62 /* > */ || c === 60 /* < */) break;
      }
      const selfClosing = j < n && text.charCodeAt(j) === 62 && text.charCodeAt(j - 1) === 47;
      if (!selfClosing && ++depth > limit) return tooDeep('xml', start);
      i = j < n && text.charCodeAt(j) === 62 ? j + 1 : j;
    } else i++;
    i = i >= n ? -1 : text.indexOf('<', i);
  }
  // The parser's lexer may not see the quotes this scan sees (a `"` inside a broken attribute value): count the tags as it could, too.
  return quoteBlindLimit(text, limit);
}

/** Elements nested deeper than `limit` when quotes are not taken into account (comments and CDATA still are). */
function quoteBlindLimit(text: string, limit: number): InputLimit | undefined {
  let depth = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (text.startsWith('<!--', i)) i = skipPast(text, '-->', i + 4) - 1;
    else if (text.startsWith('<![CDATA[', i)) i = skipPast(text, ']]>', i + 9) - 1;
    else if (next === 47 /* / */) {
      if (depth > 0) depth--;
    } else if (isNameStart(next)) {
      const close = text.indexOf('>', i);
      const lt = text.indexOf('<', i + 1);
      const selfClosing = close !== -1 && (lt === -1 || close < lt) && text.charCodeAt(close - 1) === 47;
      if (!selfClosing && ++depth > limit) return tooDeep('xml', i);
    }
  }
  return undefined;
}

function skipPast(text: string, end: string, from: number): number {
  const at = text.indexOf(end, from);
  return at === -1 ? text.length : at + end.length;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c > 127;
}
