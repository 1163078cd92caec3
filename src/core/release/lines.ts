import type { Range } from '../model';
import type { Hunk } from './model';

/**
 * Line hunks between two texts in the shape `git diff -U0` prints, for
 * callers without git: the editor's unsaved buffers and tests. Myers'
 * O(ND) diff over interned lines, after trimming the common prefix and
 * suffix; past `maxEdits` differences the middle becomes one hunk (it is
 * all changed for the purpose of "is this line in the change").
 */
export function lineHunks(base: string, head: string, maxEdits = 2000): Hunk[] {
  const a = splitLines(base);
  const b = splitLines(head);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const aMid = a.slice(prefix, a.length - suffix);
  const bMid = b.slice(prefix, b.length - suffix);
  if (aMid.length === 0 && bMid.length === 0) return [];

  const ids = new Map<string, number>();
  const intern = (line: string) => {
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = ids.size));
    return id;
  };
  const x = aMid.map(intern);
  const y = bMid.map(intern);
  const script = myers(x, y, maxEdits);
  if (!script) return [toHunk(prefix, aMid.length, prefix, bMid.length)];

  // Walk the edit script, grouping consecutive deletions/insertions into hunks.
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let k = 0;
  while (k < script.length) {
    if (script[k] === '=') {
      i++;
      j++;
      k++;
      continue;
    }
    const startI = i;
    const startJ = j;
    while (k < script.length && script[k] !== '=') {
      if (script[k] === '-') i++;
      else j++;
      k++;
    }
    hunks.push(toHunk(prefix + startI, i - startI, prefix + startJ, j - startJ));
  }
  return hunks;
}

/** git's numbering: a hunk that removes or adds nothing on a side starts at the line before it. */
function toHunk(oldFrom: number, oldCount: number, newFrom: number, newCount: number): Hunk {
  return {
    oldStart: oldCount === 0 ? oldFrom : oldFrom + 1,
    oldLines: oldCount,
    newStart: newCount === 0 ? newFrom : newFrom + 1,
    newLines: newCount,
  };
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Shortest edit script ('=' keep, '-' delete from x, '+' insert from y), or undefined past `max` edits. */
function myers(x: readonly number[], y: readonly number[], max: number): string[] | undefined {
  const n = x.length;
  const m = y.length;
  const offset = n + m;
  const v = new Int32Array(2 * offset + 2);
  const trace: Int32Array[] = [];
  const limit = Math.min(offset, max);
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let px: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) px = v[offset + k + 1]!;
      else px = v[offset + k - 1]! + 1;
      let py = px - k;
      while (px < n && py < m && x[px] === y[py]) {
        px++;
        py++;
      }
      v[offset + k] = px;
      if (px >= n && py >= m) return backtrack(trace, x.length, y.length, offset, d);
    }
  }
  return undefined;
}

function backtrack(trace: Int32Array[], n: number, m: number, offset: number, depth: number): string[] {
  const script: string[] = [];
  let px = n;
  let py = m;
  for (let d = depth; d > 0; d--) {
    const v = trace[d]!;
    const k = px - py;
    const prevK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (px > prevX && py > prevY) {
      script.push('=');
      px--;
      py--;
    }
    script.push(prevK === k + 1 ? '+' : '-');
    px = prevX;
    py = prevY;
  }
  while (px > 0 && py > 0) {
    script.push('=');
    px--;
    py--;
  }
  return script.reverse();
}

/** Head lines a set of hunks adds or changes, as 0-based inclusive ranges. */
export function changedLineRanges(hunks: readonly Hunk[]): [number, number][] {
  return hunks.filter((h) => h.newLines > 0).map((h) => [h.newStart - 1, h.newStart + h.newLines - 2] as [number, number]);
}

export function touchesLines(range: Range, lines: readonly (readonly [number, number])[]): boolean {
  return lines.some(([from, to]) => range.start.line <= to && range.end.line >= from);
}
