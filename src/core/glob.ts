/**
 * Globs from a repository's configuration (`ignore`, `migrations.paths`,
 * `migrations.dialects`, `production.contexts`), matched without regular
 * expressions. A glob compiled to a regular expression can backtrack for
 * ever on a crafted pattern (`**\/@(a+|a)+b`, `*a*a*a*a*a*b`); this matcher
 * walks the pattern and the text with the classic two-pointer wildcard
 * algorithm, so a match costs at most (pattern length × text length) steps
 * whatever the pattern.
 *
 * Supported, as picomatch reads them with `dot: true`: `*` (any run within a
 * path segment), `**` as a whole segment (any number of segments, none
 * included), `?` (one character), `[abc]`, `[a-z]`, `[!…]`/`[^…]`, `{a,b}`
 * (nested too), `\` escapes, a leading `./`, and a leading `!` that negates.
 * Extended globs (`@(…)`, `+(…)`, `*(…)`, `?(…)`, `!(…)`) and brace ranges
 * (`{1..9}`) are refused with a GlobError saying so.
 */

export class GlobError extends Error {
  override name = 'GlobError';
}

type Token = { kind: 'char'; c: string } | { kind: 'one' } | { kind: 'star' } | { kind: 'class'; negated: boolean; items: ([string, string])[] };

type Segment = { kind: 'globstar' } | { kind: 'tokens'; tokens: Token[] };

export interface GlobOptions {
  /** Path globs: `*` stays within a segment and `**` crosses them. Otherwise `*` matches any run, `/` included (kube context names). */
  paths: boolean;
  /** Compare case-insensitively (context names). */
  ignoreCase?: boolean;
}

/** At most this many alternatives after expanding braces. */
const MAX_ALTERNATIVES = 256;
/** Patterns longer than this are refused (a glob is a short thing). */
const MAX_PATTERN = 1024;

/** Splits `{a,b}` alternatives (nested braces too) into plain patterns. */
function expandBraces(pattern: string, out: string[] = []): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // A class never holds a brace that counts.
      const close = pattern.indexOf(']', i + 2);
      if (close > 0) i = close;
      continue;
    }
    if (c === '{') {
      if (depth++ === 0) open = i;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      const body = pattern.slice(open + 1, i);
      if (/^-?\d+\.\.-?\d+$|^[a-z]\.\.[a-z]$/i.test(body)) throw new GlobError(`brace ranges like {${body}} are not supported; list the alternatives ({a,b,c})`);
      const parts = splitTop(body);
      // `{a}` without a comma is literal, as in picomatch.
      if (parts.length === 1) continue;
      for (const part of parts) {
        expandBraces(`${pattern.slice(0, open)}${part}${pattern.slice(i + 1)}`, out);
        if (out.length > MAX_ALTERNATIVES) throw new GlobError(`braces expand to more than ${MAX_ALTERNATIVES} patterns`);
      }
      return out;
    }
  }
  out.push(pattern);
  return out;
}

/** The comma-separated parts of a brace body, at its own level. */
function splitTop(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

function tokenize(text: string, paths: boolean): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if ('@+!?*'.includes(c) && next === '(') throw new GlobError(`extended glob patterns like ${c}(…) are not supported`);
    if (c === '\\' && next !== undefined) {
      tokens.push({ kind: 'char', c: next });
      i++;
    } else if (c === '*') {
      // Several stars in a row are one (a lone `**` segment is handled by the caller).
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '[') {
      const close = text.indexOf(']', i + 2);
      if (close < 0) {
        tokens.push({ kind: 'char', c });
        continue;
      }
      let body = text.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const items: [string, string][] = [];
      for (let j = 0; j < body.length; j++) {
        const from = body[j] === '\\' && j + 1 < body.length ? body[++j]! : body[j]!;
        if (body[j + 1] === '-' && j + 2 < body.length) {
          items.push([from, body[j + 2]!]);
          j += 2;
        } else items.push([from, from]);
      }
      tokens.push({ kind: 'class', negated, items });
      i = close;
    } else tokens.push({ kind: 'char', c });
  }
  void paths;
  return tokens;
}

function tokenMatches(token: Token, c: string, paths: boolean): boolean {
  switch (token.kind) {
    case 'char':
      return token.c === c;
    case 'one':
      return !paths || c !== '/';
    case 'class': {
      if (paths && c === '/') return false;
      const inside = token.items.some(([from, to]) => c >= from && c <= to);
      return inside !== token.negated;
    }
    default:
      return false;
  }
}

/** Wildcard match of one token list against `s`: greedy, backtracking only to the last star (at most |tokens|·|s| steps). */
function matchTokens(tokens: readonly Token[], s: string, paths: boolean): boolean {
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < s.length) {
    const token = tokens[t];
    if (token && token.kind === 'star') {
      starT = t++;
      starI = i;
    } else if (token && tokenMatches(token, s[i]!, paths)) {
      t++;
      i++;
    } else if (starT >= 0 && !(paths && s[starI] === '/')) {
      t = starT + 1;
      i = ++starI;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

/** The same algorithm one level up: `**` segments against path segments. */
function matchSegments(segments: readonly Segment[], parts: readonly string[], paths: boolean): boolean {
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < parts.length) {
    const segment = segments[p];
    if (segment && segment.kind === 'globstar') {
      starP = p++;
      starI = i;
    } else if (segment && matchTokens(segment.tokens, parts[i]!, paths)) {
      p++;
      i++;
    } else if (starP >= 0) {
      p = starP + 1;
      i = ++starI;
    } else return false;
  }
  while (segments[p]?.kind === 'globstar') p++;
  return p === segments.length;
}

/** A matcher for one glob (see the module comment); throws GlobError for what it does not support. */
export function compileGlob(glob: string, options: GlobOptions): (text: string) => boolean {
  if (glob.length > MAX_PATTERN) throw new GlobError(`a glob longer than ${MAX_PATTERN} characters is not supported`);
  let pattern = glob;
  let negated = false;
  if (pattern.startsWith('!') && pattern[1] !== '(') {
    negated = true;
    pattern = pattern.slice(1);
  }
  if (options.paths) pattern = pattern.replace(/^(\.\/)+/, '');
  const fold = (s: string) => (options.ignoreCase ? s.toLowerCase() : s);
  const alternatives = expandBraces(fold(pattern)).map((alternative) =>
    options.paths
      ? alternative.split('/').map((part): Segment => (part === '**' ? { kind: 'globstar' } : { kind: 'tokens', tokens: tokenize(part, true) }))
      : [{ kind: 'tokens', tokens: tokenize(alternative, false) } as Segment],
  );
  return (text: string) => {
    const subject = fold(options.paths ? text.replace(/\\/g, '/') : text);
    const parts = options.paths ? subject.split('/') : [subject];
    const hit = alternatives.some((segments) => matchSegments(segments, parts, options.paths));
    return hit !== negated;
  };
}

/** One matcher for several globs (any matches). */
export function compileGlobs(globs: readonly string[], options: GlobOptions): (text: string) => boolean {
  const matchers = globs.map((g) => compileGlob(g, options));
  return (text) => matchers.some((m) => m(text));
}
