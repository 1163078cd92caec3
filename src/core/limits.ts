/**
 * Bounds on what one file may ask of the readers. Every parser and walker
 * the engine uses recurses once per level of nesting (the `yaml` package,
 * the XML parser, the MySQL parser, the walks over tree-sitter trees), so
 * input nested deeply enough exhausts the stack — and V8 may even abort the
 * process when that happens inside a regular expression compile. Nesting is
 * therefore measured before a reader recurses into it, and input beyond the
 * bound is not read: the file gets a note saying so.
 *
 * The bounds sit far above hand-written files (a deep CRD schema nests some
 * 60 YAML levels, a Liquibase changelog 10 XML levels) and far below what
 * exhausts the default 1 MB stack (about 1,800 YAML levels, 370 XML levels,
 * 700 parentheses for the MySQL parser, several thousand tree levels).
 */
export const NESTING_LIMITS = {
  yaml: 256,
  xml: 100,
  sql: 200,
  syntaxTree: 1000,
} as const;

export type NestingKind = keyof typeof NESTING_LIMITS;

const WHAT: Record<NestingKind, string> = {
  yaml: 'YAML collections',
  xml: 'XML elements',
  sql: 'parentheses',
  syntaxTree: 'syntax tree levels',
};

/**
 * Input a reader declines with a reason: the engine turns it into a
 * not-analysed note at `offset` (not a failure of the tool).
 */
export class InputLimit extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
    this.name = 'InputLimit';
  }
}

/** "nesting deeper than 256 YAML collections". */
export function nestingMessage(kind: NestingKind): string {
  return `nesting deeper than ${NESTING_LIMITS[kind]} ${WHAT[kind]}`;
}

export function tooDeep(kind: NestingKind, offset: number): InputLimit {
  return new InputLimit(offset, nestingMessage(kind));
}

/**
 * Where `(`, `[` and `{` first nest deeper than `limit`, counting every
 * bracket (in strings and comments too), or -1. An upper bound on any
 * language's bracket nesting, in one pass: a reader that knows its strings
 * confirms it only when this says -1 is not certain.
 */
export function bracketsBeyond(text: string, limit: number, from = 0, to = text.length): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      if (++depth > limit) return i;
    } else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
  }
  return -1;
}

/**
 * Where parentheses in SQL first nest deeper than `limit`, or -1; quoted
 * strings and identifiers and comments are skipped.
 */
export function sqlParensBeyond(text: string, limit: number): number {
  if (bracketsBeyond(text, limit) === -1) return -1;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 39 || c === 34 || c === 96) {
      // '…', "…", `…` (a doubled or backslashed quote stays inside).
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92 && c !== 96) j += 2;
        else if (d === c) {
          if (text.charCodeAt(j + 1) === c) j += 2;
          else break;
        } else j++;
      }
      i = j;
    } else if (c === 45 && text.charCodeAt(i + 1) === 45) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? n : end;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 1;
    } else if (c === 40) {
      if (++depth > limit) return i;
    } else if (c === 41 && depth > 0) depth--;
  }
  return -1;
}
