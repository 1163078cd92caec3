/**
 * Revision history of Deployments (their ReplicaSets) and of StatefulSets and
 * DaemonSets (their ControllerRevisions), read the way `kubectl rollout
 * history` reads it: the history objects that match the workload's selector
 * and whose controller owner reference is the workload; revision from
 * `deployment.kubernetes.io/revision` or ControllerRevision.revision;
 * change-cause from `kubernetes.io/change-cause`.
 *
 * The builders are pure (objects in, history out); the readers make one LIST
 * per kind for a whole namespace or cluster, never one call per workload.
 */
import type { KubeClient, KubeList, KubeObject } from './client';
import { fail, ok, type ClusterError, type Result } from './errors';
import { detectGitOps, type GitOpsOwner } from './gitops';
import { KIND_INFO, WORKLOAD_KINDS, collectionPath, objectPath, type WorkloadKind, type WorkloadRef } from './kinds';
import { rolloutState, type RolloutState } from './rollout';
import { canonicalJson, clone, equalIgnoreHash, imagesOf, withoutHashLabel, type ContainerImage, type PodTemplate } from './template';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

export interface RevisionEntry {
  revision: number;
  /** The object that stores it. */
  source: { kind: 'ReplicaSet' | 'ControllerRevision'; name: string; uid: string };
  createdAt?: string;
  changeCause?: string;
  images: ContainerImage[];
  /** The workload's current spec asks for this template. */
  live: boolean;
  /** ReplicaSets only: the pods it runs now. */
  replicas?: { desired: number; ready: number; available: number };
  /** The pod template of this revision as a user wrote it (controller hash labels removed). */
  template: PodTemplate;
}

export interface WorkloadHistory {
  ref: WorkloadRef;
  uid: string;
  resourceVersion: string;
  generation: number;
  createdAt?: string;
  /** The revision the current spec corresponds to, when one of `revisions` matches it. */
  liveRevision?: number;
  /** Deployments only: spec.paused (kubectl refuses to roll back a paused Deployment). */
  paused: boolean;
  /** The current spec.template. */
  template: PodTemplate;
  images: ContainerImage[];
  /** Ascending by revision. */
  revisions: RevisionEntry[];
  gitops: GitOpsOwner[];
  rollout: RolloutState;
}

export interface HistoryTree {
  context: string;
  /** The namespace read, or undefined for all namespaces. */
  namespace?: string;
  workloads: WorkloadHistory[];
  /** Kinds that could not be read (e.g. forbidden); the rest is still there. */
  problems: ClusterError[];
  readAt: string;
  /** API calls the read took. */
  calls: number;
  ms: number;
}

// ---------------------------------------------------------------- pure

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** metav1.LabelSelectorAsSelector semantics; an empty selector matches everything, a missing one nothing. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(l[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(l[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** `selector.String()` for a LIST's labelSelector parameter. */
export function selectorString(selector: LabelSelector | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.sort().join(',');
}

function controllerUid(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller)?.uid;
}

function selectorOf(obj: KubeObject): LabelSelector | undefined {
  return (obj.spec as { selector?: LabelSelector } | undefined)?.selector;
}

function templateOf(obj: KubeObject): PodTemplate {
  return ((obj.spec as { template?: PodTemplate } | undefined)?.template ?? {}) as PodTemplate;
}

/** The history objects kubectl considers: matching the selector and controlled by the workload. */
export function ownedBy<T extends KubeObject>(workload: KubeObject, candidates: readonly T[]): T[] {
  const selector = selectorOf(workload);
  return candidates.filter((c) => controllerUid(c) === workload.metadata.uid && selectorMatches(selector, c.metadata.labels));
}

/** creationTimestamp, then name (kubectl's replicaSetsByCreationTimestamp). */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** deploymentutil.Revision: a missing annotation is revision 0; an unparsable one is skipped. */
export function replicaSetRevision(rs: KubeObject): number | undefined {
  const v = rs.metadata.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * kubectl's GetAllReplicaSets order: owned ReplicaSets by creation time, the
 * new one (the oldest whose template equals the Deployment's) moved last.
 */
export function deploymentReplicaSets(deployment: KubeObject, replicaSets: readonly KubeObject[]): { all: KubeObject[]; newRS?: KubeObject } {
  const owned = ownedBy(deployment, replicaSets).sort(byCreation);
  const newRS = owned.find((rs) => equalIgnoreHash(templateOf(rs), templateOf(deployment)));
  const all = newRS ? [...owned.filter((rs) => rs !== newRS), newRS] : owned;
  return { all, ...(newRS ? { newRS } : {}) };
}

function workloadBase(kind: WorkloadKind, obj: KubeObject): Omit<WorkloadHistory, 'revisions' | 'liveRevision'> {
  const template = templateOf(obj);
  return {
    ref: { kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name },
    uid: obj.metadata.uid ?? '',
    resourceVersion: obj.metadata.resourceVersion ?? '',
    generation: obj.metadata.generation ?? 0,
    ...(obj.metadata.creationTimestamp ? { createdAt: obj.metadata.creationTimestamp } : {}),
    paused: kind === 'Deployment' && (obj.spec as { paused?: boolean } | undefined)?.paused === true,
    template,
    images: imagesOf(template),
    gitops: detectGitOps(obj.metadata),
    rollout: rolloutState(kind, obj),
  };
}

export function deploymentHistory(deployment: KubeObject, replicaSets: readonly KubeObject[]): WorkloadHistory {
  const { all, newRS } = deploymentReplicaSets(deployment, replicaSets);
  // kubectl keys history by revision; a later duplicate replaces an earlier one.
  const byRevision = new Map<number, RevisionEntry>();
  for (const rs of all) {
    const revision = replicaSetRevision(rs);
    if (revision === undefined) continue;
    const spec = (rs.spec ?? {}) as { replicas?: number };
    const status = (rs.status ?? {}) as { readyReplicas?: number; availableReplicas?: number };
    const template = withoutHashLabel(templateOf(rs));
    const changeCause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    byRevision.set(revision, {
      revision,
      source: { kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid ?? '' },
      ...(rs.metadata.creationTimestamp ? { createdAt: rs.metadata.creationTimestamp } : {}),
      ...(changeCause ? { changeCause } : {}),
      images: imagesOf(template),
      live: rs === newRS,
      replicas: { desired: spec.replicas ?? 0, ready: status.readyReplicas ?? 0, available: status.availableReplicas ?? 0 },
      template,
    });
  }
  const revisions = [...byRevision.values()].sort((a, b) => a.revision - b.revision);
  const live = revisions.find((r) => r.live);
  return { ...workloadBase('Deployment', deployment), revisions, ...(live ? { liveRevision: live.revision } : {}) };
}

/** The template stored in a ControllerRevision's patch (`{"spec":{"template":{…,"$patch":"replace"}}}`). */
export function controllerRevisionTemplate(cr: KubeObject): PodTemplate {
  const data = cr.data as { spec?: { template?: PodTemplate } } | undefined;
  const template = clone(data?.spec?.template ?? {}) as PodTemplate & { $patch?: string };
  delete template.$patch;
  return template;
}

/**
 * The patch the StatefulSet/DaemonSet controllers store for a template, the
 * same shape kubectl compares a revision's data with to decide "already at
 * this revision" (getStatefulSetPatch / getDaemonSetPatch).
 */
export function templatePatch(template: PodTemplate): { spec: { template: PodTemplate & { $patch: 'replace' } } } {
  return { spec: { template: { ...clone(template), $patch: 'replace' } } };
}

/** kubectl's statefulsetMatch/daemonSetMatch: the stored patch equals the current template's patch, byte for byte (keys sorted). */
export function controllerRevisionMatches(workload: KubeObject, cr: KubeObject): boolean {
  return canonicalJson(templatePatch(templateOf(workload))) === canonicalJson(cr.data);
}

export function controllerRevisionHistory(kind: 'StatefulSet' | 'DaemonSet', workload: KubeObject, controllerRevisions: readonly KubeObject[]): WorkloadHistory {
  const owned = ownedBy(workload, controllerRevisions);
  const byRevision = new Map<number, RevisionEntry>();
  const updateRevision = kind === 'StatefulSet' ? (workload.status as { updateRevision?: string } | undefined)?.updateRevision : undefined;
  let matched = false;
  for (const cr of owned) {
    const revision = Number(cr.revision ?? 0);
    const template = controllerRevisionTemplate(cr);
    const live = controllerRevisionMatches(workload, cr);
    matched ||= live;
    const changeCause = cr.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    byRevision.set(revision, {
      revision,
      source: { kind: 'ControllerRevision', name: cr.metadata.name, uid: cr.metadata.uid ?? '' },
      ...(cr.metadata.creationTimestamp ? { createdAt: cr.metadata.creationTimestamp } : {}),
      ...(changeCause ? { changeCause } : {}),
      images: imagesOf(template),
      live,
      template,
    });
  }
  const revisions = [...byRevision.values()].sort((a, b) => a.revision - b.revision);
  // Templates written by an older controller may not match byte for byte; the StatefulSet says which revision it is updating to.
  if (!matched && updateRevision) for (const r of revisions) r.live = r.source.name === updateRevision;
  const live = revisions.find((r) => r.live);
  return { ...workloadBase(kind, workload), revisions, ...(live ? { liveRevision: live.revision } : {}) };
}

/** The histories of every workload in `objects`, grouped by kind; sorted by namespace, kind, name. */
export function buildHistories(objects: {
  deployments?: readonly KubeObject[];
  replicaSets?: readonly KubeObject[];
  statefulSets?: readonly KubeObject[];
  daemonSets?: readonly KubeObject[];
  controllerRevisions?: readonly KubeObject[];
}): WorkloadHistory[] {
  // Index history objects by controller uid so each workload looks only at its own.
  const index = (items: readonly KubeObject[] = []): Map<string, KubeObject[]> => {
    const m = new Map<string, KubeObject[]>();
    for (const o of items) {
      const uid = controllerUid(o);
      if (!uid) continue;
      let l = m.get(uid);
      if (!l) m.set(uid, (l = []));
      l.push(o);
    }
    return m;
  };
  const rsByOwner = index(objects.replicaSets);
  const crByOwner = index(objects.controllerRevisions);
  const out: WorkloadHistory[] = [];
  for (const d of objects.deployments ?? []) out.push(deploymentHistory(d, rsByOwner.get(d.metadata.uid ?? '') ?? []));
  for (const s of objects.statefulSets ?? []) out.push(controllerRevisionHistory('StatefulSet', s, crByOwner.get(s.metadata.uid ?? '') ?? []));
  for (const d of objects.daemonSets ?? []) out.push(controllerRevisionHistory('DaemonSet', d, crByOwner.get(d.metadata.uid ?? '') ?? []));
  const kindOrder = (k: WorkloadKind): number => WORKLOAD_KINDS.indexOf(k);
  return out.sort(
    (a, b) =>
      a.ref.namespace.localeCompare(b.ref.namespace) || kindOrder(a.ref.kind) - kindOrder(b.ref.kind) || a.ref.name.localeCompare(b.ref.name),
  );
}

// ---------------------------------------------------------------- reading

/** Page size for LISTs: large, so a namespace with thousands of ReplicaSets still takes one call. */
const LIST_LIMIT = 5000;

/** All items of a collection, following `continue` tokens. */
export async function listAll(client: KubeClient, path: string, query: Record<string, string | undefined> = {}): Promise<Result<KubeList>> {
  const items: KubeObject[] = [];
  let cont: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await client.request<KubeList>({ path, query: { ...query, limit: LIST_LIMIT, continue: cont }, timeoutMs: 120_000 });
    if (!page.ok) return page;
    items.push(...page.value.items);
    cont = page.value.metadata.continue || undefined;
    resourceVersion = page.value.metadata.resourceVersion;
  } while (cont);
  return ok({ items, metadata: { ...(resourceVersion ? { resourceVersion } : {}) } });
}

export interface TreeOptions {
  /** One namespace, or undefined for all namespaces. */
  namespace?: string;
  kinds?: readonly WorkloadKind[];
}

/**
 * The history tree of a namespace (or the cluster): one LIST per resource —
 * Deployments, ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions —
 * all in parallel, grouped by owner in memory.
 */
export async function readHistoryTree(client: KubeClient, options: TreeOptions = {}): Promise<Result<HistoryTree>> {
  const started = Date.now();
  const firstCall = client.calls.length;
  const kinds = new Set(options.kinds ?? WORKLOAD_KINDS);
  const ns = options.namespace;
  const want = {
    deployments: kinds.has('Deployment'),
    replicasets: kinds.has('Deployment'),
    statefulsets: kinds.has('StatefulSet'),
    daemonsets: kinds.has('DaemonSet'),
    controllerrevisions: kinds.has('StatefulSet') || kinds.has('DaemonSet'),
  };
  const names = (Object.keys(want) as (keyof typeof want)[]).filter((k) => want[k]);
  const results = await Promise.all(names.map((plural) => listAll(client, collectionPath(plural, ns))));
  const got: Partial<Record<keyof typeof want, KubeObject[]>> = {};
  const problems: ClusterError[] = [];
  names.forEach((plural, i) => {
    const r = results[i]!;
    if (r.ok) got[plural] = r.value.items;
    else problems.push(r.error);
  });
  if (problems.length === names.length) return { ok: false, error: problems[0]! };
  const workloads = buildHistories({
    ...(got.deployments ? { deployments: got.deployments } : {}),
    ...(got.replicasets ? { replicaSets: got.replicasets } : {}),
    ...(got.statefulsets ? { statefulSets: got.statefulsets } : {}),
    ...(got.daemonsets ? { daemonSets: got.daemonsets } : {}),
    ...(got.controllerrevisions ? { controllerRevisions: got.controllerrevisions } : {}),
  });
  return ok({
    context: client.context.name,
    ...(ns !== undefined ? { namespace: ns } : {}),
    workloads,
    problems,
    readAt: new Date().toISOString(),
    calls: client.calls.length - firstCall,
    ms: Date.now() - started,
  });
}

/** The workload object and the history objects kubectl would read for it (GET, then one LIST with its selector). */
export async function readWorkloadObjects(client: KubeClient, ref: WorkloadRef): Promise<Result<{ object: KubeObject; history: KubeObject[] }>> {
  const object = await client.request<KubeObject>({ path: objectPath(ref) });
  if (!object.ok) return object;
  const selector = selectorOf(object.value);
  if (!selector) return fail('invalid', `${ref.kind.toLowerCase()}/${ref.name} has no selector`, 'The object is malformed.');
  const list = await listAll(client, collectionPath(KIND_INFO[ref.kind].history, ref.namespace), { labelSelector: selectorString(selector) });
  if (!list.ok) return list;
  return ok({ object: object.value, history: ownedBy(object.value, list.value.items) });
}

export function historyOf(ref: WorkloadRef, object: KubeObject, history: readonly KubeObject[]): WorkloadHistory {
  return ref.kind === 'Deployment' ? deploymentHistory(object, history) : controllerRevisionHistory(ref.kind, object, history);
}

/** One workload's history (2 calls). */
export async function readWorkloadHistory(client: KubeClient, ref: WorkloadRef): Promise<Result<WorkloadHistory>> {
  const objects = await readWorkloadObjects(client, ref);
  if (!objects.ok) return objects;
  return ok(historyOf(ref, objects.value.object, objects.value.history));
}
