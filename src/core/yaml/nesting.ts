import { Lexer } from 'yaml';
import { NESTING_LIMITS, tooDeep } from '../limits';

/**
 * The `yaml` package parses and composes recursively, one level per nested
 * collection, and so do the readers of what it returns: a file nested deeper
 * than NESTING_LIMITS.yaml is not parsed (see limits.ts). Throws InputLimit
 * at the collection that goes past the bound.
 */
export function checkYamlNesting(text: string): void {
  const at = yamlNestingBeyond(text, NESTING_LIMITS.yaml);
  if (at !== -1) throw tooDeep('yaml', at);
}

/** Where collections first nest deeper than `limit`, or -1. */
export function yamlNestingBeyond(text: string, limit: number): number {
  return roughBound(text) <= limit ? -1 : lexedBeyond(text, limit);
}

/**
 * An upper bound on the nesting, in one pass over the characters: a nested
 * block collection starts further right than its parent (but a sequence
 * may be a mapping value at the same column), and flow collections nest by
 * brackets. Files that stay below the limit this way — nearly all — are not
 * lexed a second time.
 */
function roughBound(text: string): number {
  let column = 0;
  let content = false;
  let widest = 0;
  let flow = 0;
  let deepestFlow = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      column = 0;
      content = false;
      continue;
    }
    if (!content) {
      // Indentation and compact indicators (`- - x`, `? - x`) all count as columns.
      if (c === 32 || c === 45 || c === 63 || c === 58 || c === 9) {
        column++;
        continue;
      }
      content = true;
      if (column > widest) widest = column;
    }
    if (c === 91 || c === 123) {
      if (++flow > deepestFlow) deepestFlow = flow;
    } else if ((c === 93 || c === 125) && flow > 0) flow--;
  }
  if (!content && column > widest) widest = column;
  return 2 * (widest + 1) + deepestFlow;
}

const MARKERS = new Set(['\x02', '\x18', '\x1f']);
const SPACE = /^[ \t]*$/;

/** The nesting as the `yaml` lexer's tokens show it (quoted and block scalars are single tokens). */
function lexedBeyond(text: string, limit: number): number {
  const blocks: { column: number; seq: boolean }[] = [];
  let flow = 0;
  let offset = 0;
  let lineStart = 0;
  /** Column of the first node on the line after its indicators: where a mapping key starts. */
  let nodeColumn = -1;
  let afterIndicator = true;
  const open = (column: number, seq: boolean): boolean => {
    while (blocks.length > 0 && blocks[blocks.length - 1]!.column > column) blocks.pop();
    const top = blocks[blocks.length - 1];
    if (top && top.column === column) {
      if (top.seq === seq) return false;
      const below = blocks[blocks.length - 2];
      if (below && below.column === column && below.seq === seq) {
        blocks.pop();
        return false;
      }
    }
    blocks.push({ column, seq });
    return blocks.length + flow > limit;
  };
  for (const token of new Lexer().lex(text)) {
    if (token.length === 1 && MARKERS.has(token)) continue;
    const at = offset;
    offset += token.length;
    const column = at - lineStart;
    const first = token.charCodeAt(0);
    if (token === '\n' || token === '\r\n') {
      lineStart = offset;
      nodeColumn = -1;
      afterIndicator = true;
      continue;
    }
    if ((first === 32 || first === 9) && SPACE.test(token)) continue;
    if (first === 35 /* # */) continue;
    if ((token === '---' || token === '...') && column === 0) {
      blocks.length = 0;
      flow = 0;
      continue;
    }
    if (token === '[' || token === '{') {
      if (afterIndicator) nodeColumn = column;
      afterIndicator = false;
      if (blocks.length + ++flow > limit) return at;
      continue;
    }
    if (token === ']' || token === '}') {
      if (flow > 0) flow--;
      continue;
    }
    if (flow === 0 && (token === '-' || token === '?')) {
      if (open(column, token === '-')) return at;
      afterIndicator = true;
      continue;
    }
    if (flow === 0 && token === ':') {
      if (open(nodeColumn === -1 ? column : nodeColumn, false)) return at;
      afterIndicator = true;
      continue;
    }
    if (afterIndicator) nodeColumn = column;
    afterIndicator = false;
    // A block scalar's body (or a multi-line scalar) ends on a later line.
    const lastBreak = token.lastIndexOf('\n');
    if (lastBreak !== -1) lineStart = at + lastBreak + 1;
  }
  return -1;
}
