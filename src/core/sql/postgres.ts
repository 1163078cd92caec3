import type { Span } from './ops';
import { parseParserJson } from './json';
import { codePointsToUtf16, Utf8Offsets } from './utf8';
import { readFileSync } from 'node:fs';
import { wasmFile } from './wasm';

/**
 * The real PostgreSQL parser (libpg_query compiled to WASM). We drive the
 * Emscripten module directly instead of through libpg-query's index, which
 * starts compiling the WASM the moment it is imported and only looks for the
 * file next to itself; here it loads on first use, from `dist/wasm` in the
 * bundle. The calls mirror libpg-query's `parseSync`/`scanSync`.
 */

interface PgModule {
  _malloc(size: number): number;
  _free(ptr: number): void;
  /** The WASM memory; replaced when memory grows, so read it after every call. */
  HEAPU8: Uint8Array;
  UTF8ToString(ptr: number): string;
  getValue(ptr: number, type: 'i32'): number;
  _wasm_parse_query_raw(ptr: number): number;
  _wasm_free_parse_result(ptr: number): void;
  _wasm_scan(ptr: number): number;
  _wasm_parse_plpgsql(ptr: number): number;
  _wasm_free_string(ptr: number): void;
}

export interface PgRawStmt {
  stmt: Record<string, Record<string, unknown>>;
  stmt_location?: number;
  stmt_len?: number;
}

export interface PgToken {
  start: number;
  end: number;
  tokenName: string;
  text: string;
}

let module: PgModule | undefined;
let loading: Promise<void> | undefined;
let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * The compiled parser. A WebAssembly.Module can be posted to worker threads
 * and shares its compiled code with them, so a worker that is handed it
 * (usePostgresModule) neither reads nor compiles the 1.7 MB file again.
 */
export function postgresModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(readFileSync(wasmFile('libpg-query/wasm/libpg-query.wasm')));
  return compiled;
}

/** Uses a parser module compiled by another thread (before loadPostgres). */
export function usePostgresModule(wasm: WebAssembly.Module): void {
  compiled ??= Promise.resolve(wasm);
}

export function loadPostgres(): Promise<void> {
  loading ??= (async () => {
    // A plain require so the bundler includes the module; it runs on first use only.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const factory = require('libpg-query/wasm/libpg-query.js') as (options: object) => Promise<PgModule>;
    const wasm = await postgresModule();
    // Emscripten never settles when instantiation fails; fail the race instead.
    let fail: (error: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    module = await Promise.race([
      factory({
        instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
          WebAssembly.instantiate(wasm, imports).then(receive, fail);
          return {};
        },
      }),
      failed,
    ]);
  })();
  return loading;
}

export function postgresLoaded(): boolean {
  return module !== undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function withString<T>(text: string, fn: (m: PgModule, ptr: number) => T): T {
  const m = module;
  if (!m) throw new Error('The PostgreSQL parser is not loaded (call loadPostgres() first).');
  // Native encoding: Emscripten's stringToUTF8 is a JavaScript loop, slow before it is optimised.
  // A NUL would end the C string early; a space in its place keeps every offset.
  const bytes = encoder.encode(text.includes('\0') ? text.replaceAll('\0', ' ') : text);
  const ptr = m._malloc(bytes.length + 1);
  try {
    m.HEAPU8.set(bytes, ptr);
    m.HEAPU8[ptr + bytes.length] = 0;
    return fn(m, ptr);
  } finally {
    m._free(ptr);
  }
}

/**
 * A NUL-terminated string the parser returned. Parse trees are large (six
 * times the SQL as JSON): finding the end with a native search instead of
 * Emscripten's byte loop (UTF8ToString) matters in a short-lived CLI.
 */
function cString(m: PgModule, ptr: number): string {
  const heap = m.HEAPU8;
  const end = heap.indexOf(0, ptr);
  return decoder.decode(heap.subarray(ptr, end === -1 ? heap.length : end));
}

export type PgParse = { ok: true; stmts: PgRawStmt[] } | { ok: false; message: string; cursor: number };

/** Parses a whole script; on a syntax error returns the parser's message and 0-based cursor (in characters, as PostgreSQL counts). */
export function pgParse(text: string): PgParse {
  return withString(text, (m, ptr) => {
    const result = m._wasm_parse_query_raw(ptr);
    try {
      const tree = m.getValue(result, 'i32');
      const error = m.getValue(result + 8, 'i32');
      if (error) {
        const messagePtr = m.getValue(error, 'i32');
        const cursor = m.getValue(error + 16, 'i32');
        return { ok: false, message: messagePtr ? m.UTF8ToString(messagePtr) : 'syntax error', cursor: cursor > 0 ? cursor - 1 : 0 };
      }
      const parsed = parseParserJson(cString(m, tree)) as { stmts?: PgRawStmt[] };
      return { ok: true, stmts: parsed.stmts ?? [] };
    } finally {
      m._wasm_free_parse_result(result);
    }
  });
}

/**
 * The PL/pgSQL parser on a function definition (`CREATE FUNCTION … LANGUAGE
 * plpgsql AS $$ … $$`): its JSON tree, or undefined when it does not parse.
 */
export function pgParsePlpgsql(text: string): unknown[] | undefined {
  return withString(text, (m, ptr) => {
    const result = m._wasm_parse_plpgsql(ptr);
    try {
      const json = cString(m, result);
      if (!json.startsWith('{') && !json.startsWith('[')) return undefined;
      const parsed = JSON.parse(json) as unknown;
      return Array.isArray(parsed) ? parsed : [parsed];
    } finally {
      m._wasm_free_string(result);
    }
  });
}

/** The Postgres lexer's tokens (comments included), or undefined when the text does not lex. */
export function pgScan(text: string): PgToken[] | undefined {
  return withString(text, (m, ptr) => {
    const result = m._wasm_scan(ptr);
    try {
      const json = cString(m, result);
      if (!json.startsWith('{')) return undefined;
      return (parseParserJson(json) as { tokens?: PgToken[] }).tokens ?? [];
    } finally {
      m._wasm_free_string(result);
    }
  });
}

export interface PgStatement {
  node: PgRawStmt['stmt'];
  /** UTF-16 offsets into the analysed text, without the terminating `;`. */
  span: Span;
}

export interface PgScript {
  statements: PgStatement[];
  /** The first syntax error; statements before it are in `statements`. */
  error?: { message: string; offset: number };
}

/**
 * Parses a script into statements with UTF-16 spans. On a syntax error the
 * statements before the failing one are parsed on their own, so they are
 * still analysed.
 */
export function parsePostgres(text: string): PgScript {
  if (text.trim() === '') return { statements: [] };
  const offsets = new Utf8Offsets(text);
  const result = pgParse(text);
  if (result.ok) return { statements: toStatements(text, result.stmts, offsets, 0) };
  const errorOffset = codePointsToUtf16(text, result.cursor);
  const error = { message: result.message, offset: errorOffset };
  // Cut at the last `;` the lexer sees before the error and parse the prefix.
  const tokens = pgScan(text) ?? pgScan(text.slice(0, errorOffset)) ?? [];
  let cut = -1;
  for (const t of tokens) {
    if (t.tokenName !== 'ASCII_59') continue;
    const end = offsets.toUtf16(t.end);
    if (end > errorOffset) break;
    cut = end;
  }
  if (cut <= 0) return { statements: [], error };
  const prefix = text.slice(0, cut);
  const before = pgParse(prefix);
  return { statements: before.ok ? toStatements(prefix, before.stmts, new Utf8Offsets(prefix), 0) : [], error };
}

function toStatements(text: string, stmts: PgRawStmt[], offsets: Utf8Offsets, base: number): PgStatement[] {
  const out: PgStatement[] = [];
  for (const raw of stmts) {
    const startByte = raw.stmt_location ?? 0;
    const start = offsets.toUtf16(startByte);
    let end = raw.stmt_len ? offsets.toUtf16(startByte + raw.stmt_len) : text.length;
    let s = start;
    while (s < end && /\s/.test(text[s]!)) s++;
    while (end > s && /\s/.test(text[end - 1]!)) end--;
    out.push({ node: raw.stmt, span: { start: base + s, end: base + end } });
  }
  return out;
}

/** Comment tokens of a script with UTF-16 offsets (for suppression comments). */
export function postgresComments(text: string): { text: string; start: number; end: number }[] {
  const tokens = pgScan(text);
  if (!tokens) return [];
  const offsets = new Utf8Offsets(text);
  const out: { text: string; start: number; end: number }[] = [];
  for (const t of tokens) {
    if (t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT') continue;
    const start = offsets.toUtf16(t.start);
    const end = offsets.toUtf16(t.end);
    const raw = text.slice(start, end);
    out.push({ text: t.tokenName === 'SQL_COMMENT' ? raw.replace(/^--/, '') : raw.replace(/^\/\*/, '').replace(/\*\/$/, ''), start, end });
  }
  return out;
}
