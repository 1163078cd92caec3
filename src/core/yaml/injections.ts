import { isMap, isPair, isScalar, type Pair } from 'yaml';
import type { Injection } from './helm';
import type { ManifestFile } from './manifest';

/**
 * Template actions that print entries into a mapping (`{{- include
 * "app.probes" . | nindent 10 }}` among a container's keys), or into the
 * value of a key whose value is left empty in the template
 * (`annotations:` followed by `{{- include "app.checksums" . | nindent 8 }}`).
 * A rule that reports an absent field asks first: the field may be printed
 * there.
 */
export function injectionsInto(file: Pick<ManifestFile, 'injections' | 'masked' | 'lines'>, target: unknown): Injection[] {
  if (file.injections.length === 0 || target == null) return [];
  if (isPair(target)) return injectionsUnder(file, target as Pair<unknown, unknown>);
  if (!isMap(target) || target.flow || !target.range) return [];
  const lines = file.lines;
  const start = target.range[0];
  const first = lines.position(start);
  const column = first.character;
  const from = extendUp(file, first.line);
  const to = blockEnd(file, lines.position(Math.max(start, target.range[1] - 1)).line, column);
  return file.injections.filter((i) => {
    const at = lines.position(i.offset).line;
    return at >= from && at <= to && i.column === column;
  });
}

/** Injections printed under a key whose value is empty in the template. */
function injectionsUnder(file: Pick<ManifestFile, 'injections' | 'masked' | 'lines'>, pair: Pair<unknown, unknown>): Injection[] {
  const key = pair.key as { range?: [number, number, number] } | null;
  if (!key?.range) return [];
  const value = pair.value;
  if (isMap(value)) return injectionsInto(file, value);
  if (value != null && !(isScalar(value) && (value.value === null || value.value === ''))) return [];
  const lines = file.lines;
  const keyAt = lines.position(key.range[0]);
  const to = blockEnd(file, keyAt.line, keyAt.character + 1);
  return file.injections.filter((i) => {
    const at = lines.position(i.offset).line;
    return at > keyAt.line && at <= to && i.column > keyAt.character;
  });
}

function maskedLine(file: Pick<ManifestFile, 'masked' | 'lines'>, line: number): string {
  return file.masked.slice(file.lines.lineStart(line), file.lines.lineEnd(line));
}

/** The first line of a mapping's block: blank (masked) lines above its first key count, and a `- ` line of its item. */
function extendUp(file: Pick<ManifestFile, 'masked' | 'lines'>, line: number): number {
  let from = line;
  while (from > 0) {
    const above = maskedLine(file, from - 1);
    if (/^\s*$/.test(above)) from--;
    else {
      if (/^\s*(?:-\s*)+$/.test(above)) from--;
      break;
    }
  }
  return from;
}

/** The last line of the block that starts at or before `line` and holds content at `column` or further right. */
function blockEnd(file: Pick<ManifestFile, 'masked' | 'lines'>, line: number, column: number): number {
  let last = line;
  for (let next = line + 1; next < file.lines.lineCount; next++) {
    const text = maskedLine(file, next);
    const indent = /^[ \t]*/.exec(text)![0].length;
    if (indent === text.length || text[indent] === '#') continue;
    if (indent < column || text.startsWith('---') || text.startsWith('...')) break;
    last = next;
  }
  // Blank lines after the last content line still belong to the block (an injection at its end).
  for (let next = last + 1; next < file.lines.lineCount; next++) {
    const text = maskedLine(file, next);
    if (!/^\s*$/.test(text)) break;
    last = next;
  }
  return last;
}
