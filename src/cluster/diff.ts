/**
 * The difference between two pod templates: field by field (lists of named
 * things — containers, env, volumes, ports — matched by name, so reordering is
 * not a change) and as a unified diff of their YAML, for a terminal or an
 * editor's diff view. Pure.
 */
import { stringify } from 'yaml';
import { semanticEqual, type PodTemplate } from './template';

export interface FieldChange {
  /** `spec.containers[web].image`, `metadata.labels.app`, `spec.containers[web].env[LOG_LEVEL].value` */
  path: string;
  change: 'added' | 'removed' | 'changed';
  from?: unknown;
  to?: unknown;
}

export interface TemplateDiff {
  /** No difference (semantically: empty and missing fields are equal). */
  equal: boolean;
  changes: FieldChange[];
  /** Container image changes, the line people look for first. */
  images: { container: string; from?: string; to?: string }[];
  /** Unified diff of the two templates as YAML (keys sorted), 3 lines of context. */
  unified: string;
}

export interface DiffLabels {
  from: string;
  to: string;
}

const NAMED_KEYS = ['name', 'mountPath', 'containerPort', 'devicePath', 'key', 'ip'];

/** The field that names the items of both lists uniquely (containers by name, ports by containerPort, …). */
function keyOf(a: unknown[], b: unknown[]): string | undefined {
  const unique = (items: unknown[], k: string): boolean => {
    if (!items.every((i) => i && typeof i === 'object' && !Array.isArray(i) && (i as Record<string, unknown>)[k] !== undefined)) return false;
    const values = items.map((i) => String((i as Record<string, unknown>)[k]));
    return new Set(values).size === values.length;
  };
  return a.length + b.length > 0 ? NAMED_KEYS.find((k) => unique(a, k) && unique(b, k)) : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function walk(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (semanticEqual(a, b)) return;
  const absent = (v: unknown): boolean => v === undefined || v === null;
  if (absent(a)) return void out.push({ path, change: 'added', to: b });
  if (absent(b)) return void out.push({ path, change: 'removed', from: a });
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = keyOf(a, b);
    if (key) {
      const ma = new Map(a.map((i) => [String((i as Record<string, unknown>)[key]), i]));
      const mb = new Map(b.map((i) => [String((i as Record<string, unknown>)[key]), i]));
      for (const k of new Set([...ma.keys(), ...mb.keys()])) walk(ma.get(k), mb.get(k), `${path}[${k}]`, out);
      return;
    }
    if (a.length === b.length && a.every((v) => !isObject(v) && !Array.isArray(v))) {
      out.push({ path, change: 'changed', from: a, to: b });
      return;
    }
    if (a.length === b.length) {
      a.forEach((v, i) => walk(v, b[i], `${path}[${i}]`, out));
      return;
    }
  }
  out.push({ path, change: 'changed', from: a, to: b });
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined && v[k] !== null) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

function yamlLines(template: PodTemplate): string[] {
  return stringify(sortKeys(template), { lineWidth: 0 }).trimEnd().split('\n');
}

/** Longest-common-subsequence line diff; templates are a few hundred lines at most. */
function lineDiff(a: string[], b: string[]): { op: ' ' | '-' | '+'; line: string }[] {
  const n = a.length;
  const m = b.length;
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) out.push({ op: '-', line: a[i++]! });
    else out.push({ op: '+', line: b[j++]! });
  }
  while (i < n) out.push({ op: '-', line: a[i++]! });
  while (j < m) out.push({ op: '+', line: b[j++]! });
  return out;
}

export function unifiedDiff(a: string[], b: string[], labels: DiffLabels, context = 3): string {
  const ops = lineDiff(a, b);
  if (!ops.some((o) => o.op !== ' ')) return '';
  const lines = [`--- ${labels.from}`, `+++ ${labels.to}`];
  // Group changes into hunks with `context` lines around them.
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.op === ' ') k++;
    if (k >= ops.length) break;
    let start = Math.max(0, k - context);
    let end = k;
    for (;;) {
      while (end < ops.length && ops[end]!.op !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.op === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    end = Math.min(ops.length, end + context);
    let aStart = 1;
    let bStart = 1;
    for (let x = 0; x < start; x++) {
      if (ops[x]!.op !== '+') aStart++;
      if (ops[x]!.op !== '-') bStart++;
    }
    const hunk = ops.slice(start, end);
    const aLen = hunk.filter((o) => o.op !== '+').length;
    const bLen = hunk.filter((o) => o.op !== '-').length;
    lines.push(`@@ -${aLen ? aStart : aStart - 1},${aLen} +${bLen ? bStart : bStart - 1},${bLen} @@`);
    for (const o of hunk) lines.push(`${o.op}${o.line}`);
    k = end;
    start = end;
  }
  return `${lines.join('\n')}\n`;
}

export function diffTemplates(from: PodTemplate, to: PodTemplate, labels: DiffLabels = { from: 'from', to: 'to' }): TemplateDiff {
  const changes: FieldChange[] = [];
  walk(from, to, '', changes);
  const images: TemplateDiff['images'] = [];
  const containers = (t: PodTemplate): Map<string, string | undefined> => {
    const spec = (t.spec ?? {}) as { containers?: { name: string; image?: string }[]; initContainers?: { name: string; image?: string }[] };
    return new Map([...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => [c.name, c.image]));
  };
  const ca = containers(from);
  const cb = containers(to);
  for (const name of new Set([...ca.keys(), ...cb.keys()])) {
    const a = ca.get(name);
    const b = cb.get(name);
    if (a !== b) images.push({ container: name, ...(a !== undefined ? { from: a } : {}), ...(b !== undefined ? { to: b } : {}) });
  }
  return { equal: changes.length === 0, changes, images, unified: changes.length === 0 ? '' : unifiedDiff(yamlLines(from), yamlLines(to), labels) };
}
