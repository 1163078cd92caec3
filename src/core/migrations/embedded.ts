import type { Node } from 'web-tree-sitter';
import type { RollbackGuardConfig } from '../config';
import type { Op } from '../sql/ops';
import { analyzeSql, relocate, type Dialect } from '../sql/sql';
import { kids } from './treeSitter';

/**
 * SQL written inside a string of another language (`op.execute("…")`,
 * `execute <<~SQL`, `queryRunner.query(\`…\`)`): its text, and a map from
 * offsets in that text back to the file, so findings land on the statement.
 */
export interface Embedded {
  text: string;
  map(offset: number): number;
}

interface Piece {
  cooked: number;
  file: number;
  /** Escapes map every cooked character to the escape's start. */
  escape: boolean;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };

function cook(escape: string): string {
  const c = escape[1] ?? '';
  return ESCAPES[c] ?? c;
}

/**
 * Builds the embedded text from a string node's children: text fragments
 * map one to one, escape sequences are decoded. Returns undefined when the
 * string interpolates code (f-strings, `${}`, `#{}`), which cannot be read.
 */
export function embeddedString(node: Node, fragmentTypes: readonly string[], escapeType = 'escape_sequence'): Embedded | undefined {
  const pieces: Piece[] = [];
  let text = '';
  let sawContent = false;
  for (const child of kids(node)) {
    if (fragmentTypes.includes(child.type)) {
      pieces.push({ cooked: text.length, file: child.startIndex, escape: false });
      text += child.text;
      sawContent = true;
      // Fragments may contain escapes as children (tree-sitter-python).
      const inner = kids(child).filter((k) => k.type === escapeType);
      if (inner.length > 0) return embeddedWithEscapes(child, inner);
    } else if (child.type === escapeType) {
      pieces.push({ cooked: text.length, file: child.startIndex, escape: true });
      text += cook(child.text);
    } else if (!/^(string_start|string_end|heredoc_end|heredoc_beginning)$/.test(child.type)) {
      return undefined;
    }
  }
  if (!sawContent && text === '') return { text: '', map: () => node.startIndex };
  return toEmbedded(text, pieces, node.endIndex);
}

function embeddedWithEscapes(fragment: Node, escapes: Node[]): Embedded {
  const pieces: Piece[] = [];
  let text = '';
  let at = fragment.startIndex;
  const raw = fragment.text;
  for (const e of escapes) {
    if (e.startIndex > at) {
      pieces.push({ cooked: text.length, file: at, escape: false });
      text += raw.slice(at - fragment.startIndex, e.startIndex - fragment.startIndex);
    }
    pieces.push({ cooked: text.length, file: e.startIndex, escape: true });
    text += cook(e.text);
    at = e.endIndex;
  }
  if (at < fragment.endIndex) {
    pieces.push({ cooked: text.length, file: at, escape: false });
    text += raw.slice(at - fragment.startIndex);
  }
  return toEmbedded(text, pieces, fragment.endIndex);
}

function toEmbedded(text: string, pieces: Piece[], end: number): Embedded {
  return {
    text,
    map(offset) {
      if (offset >= text.length) return end;
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (pieces[mid]!.cooked <= offset) lo = mid;
        else hi = mid - 1;
      }
      const piece = pieces[lo];
      if (!piece) return end;
      return piece.escape ? piece.file : piece.file + (offset - piece.cooked);
    },
  };
}

export interface EmbeddedProblem {
  offset: number;
  message: string;
}

/** Parses embedded SQL and moves its ops and problem into file offsets. */
export function embeddedSql(embedded: Embedded, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): Op[] {
  if (embedded.text.trim() === '') return [];
  const sql = analyzeSql(embedded.text, dialect);
  if (sql.problem) problems.push({ offset: embedded.map(sql.problem.offset), message: `SQL in this string: ${sql.problem.message}` });
  return relocate(sql.ops, (o) => embedded.map(o));
}

export type { Dialect, RollbackGuardConfig };
