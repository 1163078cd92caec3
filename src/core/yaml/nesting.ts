import { Composer, Lexer, Parser, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import { InputLimit, NESTING_LIMITS, tooDeep } from '../limits';

/**
 * The `yaml` package parses with an explicit stack of open nodes but
 * closes them, and composes documents, recursively: a file nested deeply
 * enough exhausts the call stack (and not only well-formed nesting: some
 * malformed input makes every line a new nested mapping). These readers
 * feed the package's own lexer, parser and composer as its
 * parseAllDocuments does, and stop with an InputLimit as soon as the
 * parser's stack holds more than NESTING_LIMITS.yaml collections — before
 * anything recurses that deep. They also stop past MAX_YAML_ERRORS syntax
 * errors.
 */
const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * Syntax errors past which a text is not read: the composer spends some
 * microseconds on each, and a long line of debris gives one per token
 * (tens of thousands in a few dozen KB). Nothing after the first one is
 * analysed anyway.
 */
export const MAX_YAML_ERRORS = 10_000;

type Options = ParseOptions & DocumentOptions & SchemaOptions;

/** The parser's tokens, stopping at the first collection past the bound. */
function* bounded(parser: Parser, text: string): Generator<ReturnType<Parser['next']> extends Generator<infer T> ? T : never> {
  const limit = NESTING_LIMITS.yaml;
  let errors = 0;
  let firstError = 0;
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) {
      if (token.type === 'error') {
        if (errors === 0) firstError = token.offset;
        if (++errors > MAX_YAML_ERRORS) throw new InputLimit(firstError, `more than ${MAX_YAML_ERRORS.toLocaleString('en-US')} YAML syntax errors from here`);
      }
      yield token;
    }
    // The stack also holds the document and the scalar being read: count collections once it could be past the bound.
    if (parser.stack.length > limit && parser.stack.filter((t) => COLLECTIONS.has(t.type)).length > limit) {
      throw tooDeep('yaml', Math.max(0, parser.offset - lexeme.length));
    }
  }
  yield* parser.end();
}

/** parseAllDocuments of `yaml` (without pretty errors), bounded in nesting. */
export function parseAllDocumentsBounded(text: string, options: Options = {}): Document.Parsed[] {
  const composer = new Composer(options);
  return Array.from(composer.compose(bounded(new Parser(), text))) as Document.Parsed[];
}

/** Throws InputLimit when the text nests past the bound; for the readers that call `yaml` themselves. */
export function checkYamlNesting(text: string): void {
  const parser = new Parser();
  for (const token of bounded(parser, text)) void token;
}

/** True when the text stays within the bound (see checkYamlNesting). */
export function withinYamlNesting(text: string): boolean {
  try {
    checkYamlNesting(text);
    return true;
  } catch (error) {
    if (error instanceof InputLimit) return false;
    throw error;
  }
}
