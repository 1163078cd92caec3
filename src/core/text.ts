import type { Position, Range } from './model';

/**
 * Maps string offsets (UTF-16 code units, what JavaScript strings and the
 * `yaml` parser use) to editor positions and back. Lines end at `\n`; a `\r`
 * before it belongs to the line ending, so CRLF files map exactly.
 */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    let at = text.indexOf('\n');
    while (at !== -1) {
      starts.push(at + 1);
      at = text.indexOf('\n', at + 1);
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    // An offset that is not a number (a parser's end-of-input token) reads as the end of the text.
    const clamped = Number.isNaN(offset) ? this.text.length : Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - (this.starts[lo] ?? 0) };
  }

  offset(position: Position): number {
    const start = this.starts[Math.max(0, Math.min(position.line, this.starts.length - 1))] ?? 0;
    return Math.min(start + position.character, this.lineEnd(position.line));
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))] ?? 0;
  }

  /** Offset of the end of `line`, before its `\r\n` or `\n`. */
  lineEnd(line: number): number {
    const next = this.starts[line + 1];
    if (next === undefined) return this.text.length;
    return this.text[next - 2] === '\r' ? next - 2 : next - 1;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  private lineEnding: string | undefined;

  /** The line ending the file already uses, for inserted text. */
  get eol(): string {
    return (this.lineEnding ??= this.text.includes('\r\n') ? '\r\n' : '\n');
  }
}

/** Leading whitespace of a line. */
export function indentationOf(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? '';
}

const DIGEST = /\b(sha256:[0-9a-f]{8})[0-9a-f]{56}\b/g;

/** `sha256:3d5d4763…` for every full sha256 digest: what a person reads in a hover, a tree or a report. */
export function shortenDigests(text: string): string {
  return text.replace(DIGEST, '$1…');
}

/**
 * A message's first sentence and the rest: the first `.`, `!` or `?` followed
 * by a space (or the end) outside `code spans`, Helm actions, double quotes
 * and parentheses, and
 * not ending a one-letter word or an abbreviation such as "e.g.".
 */
export function splitFirstSentence(message: string): { first: string; rest: string } {
  let code = false;
  let quoted = false;
  let depth = 0;
  for (let i = 0; i < message.length; i++) {
    const c = message[i]!;
    if (c === '`') code = !code;
    if (code) continue;
    // A Helm action (`{{ include "x.name" . }}`) and a quotation are one word.
    if (c === '{' && message[i + 1] === '{') {
      const end = message.indexOf('}}', i + 2);
      if (end !== -1) {
        i = end + 1;
        continue;
      }
    }
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if ((c === '.' || c === '!' || c === '?') && depth === 0) {
      const next = message[i + 1];
      if (next !== undefined && next !== ' ' && next !== '\n') continue;
      // The word before the mark, read backwards (an expression over the whole prefix at every mark is quadratic).
      let from = i;
      while (from > 0 && !/\s/.test(message[from - 1]!)) from--;
      const word = message.slice(from, i);
      if (c === '.' && (/^(e\.g|i\.e|etc|vs|cf|incl)$/i.test(word) || /^\w$/.test(word))) continue;
      return { first: message.slice(0, i + 1).trim(), rest: message.slice(i + 1).trim() };
    }
  }
  return { first: message.trim(), rest: '' };
}

/**
 * `text` without the trailing characters in `chars`. A loop, not `/[…]+$/`: on
 * a long run of those characters followed by something else, such an
 * expression retries from every position of the run (quadratic time).
 */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/** `text` without the leading characters in `chars` (see trimEndOf). */
export function trimStartOf(text: string, chars: string): string {
  let start = 0;
  while (start < text.length && chars.includes(text[start]!)) start++;
  return text.slice(start);
}

/** Whitespace as `\s` has it (ASCII and the common Unicode spaces), for trimEndOf. */
export const WHITESPACE = ' \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
