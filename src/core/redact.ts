/**
 * The redaction layer. Everything Rollback Guard prints or writes passes
 * through `redact` last: the CLI's standard output and error (every format),
 * reports and evidence files, the editor's messages, documents and log. It
 * masks, wherever they appear:
 * - secrets the process learned (`rememberSecret`: a kubeconfig credential,
 *   a Secret's data, an env value of a pod template) and literals a caller
 *   passes;
 * - SQL credentials (`PASSWORD '…'`, `IDENTIFIED BY '…'`, a bare or
 *   unterminated password), passwords in connection URLs (`user:password@`);
 * - values under secret-looking keys (`password: …`, `"apiKey": "…"`,
 *   `--db-password=…`, `--token …`), bearer and basic credentials;
 * - well-known token formats (JWTs, PEM private keys, GitHub, GitLab, Slack,
 *   AWS and Stripe keys).
 * Structured data is masked before it is rendered (`redactObject`,
 * `redactHelmValues`): every env value of a pod template that is not a
 * reference, Secret data, and secret-looking values.
 *
 * Every expression here runs on whole outputs: none can backtrack on a long
 * input (no nested or overlapping repetition; a key must start a token).
 */

export const MASK = '«redacted»';

/** Words that make a key, env var or flag name a secret's (`DB_PASSWORD`, `db.pwd`, `apiKey`, `--token`, `basicAuth`, `sentryDsn`). */
const SECRET_WORD = /(password|passwd|passphrase|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|client[-_]?key|key[-_]?data|credential|auth(?!or)|dsn|webhook|cookie|(?:^|[-_.])pass(?:$|[-_.])|(?:^|[-_.])pat(?:$|[-_.]))/i;
/** Names that refer to a secret rather than hold one (`secretName`, `secretKeyRef`, `tokenExpirationSeconds`). */
const REFERENCE_NAME = /(name|names|ref|refs|path|file|seconds|namespace|mode|policy|type|enabled)$/i;

/** Whether a key, env var or flag name says its value is a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_WORD.test(name) && !REFERENCE_NAME.test(name);
}

/** Kept for callers that test names with a RegExp. */
export const SECRET_NAME = { test: (name: string) => isSecretName(name) };

interface Pattern {
  re: RegExp;
  /** Replacement (`$1` keeps a prefix). */
  to: string;
}

const PATTERNS: readonly Pattern[] = [
  // PEM private keys and JWTs, whole.
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, to: MASK },
  // A JWT starts where a run of its characters starts (not retried inside a long run such as `eyJaaaa-eyJaaaa-…`).
  { re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, to: MASK },
  // Provider token formats.
  { re: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|[rs]k_live_[A-Za-z0-9]{10,}|AIza[0-9A-Za-z_-]{35})/g, to: MASK },
  { re: /(hooks\.slack\.com\/(?:services|workflows)\/)[A-Za-z0-9/_-]+/g, to: `$1${MASK}` },
  // Authorization headers.
  { re: /(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+)[^\s"',}]+/gi, to: `$1${MASK}` },
  { re: /(\bbearer\s+)(?!«)[A-Za-z0-9._~+/=-]{8,}/gi, to: `$1${MASK}` },
  // Passwords in URLs (`postgres://app:pw@db`, `jdbc:mysql://u:p@h`), and a token as the whole user part (`https://TOKEN@host`).
  { re: /((?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s/@:"'<>]+:)[^\s/@"'<>]+@/gi, to: `$1${MASK}@` },
  { re: /(\bhttps?:\/\/)(?!git@)[^\s/@:"'<>]{8,}@/gi, to: `$1${MASK}@` },
  // SQL: CREATE/ALTER USER|ROLE … PASSWORD '…' (quoted, possibly unterminated to the end of the text), IDENTIFIED [WITH plugin] BY|AS '…'.
  { re: /(\b(?:ENCRYPTED\s+|UNENCRYPTED\s+)?PASSWORD(?:\s*=\s*|\s+))(?:'(?:[^']|'')*'?|"[^"]*"?|\$\$[\s\S]*?(?:\$\$|$))/gi, to: `$1${MASK}` },
  { re: /(\bIDENTIFIED\s+(?:WITH\s+[\w'"]+\s+)?(?:BY|AS)\s+(?:PASSWORD\s+)?)(?:'(?:[^']|'')*'?|"[^"]*"?|[^\s;,)]+)/gi, to: `$1${MASK}` },
  // A bare word after PASSWORD in SQL (`WITH PASSWORD hunter2`): the uppercase keyword, so prose is left alone.
  { re: /(\bPASSWORD\s+)(?!«|NULL\b)([A-Za-z0-9_$#@!%^*+~-]{4,})/g, to: `$1${MASK}` },
];

/** A YAML key, JSON key, env assignment or `--flag=`: the name, then `:` or `=`. */
const ASSIGNMENT = /(?<![\w.-])([\w.-]+)(\\?["']?)[ \t]*([:=])[ \t]*/g;
/** A `--flag` followed by its value as the next argument (`--token X`, `"--token", "X"`). */
const FLAG = /(?<![\w-])(--?[\w-]+)(?:[ \t]+|\\?["'][ \t]*,[ \t]*\\?["'])(?=[^\s"',\]-])/g;
/** The value after an assignment: quoted (JSON-escaped quotes too), or bare up to a delimiter (a backslash too: in JSON it escapes what follows). */
const VALUE = /\\?"(?:[^"\\\n]|\\[^"\n])*(?:\\?"|(?=\n)|$)|'[^'\n]*(?:'|(?=\n)|$)|[^\s"',;{}[\]\)&\\]+/y;
/** A YAML block scalar indicator (`|`, `>-`) ending its line: the value is on the more-indented lines below. */
const BLOCK = /[|>][-+0-9]*[ \t]*(?:\n|$)/y;
/** An image tag (or a line number): what follows `name:` in an image reference or a file position. */
const TAG = /[\w][\w.-]{0,127}/y;

/**
 * Whether `name:` at `start`, directly followed by a tag at `at`, is an image
 * reference (`quay.io/org/oauth2-proxy:latest`, `vmauth:1.2`) or a file
 * position (`templates/secrets.yaml:4`) rather than a secret's assignment:
 * the name ends a path, or it is a lowercase image name whose tag is a version.
 */
function isReference(text: string, start: number, name: string, at: number): boolean {
  TAG.lastIndex = at;
  const tag = TAG.exec(text)?.[0];
  if (!tag) return false;
  const rest = text.slice(at + tag.length, at + tag.length + 8);
  // `user:password@host` is a credential; `name:tag@sha256:…` is an image.
  if (rest.startsWith('@') ? !rest.startsWith('@sha256:') : /^[^\s`"',;)\]}>:]/.test(rest)) return false;
  if (text[start - 1] === '/') return true;
  return /^[a-z0-9]+(?:[._-]+[a-z0-9]+)*$/.test(name) && /^(?:v?\d+(?:\.\d+)*(?:[-+_.][\w.-]*)?|latest)$/.test(tag);
}

/**
 * Masks the values of secret-looking assignments and flags. A scan, not one
 * expression: each candidate name is found once, checked, and only then is
 * its value matched where it starts.
 */
function maskAssignments(text: string): string {
  /** Start, end, and whether a bare value stands in JSON (`"key": 123`): its mask is quoted to keep the JSON valid. */
  const cuts: [number, number, boolean][] = [];
  ASSIGNMENT.lastIndex = 0;
  for (let m = ASSIGNMENT.exec(text); m; m = ASSIGNMENT.exec(text)) {
    if (!isSecretName(m[1]!)) continue;
    const at = m.index + m[0].length;
    if (text.startsWith(MASK, at)) continue;
    if (m[0] === `${m[1]}:` && isReference(text, m.index, m[1]!, at)) continue;
    BLOCK.lastIndex = at;
    if (m[3] === ':' && BLOCK.test(text)) {
      // Lines indented more than the key's line belong to the block.
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      const indent = /^[ \t]*/.exec(text.slice(lineStart, m.index + 1))![0].length;
      let end = BLOCK.lastIndex;
      const first = end;
      while (end < text.length) {
        const next = text.indexOf('\n', end);
        const line = text.slice(end, next < 0 ? text.length : next);
        if (line.trim() !== '' && /^[ \t]*/.exec(line)![0].length <= indent) break;
        end = next < 0 ? text.length : next + 1;
      }
      if (end > first) cuts.push([first, text[end - 1] === '\n' ? end - 1 : end, false]);
      ASSIGNMENT.lastIndex = Math.max(ASSIGNMENT.lastIndex, end);
      continue;
    }
    VALUE.lastIndex = at;
    const value = VALUE.exec(text);
    if (value && value[0].length > 0) {
      cuts.push([at, at + value[0].length, m[2]!.endsWith('"')]);
      ASSIGNMENT.lastIndex = at + value[0].length;
    }
  }
  FLAG.lastIndex = 0;
  for (let m = FLAG.exec(text); m; m = FLAG.exec(text)) {
    if (!isSecretName(m[1]!)) continue;
    const at = m.index + m[0].length;
    if (text.startsWith(MASK, at)) continue;
    VALUE.lastIndex = at;
    const value = VALUE.exec(text);
    if (value && value[0].length > 0) cuts.push([at, at + value[0].length, false]);
  }
  if (cuts.length === 0) return text;
  cuts.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  for (const [start, end, json] of cuts) {
    if (start < from) continue;
    const quoted = /^\\?["']/.exec(text.slice(start, end));
    const q = quoted?.[0] ?? (json ? '"' : '');
    const closes = !quoted || (text.slice(start, end).endsWith(q.slice(-1)) && end - start > q.length);
    out += text.slice(from, start) + (q ? `${q}${MASK}${closes ? q : ''}` : MASK);
    from = end;
  }
  return out + text.slice(from);
}

/** Secrets this process has learned (credentials, Secret data, env values); masked in every output. */
const remembered = new Set<string>();
/** Remembered since the last drain: what an analysis thread passes to the thread that prints. */
let fresh: string[] = [];

/** The secrets remembered since the last call (an analysis worker sends them with its findings). */
export function drainRememberedSecrets(): string[] {
  const out = fresh;
  fresh = [];
  return out;
}

/** Short values would mask ordinary words. */
const MIN_LITERAL = 6;

/** Masks `value` in every later output of this process (values shorter than six characters are masked only where structure says so). */
export function rememberSecret(value: unknown): void {
  if (typeof value !== 'string') return;
  for (const line of value.split('\n')) {
    const t = line.trim();
    if (t.length >= MIN_LITERAL && t !== MASK && !remembered.has(t)) {
      remembered.add(t);
      fresh.push(t);
    }
  }
}

/**
 * Masks secrets in `text`. `known` lists literal secrets (a token read from
 * the kubeconfig, an exec plugin's credential) masked wherever they appear;
 * so is everything `rememberSecret` was given.
 */
export function redact(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text;
  const literals = [...known.filter((s): s is string => !!s && s.length >= MIN_LITERAL), ...remembered];
  // Longest first: a secret that contains another is masked whole.
  literals.sort((a, b) => b.length - a.length);
  for (const secret of literals) if (out.includes(secret)) out = out.split(secret).join(MASK);
  for (const { re, to } of PATTERNS) out = out.replace(re, to);
  return maskAssignments(out);
}

/**
 * Remembers the credentials a SQL text holds (`PASSWORD '…'`, a bare or
 * unterminated one, `IDENTIFIED [WITH plugin] BY '…'`), so whatever quotes them
 * later — a parser's error excerpt, a rule message — is masked.
 */
export function rememberSqlCredentials(sql: string): void {
  if (!/PASSWORD|IDENTIFIED/i.test(sql)) return;
  const literal = /\b(?:PASSWORD(?:\s*=\s*|\s+)|IDENTIFIED\s+(?:WITH\s+[\w'"]+\s+)?(?:BY|AS)\s+(?:PASSWORD\s+)?)(?:'((?:[^']|'')*)'?|"([^"]*)"?|([A-Za-z0-9_$#@!%^*+~-]{4,}))/gi;
  for (const m of sql.matchAll(literal)) {
    const value = m[1] ?? m[2] ?? m[3];
    if (value && !/^(NULL|VALID|UNTIL|ENCRYPTED)$/i.test(value)) rememberSecret(value.split('\n')[0]!.replace(/''/g, "'"));
  }
}

/** `redact` applied to every string inside a JSON-like value, and values under secret-looking keys masked whole. */
export function redactValue<T>(value: T, known: readonly (string | undefined)[] = []): T {
  if (typeof value === 'string') return redact(value, known) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, known)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) && (typeof v === 'string' || typeof v === 'number') ? MASK : redactValue(v, known);
    return out as T;
  }
  return value;
}

// ---------------------------------------------------------------- structure

type Json = unknown;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Every scalar below `v` masked (and remembered). */
function maskAll(v: Json): Json {
  if (Array.isArray(v)) return v.map(maskAll);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskAll(x)]));
  if (v === null || v === undefined || v === '') return v;
  rememberSecret(String(v));
  return MASK;
}

/** An argument list with the value of every secret-looking flag masked (`--token X`, `--db-password=X`). */
function maskArgs(args: unknown[]): unknown[] {
  const isFlag = (s: string) => /^--?[\w-]+$/.test(s) && isSecretName(s);
  return args.map((a, i) => {
    if (typeof a !== 'string') return a;
    const eq = a.indexOf('=');
    if (a.startsWith('-') && eq > 0 && isFlag(a.slice(0, eq))) {
      rememberSecret(a.slice(eq + 1));
      return `${a.slice(0, eq + 1)}${MASK}`;
    }
    const previous = args[i - 1];
    if (typeof previous === 'string' && isFlag(previous) && !a.startsWith('-')) {
      rememberSecret(a);
      return MASK;
    }
    return redact(a);
  });
}

/** A string that holds JSON (the last-applied-configuration annotation repeats a whole object): redacted inside. */
function maskJsonString(s: string, inSecret: boolean): string {
  const t = s.trim();
  if (!((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']')))) return s;
  try {
    return JSON.stringify(visitObject(JSON.parse(t), inSecret));
  } catch {
    return s;
  }
}

function visitObject(v: Json, inSecret = false): Json {
  if (Array.isArray(v)) return v.map((x) => visitObject(x, inSecret));
  if (typeof v === 'string') return maskJsonString(v, inSecret);
  if (!isObject(v)) return v;
  const secret = v.kind === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (secret && (k === 'data' || k === 'stringData') && isObject(x)) out[k] = maskAll(x);
    // Pod template env: every value that is not a reference (valueFrom).
    else if (k === 'env' && Array.isArray(x)) out[k] = x.map((e) => (isObject(e) && 'value' in e && e.value !== undefined && e.value !== null ? { ...visitObject(e, secret) as object, value: maskAll(e.value) } : visitObject(e, secret)));
    else if ((k === 'args' || k === 'command') && Array.isArray(x)) out[k] = maskArgs(x);
    else if (isSecretName(k) && (typeof x === 'string' || typeof x === 'number')) out[k] = maskAll(x);
    else out[k] = visitObject(x, secret);
  }
  // Any {name, value} pair whose name looks secret (Helm `extraEnv`, container-like lists in CRDs).
  if (typeof v.name === 'string' && typeof v.value === 'string' && isSecretName(v.name)) out.value = maskAll(v.value);
  return out;
}

/**
 * A copy of a Kubernetes object (or pod template, patch, list) safe to show:
 * Secret `data`/`stringData` masked (in lists too), every pod-template env
 * value masked unless it is a reference (`valueFrom`), the value of every
 * secret-looking flag in `args`/`command`, values under secret-looking keys,
 * and the same inside JSON held in strings. The masked values are remembered,
 * so they are masked in any other output too. The original is not changed.
 */
export function redactObject<T>(value: T): T {
  return visitObject(value) as T;
}

/**
 * Helm release values safe to show: everything under a secret-looking key
 * (`db.password`, `apiKey`, `tls.key`, `smtp.pass`, `sentryDsn`), `{name,
 * value}` env entries, and secret-looking values anywhere (URLs with
 * credentials, `key=value` strings, JSON strings) masked.
 */
export function redactHelmValues<T>(values: T): T {
  const visit = (v: Json, trail: string[]): Json => {
    if (Array.isArray(v)) return v.map((x) => visit(x, trail));
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const tlsKey = /^(key|crt|cert|ca)$/i.test(k) && trail.some((t) => /tls|ssl|cert/i.test(t)) && k.toLowerCase() === 'key';
        out[k] = isSecretName(k) || tlsKey ? maskAll(x) : visit(x, [...trail, k]);
      }
      if (typeof v.name === 'string' && 'value' in v && typeof v.value !== 'object') out.value = maskAll(v.value);
      return out;
    }
    if (typeof v === 'string') {
      const inner = maskJsonString(v, false);
      return inner !== v ? inner : redact(v);
    }
    return v;
  };
  return visit(values, []) as T;
}
