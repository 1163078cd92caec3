/**
 * Secrets never reach a log or an evidence record: bearer tokens, passwords,
 * kubeconfig key material, JWTs, and any literal the caller knows is secret
 * (the current credential). Pure text in, text out.
 */

const MASK = '«redacted»';

/** Values that must never reach a log: bearer tokens, passwords, base64 blobs after secret-looking keys. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /(authorization:\s*bearer\s+)[^\s"']+/gi,
  /(["']?authorization["']?\s*[:=]\s*["']?(?:bearer|basic)\s+)[^\s"',}]+/gi,
  /((?:token|password|passwd|secret|client-key-data|client-certificate-data|id-token|refresh-token|access-token)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
  // JSON Web Tokens (service-account and OIDC tokens) wherever they appear.
  /()\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  // PEM private keys.
  /()-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/**
 * Masks secrets in `text`. `known` lists literal secrets (a token read from
 * the kubeconfig, an exec plugin's credential) that are masked wherever they
 * appear, whatever the surrounding text looks like.
 */
export function redact(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of known) {
    // Short strings would mask ordinary words.
    if (secret && secret.length >= 8) out = out.split(secret).join(MASK);
  }
  return SECRET_PATTERNS.reduce((acc, re) => acc.replace(re, `$1${MASK}`), out);
}

/** `redact` applied to every string inside a JSON-like value (keys kept), for records written to disk. */
export function redactValue<T>(value: T, known: readonly (string | undefined)[] = []): T {
  if (typeof value === 'string') return redact(value, known) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, known)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = /^(token|password|secret|client-key-data|client-certificate-data|authorization)$/i.test(k) && typeof v === 'string' ? MASK : redactValue(v, known);
    }
    return out as T;
  }
  return value;
}
