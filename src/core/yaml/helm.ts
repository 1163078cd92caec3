/**
 * Masks Go-template actions (`{{ … }}`) in Helm templates so the YAML parser
 * sees plain YAML with every offset unchanged (only characters are replaced,
 * never added or removed, and newlines stay where they are).
 *
 * What an action becomes depends on where it stands, as Helm's output would:
 * - an action that prints nothing (comment, `if`/`end`, `$x := …`) becomes spaces;
 * - of an `if … else … end`, only the first branch is kept: the others are
 *   alternatives, and keeping both gives invalid YAML (`stringData:` and `data:`);
 * - an action alone on its line, or the whole value of a `key:` / `- ` line
 *   followed by more-indented lines, injects lines (`include … | nindent 4`):
 *   it becomes spaces and is remembered as an injection, so a rule that
 *   looks for an absent field can tell that the field may come from there;
 * - any other printing action is a run of `_` (a plain scalar character);
 * - inside a block scalar (`key: |`), a line of actions becomes text at the
 *   scalar's indentation, so the scalar keeps its content lines;
 * - a value made of actions and quoted literals becomes one opaque scalar.
 *
 * Every step is linear in the length of the text.
 */
export interface MaskedTemplate {
  text: string;
  /** `[start, end)` offsets of every masked action in the original text. */
  spans: [number, number][];
  /** Set when an action is never closed; the text after it is not analysed. */
  unterminatedAt?: number;
  /** Actions that print lines into the mapping around them. */
  injections: Injection[];
  /** Lines whose text was moved left (see `originalOffset`). */
  shifts: Shift[];
}

/** Masked offsets in `[start, end)` hold the text of the original offset plus `delta`. */
export interface Shift {
  start: number;
  end: number;
  delta: number;
}

/** The offset in the original text of what the masked text holds at `offset`. */
export function originalOffset(shifts: readonly Shift[], offset: number): number {
  if (shifts.length === 0) return offset;
  let lo = 0;
  let hi = shifts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = shifts[mid]!;
    if (offset < s.start) hi = mid - 1;
    else if (offset >= s.end) lo = mid + 1;
    else return offset + s.delta;
  }
  return offset;
}

/** An action that prints YAML lines (`{{- include "app.labels" . | nindent 4 }}`). */
export interface Injection {
  /** Offset of the action in the text. */
  offset: number;
  /** Offset just past the action. */
  end: number;
  /** Column where the printed lines start: the `nindent`/`indent` width, else where they go. */
  column: number;
  /** Printed by a named template (`include`, `template`, `tpl`) rather than from values. */
  helper: boolean;
  /** The entries it prints, when they are literal: `toYaml $x` with `$x := dict "k" "v"`. */
  entries?: { key: string; value: string }[];
}

const FILLER = '_';

export function hasTemplateActions(text: string): boolean {
  return text.includes('{{');
}

type ActionKind = 'output' | 'silent';

interface Action {
  start: number;
  end: number;
  kind: ActionKind;
  /** Control keyword (`if`, `else`, `end`, `range`, `with`, `define`, `block`), if any. */
  keyword?: string;
}

const CONTROL = /^(if|else|end|range|with|define|block|break|continue)\b/;
const ASSIGNMENT = /^\$\w*\s*:?=/;

/** Offset of the first character after `{{` and an optional trim marker and spaces. */
function bodyStart(text: string, at: number): number {
  let i = at + 2;
  if (text[i] === '-' && (text[i + 1] === ' ' || text[i + 1] === '\t' || text[i + 1] === '\n' || text[i + 1] === '\r')) i++;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i;
}

/**
 * Offset just past the `}}` that closes the action opened at `at`, as Go's
 * template lexer reads it: `"…"` strings (one line), `` `…` `` raw strings
 * (any lines) and `'…'` characters hide a `}}`; a comment starts only right
 * after the opening delimiter. When that reading finds no end (a `\"` the
 * YAML quoting added, a stray quote), the first `}}` ends the action.
 *
 * `scans` keeps that linear over a whole file: the reading is the same from
 * any offset it passes outside a string, so a reading that reaches an offset
 * where an earlier one passed and found no end finds none either.
 */
function actionEnd(text: string, at: number, scans: Scans): number {
  const body = bodyStart(text, at);
  if (text.startsWith('/*', body)) {
    const close = scans.next('*/', body + 2);
    if (close !== -1) {
      const end = text.indexOf('}}', close + 2);
      if (end !== -1) return end + 2;
    }
    return naiveEnd(text, at);
  }
  const scan = scans.begin();
  let i = at + 2;
  while (i < text.length) {
    if (scans.reached(scan, i, at)) break;
    const ch = text[i];
    if (ch === '}' && text[i + 1] === '}') return i + 2;
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      if (text[i] !== '"') break;
    } else if (ch === '`') {
      const close = scans.next('`', i + 1);
      if (close === -1) break;
      i = close;
    } else if (ch === "'") {
      // A character constant ('a', '\n'); a lone quote is just a character.
      const close = text.indexOf("'", i + 1);
      if (close !== -1 && close - i <= 12 && !text.slice(i + 1, close).includes('\n')) i = close;
    } else if (ch === '\n' && text[i + 1] === '{' && text[i + 2] === '{') {
      // A new action at the start of the next line: this one was never closed on its way.
      break;
    }
    i++;
  }
  scans.failed(scan);
  return naiveEnd(text, at);
}

/** What the readings of one file's actions share (see actionEnd). */
class Scans {
  /** Which reading passed each offset (from LONG characters into it), when one did. */
  private passedBy: Uint32Array | undefined;
  private readonly failures = new Set<number>();
  private count = 0;
  /** Per searched string: the last search's start and result, reused while the start stays before the result. */
  private readonly found = new Map<string, { from: number; at: number }>();
  private static readonly LONG = 256;

  constructor(private readonly text: string) {}

  begin(): number {
    return ++this.count;
  }

  /** Reading `scan` (of the action at `at`) is at `offset`, outside a string: true when a reading that found no end passed here. */
  reached(scan: number, offset: number, at: number): boolean {
    if (offset - at < Scans.LONG) return false;
    const passedBy = (this.passedBy ??= new Uint32Array(this.text.length));
    const by = passedBy[offset]!;
    if (by !== 0 && this.failures.has(by)) return true;
    passedBy[offset] = scan;
    return false;
  }

  failed(scan: number): void {
    this.failures.add(scan);
  }

  /** text.indexOf(search, from), without searching the same stretch twice. */
  next(search: string, from: number): number {
    const last = this.found.get(search);
    if (last && last.from <= from && (last.at === -1 || from <= last.at)) return last.at;
    const at = this.text.indexOf(search, from);
    this.found.set(search, { from, at });
    return at;
  }
}

function naiveEnd(text: string, at: number): number {
  const end = text.indexOf('}}', at + 2);
  return end === -1 ? -1 : end + 2;
}

function classify(text: string, start: number, end: number): Pick<Action, 'kind' | 'keyword'> {
  const body = bodyStart(text, start);
  if (text.startsWith('/*', body)) return { kind: 'silent' };
  const head = text.slice(body, Math.min(end, body + 16));
  const control = CONTROL.exec(head);
  if (control) return { kind: 'silent', keyword: control[1] };
  if (ASSIGNMENT.test(head)) return { kind: 'silent' };
  return { kind: 'output' };
}

function findActions(text: string): { actions: Action[]; unterminatedAt?: number } {
  const actions: Action[] = [];
  const scans = new Scans(text);
  let at = text.indexOf('{{');
  while (at !== -1) {
    const end = actionEnd(text, at, scans);
    if (end === -1) {
      actions.push({ start: at, end: text.length, kind: 'silent' });
      return { actions, unterminatedAt: at };
    }
    actions.push({ start: at, end, ...classify(text, at, end) });
    at = text.indexOf('{{', end);
  }
  return { actions };
}

/** Where each line starts, and the line of an offset. */
class Lines {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  get count(): number {
    return this.starts.length;
  }
  /** Offset of the line's `\n` (or the end of the text). */
  end(line: number): number {
    const next = this.starts[line + 1];
    return next === undefined ? this.text.length : next - 1;
  }
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * Regions of the text that are alternatives or definitions, not output where
 * they stand: every branch of an `if`/`with`/`range` but one (the first that
 * holds literal text), a `define` body, and a one-line
 * `{{ if … }}key: value{{ end }}` at the start of a line (its key would sit
 * at the wrong column once the `if` is blank).
 */
function droppedRegions(text: string, actions: readonly Action[], lines: Lines): [number, number][] {
  // Literal (non-blank, outside any action) characters before each offset.
  const literal = new Int32Array(text.length + 1);
  let next = 0;
  for (let i = 0; i < text.length; i++) {
    const inAction = next < actions.length && i >= actions[next]!.start;
    if (inAction && i === actions[next]!.end - 1) next++;
    const ch = text[i];
    literal[i + 1] = literal[i]! + (inAction || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' ? 0 : 1);
  }
  const hasLiteral = (s: number, e: number) => literal[e]! > literal[s]!;

  const out: [number, number][] = [];
  const stack: { keyword: string; action: Action; elses: Action[] }[] = [];
  for (const action of actions) {
    const keyword = action.keyword;
    if (!keyword) continue;
    if (keyword === 'if' || keyword === 'with' || keyword === 'range' || keyword === 'define' || keyword === 'block') {
      stack.push({ keyword, action, elses: [] });
    } else if (keyword === 'else') {
      stack.at(-1)?.elses.push(action);
    } else if (keyword === 'end') {
      const open = stack.pop();
      if (!open) continue;
      if (open.keyword === 'define') {
        out.push([open.action.start, action.end]);
      } else if (open.elses.length > 0) {
        // Branches: [open.end, else1.start), [else1.end, else2.start), …, [elseN.end, end.start).
        const bounds = [open.action, ...open.elses, action];
        let kept = 0;
        while (kept < bounds.length - 1 && !hasLiteral(bounds[kept]!.end, bounds[kept + 1]!.start)) kept++;
        if (kept === bounds.length - 1) kept = 0;
        if (kept > 0) out.push([open.action.end, bounds[kept]!.end]);
        if (kept + 1 < bounds.length - 1) out.push([bounds[kept + 1]!.start, action.start]);
      } else if (open.keyword !== 'block' && startsLineWithContent(text, open.action, action, lines, hasLiteral)) {
        out.push([open.action.start, action.end]);
      }
    }
  }
  out.sort((x, y) => x[0] - y[0]);
  // Nested regions merge into the outer one.
  const merged: [number, number][] = [];
  for (const region of out) {
    const last = merged.at(-1);
    if (last && region[0] <= last[1]) last[1] = Math.max(last[1], region[1]);
    else merged.push([region[0], region[1]]);
  }
  return merged;
}

/** An `if`…`end` on one line that the line starts with, holding literal text. */
function startsLineWithContent(text: string, open: Action, close: Action, lines: Lines, hasLiteral: (s: number, e: number) => boolean): boolean {
  const line = lines.lineOf(open.start);
  if (lines.lineOf(close.start) !== line) return false;
  for (let i = lines.starts[line]!; i < open.start; i++) if (text[i] !== ' ' && text[i] !== '\t') return false;
  return hasLiteral(open.end, close.start);
}

/** `nindent 4` / `indent 4` in an action: the column its lines start at. */
function printedIndent(action: string): number | undefined {
  const m = /\bn?indent\s+(\d+)/.exec(action);
  return m ? Number(m[1]) : undefined;
}

const HELPER = /\b(?:include|template|tpl)\b/;
const DICT_ASSIGNMENT = /^\{\{-?\s*(\$\w+)\s*:?=\s*dict((?:\s+"(?:[^"\\\n]|\\.)*")*)\s*-?\}\}$/;
const TO_YAML_VARIABLE = /\btoYaml\s+(\$\w+)/;

/**
 * The double-quoted strings of a template action, unescaped, in one pass (an
 * unterminated string ends the line's strings: a regular expression retried
 * from every quote would take quadratic time on a line of them).
 */
function quotedStrings(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '"') continue;
    let value = '';
    let j = i + 1;
    for (; j < text.length && text[j] !== '"' && text[j] !== '\n'; j++) {
      if (text[j] === '\\' && j + 1 < text.length && text[j + 1] !== '\n') value += text[++j];
      else value += text[j];
    }
    if (text[j] === '"') out.push(value);
    else {
      const eol = text.indexOf('\n', j);
      if (eol === -1) break;
      j = eol;
    }
    i = j;
  }
  return out;
}

/** Literal `dict "k" "v" …` assignments, by variable. */
function literalDicts(text: string, actions: readonly Action[]): Map<string, { key: string; value: string }[]> {
  const out = new Map<string, { key: string; value: string }[]>();
  for (const action of actions) {
    if (action.kind !== 'silent' || action.keyword) continue;
    const m = DICT_ASSIGNMENT.exec(text.slice(action.start, action.end));
    if (!m) continue;
    const strings = quotedStrings(m[2]!);
    if (strings.length % 2 !== 0) continue;
    const entries: { key: string; value: string }[] = [];
    for (let i = 0; i < strings.length; i += 2) entries.push({ key: strings[i]!, value: strings[i + 1]! });
    out.set(m[1]!, entries);
  }
  return out;
}

/**
 * A block scalar header line — `key: [!tag] [&anchor] |-2 # comment`, `- >`,
 * `"quoted key": |` — as the expression
 * `^(\s*)((?:-[ \t]+)*)(?:(KEY):[ \t]+)?(?:[!&]\S*[ \t]+)*[|>]([1-9]?)[+-]?([1-9]?)[ \t]*(?:#.*)?$`
 * reads it (KEY: `"[^"]*"`, `'[^']*'`, or the shortest run without `#` that
 * starts like a plain scalar), but in one pass: the expression took time to the
 * fourth power of the line's length on lines of `:`, `!` and `>`. Returns
 * [line, indentation, dashes, key or undefined, digit, digit], or null.
 */
export function blockHeader(line: string): (string | undefined)[] | null {
  const n = line.length;
  const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
  const blank = (c: string | undefined) => c === ' ' || c === '\t';
  let at = 0;
  while (at < n && isSpace(line[at])) at++;
  const indent = line.slice(0, at);
  const dashStart = at;
  while (line[at] === '-' && blank(line[at + 1])) {
    at++;
    while (blank(line[at])) at++;
  }
  const dashes = line.slice(dashStart, at);
  const rest = at;
  // `.` stops at these: a comment must reach the end without one.
  let lastBreak = -1;
  for (let i = 0; i < n; i++) if (line[i] === '\r' || line[i] === '\u2028' || line[i] === '\u2029' || line[i] === '\n') lastBreak = i;
  const indicator = (p: number): [string, string] | null => {
    if (line[p] !== '|' && line[p] !== '>') return null;
    let q = p + 1;
    const d1 = line[q] !== undefined && line[q]! >= '1' && line[q]! <= '9' ? line[q++]! : '';
    if (line[q] === '+' || line[q] === '-') q++;
    const d2 = line[q] !== undefined && line[q]! >= '1' && line[q]! <= '9' ? line[q++]! : '';
    while (blank(line[q])) q++;
    if (q === n || (line[q] === '#' && q > lastBreak)) return [d1, d2];
    return null;
  };
  const memo = new Map<number, [string, string] | null>();
  const tail = (p: number): [string, string] | null => {
    const chain: number[] = [];
    let q = p;
    let result: [string, string] | null;
    for (;;) {
      const known = memo.get(q);
      if (known !== undefined || memo.has(q)) {
        result = known ?? null;
        break;
      }
      chain.push(q);
      result = indicator(q);
      if (result || (line[q] !== '!' && line[q] !== '&')) break;
      let e = q;
      while (e < n && !isSpace(line[e])) e++;
      if (!blank(line[e])) {
        result = null;
        break;
      }
      while (blank(line[e])) e++;
      q = e;
    }
    for (const c of chain) memo.set(c, result);
    return result;
  };
  /** `:[ \t]+` at `colon`, then the tail. */
  const afterKey = (colon: number): [string, string] | null => {
    if (line[colon] !== ':' || !blank(line[colon + 1])) return null;
    let e = colon + 1;
    while (blank(line[e])) e++;
    return tail(e);
  };
  const first = line[rest];
  let keyEnd = -1;
  let found: [string, string] | null = null;
  if (first === '"' || first === "'") {
    const close = line.indexOf(first, rest + 1);
    if (close !== -1) {
      found = afterKey(close + 1);
      if (found) keyEnd = close + 1;
    }
  } else if (first !== undefined && (first === '-' ? line[rest + 1] !== undefined && !isSpace(line[rest + 1]) && line[rest + 1] !== '#' : !isSpace(first) && first !== '#')) {
    for (let c = rest + (first === '-' ? 2 : 1); c < n && line[c] !== '#'; c++) {
      found = afterKey(c);
      if (found) {
        keyEnd = c;
        break;
      }
    }
  }
  if (found) return [line, indent, dashes, line.slice(rest, keyEnd), found[0], found[1]];
  const bare = tail(rest);
  return bare ? [line, indent, dashes, undefined, bare[0], bare[1]] : null;
}

// `(?=(…))\1` matches like an atomic group: the indentation and the `- ` markers are never given back
// (nothing after them could use what they give back), so a long run of them cannot make a line take quadratic time.
const KEY_VALUE = /^(?=(\s*))\1(?=((?:-[ \t]+)*))\2((?:"[^"]*"|'[^']*'|[^\s#'"\-[{][^#]*?|-[^\s#][^#]*?)):[ \t]+(?=\S)/;
const OPEN_VALUE = /^(?=(\s*))\1(?=((?:-[ \t]+)*))\2(?:((?:"[^"]*"|'[^']*'|[^\s#'"\-[{][^#]*?|-[^\s#][^#]*?)):)?[ \t]*$/;

export function maskTemplate(text: string): MaskedTemplate {
  if (!hasTemplateActions(text)) return { text, spans: [], injections: [], shifts: [] };
  const { actions, unterminatedAt } = findActions(text);
  const lines = new Lines(text);
  const dropped = droppedRegions(text, actions, lines);

  // Covered characters: in an action or a dropped region. `covered[i]` is 1 for a
  // silent/dropped character, 2 for a character of a printing action.
  const covered = new Uint8Array(text.length);
  for (const action of actions) covered.fill(action.kind === 'output' ? 2 : 1, action.start, action.end);
  for (const [s, e] of dropped) covered.fill(1, s, e);

  // First and last literal (uncovered, non-blank) character of each line.
  const firstLiteral = new Int32Array(lines.count).fill(-1);
  const lastLiteral = new Int32Array(lines.count).fill(-1);
  for (let line = 0; line < lines.count; line++) {
    const end = lines.end(line);
    for (let i = lines.starts[line]!; i < end; i++) {
      const ch = text[i];
      if (covered[i] || ch === ' ' || ch === '\t' || ch === '\r') continue;
      if (firstLiteral[line] === -1) firstLiteral[line] = i;
      lastLiteral[line] = i;
    }
  }

  // First pass: printing actions alone on their lines print lines (blank here,
  // remembered as injections); other printing actions are filler on their first
  // line (a multi-line action's later lines are blank). Everything else covered is blank.
  const out = text.split('');
  const blank = (s: number, e: number) => {
    for (let i = s; i < e; i++) if (out[i] !== '\n' && out[i] !== '\r') out[i] = ' ';
  };
  const dicts = literalDicts(text, actions);
  const injections: Injection[] = [];
  const inject = (action: Action, column: number) => {
    const source = text.slice(action.start, action.end);
    const variable = TO_YAML_VARIABLE.exec(source)?.[1];
    const entries = variable ? dicts.get(variable) : undefined;
    injections.push({ offset: action.start, end: action.end, column: printedIndent(source) ?? column, helper: HELPER.test(source), ...(entries ? { entries } : {}) });
  };
  for (let i = 0; i < text.length; i++) if (covered[i] === 1 && text[i] !== '\n' && text[i] !== '\r') out[i] = ' ';
  for (const action of actions) {
    if (action.kind !== 'output' || covered[action.start] !== 2) continue;
    const first = lines.lineOf(action.start);
    const last = lines.lineOf(action.end - 1);
    const alone = !(firstLiteral[first]! !== -1 && firstLiteral[first]! < action.start) && !(lastLiteral[last]! >= action.end);
    if (alone) {
      blank(action.start, action.end);
      inject(action, action.start - lines.starts[first]!);
      continue;
    }
    const firstEnd = Math.min(action.end, lines.end(first));
    for (let i = action.start; i < firstEnd; i++) if (out[i] !== '\r') out[i] = FILLER;
    blank(firstEnd, action.end);
  }

  // Second pass, line by line on the masked text: block scalars, values that
  // are a block printed by an action, and values mixing actions and quotes.
  const maskedLine = (line: number, from = lines.starts[line]!, to = lines.end(line)) => out.slice(from, to).join('');
  const indentOf = (line: string) => {
    const n = /^[ \t]*/.exec(line)![0].length;
    return n === line.length || line[n] === '\r' ? -1 : n;
  };
  // Masked indentation of each line (-1: blank), and the next line with content (not blank, not a comment).
  const indents = new Int32Array(lines.count);
  const comment = new Uint8Array(lines.count);
  for (let line = 0; line < lines.count; line++) {
    const s = maskedLine(line);
    indents[line] = indentOf(s);
    if (indents[line]! >= 0 && s[indents[line]!] === '#') comment[line] = 1;
  }
  const nextContent = new Int32Array(lines.count).fill(-1);
  for (let line = lines.count - 2; line >= 0; line--) {
    const next = line + 1;
    nextContent[line] = indents[next]! >= 0 && !comment[next] ? next : nextContent[next]!;
  }

  // A key that a blank `if` (or comment) pushed right goes back to where the line
  // starts, as Helm's trim markers put it: `{{ if .x -}} stringData: {{- else -}} data: {{- end }}`.
  const shifts: Shift[] = [];
  for (let line = 0; line < lines.count; line++) {
    const start = lines.starts[line]!;
    const p = indents[line]!;
    if (firstLiteral[line] === -1 || p < 0) continue;
    let q = 0;
    while (text[start + q] === ' ' || text[start + q] === '\t') q++;
    if (q >= p || covered[start + q] !== 1) continue;
    let silent = true;
    for (let i = start + q; i < start + p && silent; i++) silent = covered[i] === 1 || text[i] === ' ' || text[i] === '\t';
    if (!silent || !/^(?:-[ \t]|[^\s#][^#]*?:(?:[ \t]|$))/.test(maskedLine(line, start + p))) continue;
    const end = lines.end(line) - (text[lines.end(line) - 1] === '\r' ? 1 : 0);
    const d = p - q;
    for (let i = start + q; i < end; i++) out[i] = i + d < end ? out[i + d]! : ' ';
    shifts.push({ start: start + q, end: end - d, delta: d });
    indents[line] = q;
  }

  /**
   * The block scalar a header line opens: the column of its key (or dash), and
   * the indentation of its content (explicit, else its first line of literal
   * text; -1 when it has none).
   */
  const startBlock = (header: (string | undefined)[], line: number): { owner: number; indent: number } => {
    const dashes = header[2]!;
    const owner = header[3] !== undefined ? header[1]!.length + dashes.length : header[1]!.length + dashes.replace(/-[ \t]*$/, '').length;
    const explicit = Number(header[4] || header[5] || 0);
    if (explicit) return { owner, indent: owner + explicit };
    for (let next = line + 1; next < lines.count; next++) {
      if (firstLiteral[next] === -1) continue;
      return { owner, indent: indents[next]! > owner ? indents[next]! : -1 };
    }
    return { owner, indent: -1 };
  };

  let block: { owner: number; indent: number } | undefined;
  for (let line = 0; line < lines.count; line++) {
    const start = lines.starts[line]!;
    const end = lines.end(line);
    const literal = firstLiteral[line]!;
    if (block) {
      // A line with literal text at or left of the key ends the scalar.
      if (literal !== -1 && indents[line]! >= 0 && indents[line]! <= block.owner) block = undefined;
      else {
        maskBlockLine(out, covered, start, end, block.indent, literal === -1);
        continue;
      }
    }
    const header = blockHeader(maskedLine(line));
    if (header) {
      block = startBlock(header, line);
      continue;
    }
    // The first covered character of the line.
    let cut = start;
    while (cut < end && !covered[cut]) cut++;
    if (cut === end) continue;
    const printsHere = lastLiteral[line]! < cut && hasOutput(covered, cut, end);
    const before = maskedLine(line, start, cut);
    // A block scalar header followed by an action: `app.conf: |- {{ include … | nindent 4 }}`.
    const headerBefore = printsHere ? blockHeader(before) : null;
    if (headerBefore) {
      blank(cut, end);
      block = startBlock(headerBefore, line);
      continue;
    }
    // The whole value of `key:` or `- ` is printed, and more-indented lines follow: a block.
    const open = printsHere ? OPEN_VALUE.exec(before) : null;
    if (open && (open[3] !== undefined || open[2]!.length > 0)) {
      const owner = open[1]!.length + (open[3] !== undefined ? open[2]!.length : 0);
      const next = nextContent[line]!;
      if (next !== -1 && indents[next]! > owner) {
        for (let i = firstActionFrom(actions, cut); i < actions.length && actions[i]!.start < end; i++) {
          if (actions[i]!.kind === 'output') inject(actions[i]!, indents[next]!);
        }
        blank(cut, end);
        continue;
      }
    }
    // A value mixing actions with quotes or control: one opaque scalar.
    const kv = KEY_VALUE.exec(maskedLine(line));
    if (kv) {
      const valueStart = start + kv[0].length;
      const value = maskedLine(line, valueStart, end).trimEnd();
      if (value.length > 0 && valueStart + value.length > cut && !wellFormedValue(value)) {
        for (let i = valueStart; i < valueStart + value.length; i++) if (out[i] !== '\r') out[i] = FILLER;
      }
    }
  }

  const spans = actions.map((a): [number, number] => [a.start, a.end]);
  return { text: out.join(''), spans, unterminatedAt, injections, shifts };
}

function hasOutput(covered: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (covered[i] === 2) return true;
  return false;
}

/** Index of the first action that ends after `offset`. */
function firstActionFrom(actions: readonly Action[], offset: number): number {
  let lo = 0;
  let hi = actions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (actions[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A masked value YAML reads as one scalar or collection: a closed quoted
 * string (then only a comment), a flow collection, an anchor, alias or tag,
 * or a plain scalar that holds no `: `.
 */
function wellFormedValue(value: string): boolean {
  const first = value[0]!;
  if (first === '"') return /^"(?:[^"\\]|\\.)*"(?:\s+#.*)?$/.test(value);
  if (first === "'") return /^'(?:[^']|'')*'(?:\s+#.*)?$/.test(value);
  if (first === '[' || first === '{' || first === '&' || first === '*' || first === '!' || first === '|' || first === '>') return true;
  const comment = value.search(/\s#/);
  const plain = comment === -1 ? value : value.slice(0, comment);
  return !/:(?:\s|$)/.test(plain);
}

/**
 * A line inside a block scalar. Its text is opaque to every rule; what
 * matters is that it stays inside the scalar: a line of actions becomes
 * text at the scalar's indentation (or blank when the scalar has no content
 * line to take it from), and an action that starts left of that indentation
 * is moved right by blanking its first characters.
 */
function maskBlockLine(out: string[], covered: Uint8Array, start: number, end: number, indent: number, noLiteral: boolean): void {
  let hasCovered = false;
  for (let i = start; i < end; i++) if (covered[i]) hasCovered = true;
  if (!hasCovered) return;
  if (indent < 0) {
    if (noLiteral) for (let i = start; i < end; i++) if (out[i] !== '\r') out[i] = ' ';
    return;
  }
  const length = end - start - (out[end - 1] === '\r' ? 1 : 0);
  if (noLiteral) {
    for (let i = start; i < start + length; i++) out[i] = i - start < indent ? ' ' : FILLER;
    return;
  }
  // Literal text on the line: covered characters left of the indentation become spaces.
  for (let i = start; i < start + Math.min(indent, length); i++) if (covered[i]) out[i] = ' ';
  for (let i = start + indent; i < start + length; i++) if (covered[i] && out[i] === ' ') out[i] = FILLER;
}

/** Whether `[start, end)` overlaps a masked action. */
export function overlapsSpans(spans: readonly [number, number][], start: number, end: number): boolean {
  // Spans are sorted and disjoint: find the first that ends after `start`.
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]![1] <= start) lo = mid + 1;
    else hi = mid;
  }
  const span = spans[lo];
  return span !== undefined && span[0] < end;
}
