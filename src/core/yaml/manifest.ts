import { isMap, Lexer, parseAllDocuments, type Document, type YAMLMap } from 'yaml';
import { LineIndex } from '../text';
import { maskTemplate, overlapsSpans } from './helm';
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
  /** All parsed documents, Kubernetes or not, in order. */
  documents: Document.Parsed[];
  /** The Kubernetes documents among them that parsed cleanly. */
  manifests: ManifestDoc[];
  /** Why some Kubernetes-looking part of the file could not be analysed. */
  problems: ParseProblem[];
}

const PARSE_OPTIONS = { uniqueKeys: false, merge: true, prettyErrors: false, strict: false } as const;

export function parseManifestFile(text: string): ManifestFile {
  const masked = maskTemplate(text);
  const lines = new LineIndex(text);
  const problems: ParseProblem[] = [];
  if (masked.unterminatedAt !== undefined) {
    problems.push({ offset: masked.unterminatedAt, message: 'template action `{{` is never closed' });
  }
  const documents = parseAllDocuments(masked.text, PARSE_OPTIONS);
  const list = Array.isArray(documents) ? documents : [];
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
    const apiVersion = nav.str(nav.get(root, 'apiVersion'));
    const kind = nav.str(nav.get(root, 'kind'));
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
    const metadata = nav.get(root, 'metadata');
    const display = (node: unknown) => displayValue(text, masked.spans, nav, node);
    manifests.push({
      index,
      document,
      root,
      nav,
      apiVersion,
      group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '',
      kind,
      name: display(nav.get(metadata, 'name')),
      namespace: display(nav.get(metadata, 'namespace')),
    });
  });
  if (masked.unterminatedAt !== undefined) problems.splice(1);
  return {
    text,
    lines,
    templated: masked.spans.length > 0,
    templateSpans: masked.spans,
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
 * A scalar's value for messages: the parsed value, or for a templated scalar
 * its original source (`{{ include "app.fullname" . }}-config`) instead of
 * the mask.
 */
export function displayValue(text: string, spans: readonly [number, number][], nav: YamlNav, node: unknown): string | undefined {
  const value = nav.str(node);
  const range = (nav.resolve(node) as { range?: [number, number, number] } | undefined)?.range;
  if (value === undefined || !range || !overlapsSpans(spans, range[0], range[1])) return value;
  return text.slice(range[0], range[1]).replace(/^(["'])([\s\S]*)\1$/, '$2');
}

function looksLikeKubernetes(text: string, range: [number, number, number]): boolean {
  const part = text.slice(range[0], range[2]);
  return /^apiVersion\s*:/m.test(part) && /^kind\s*:/m.test(part);
}

function describeError(message: string): string {
  // The yaml package appends a caret excerpt on following lines; keep the sentence.
  return (message.split('\n')[0] ?? message).replace(/\s+at line \d+, column \d+:?$/, '').trim();
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
