/**
 * Revision history of Deployments (their ReplicaSets) and of StatefulSets and
 * DaemonSets (their ControllerRevisions), read the way `kubectl rollout
 * history` reads it: the history objects that match the workload's selector
 * and whose controller owner reference is the workload; revision from
 * `deployment.kubernetes.io/revision` or ControllerRevision.revision;
 * change-cause from `kubernetes.io/change-cause`. Argo Rollouts the way
 * `kubectl argo rollouts undo` reads them: their ReplicaSets, revision from
 * `rollout.argoproj.io/revision`. The tree also holds Helm releases (helm.ts),
 * Argo CD Applications (argocd.ts) and Flux objects (flux.ts).
 *
 * The builders are pure (objects in, history out); the readers make one LIST
 * per kind for a whole namespace or cluster, never one call per workload.
 */
import { holdOf, type HoldRecord } from './hold';
import type { KubeClient, KubeList, KubeObject } from './client';
import { fail, ok, type ClusterError, type Result } from './errors';
import { applicationHistory, type ApplicationHistory } from './argocd';
import { fluxObject, type FluxObject } from './flux';
import { detectGitOps, type GitOpsOwner } from './gitops';
import { buildReleaseHistories, HELM_OWNER_SELECTOR, type ReleaseHistory } from './helm';
import { KIND_INFO, TREE_KINDS, WORKLOAD_KINDS, collectionPath, objectPath, type TreeKind, type WorkloadKind, type WorkloadRef } from './kinds';
import { rolloutState, type RolloutState } from './rollout';
import { canonicalJson, clone, deepDerivative, equalIgnoreHash, imagesOf, ROLLOUTS_POD_TEMPLATE_HASH, withoutHashLabel, type ContainerImage, type PodTemplate } from './template';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
/** Argo Rollouts' revision annotation on a Rollout's ReplicaSets. */
export const ROLLOUT_REVISION_ANNOTATION = 'rollout.argoproj.io/revision';

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
  /** Rollouts only: this is the stable ReplicaSet (status.stableRS). */
  stable?: boolean;
  /** The numbers this revision had before a rollback renumbered it (the controller's revision-history annotation): revision 1 → now 4. */
  previousRevisions?: number[];
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
  /** Rollouts only: where the rollout is (phase, step, abort, pause), for actions on it. */
  argo?: RolloutInfo;
  /** Rolled back and held by Rollback Guard while GitOps loops are paused (the `rollback-guard.io/hold` record). */
  hold?: HoldRecord;
}

/** What a Rollout is doing: enough to decide between abort, promote and retry. */
export interface RolloutInfo {
  strategy: 'canary' | 'blueGreen' | 'none';
  phase?: string;
  message?: string;
  aborted: boolean;
  /** spec.paused or pause conditions. */
  paused: boolean;
  pauseReasons: string[];
  step?: { index: number; count: number };
  stableHash?: string;
  currentHash?: string;
  /** spec.workloadRef: the template lives in another object. */
  workloadRef?: string;
}

export interface HistoryTree {
  context: string;
  /** The namespace read, or undefined for all namespaces. */
  namespace?: string;
  /** Deployments, StatefulSets, DaemonSets and Argo Rollouts. */
  workloads: WorkloadHistory[];
  /** Helm releases (from their release Secrets). Empty when none or not read. */
  releases?: ReleaseHistory[];
  /** Argo CD Applications. */
  applications?: ApplicationHistory[];
  /** Flux Kustomizations and HelmReleases, with their suspend state. */
  flux?: FluxObject[];
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

/** deploymentutil.Revision (and the Rollouts plugin's revision()): a missing annotation is revision 0; an unparsable one is skipped. */
export function replicaSetRevision(rs: KubeObject, annotation: string = REVISION_ANNOTATION): number | undefined {
  const v = rs.metadata.annotations?.[annotation];
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
    // kubectl refuses to undo a paused Deployment; the Rollouts plugin undoes a paused Rollout.
    paused: kind === 'Deployment' && (obj.spec as { paused?: boolean } | undefined)?.paused === true,
    template,
    images: imagesOf(template),
    gitops: detectGitOps(obj.metadata),
    rollout: rolloutState(kind, obj),
    ...(holdOf(obj) ? { hold: holdOf(obj)! } : {}),
  };
}

/** A revision from the object that stores it, its template already without the controller's hash label. */
function revisionEntry(source: KubeObject, kind: RevisionEntry['source']['kind'], revision: number, template: PodTemplate, live: boolean, extra: Pick<RevisionEntry, 'replicas' | 'stable'> = {}): RevisionEntry {
  const changeCause = source.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
  // The Deployment controller and Argo Rollouts keep the numbers a reused ReplicaSet had before.
  const historyText = source.metadata.annotations?.['deployment.kubernetes.io/revision-history'] ?? source.metadata.annotations?.['rollout.argoproj.io/revision-history'];
  const previousRevisions = (historyText ?? '').split(',').map((n) => Number(n.trim())).filter((n) => Number.isInteger(n) && n > 0 && n !== revision);
  return {
    revision,
    ...(previousRevisions.length ? { previousRevisions } : {}),
    source: { kind, name: source.metadata.name, uid: source.metadata.uid ?? '' },
    ...(source.metadata.creationTimestamp ? { createdAt: source.metadata.creationTimestamp } : {}),
    ...(changeCause ? { changeCause } : {}),
    images: imagesOf(template),
    live,
    ...extra,
    template,
  };
}

/** The pods a ReplicaSet runs now. */
function replicasOf(rs: KubeObject): NonNullable<RevisionEntry['replicas']> {
  const spec = (rs.spec ?? {}) as { replicas?: number };
  const status = (rs.status ?? {}) as { readyReplicas?: number; availableReplicas?: number };
  return { desired: spec.replicas ?? 0, ready: status.readyReplicas ?? 0, available: status.availableReplicas ?? 0 };
}

/** Entries keyed by revision (kubectl keeps the later of two with one number), ascending. */
function ascending(byRevision: Map<number, RevisionEntry>): RevisionEntry[] {
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/** `liveRevision` of a history: the revision of the live entry, when one is live. */
function liveRevisionOf(revisions: readonly RevisionEntry[]): Pick<WorkloadHistory, 'liveRevision'> {
  const live = revisions.find((r) => r.live);
  return live ? { liveRevision: live.revision } : {};
}

export function deploymentHistory(deployment: KubeObject, replicaSets: readonly KubeObject[]): WorkloadHistory {
  const { all, newRS } = deploymentReplicaSets(deployment, replicaSets);
  // kubectl keys history by revision; a later duplicate replaces an earlier one.
  const byRevision = new Map<number, RevisionEntry>();
  for (const rs of all) {
    const revision = replicaSetRevision(rs);
    if (revision === undefined) continue;
    byRevision.set(revision, revisionEntry(rs, 'ReplicaSet', revision, withoutHashLabel(templateOf(rs)), rs === newRS, { replicas: replicasOf(rs) }));
  }
  const revisions = ascending(byRevision);
  return { ...workloadBase('Deployment', deployment), revisions, ...liveRevisionOf(revisions) };
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
    const live = controllerRevisionMatches(workload, cr);
    matched ||= live;
    byRevision.set(revision, revisionEntry(cr, 'ControllerRevision', revision, controllerRevisionTemplate(cr), live));
  }
  const revisions = ascending(byRevision);
  // Templates written by an older controller may not match byte for byte; the StatefulSet says which revision it is updating to.
  if (!matched && updateRevision) for (const r of revisions) r.live = r.source.name === updateRevision;
  return { ...workloadBase(kind, workload), revisions, ...liveRevisionOf(revisions) };
}

/** What a Rollout is doing, from its spec and status. */
export function rolloutInfo(rollout: KubeObject): RolloutInfo {
  const spec = (rollout.spec ?? {}) as { paused?: boolean; strategy?: { canary?: { steps?: unknown[] }; blueGreen?: unknown }; workloadRef?: { kind?: string; name?: string } };
  const st = (rollout.status ?? {}) as { phase?: string; message?: string; abort?: boolean; pauseConditions?: { reason?: string }[]; currentStepIndex?: number; stableRS?: string; currentPodHash?: string };
  const steps = spec.strategy?.canary?.steps?.length ?? 0;
  const pauseReasons = (st.pauseConditions ?? []).map((p) => p.reason ?? 'paused');
  return {
    strategy: spec.strategy?.canary ? 'canary' : spec.strategy?.blueGreen ? 'blueGreen' : 'none',
    ...(st.phase ? { phase: st.phase } : {}),
    ...(st.message ? { message: st.message } : {}),
    aborted: st.abort === true,
    paused: spec.paused === true || pauseReasons.length > 0,
    pauseReasons,
    ...(steps ? { step: { index: Math.min(st.currentStepIndex ?? 0, steps), count: steps } } : {}),
    ...(st.stableRS ? { stableHash: st.stableRS } : {}),
    ...(st.currentPodHash ? { currentHash: st.currentPodHash } : {}),
    ...(spec.workloadRef?.name ? { workloadRef: `${spec.workloadRef.kind ?? '?'}/${spec.workloadRef.name}` } : {}),
  };
}

/**
 * An Argo Rollout's history from its ReplicaSets, as the kubectl plugin's
 * undo reads them (cmd/undo listReplicaSets): matching the Rollout's selector
 * and controlled by it; revision from `rollout.argoproj.io/revision`; the
 * template without `rollouts-pod-template-hash`. Live: the ReplicaSet of
 * status.currentPodHash, else the one whose template the Rollout's derives
 * from (the plugin's equalIgnoreHash); stable: status.stableRS.
 */
export function rolloutHistory(rollout: KubeObject, replicaSets: readonly KubeObject[]): WorkloadHistory {
  const owned = ownedBy(rollout, replicaSets).sort(byCreation);
  const status = (rollout.status ?? {}) as { currentPodHash?: string; stableRS?: string };
  const hashOf = (rs: KubeObject) => rs.metadata.labels?.[ROLLOUTS_POD_TEMPLATE_HASH];
  const liveTemplate = withoutHashLabel(templateOf(rollout), ROLLOUTS_POD_TEMPLATE_HASH);
  let live = status.currentPodHash ? owned.find((rs) => hashOf(rs) === status.currentPodHash) : undefined;
  live ??= owned.find((rs) => deepDerivative(liveTemplate, withoutHashLabel(templateOf(rs), ROLLOUTS_POD_TEMPLATE_HASH)));
  const byRevision = new Map<number, RevisionEntry>();
  for (const rs of owned) {
    const revision = replicaSetRevision(rs, ROLLOUT_REVISION_ANNOTATION);
    if (revision === undefined) continue;
    const stable = !!status.stableRS && hashOf(rs) === status.stableRS;
    byRevision.set(revision, revisionEntry(rs, 'ReplicaSet', revision, withoutHashLabel(templateOf(rs), ROLLOUTS_POD_TEMPLATE_HASH), rs === live, { replicas: replicasOf(rs), ...(stable ? { stable: true } : {}) }));
  }
  const revisions = ascending(byRevision);
  return { ...workloadBase('Rollout', rollout), template: liveTemplate, images: imagesOf(liveTemplate), revisions, ...liveRevisionOf(revisions), argo: rolloutInfo(rollout) };
}

/** The histories of every workload in `objects`, grouped by kind; sorted by namespace, kind, name. */
export function buildHistories(objects: {
  deployments?: readonly KubeObject[];
  replicaSets?: readonly KubeObject[];
  statefulSets?: readonly KubeObject[];
  daemonSets?: readonly KubeObject[];
  controllerRevisions?: readonly KubeObject[];
  rollouts?: readonly KubeObject[];
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
  for (const r of objects.rollouts ?? []) out.push(rolloutHistory(r, rsByOwner.get(r.metadata.uid ?? '') ?? []));
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
  /** What to read (default: everything — workloads, Rollouts, Helm releases, Argo CD Applications, Flux objects). */
  kinds?: readonly TreeKind[];
}

/** The collections a tree (or a watch) of `kinds` reads, each once. */
export type TreeResource = 'deployments' | 'replicasets' | 'statefulsets' | 'daemonsets' | 'controllerrevisions' | 'rollouts' | 'secrets' | 'applications' | 'kustomizations' | 'helmreleases';

/** Resources served by CRDs or that a user may not be allowed to list: a 404 or 403 hides their kind, it does not fail the tree. */
export const OPTIONAL_RESOURCES: ReadonlySet<TreeResource> = new Set(['rollouts', 'secrets', 'applications', 'kustomizations', 'helmreleases']);

export function treeResources(kinds: readonly TreeKind[] = TREE_KINDS): TreeResource[] {
  const k = new Set(kinds);
  const out: TreeResource[] = [];
  if (k.has('Deployment')) out.push('deployments');
  if (k.has('Deployment') || k.has('Rollout')) out.push('replicasets');
  if (k.has('StatefulSet')) out.push('statefulsets');
  if (k.has('DaemonSet')) out.push('daemonsets');
  if (k.has('StatefulSet') || k.has('DaemonSet')) out.push('controllerrevisions');
  if (k.has('Rollout')) out.push('rollouts');
  if (k.has('HelmRelease')) out.push('secrets');
  if (k.has('Application')) out.push('applications');
  if (k.has('Flux')) out.push('kustomizations', 'helmreleases');
  return out;
}

/** The LIST query of a tree resource: Secrets only with Helm's owner label. */
export function treeQuery(resource: TreeResource): Record<string, string> {
  return resource === 'secrets' ? { labelSelector: HELM_OWNER_SELECTOR } : {};
}

/** What a kind that could not be read means for the tree, in words. */
export function optionalProblem(resource: TreeResource, error: ClusterError): ClusterError | undefined {
  // Not installed (no CRD): nothing to show, nothing to say.
  if (error.kind === 'not-found') return undefined;
  const what: Record<string, string> = { rollouts: 'Argo Rollouts', secrets: 'Helm releases', applications: 'Argo CD Applications', kustomizations: 'Flux Kustomizations', helmreleases: 'Flux HelmReleases' };
  if (error.kind === 'forbidden') {
    return { ...error, message: `${what[resource] ?? resource} not shown: ${error.message}`, hint: resource === 'secrets' ? `Helm keeps its release history in Secrets; reading it needs "list" on secrets. ${error.hint}` : error.hint };
  }
  return error;
}

/** The objects of a tree, grouped into histories (pure). */
export function buildTree(got: Partial<Record<TreeResource, readonly KubeObject[]>>, releaseCache?: Parameters<typeof buildReleaseHistories>[1]): Pick<HistoryTree, 'workloads' | 'releases' | 'applications' | 'flux'> {
  const workloads = buildHistories({
    ...(got.deployments ? { deployments: got.deployments } : {}),
    ...(got.replicasets ? { replicaSets: got.replicasets } : {}),
    ...(got.statefulsets ? { statefulSets: got.statefulsets } : {}),
    ...(got.daemonsets ? { daemonSets: got.daemonsets } : {}),
    ...(got.controllerrevisions ? { controllerRevisions: got.controllerrevisions } : {}),
    ...(got.rollouts ? { rollouts: got.rollouts } : {}),
  });
  const byName = <T extends { ref: { namespace: string; name: string; kind: string } }>(a: T, b: T) => a.ref.namespace.localeCompare(b.ref.namespace) || a.ref.kind.localeCompare(b.ref.kind) || a.ref.name.localeCompare(b.ref.name);
  return {
    workloads,
    releases: got.secrets ? buildReleaseHistories(got.secrets, releaseCache) : [],
    applications: (got.applications ?? []).map(applicationHistory).sort(byName),
    flux: [...(got.kustomizations ?? []).map((o) => fluxObject('Kustomization', o)), ...(got.helmreleases ?? []).map((o) => fluxObject('HelmRelease', o))].sort(byName),
  };
}

/**
 * The history tree of a namespace (or the cluster): one LIST per resource —
 * Deployments, ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions,
 * Rollouts, Secrets labelled owner=helm, Applications, Kustomizations and
 * HelmReleases — all in parallel, grouped by owner in memory. A kind whose
 * CRD is not installed is left out silently; one the user may not list is
 * left out with a problem.
 */
export async function readHistoryTree(client: KubeClient, options: TreeOptions = {}): Promise<Result<HistoryTree>> {
  const started = Date.now();
  const firstCall = client.calls.length;
  const ns = options.namespace;
  const names = treeResources(options.kinds ?? TREE_KINDS);
  const results = await Promise.all(names.map((plural) => listAll(client, collectionPath(plural, ns), treeQuery(plural))));
  const got: Partial<Record<TreeResource, KubeObject[]>> = {};
  const problems: ClusterError[] = [];
  const errors: ClusterError[] = [];
  names.forEach((plural, i) => {
    const r = results[i]!;
    if (r.ok) {
      got[plural] = r.value.items;
      return;
    }
    errors.push(r.error);
    const p = OPTIONAL_RESOURCES.has(plural) ? optionalProblem(plural, r.error) : r.error;
    if (p) problems.push(p);
  });
  // Nothing could be read: the server is down or the user may read nothing (a kind merely not installed is no failure).
  const fatal = errors.find((e) => e.kind !== 'not-found');
  if (fatal && names.every((p) => !got[p])) return { ok: false, error: fatal };
  return ok({
    context: client.context.name,
    ...(ns !== undefined ? { namespace: ns } : {}),
    ...buildTree(got),
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
  if (ref.kind === 'Rollout') return rolloutHistory(object, history);
  return ref.kind === 'Deployment' ? deploymentHistory(object, history) : controllerRevisionHistory(ref.kind, object, history);
}

/** One workload's history (2 calls). */
export async function readWorkloadHistory(client: KubeClient, ref: WorkloadRef): Promise<Result<WorkloadHistory>> {
  const objects = await readWorkloadObjects(client, ref);
  if (!objects.ok) return objects;
  return ok(historyOf(ref, objects.value.object, objects.value.history));
}
