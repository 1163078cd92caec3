/**
 * The content of a ConfigMap or Secret as per-key fingerprints, so what a
 * revision ran with (a Helm release's stored manifest, a manifest in Git) can
 * be compared with what the cluster holds now without keeping a value: each
 * key maps to the SHA-256 of its bytes. ConfigMap `data` and `binaryData`,
 * Secret `data` (base64) and `stringData` (plain, as the API server merges it
 * into `data`) give the same fingerprint for the same bytes.
 */
import { createHash } from 'node:crypto';

export type ConfigKind = 'ConfigMap' | 'Secret';

/** key → sha256 (hex) of its value's bytes. */
export type ConfigFingerprint = Record<string, string>;

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function strings(value: unknown): [string, unknown][] {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>) : [];
}

/** The fingerprint of a ConfigMap or Secret object as written in a manifest or read from the API. */
export function configFingerprint(kind: ConfigKind, object: { data?: unknown; binaryData?: unknown; stringData?: unknown }): ConfigFingerprint {
  const out: ConfigFingerprint = {};
  if (kind === 'ConfigMap') {
    for (const [k, v] of strings(object.data)) out[k] = sha(Buffer.from(v === null || v === undefined ? '' : String(v), 'utf8'));
    for (const [k, v] of strings(object.binaryData)) out[k] = sha(Buffer.from(String(v ?? ''), 'base64'));
    return out;
  }
  for (const [k, v] of strings(object.data)) out[k] = sha(Buffer.from(String(v ?? ''), 'base64'));
  // The API server writes stringData over data.
  for (const [k, v] of strings(object.stringData)) out[k] = sha(Buffer.from(v === null || v === undefined ? '' : String(v), 'utf8'));
  return out;
}

export interface ConfigDifference {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Which keys differ between what a revision ran with (`then`) and what is there now; undefined when equal. */
export function configDifference(then: ConfigFingerprint, now: ConfigFingerprint): ConfigDifference | undefined {
  const added = Object.keys(now).filter((k) => !(k in then)).sort();
  const removed = Object.keys(then).filter((k) => !(k in now)).sort();
  const changed = Object.keys(then).filter((k) => k in now && now[k] !== then[k]).sort();
  return added.length + removed.length + changed.length === 0 ? undefined : { added, removed, changed };
}

export function differenceText(d: ConfigDifference): string {
  return [d.changed.length ? `changed ${d.changed.join(', ')}` : '', d.added.length ? `added ${d.added.join(', ')}` : '', d.removed.length ? `removed ${d.removed.join(', ')}` : ''].filter(Boolean).join('; ');
}

/**
 * A name that changes with its content: Kustomize's hash suffix (ten
 * characters of its vowel-free alphabet, `app-config-7g9c5d2kbf`) or a
 * version suffix (`app-config-v3`).
 */
export function looksVersioned(name: string): boolean {
  return /-[2456789bcdfghkmt]{10}$/.test(name) || /-v[0-9]+$/.test(name);
}

/** Where a pod spec names a ConfigMap or Secret, with the paths kubectl and the kubelet read. */
export function podConfigReferences(spec: unknown): { kind: ConfigKind; name: string; optional: boolean }[] {
  const out: { kind: ConfigKind; name: string; optional: boolean }[] = [];
  const add = (kind: ConfigKind, name: unknown, optional: unknown) => {
    if (typeof name === 'string' && name && !out.some((r) => r.kind === kind && r.name === name)) out.push({ kind, name, optional: optional === true });
  };
  const s = (spec ?? {}) as { volumes?: unknown[]; containers?: unknown[]; initContainers?: unknown[] };
  for (const v of Array.isArray(s.volumes) ? s.volumes : []) {
    const vol = v as { configMap?: { name?: string; optional?: boolean }; secret?: { secretName?: string; optional?: boolean }; projected?: { sources?: { configMap?: { name?: string; optional?: boolean }; secret?: { name?: string; optional?: boolean } }[] } };
    if (vol.configMap) add('ConfigMap', vol.configMap.name, vol.configMap.optional);
    if (vol.secret) add('Secret', vol.secret.secretName, vol.secret.optional);
    for (const src of vol.projected?.sources ?? []) {
      if (src.configMap) add('ConfigMap', src.configMap.name, src.configMap.optional);
      if (src.secret) add('Secret', src.secret.name, src.secret.optional);
    }
  }
  for (const c of [...(Array.isArray(s.initContainers) ? s.initContainers : []), ...(Array.isArray(s.containers) ? s.containers : [])]) {
    const container = c as { envFrom?: { configMapRef?: { name?: string; optional?: boolean }; secretRef?: { name?: string; optional?: boolean } }[]; env?: { valueFrom?: { configMapKeyRef?: { name?: string; optional?: boolean }; secretKeyRef?: { name?: string; optional?: boolean } } }[] };
    for (const e of container.envFrom ?? []) {
      if (e.configMapRef) add('ConfigMap', e.configMapRef.name, e.configMapRef.optional);
      if (e.secretRef) add('Secret', e.secretRef.name, e.secretRef.optional);
    }
    for (const e of container.env ?? []) {
      if (e.valueFrom?.configMapKeyRef) add('ConfigMap', e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.optional);
      if (e.valueFrom?.secretKeyRef) add('Secret', e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.optional);
    }
  }
  return out;
}
