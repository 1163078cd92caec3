/**
 * Masks Go-template actions (`{{ … }}`) in Helm templates so the YAML parser
 * sees plain YAML with every offset unchanged: an action alone on its line
 * becomes spaces, an action inside a line becomes a run of `_` (a plain
 * scalar character), newlines inside multi-line actions are kept.
 */
export interface MaskedTemplate {
  text: string;
  /** `[start, end)` offsets of every masked action in the original text. */
  spans: [number, number][];
  /** Set when an action is never closed; the text after it is not analysed. */
  unterminatedAt?: number;
}

const FILLER = '_';

export function hasTemplateActions(text: string): boolean {
  return text.includes('{{');
}

export function maskTemplate(text: string): MaskedTemplate {
  if (!hasTemplateActions(text)) return { text, spans: [] };
  const spans: [number, number][] = [];
  let unterminatedAt: number | undefined;
  let at = text.indexOf('{{');
  while (at !== -1) {
    const end = actionEnd(text, at + 2);
    if (end === -1) {
      unterminatedAt = at;
      spans.push([at, text.length]);
      break;
    }
    spans.push([at, end]);
    at = text.indexOf('{{', end);
  }

  const out = text.split('');
  for (const [start, end] of spans) {
    const blank = !producesOutput(text, start, end) || aloneOnLines(text, start, end, spans);
    for (let i = start; i < end; i++) {
      const ch = text[i];
      if (ch === '\n' || ch === '\r') continue;
      out[i] = blank ? ' ' : FILLER;
    }
  }
  return { text: out.join(''), spans, unterminatedAt };
}

/** Actions that print nothing: comments, control structure, variable assignments. */
const SILENT_ACTION = /^\{\{-?\s*(?:\/\*|(?:if|else|end|range|with|define|block)\b|\$[\w]*\s*:?=)/;

/**
 * Whether an action writes text where it stands. A silent action masked as
 * spaces keeps `value: "x" {{/* note *\/}}` valid YAML; an action that prints
 * stays a scalar so the key it belongs to keeps a value.
 */
function producesOutput(text: string, start: number, end: number): boolean {
  return !SILENT_ACTION.test(text.slice(start, Math.min(end, start + 64)));
}

/** Offset just past the `}}` closing an action opened before `from`, honouring strings and comments. */
function actionEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '}' && text[i + 1] === '}') return i + 2;
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    } else if (ch === '`') {
      const close = text.indexOf('`', i + 1);
      if (close === -1) return -1;
      i = close;
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) return -1;
      i = close + 1;
    }
    i++;
  }
  return -1;
}

/** True when the action shares its first and last lines with nothing but whitespace or other actions. */
function aloneOnLines(text: string, start: number, end: number, spans: [number, number][]): boolean {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  let lineEnd = text.indexOf('\n', end);
  if (lineEnd === -1) lineEnd = text.length;
  const inAction = (i: number) => spans.some(([s, e]) => i >= s && i < e);
  for (let i = lineStart; i < start; i++) if (!/\s/.test(text[i] ?? '') && !inAction(i)) return false;
  for (let i = end; i < lineEnd; i++) if (!/\s/.test(text[i] ?? '') && !inAction(i)) return false;
  return true;
}

/** Whether `[start, end)` overlaps a masked action. */
export function overlapsSpans(spans: readonly [number, number][], start: number, end: number): boolean {
  for (const [s, e] of spans) if (s < end && start < e) return true;
  return false;
}
