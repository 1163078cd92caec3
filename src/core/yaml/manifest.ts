import { isAlias, isMap, isPair, isScalar, isSeq, Lexer, type Document, type Node, type YAMLMap } from 'yaml';
import { InputLimit } from '../limits';
import { LineIndex } from '../text';
import { groupOfKind } from '../k8s/groups';
import { boundAliases } from './aliases';
import { maskTemplate, originalOffset, overlapsSpans, type Injection, type Shift } from './helm';
import { parseAllDocumentsBounded } from './nesting';
import { YamlNav } from './nodes';

/** One Kubernetes-looking YAML document (a mapping with `apiVersion` and `kind`). */
export interface ManifestDoc {
  /** 0-based index of the document in its file. */
  index: number;
  document: Document.Parsed;
  root: YAMLMap;
  nav: YamlNav;
  apiVersion: string;
  /** API group: `apps` for `apps/v1`, `''` for the core `v1`. */
  group: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** A scalar's value for messages: as written in the template when an action prints it (never the mask). */
  display?: (node: unknown) => string | undefined;
}

export interface ParseProblem {
  offset: number;
  message: string;
}

export interface ManifestFile {
  text: string;
  lines: LineIndex;
  /** True when the file holds Go-template actions (a Helm template). */
  templated: boolean;
  templateSpans: [number, number][];
  /** The text the parser read: template actions masked (the same offsets and lines). */
  masked: string;
  /** Template actions that print YAML lines into the mapping around them. */
  injections: Injection[];
  /** Masked lines whose text moved left (offsets of nodes there map back with `sourceSpan`). */
  shifts: Shift[];
  /** All parsed documents, Kubernetes or not, in order. */
  documents: Document.Parsed[];
  /** The Kubernetes documents among them that parsed cleanly. */
  manifests: ManifestDoc[];
  /** Why some Kubernetes-looking part of the file could not be analysed. */
  problems: ParseProblem[];
}

const PARSE_OPTIONS = { uniqueKeys: false, merge: true, prettyErrors: false, strict: false } as const;

export interface ParseOptions {
  /** The file's path: documents are reused only between versions of the same file. */
  path?: string;
  /** Documents of earlier parses to reuse (see DocumentMemo). */
  memo?: DocumentMemo;
}

export function parseManifestFile(text: string, options: ParseOptions = {}): ManifestFile {
  const masked = maskTemplate(text);
  const lines = new LineIndex(text);
  const problems: ParseProblem[] = [];
  // A `{{` left open matters only where it hides a Kubernetes object (a CI workflow's `${{` is no template).
  if (masked.unterminatedAt !== undefined && looksLikeKubernetes(text, [0, 0, text.length])) {
    problems.push({ offset: masked.unterminatedAt, message: 'template action `{{` is never closed' });
  }
  const list = masked.spans.length === 0 && options.memo && options.path !== undefined ? parseWithMemo(text, options.path, options.memo) : parseWhole(masked.text);
  const manifests: ManifestDoc[] = [];
  list.forEach((document, index) => {
    const root = document.contents;
    if (!isMap(root)) {
      if (document.errors.length > 0 && looksLikeKubernetes(masked.text, document.range)) {
        const error = document.errors[0]!;
        problems.push({ offset: error.pos[0], message: describeError(error.message) });
      }
      return;
    }
    const nav = new YamlNav(document);
    const apiVersionNode = nav.get(root, 'apiVersion');
    const kindNode = nav.get(root, 'kind');
    let apiVersion = nav.str(apiVersionNode);
    const kind = nav.str(kindNode);
    if (!apiVersion || !kind) {
      if (document.errors.length > 0 && looksLikeKubernetes(masked.text, document.range)) {
        problems.push({ offset: document.errors[0]!.pos[0], message: describeError(document.errors[0]!.message) });
      }
      return;
    }
    if (document.errors.length > 0) {
      problems.push({ offset: document.errors[0]!.pos[0], message: describeError(document.errors[0]!.message) });
      return;
    }
    const display = (node: unknown) => displayValue(text, masked.spans, nav, node, masked.shifts);
    const templated = (node: unknown) => {
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      return range !== undefined && masked.spans.length > 0 && overlapsSpans(masked.spans, originalOffset(masked.shifts, range[0]), originalOffset(masked.shifts, range[1] - 1) + 1);
    };
    if (templated(kindNode)) {
      problems.push({ offset: (kindNode as { range: [number, number, number] }).range[0], message: `the kind is printed by a template action (\`${display(kindNode)}\`), so the object is unknown until Helm renders it` });
      return;
    }
    let group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    if (templated(apiVersionNode)) {
      // The version follows the cluster; the group follows from the kind.
      apiVersion = display(apiVersionNode) ?? apiVersion;
      group = groupOfKind(kind) ?? '';
    }
    const metadata = nav.get(root, 'metadata');
    manifests.push({
      index,
      document,
      root,
      nav,
      apiVersion,
      group,
      kind,
      name: display(nav.get(metadata, 'name')),
      namespace: display(nav.get(metadata, 'namespace')),
      display,
    });
  });
  if (masked.unterminatedAt !== undefined) problems.splice(1);
  return {
    text,
    lines,
    templated: masked.spans.length > 0,
    templateSpans: masked.spans,
    masked: masked.text,
    injections: masked.injections,
    shifts: masked.shifts,
    documents: list,
    manifests,
    problems,
  };
}

/** True when `[start, end)` of the file overlaps a Helm template action. */
export function isTemplatedRange(file: ManifestFile, start: number, end: number): boolean {
  return file.templated && overlapsSpans(file.templateSpans, start, end);
}

/**
 * `[start, end)` of a parsed range in the file's own text: the same offsets,
 * except on a line whose masked text moved left (see `Shift`).
 */
export function sourceSpan(file: Pick<ManifestFile, 'shifts'>, start: number, end: number): [number, number] {
  if (file.shifts.length === 0) return [start, end];
  const s = originalOffset(file.shifts, start);
  return [s, end > start ? originalOffset(file.shifts, end - 1) + 1 : s];
}

/**
 * A scalar's value for messages: the parsed value, or for a templated scalar
 * its original source (`{{ include "app.fullname" . }}-config`) instead of
 * the mask.
 */
export function displayValue(text: string, spans: readonly [number, number][], nav: YamlNav, node: unknown, shifts: readonly Shift[] = []): string | undefined {
  const value = nav.str(node);
  const range = (nav.resolve(node) as { range?: [number, number, number] } | undefined)?.range;
  if (value === undefined || !range) return value;
  const [start, end] = sourceSpan({ shifts: shifts as Shift[] }, range[0], range[1]);
  if (!overlapsSpans(spans, start, end)) return value;
  return text.slice(start, end).replace(/^(["'])([\s\S]*)\1$/, '$2');
}

function looksLikeKubernetes(text: string, range: [number, number, number]): boolean {
  const part = text.slice(range[0], range[2]);
  return /^apiVersion\s*:/m.test(part) && /^kind\s*:/m.test(part);
}

function describeError(message: string): string {
  // The yaml package appends a caret excerpt on following lines; keep the sentence.
  return (message.split('\n')[0] ?? message).replace(/(?<!\s)\s+at line \d+, column \d+:?$/, '').trim();
}

function parseWhole(text: string): Document.Parsed[] {
  let documents = parseAllDocumentsBounded(text, PARSE_OPTIONS);
  // A quoted scalar whose later lines are less indented than YAML 1.2 allows,
  // which go-yaml (kubectl, Helm) reads: joined onto one line, it parses the same
  // (up to the spaces a fold would drop), every such scalar of the text.
  for (let attempt = 0; attempt < 8 && Array.isArray(documents); attempt++) {
    let joined = text;
    for (const error of documents.flatMap((d) => d.errors)) {
      if (!/^Missing closing ["']quote/.test(error.message)) continue;
      // The error is reported where the line ends; the scalar opens before, on that line.
      const at = joined.lastIndexOf(error.message[16]!, error.pos[0]);
      if (at >= 0 && joined.lastIndexOf('\n', error.pos[0] - 1) < at) joined = joinQuotedLines(joined, at) ?? joined;
    }
    if (joined === text) break;
    text = joined;
    documents = parseAllDocumentsBounded(text, PARSE_OPTIONS);
  }
  if (!Array.isArray(documents)) return [];
  // The `yaml` package reads an unclosed quote or flow collection on past a `---`; kubectl splits the stream there first.
  const starts = documents.some((d) => d.errors.length > 0) ? partStarts(text) : undefined;
  return starts ? parseParts(text, starts) : boundAliases(documents);
}

/** Each part of a stream with errors parsed on its own, so a broken document keeps its errors to itself. */
function parseParts(text: string, starts: number[]): Document.Parsed[] {
  const out: Document.Parsed[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const documents = parseAt(text.slice(start, starts[i + 1] ?? text.length), start);
    if (start > 0) for (const document of documents) shiftDocument(document, start);
    out.push(...documents);
  }
  return out;
}

/** `text` with the line breaks of the quoted scalar opening at `at` made spaces, or undefined when it never closes. */
function joinQuotedLines(text: string, at: number): string | undefined {
  const quote = text[at];
  if (quote !== '"' && quote !== "'") return undefined;
  let i = at + 1;
  for (; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else break;
    }
  }
  // Not across a document marker: YAML forbids one inside content.
  if (i >= text.length || DOCUMENT_MARKER.test(text.slice(at, i))) return undefined;
  return text.slice(0, at) + text.slice(at, i).replace(/[\r\n]/g, ' ') + text.slice(i);
}

/**
 * A `---` at the start of a line (after a line feed: the `yaml` package
 * does not break lines at a lone carriage return, nor at U+2028) begins a
 * document wherever it stands: YAML
 * forbids it inside any content. So a stream splits at these lines into
 * parts that parse on their own, to the same documents and offsets. (The
 * `yaml` package reads an unclosed quote on across the line: a stream with
 * errors is parsed part by part, see parseWhole.)
 */
const DOCUMENT_START = /(?:^|(?<=\n))---(?=[ \t\r\n]|$)/g;
const DOCUMENT_MARKER = /\n(?:---|\.\.\.)(?=[ \t\r\n]|$)/;
/** What keeps a stream from splitting that way: directives, document-end markers, a byte-order mark. */
const NOT_SPLITTABLE = /^(?:%|\.\.\.(?:[ \t\r\n]|$))|^\uFEFF/m;

/** Offsets where the parts of a stream begin (the first is 0), or undefined when it does not split. */
function partStarts(text: string): number[] | undefined {
  if (NOT_SPLITTABLE.test(text)) return undefined;
  const starts = [0];
  DOCUMENT_START.lastIndex = 0;
  for (let m = DOCUMENT_START.exec(text); m; m = DOCUMENT_START.exec(text)) if (m.index > 0) starts.push(m.index);
  // One part is no gain: reuse needs several.
  return starts.length > 1 ? starts : undefined;
}

interface Part {
  start: number;
  documents: Document.Parsed[];
}

/**
 * Parses the file, reusing from `memo` the documents whose text has not
 * changed since the last parse of `path`: in the editor, an edit in one
 * document of a large file parses that document only. The first parse of a
 * file is a whole parse, as without a memo; the result is always the one a
 * whole parse gives, every node at its offset in the whole text.
 */
function parseWithMemo(text: string, path: string, memo: DocumentMemo): Document.Parsed[] {
  const starts = partStarts(text);
  const before = starts ? memo.parts(path) : undefined;
  if (!starts || !before) {
    const documents = parseWhole(text);
    memo.remember(path, text, documents);
    return documents;
  }
  const after = new Map<string, Part>();
  const out: Document.Parsed[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const source = text.slice(start, starts[i + 1] ?? text.length);
    let documents = memo.take(before, source, start);
    if (!documents) {
      documents = parseAt(source, start);
      // A broken part may not end at its `---` in the parser's eyes: from here, parse as a whole.
      if (documents.some((d) => d.errors.length > 0)) {
        documents = parseAt(text.slice(start), start);
        if (start > 0) for (const document of documents) shiftDocument(document, start);
        for (const document of documents) out.push(document);
        break;
      }
      if (start > 0) for (const document of documents) shiftDocument(document, start);
    }
    after.set(source, { start, documents });
    for (const document of documents) out.push(document);
  }
  memo.remember(path, text, out, after);
  return out;
}

/** parseWhole of a part of the file that begins at `start` (a reader's limit is reported in the file's offsets). */
function parseAt(source: string, start: number): Document.Parsed[] {
  try {
    return parseWhole(source);
  } catch (error) {
    throw error instanceof InputLimit ? new InputLimit(error.offset + start, error.message) : error;
  }
}

/**
 * The parts of an earlier parse by their text, each with its documents: a
 * part's documents are those that begin in it. Parts from the first document
 * with errors on are left out (the parser may have read past a `---` there).
 */
function partsOf(text: string, documents: readonly Document.Parsed[]): Map<string, Part> | undefined {
  const starts = partStarts(text);
  if (!starts) return undefined;
  const parts = new Map<string, Part>();
  let d = 0;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const end = starts[i + 1] ?? text.length;
    const own: Document.Parsed[] = [];
    while (d < documents.length && documents[d]!.range[0] < end) {
      const document = documents[d++]!;
      if (document.errors.length > 0 || document.range[0] < start) return parts;
      own.push(document);
    }
    parts.set(text.slice(start, end), { start, documents: own });
  }
  return parts;
}

/** Moves every offset of a parsed document by `delta` (node ranges, errors, warnings). */
function shiftDocument(document: Document.Parsed, delta: number): void {
  shiftRange(document.range, delta);
  shiftNode(document.contents, delta);
  for (const problem of [...document.errors, ...document.warnings]) {
    problem.pos[0] += delta;
    problem.pos[1] += delta;
  }
}

function shiftRange(range: number[] | null | undefined, delta: number): void {
  if (!range) return;
  range[0]! += delta;
  range[1]! += delta;
  range[2]! += delta;
}

function shiftNode(node: unknown, delta: number): void {
  if (isMap(node) || isSeq(node)) {
    shiftRange(node.range, delta);
    for (const item of node.items) {
      if (isPair(item)) {
        shiftNode(item.key, delta);
        shiftNode(item.value, delta);
      } else shiftNode(item, delta);
    }
  } else if (isScalar(node) || isAlias(node)) shiftRange((node as Node).range, delta);
}

/**
 * Parsed documents kept between parses of a file, by document text. An
 * engine keeps one: the next parse of a file reuses what did not change and
 * moves documents that only moved (their offsets are rewritten in place, so
 * the file's earlier ManifestFile must no longer be in use; the editor
 * analyses the newest text only). With `moves` false, a document is reused
 * only at the same offset and never changed: release analysis shares one
 * between the base and the head of each file, both in use together.
 */
export class DocumentMemo {
  private readonly files = new Map<string, { text: string; documents: Document.Parsed[]; parts?: Map<string, Part> }>();

  constructor(
    private readonly moves = true,
    /** Files remembered (the least recently parsed is forgotten first). */
    private readonly capacity = 16,
  ) {}

  /** The parts of the last parse of `path`, split on first use (a file parsed once costs nothing more). */
  parts(path: string): Map<string, Part> | undefined {
    const file = this.files.get(path);
    if (!file) return undefined;
    file.parts ??= partsOf(file.text, file.documents);
    return file.parts;
  }

  /** The documents of an earlier part with this text, placed at `start`; undefined when they cannot be reused there. */
  take(parts: Map<string, Part>, source: string, start: number): Document.Parsed[] | undefined {
    const hit = parts.get(source);
    if (!hit || (hit.start !== start && !this.moves)) return undefined;
    if (this.moves) {
      // Each document goes to one new file only.
      parts.delete(source);
      if (hit.start !== start) for (const document of hit.documents) shiftDocument(document, start - hit.start);
    }
    return hit.documents;
  }

  remember(path: string, text: string, documents: Document.Parsed[], parts?: Map<string, Part>): void {
    this.files.delete(path);
    this.files.set(path, { text, documents, parts });
    if (this.files.size > this.capacity) this.files.delete(this.files.keys().next().value!);
  }
}

export interface SourceComment {
  /** Comment text without the `#`. */
  text: string;
  start: number;
  end: number;
}

/**
 * Comments of a YAML file with exact offsets, from the `yaml` lexer (so a `#`
 * inside a quoted string is not a comment). Template actions are masked first.
 */
export function yamlComments(text: string): SourceComment[] {
  const masked = maskTemplate(text).text;
  const out: SourceComment[] = [];
  let offset = 0;
  for (const token of new Lexer().lex(masked)) {
    // Control tokens (document, flow-error-end, scalar markers) are not source text.
    if (token.length === 1 && (token === '\x02' || token === '\x18' || token === '\x1f')) continue;
    if (token.startsWith('#')) out.push({ text: token.slice(1), start: offset, end: offset + token.length });
    offset += token.length;
  }
  return out;
}
