/** Loose readers for the parsers' JSON syntax trees: a wrong shape reads as absent, never throws. */
export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Control characters, which JSON allows only escaped. */
const CONTROL = /[\u0000-\u001f]/g;

/**
 * JSON a parser printed (libpg_query's parse tree and tokens). It copies the
 * source's characters into strings as they are, so a control character in
 * the SQL (a stray 0x1F byte) would make the JSON invalid; escaping them
 * reads them as the characters they are. The printers emit no whitespace
 * between tokens, so every control character is inside a string.
 */
export function parseParserJson(text: string): unknown {
  CONTROL.lastIndex = 0;
  const escaped = CONTROL.test(text) ? text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
  return JSON.parse(escaped);
}
