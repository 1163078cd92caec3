/**
 * Helm release history read natively from the release Secrets, the way Helm's
 * own Secrets storage driver reads them (helm.sh/helm/v3 pkg/storage/driver
 * secrets.go, util.go): Secrets labelled `owner=helm`, named
 * `sh.helm.release.v1.<name>.v<N>`, type `helm.sh/release.v1`, whose
 * `data.release` holds base64(gzip(JSON of the release)) — base64 once more
 * in the API's JSON, as every Secret value is. A release's history is the
 * Secrets labelled `name=<release>,owner=helm` (storage.History); the fields
 * are what `helm history -o json` prints: revision, updated (info.last_deployed),
 * status, chart (`<name>-<version>`), app_version, description.
 *
 * Pure: Secrets in, histories out. Manifests and values are kept for diffs,
 * with secret-looking values redacted.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Document } from 'yaml';
import { isSecretName, MASK, redact, redactHelmValues, rememberSecret } from '../core/redact';
import { boundAliases } from '../core/yaml/aliases';
import type { KubeObject } from './client';
import { fail, ok, type Result } from './errors';
import { detectGitOps, type GitOpsOwner } from './gitops';
import { refText, type ReleaseRef } from './kinds';
import type { ContainerImage } from './template';
import { configFingerprint, podConfigReferences, type ConfigFingerprint, type ConfigKind } from '../core/k8s/configContent';

/** The label selector Helm lists its release Secrets with. */
export const HELM_OWNER_SELECTOR = 'owner=helm';
export const HELM_SECRET_TYPE = 'helm.sh/release.v1';

/** The part of Helm's release JSON (pkg/release.Release) this reads. */
export interface HelmReleaseRecord {
  name?: string;
  namespace?: string;
  version?: number;
  info?: { first_deployed?: string; last_deployed?: string; deleted?: string; description?: string; status?: string; notes?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string; description?: string } | null; files?: { name?: string; data?: string }[] | null } | null;
  config?: Record<string, unknown> | null;
  manifest?: string;
  hooks?: { name?: string; kind?: string; path?: string; events?: string[] }[] | null;
}

export interface ReleaseRevision {
  revision: number;
  /** deployed, superseded, failed, pending-rollback, … */
  status: string;
  /** `<chart name>-<chart version>`, or `MISSING` as helm prints it when the chart metadata is gone. */
  chart: string;
  chartName?: string;
  chartVersion?: string;
  /** The chart's appVersion ("" when it has none; `MISSING` without chart metadata). */
  appVersion: string;
  description: string;
  /** info.last_deployed as Helm stored it ("" when unset): what `helm history -o json` prints as `updated`. */
  updated: string;
  firstDeployed?: string;
  /** The Secret that stores it. */
  secret: { name: string; uid: string; resourceVersion: string };
  /** Helm's status says this revision is the one deployed. */
  live: boolean;
  /** Images of the workloads in its manifest. */
  images: ContainerImage[];
  /** The rendered manifest, secret-looking values redacted. */
  manifest: string;
  /** The values given at install/upgrade (`helm get values`), secret-looking values redacted. */
  values: Record<string, unknown>;
  /** Hook names and events (`helm rollback` runs pre/post-rollback hooks unless --no-hooks). */
  hooks: string[];
  /** The objects of its manifest (ConfigMaps and Secrets as key fingerprints, never values). */
  objects: ManifestObject[];
  /** CRDs the chart ships in crds/ (helm installs them once and never upgrades or rolls them back). */
  chartCrds: string[];
}

export interface ReleaseHistory {
  ref: ReleaseRef;
  /** Ascending by revision. */
  revisions: ReleaseRevision[];
  /** The highest revision: what `helm rollback` rolls back from and numbers after. */
  currentRevision?: number;
  /** The revision whose status is `deployed`, when one is. */
  liveRevision?: number;
  /** Status, chart and app version of the highest revision. */
  status: string;
  chart: string;
  appVersion: string;
  images: ContainerImage[];
  /** Argo CD or Flux ownership found on the objects the release deploys (Flux helm-controller labels them). */
  gitops: GitOpsOwner[];
  /** Release Secrets that could not be decoded (Helm skips them too). */
  undecodable: string[];
  /** The Secrets' resourceVersions, joined: changes whenever any revision changes. */
  signature: string;
}

// ---------------------------------------------------------------- decoding

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];

/**
 * A release from a Secret's `data.release` as the API returns it: base64 of
 * Helm's base64 of gzip(JSON). Releases written before Helm compressed them
 * are plain JSON under Helm's base64 (decodeRelease checks the gzip magic).
 */
export function decodeReleaseData(data: string): Result<HelmReleaseRecord> {
  try {
    const helmEncoded = Buffer.from(data, 'base64').toString('latin1');
    let bytes = Buffer.from(helmEncoded, 'base64');
    if (bytes.length > 3 && GZIP_MAGIC.every((b, i) => bytes[i] === b)) bytes = gunzipSync(bytes);
    const record = JSON.parse(bytes.toString('utf8')) as HelmReleaseRecord;
    if (!record || typeof record !== 'object') return fail('invalid', 'the release data is not a JSON object', 'The Secret was not written by Helm.');
    return ok(record);
  } catch (error) {
    return fail('invalid', `the release data cannot be decoded: ${(error as Error).message}`, 'The Secret was not written by Helm 3, or it is damaged.');
  }
}

/** What Helm writes: base64(gzip(JSON)), then the API's base64 of that. For tests and fixtures. */
export function encodeReleaseData(record: HelmReleaseRecord, gzipped = true): string {
  const json = Buffer.from(JSON.stringify(record), 'utf8');
  const helm = (gzipped ? gzipSync(json) : json).toString('base64');
  return Buffer.from(helm, 'latin1').toString('base64');
}

/** A decoded release Secret, with the labels Helm's storage driver reads back. */
export interface DecodedRelease {
  secret: KubeObject;
  record: HelmReleaseRecord;
}

/** Decodes a release Secret, reusing an earlier decode of the same resourceVersion (a watch re-delivers them). */
export function decodeReleaseSecret(secret: KubeObject, cache?: Map<string, { rv: string; decoded: Result<HelmReleaseRecord> }>): Result<HelmReleaseRecord> {
  const key = secret.metadata.uid ?? `${secret.metadata.namespace}/${secret.metadata.name}`;
  const rv = secret.metadata.resourceVersion ?? '';
  const hit = cache?.get(key);
  if (hit && hit.rv === rv) return hit.decoded;
  const data = (secret.data as Record<string, string> | undefined)?.release;
  const decoded = data ? decodeReleaseData(data) : fail('invalid', `Secret ${secret.metadata.name} has no data.release`, 'It is labelled owner=helm but holds no release.');
  cache?.set(key, { rv, decoded });
  return decoded;
}

// ---------------------------------------------------------------- redaction

/** Release values safe to show: see redactHelmValues. */
export function redactValues<T>(values: T): T {
  return redactHelmValues(values);
}

/** Marks a scalar node masked, remembering what it held (so the value is masked in any other output). */
function maskScalar(node: unknown): void {
  if (!isScalar(node) || node.value === null || node.value === '' || node.value === MASK) return;
  rememberSecret(String(node.value));
  node.value = MASK;
}

/** Every `value:` line masked (`- value: x`, `  value: x`), line by line: the fallback for a manifest that does not parse. */
function maskValueLines(manifest: string): string {
  return manifest
    .split('\n')
    .map((line) => {
      const m = /^([ \t]*(?:-[ \t]*)?value[ \t]*:[ \t]*)\S/.exec(line);
      return m ? `${m[1]}${MASK}` : line;
    })
    .join('\n');
}

/**
 * A rendered manifest safe to show: Secret `data`/`stringData` (a Secret in a
 * List too), every env value that is not a reference (`valueFrom`), the value
 * after a secret-looking flag in `args`/`command`, and values under
 * secret-looking keys (a ConfigMap's `password: |` block too) masked, then
 * credentials anywhere redacted. Comments (`# Source: …`) and document order
 * stay, for diffs.
 */
export function redactManifest(manifest: string): string {
  if (!manifest.trim()) return manifest;
  const docs = boundAliases(parseAllDocuments(manifest) as Document.Parsed[]);
  const out: string[] = [];
  for (const doc of docs) {
    // What cannot be parsed is masked line by line: every `value:` and every secret-looking key.
    if (doc.errors.length > 0) return redact(maskValueLines(manifest));
    visit(doc, {
      Pair(_key, pair, path) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        const parent = path[path.length - 1];
        if ((key === 'data' || key === 'stringData') && isMap(pair.value) && isMap(parent) && parent.get('kind') === 'Secret') {
          for (const item of pair.value.items) if (isPair(item)) maskScalar(item.value);
          return visit.SKIP;
        }
        if (key === 'env' && isSeq(pair.value)) {
          for (const item of pair.value.items) if (isMap(item)) maskScalar(item.get('value', true));
          return undefined;
        }
        if ((key === 'args' || key === 'command') && isSeq(pair.value)) {
          const items = pair.value.items;
          items.forEach((item, i) => {
            if (!isScalar(item) || typeof item.value !== 'string') return;
            const eq = item.value.indexOf('=');
            if (item.value.startsWith('-') && eq > 0 && isSecretName(item.value.slice(0, eq))) {
              rememberSecret(item.value.slice(eq + 1));
              item.value = `${item.value.slice(0, eq + 1)}${MASK}`;
              return;
            }
            const previous = items[i - 1];
            if (isScalar(previous) && typeof previous.value === 'string' && /^--?[\w-]+$/.test(previous.value) && isSecretName(previous.value) && !item.value.startsWith('-')) maskScalar(item);
          });
          return undefined;
        }
        if (isSecretName(key) && isScalar(pair.value)) maskScalar(pair.value);
        return undefined;
      },
    });
    out.push(doc.toString({ lineWidth: 0 }));
  }
  return redact(out.join(''));
}

// ---------------------------------------------------------------- manifests

/** One object of a rendered manifest. */
export interface ManifestObject {
  /** The object as parsed. */
  value: Record<string, unknown>;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  images: ContainerImage[];
  /** Workloads: spec.replicas as written (undefined when the manifest leaves it to the cluster or an HPA). */
  replicas?: number;
  /** Workloads: the ConfigMaps and Secrets the pod spec names, and the PersistentVolumeClaims it mounts. */
  configRefs?: { kind: ConfigKind; name: string; optional: boolean }[];
  claims?: string[];
  /** Workloads: what the kubelet pulls their images with (imagePullSecrets, serviceAccountName). */
  pull?: { imagePullSecrets?: { name?: string }[]; serviceAccountName?: string };
  /** StatefulSets: the names of spec.volumeClaimTemplates. */
  volumeClaimTemplates?: string[];
  /** ConfigMaps and Secrets: per-key fingerprints of their content. */
  config?: ConfigFingerprint;
  /** CustomResourceDefinitions: the versions and which are served and stored. */
  crdVersions?: { name: string; served: boolean; storage: boolean }[];
  /** Jobs and other hooks: helm.sh/hook events. */
  hookEvents?: string[];
}

function podSpecOf(kind: string, obj: Record<string, unknown>): Record<string, unknown> | undefined {
  const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
  if (kind === 'Pod') return get(obj, 'spec') as Record<string, unknown> | undefined;
  if (kind === 'CronJob') return get(obj, 'spec', 'jobTemplate', 'spec', 'template', 'spec') as Record<string, unknown> | undefined;
  return get(obj, 'spec', 'template', 'spec') as Record<string, unknown> | undefined;
}

/** The objects of a rendered manifest (documents without a kind are skipped). */
export function manifestObjects(manifest: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  if (!manifest.trim()) return out;
  for (const doc of boundAliases(parseAllDocuments(manifest) as Document.Parsed[])) {
    if (doc.errors.length > 0) continue;
    const obj = doc.toJS({ maxAliasCount: -1 }) as Record<string, unknown> | null;
    if (!obj || typeof obj !== 'object' || typeof obj.kind !== 'string') continue;
    const meta = (obj.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    const spec = podSpecOf(obj.kind, obj);
    const containers = (list: unknown, init: boolean): ContainerImage[] =>
      Array.isArray(list) ? list.filter((c) => c && typeof c === 'object').map((c) => ({ container: String((c as { name?: unknown }).name ?? ''), image: String((c as { image?: unknown }).image ?? ''), ...(init ? { init: true } : {}) })) : [];
    const objSpec = (obj.spec ?? {}) as { replicas?: unknown; volumeClaimTemplates?: { metadata?: { name?: string } }[]; versions?: { name?: string; served?: boolean; storage?: boolean }[] };
    const claims = spec && Array.isArray(spec.volumes) ? (spec.volumes as { persistentVolumeClaim?: { claimName?: string } }[]).map((v) => v?.persistentVolumeClaim?.claimName).filter((n): n is string => typeof n === 'string') : [];
    const hook = (meta.annotations ?? {})['helm.sh/hook'];
    out.push({
      value: obj,
      apiVersion: String(obj.apiVersion ?? ''),
      kind: obj.kind,
      name: meta.name ?? '',
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      labels: meta.labels ?? {},
      annotations: meta.annotations ?? {},
      images: spec ? [...containers(spec.initContainers, true), ...containers(spec.containers, false)] : [],
      ...(spec && typeof objSpec.replicas === 'number' ? { replicas: objSpec.replicas } : {}),
      ...(spec ? { configRefs: podConfigReferences(spec) } : {}),
      ...(spec && (spec.imagePullSecrets || spec.serviceAccountName) ? { pull: { ...(Array.isArray(spec.imagePullSecrets) ? { imagePullSecrets: spec.imagePullSecrets as { name?: string }[] } : {}), ...(typeof spec.serviceAccountName === 'string' ? { serviceAccountName: spec.serviceAccountName } : {}) } } : {}),
      ...(claims.length ? { claims } : {}),
      ...(obj.kind === 'StatefulSet' && Array.isArray(objSpec.volumeClaimTemplates) ? { volumeClaimTemplates: objSpec.volumeClaimTemplates.map((t) => t?.metadata?.name ?? '').filter(Boolean) } : {}),
      ...(obj.kind === 'ConfigMap' || obj.kind === 'Secret' ? { config: configFingerprint(obj.kind, obj) } : {}),
      ...(obj.kind === 'CustomResourceDefinition' && Array.isArray(objSpec.versions) ? { crdVersions: objSpec.versions.map((v) => ({ name: String(v?.name ?? ''), served: v?.served === true, storage: v?.storage === true })) } : {}),
      ...(typeof hook === 'string' ? { hookEvents: hook.split(',').map((e) => e.trim()).filter(Boolean) } : {}),
    });
  }
  return out;
}

/** Argo CD / Flux owners of what a release deploys (Flux helm-controller labels every object helm.toolkit.fluxcd.io/name). */
export function releaseGitOps(objects: readonly ManifestObject[], releaseName: string): GitOpsOwner[] {
  const seen = new Map<string, GitOpsOwner>();
  for (const o of objects) {
    for (const g of detectGitOps({ labels: o.labels, annotations: o.annotations })) {
      // Charts label their objects app.kubernetes.io/instance=<release>: Helm's convention, not Argo CD's.
      if (g.certainty === 'possible' && g.name === releaseName) continue;
      const key = `${g.controller}/${g.namespace ?? ''}/${g.name}`;
      if (!seen.has(key)) seen.set(key, { ...g, evidence: `${g.evidence} on ${o.kind.toLowerCase()}/${o.name}` });
    }
  }
  return [...seen.values()];
}

// ---------------------------------------------------------------- histories

/** The CRD names of the chart's crds/ files, as stored with the release (file data is base64). */
function chartCrds(record: HelmReleaseRecord): string[] {
  const out: string[] = [];
  for (const f of record.chart?.files ?? []) {
    if (!f?.name?.startsWith('crds/') || !f.data) continue;
    let text: string;
    try {
      text = Buffer.from(f.data, 'base64').toString('utf8');
    } catch {
      continue;
    }
    const objects = manifestObjects(text).filter((o) => o.kind === 'CustomResourceDefinition');
    out.push(...(objects.length ? objects.map((o) => o.name) : [f.name]));
  }
  return out;
}

function revisionOf(secret: KubeObject, record: HelmReleaseRecord, objects: readonly ManifestObject[]): ReleaseRevision {
  const meta = record.chart?.metadata ?? undefined;
  const info = record.info ?? {};
  const revision = record.version ?? Number(secret.metadata.labels?.version ?? 0);
  const hooks = (record.hooks ?? []).map((h) => `${h.kind ?? '?'}/${h.name ?? '?'} (${(h.events ?? []).join(', ')})`);
  return {
    revision,
    status: info.status ?? 'unknown',
    // helm's formatChartName / formatAppVersion.
    chart: meta ? `${meta.name ?? ''}-${meta.version ?? ''}` : 'MISSING',
    ...(meta?.name ? { chartName: meta.name } : {}),
    ...(meta?.version ? { chartVersion: meta.version } : {}),
    appVersion: meta ? (meta.appVersion ?? '') : 'MISSING',
    description: info.description ?? '',
    updated: info.last_deployed ?? '',
    ...(info.first_deployed ? { firstDeployed: info.first_deployed } : {}),
    secret: { name: secret.metadata.name, uid: secret.metadata.uid ?? '', resourceVersion: secret.metadata.resourceVersion ?? '' },
    live: info.status === 'deployed',
    images: objects.flatMap((o) => o.images),
    manifest: redactManifest(record.manifest ?? ''),
    values: redactValues(record.config ?? {}),
    hooks,
    objects: [...objects],
    chartCrds: chartCrds(record),
  };
}

/**
 * The release histories in a set of Secrets, grouped as `helm history`
 * groups them: by namespace and the `name` label of Secrets labelled
 * owner=helm. Sorted by namespace, then release name.
 */
export function buildReleaseHistories(secrets: readonly KubeObject[], cache?: Map<string, { rv: string; decoded: Result<HelmReleaseRecord> }>): ReleaseHistory[] {
  const groups = new Map<string, KubeObject[]>();
  for (const s of secrets) {
    const labels = s.metadata.labels ?? {};
    if (labels.owner !== 'helm' || !labels.name) continue;
    const key = `${s.metadata.namespace ?? ''}\u0000${labels.name}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(s);
  }
  const out: ReleaseHistory[] = [];
  for (const [key, list] of groups) {
    const [namespace, name] = key.split('\u0000') as [string, string];
    out.push(releaseHistory({ kind: 'HelmRelease', namespace, name }, list, cache));
  }
  return out.sort((a, b) => a.ref.namespace.localeCompare(b.ref.namespace) || a.ref.name.localeCompare(b.ref.name));
}

/** One release's history from its Secrets (those labelled name=<release>, owner=helm). */
export function releaseHistory(ref: ReleaseRef, secrets: readonly KubeObject[], cache?: Map<string, { rv: string; decoded: Result<HelmReleaseRecord> }>): ReleaseHistory {
  const revisions: ReleaseRevision[] = [];
  const undecodable: string[] = [];
  let latestObjects: ManifestObject[] = [];
  let latest = -1;
  for (const s of secrets) {
    const decoded = decodeReleaseSecret(s, cache);
    if (!decoded.ok) {
      undecodable.push(s.metadata.name);
      continue;
    }
    const objects = manifestObjects(decoded.value.manifest ?? '');
    const entry = revisionOf(s, decoded.value, objects);
    revisions.push(entry);
    if (entry.revision > latest) {
      latest = entry.revision;
      latestObjects = objects;
    }
  }
  revisions.sort((a, b) => a.revision - b.revision);
  const last = revisions[revisions.length - 1];
  // storage.Deployed: the newest revision whose status is deployed.
  const live = [...revisions].reverse().find((r) => r.live);
  const shown = live ?? last;
  return {
    ref,
    revisions,
    ...(last ? { currentRevision: last.revision } : {}),
    ...(live ? { liveRevision: live.revision } : {}),
    status: last?.status ?? 'unknown',
    chart: last?.chart ?? '',
    appVersion: last?.appVersion ?? '',
    images: shown?.images ?? [],
    gitops: releaseGitOps(latestObjects, ref.name),
    undecodable,
    signature: secrets.map((s) => `${s.metadata.uid}:${s.metadata.resourceVersion}`).sort().join(','),
  };
}

// ---------------------------------------------------------------- rollback plan

export interface HelmRollbackPlan {
  ref: ReleaseRef;
  /** The highest revision now (helm's Releases.Last). */
  fromRevision: number;
  toRevision: number;
  /** The revision number the rollback will create: fromRevision + 1. */
  newRevision: number;
  from: ReleaseRevision;
  to: ReleaseRevision;
  /** helm's description of the new revision. */
  description: string;
  history: ReleaseHistory;
}

/**
 * What `helm rollback <release> [REVISION]` would do (pkg/action/rollback.go
 * prepareRollback): REVISION 0 means the highest revision minus one; the
 * target must exist in the history ("release has no N version"); the new
 * revision is the highest plus one, described "Rollback to N". Helm rolls
 * back to the current revision too (it re-applies it), so there is no skip.
 */
export function planHelmRollback(history: ReleaseHistory, toRevision = 0): Result<HelmRollbackPlan> {
  const { ref } = history;
  if (!Number.isInteger(toRevision) || toRevision < 0) return fail('revision-not-found', 'invalid release revision number', 'Give a revision number from helm history (0 or leave it out for the previous one).');
  const current = history.revisions[history.revisions.length - 1];
  if (!current) return fail('not-found', `release "${ref.name}" not found in namespace "${ref.namespace}" (no Secret labelled name=${ref.name},owner=helm)`, `List the releases with rollback-guard history -n ${ref.namespace}, or helm list -n ${ref.namespace}.`);
  const target = toRevision === 0 ? current.revision - 1 : toRevision;
  const to = history.revisions.find((r) => r.revision === target);
  if (!to) {
    return fail(
      toRevision === 0 ? 'no-history' : 'revision-not-found',
      `release has no ${target} version: ${refText(ref)} has revision(s) ${history.revisions.map((r) => r.revision).join(', ')}`,
      toRevision === 0 ? 'There is no earlier revision to go back to.' : `List its revisions with rollback-guard history ${refText(ref)} -n ${ref.namespace}.`,
    );
  }
  return ok({ ref, fromRevision: current.revision, toRevision: target, newRevision: current.revision + 1, from: current, to, description: `Rollback to ${target}`, history });
}
