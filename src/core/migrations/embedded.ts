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
  /**
   * Interpolated code (`{FLAG}`, `${table}`, `#{name}`), each stood in for by
   * a name of the same length at `start` in `text`, so the SQL around it
   * parses and every range stays exact; `source` is the code as written.
   */
  holes?: Hole[];
}

export interface Hole {
  start: number;
  stand: string;
  source: string;
}

const INTERPOLATIONS = /^(interpolation|template_substitution)$/;

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
export function embeddedString(node: Node, fragmentTypes: readonly string[], escapeType = 'escape_sequence', withHoles = false): Embedded | undefined {
  const pieces: Piece[] = [];
  const holes: Hole[] = [];
  let text = '';
  let sawContent = false;
  for (const child of kids(node)) {
    if (withHoles && INTERPOLATIONS.test(child.type)) {
      // A name as long as the interpolation: x0__, x1___, …
      const n = holes.length;
      const stand = `x${n}`.padEnd(Math.max(child.text.length, `x${n}`.length), '_');
      holes.push({ start: text.length, stand, source: child.text });
      pieces.push({ cooked: text.length, file: child.startIndex, escape: stand.length !== child.text.length });
      text += stand;
      sawContent = true;
    } else if (fragmentTypes.includes(child.type)) {
      pieces.push({ cooked: text.length, file: child.startIndex, escape: false });
      text += child.text;
      sawContent = true;
      // Fragments may contain escapes as children (tree-sitter-python).
      const inner = kids(child).filter((k) => k.type === escapeType);
      if (inner.length > 0 && holes.length === 0 && kids(node).filter((k) => fragmentTypes.includes(k.type)).length === 1) return embeddedWithEscapes(child, inner);
      if (inner.length > 0) return undefined;
      // tree-sitter-python puts interpolations inside the string content.
      const nested = kids(child).filter((k) => INTERPOLATIONS.test(k.type));
      if (nested.length > 0) {
        if (!withHoles) return undefined;
        text = text.slice(0, text.length - child.text.length);
        pieces.pop();
        let at = child.startIndex;
        for (const h of nested) {
          if (h.startIndex > at) {
            pieces.push({ cooked: text.length, file: at, escape: false });
            text += child.text.slice(at - child.startIndex, h.startIndex - child.startIndex);
          }
          const k = holes.length;
          const stand = `x${k}`.padEnd(Math.max(h.text.length, `x${k}`.length), '_');
          holes.push({ start: text.length, stand, source: h.text });
          pieces.push({ cooked: text.length, file: h.startIndex, escape: stand.length !== h.text.length });
          text += stand;
          at = h.endIndex;
        }
        if (at < child.endIndex) {
          pieces.push({ cooked: text.length, file: at, escape: false });
          text += child.text.slice(at - child.startIndex);
        }
      }
    } else if (child.type === escapeType) {
      pieces.push({ cooked: text.length, file: child.startIndex, escape: true });
      text += cook(child.text);
    } else if (!/^(string_start|string_end|heredoc_end|heredoc_beginning)$/.test(child.type)) {
      return undefined;
    }
  }
  if (!sawContent && text === '') return { text: '', map: () => node.startIndex };
  const embedded = toEmbedded(text, pieces, node.endIndex);
  return holes.length > 0 ? { ...embedded, holes } : embedded;
}

/** Adjacent literals the language joins (`'ALTER TABLE a' ' RENAME TO b'` in Python, `'a' + 'b'` in JavaScript): one text, each part mapped to its own place. */
export function joinEmbedded(parts: readonly Embedded[]): Embedded {
  let text = '';
  const starts: number[] = [];
  const holes: Hole[] = [];
  for (const p of parts) {
    starts.push(text.length);
    for (const h of p.holes ?? []) holes.push({ ...h, start: h.start + text.length });
    text += p.text;
  }
  return {
    text,
    map(offset) {
      let i = starts.length - 1;
      while (i > 0 && starts[i]! > offset) i--;
      const part = parts[i];
      return part ? part.map(offset - starts[i]!) : 0;
    },
    ...(holes.length > 0 ? { holes } : {}),
  };
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
  /** Nothing in the file was analysed (a dialect that is not parsed): said without "from here". */
  whole?: boolean;
}

/**
 * Parses embedded SQL and moves its ops and problem into file offsets. SQL
 * with interpolations is read with a name standing in for each (names the
 * code computes), else with nothing there (keywords it adds, like `IF NOT
 * EXISTS`); names that were stood in for are given back as the code wrote
 * them. When neither reads, the note says the SQL is built by code.
 */
export function embeddedSql(embedded: Embedded, dialect: Dialect | 'auto', problems: EmbeddedProblem[]): Op[] {
  if (embedded.text.trim() === '') return [];
  const holes = embedded.holes ?? [];
  let sql = analyzeSql(embedded.text, dialect);
  if (sql.problem && holes.length > 0) {
    let blank = embedded.text;
    for (const h of holes) blank = blank.slice(0, h.start) + ' '.repeat(h.stand.length) + blank.slice(h.start + h.stand.length);
    const without = analyzeSql(blank, dialect);
    if (!without.problem) sql = without;
  }
  if (sql.problem) {
    const built = holes.length > 0 ? ` (SQL built with ${holes.map((h) => h.source).join(', ')})` : '';
    problems.push({ offset: embedded.map(sql.problem.offset), message: `SQL in this string: ${sql.problem.message}${built}`, ...(sql.problem.whole ? { whole: true } : {}) });
  }
  const ops = relocate(sql.ops, (o) => embedded.map(o));
  if (holes.length > 0) for (const op of ops) restoreNames(op, holes);
  return ops;
}

/** Puts the interpolated code back where a stand-in name ended up in an operation (a table, a column). */
function restoreNames(op: Op, holes: readonly Hole[]): void {
  const record = op as unknown as Record<string, unknown>;
  for (const field of ['table', 'column', 'to', 'name', 'type', 'value']) {
    const value = record[field];
    if (typeof value !== 'string') continue;
    let out = value;
    for (const h of holes) if (out.includes(h.stand)) out = out.split(h.stand).join(`\`${h.source}\``);
    record[field] = out;
  }
  for (const field of ['columns', 'tables', 'reads']) {
    const value = record[field];
    if (!Array.isArray(value)) continue;
    record[field] = value.map((v) => {
      let out = String(v);
      for (const h of holes) if (out.includes(h.stand)) out = out.split(h.stand).join(`\`${h.source}\``);
      return out;
    });
  }
}

export type { Dialect, RollbackGuardConfig };
