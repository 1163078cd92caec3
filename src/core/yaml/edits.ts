import { isMap, isScalar, type YAMLMap } from 'yaml';
import type { TextEdit } from '../model';
import type { LineIndex } from '../text';
import { span } from './nodes';

/**
 * Text edits on YAML source that keep the file's own layout: entries are
 * inserted as block lines at the indentation of their siblings, with the
 * file's line ending. Flow collections (`{…}`, `[…]`) are left alone — the
 * caller offers no mechanical fix for them.
 */

export function replaceValue(lines: LineIndex, node: unknown, newText: string): TextEdit | undefined {
  const s = span(node);
  if (!s) return undefined;
  return { range: lines.range(s[0], s[1]), newText };
}

/** Column of the first key of a block mapping. */
function keyColumn(lines: LineIndex, map: YAMLMap): number | undefined {
  const first = map.items[0];
  const s = first ? span(first.key) : undefined;
  return s ? lines.position(s[0]).character : undefined;
}

/**
 * Appends entries to a block mapping. `entry` lines are relative: the first
 * line sits at the mapping's key column, deeper lines keep their extra spaces.
 */
export function appendEntries(lines: LineIndex, map: unknown, entry: string[]): TextEdit | undefined {
  if (!isMap(map) || map.flow || map.items.length === 0) return undefined;
  const column = keyColumn(lines, map);
  const last = map.items[map.items.length - 1]!;
  const lastSpan = span(last.value) ?? span(last.key);
  if (column === undefined || !lastSpan) return undefined;
  let end = lastSpan[1];
  // Block scalars end after their final newline; anchor on the line they end on.
  while (end > 0 && (lines.text[end - 1] === '\n' || lines.text[end - 1] === '\r')) end--;
  const line = lines.position(end).line;
  const indent = ' '.repeat(column);
  const body = entry.map((l) => indent + l).join(lines.eol) + lines.eol;
  if (line + 1 >= lines.lineCount) {
    const at = lines.text.length;
    const prefix = lines.text.endsWith('\n') ? '' : lines.eol;
    return { range: lines.range(at, at), newText: prefix + body };
  }
  const at = lines.lineStart(line + 1);
  return { range: lines.range(at, at), newText: body };
}

/**
 * Adds `entry` under `parent.key`, creating the `key:` mapping when it is
 * missing. Returns undefined when `key` exists but is not a block mapping.
 */
export function appendUnder(lines: LineIndex, parent: unknown, key: string, entry: string[], get: (node: unknown, key: string) => unknown): TextEdit | undefined {
  const child = get(parent, key);
  if (child === undefined) return appendEntries(lines, parent, [`${key}:`, ...entry.map((l) => `  ${l}`)]);
  if (isMap(child)) return appendEntries(lines, child, entry);
  return undefined;
}

/** YAML plain-or-quoted rendering of a scalar string for inserted text. */
export function yamlString(value: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(value) && !/^(true|false|null|yes|no|on|off|~|[-+]?[0-9.]+)$/i.test(value) ? value : JSON.stringify(value);
}

export function isBlockMap(node: unknown): node is YAMLMap {
  return isMap(node) && !node.flow;
}

export { isScalar };
