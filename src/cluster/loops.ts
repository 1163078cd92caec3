/**
 * The loops that would re-apply an object rolled back in the cluster: the
 * Flux Kustomization or HelmRelease whose labels it carries, the Argo CD
 * Application that tracks it, and the Flux ImageUpdateAutomations that write
 * images into the same Git source and path as its Kustomization — each read
 * now, with whether it is active or paused (and by whom), and for a
 * Kustomization the revision its source holds.
 */
import type { KubeClient, KubeList, KubeObject } from './client';
import type { ClusterError } from './errors';
import { detectGitOps, type GitOpsOwner } from './gitops';
import { loopPaused, loopText, pausedOf, sameLoop, type LoopKind, type LoopRef, type PausedRecord } from './hold';

export const LOOP_API: Record<LoopKind, { group: string; version: string; plural: string }> = {
  Kustomization: { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' },
  HelmRelease: { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases' },
  ImageUpdateAutomation: { group: 'image.toolkit.fluxcd.io', version: 'v1', plural: 'imageupdateautomations' },
  Application: { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' },
};

export function loopPath(l: LoopRef): string {
  const a = LOOP_API[l.kind];
  return `/apis/${a.group}/${a.version}/namespaces/${encodeURIComponent(l.namespace)}/${a.plural}/${encodeURIComponent(l.name)}`;
}

function loopCollection(kind: LoopKind, namespace?: string): string {
  const a = LOOP_API[kind];
  return namespace === undefined ? `/apis/${a.group}/${a.version}/${a.plural}` : `/apis/${a.group}/${a.version}/namespaces/${encodeURIComponent(namespace)}/${a.plural}`;
}

/** A loop as read now. */
export interface Loop {
  ref: LoopRef;
  /** Why it would re-apply the object: the label, annotation or source that ties them. */
  why: string;
  object?: KubeObject;
  /** It could not be read (403, gone): the flow cannot pause it. */
  error?: ClusterError;
  /** Paused now (spec.suspend, or no automated sync). */
  paused: boolean;
  /** Rollback Guard's record, when a flow paused it. */
  pausedBy?: PausedRecord;
  /** One line about what it does: interval, source, last applied revision. */
  detail: string;
  /** Kustomization: its GitRepository (or other source) and the revision that source has now. */
  source?: { kind: string; namespace: string; name: string; url?: string; revision?: string; path?: string };
}

function fluxDetail(kind: LoopKind, obj: KubeObject): { detail: string; source?: Loop['source'] } {
  const spec = (obj.spec ?? {}) as { interval?: string; path?: string; sourceRef?: { kind?: string; name?: string; namespace?: string }; update?: { path?: string }; git?: { push?: { branch?: string } } };
  const status = (obj.status ?? {}) as { lastAppliedRevision?: string; lastPushCommit?: string };
  const ns = obj.metadata.namespace ?? '';
  const source = spec.sourceRef?.name ? { kind: spec.sourceRef.kind ?? 'GitRepository', namespace: spec.sourceRef.namespace ?? ns, name: spec.sourceRef.name, ...(spec.path ? { path: spec.path } : {}) } : undefined;
  const parts = [
    spec.interval ? `every ${spec.interval}` : '',
    source ? `from ${source.kind} ${source.namespace}/${source.name}${kind === 'ImageUpdateAutomation' ? ` path ${spec.update?.path ?? './'}` : spec.path ? ` path ${spec.path}` : ''}` : '',
    status.lastAppliedRevision ? `last applied ${status.lastAppliedRevision}` : '',
    kind === 'ImageUpdateAutomation' && status.lastPushCommit ? `last pushed ${status.lastPushCommit.slice(0, 12)}` : '',
  ].filter(Boolean);
  return { detail: parts.join(', '), ...(source ? { source } : {}) };
}

function normalPath(p: string | undefined): string {
  const parts = (p ?? '.').split('/').filter((x) => x && x !== '.');
  return parts.join('/');
}

/** Whether an ImageUpdateAutomation's update path and a Kustomization's path overlap (one contains the other). */
export function pathsOverlap(a: string | undefined, b: string | undefined): boolean {
  const x = normalPath(a);
  const y = normalPath(b);
  return x === '' || y === '' || x === y || y.startsWith(`${x}/`) || x.startsWith(`${y}/`);
}

export async function readLoop(client: KubeClient, ref: LoopRef, why: string): Promise<Loop> {
  const got = await client.request<KubeObject>({ path: loopPath(ref) });
  if (!got.ok) return { ref, why, error: got.error, paused: false, detail: '' };
  const obj = got.value;
  const pausedBy = pausedOf(obj);
  if (ref.kind === 'Application') {
    const status = (obj.status ?? {}) as { sync?: { status?: string; revision?: string }; health?: { status?: string } };
    const spec = (obj.spec ?? {}) as { source?: { repoURL?: string; path?: string; targetRevision?: string } };
    const paused = loopPaused('Application', obj);
    return {
      ref,
      why,
      object: obj,
      paused,
      ...(pausedBy ? { pausedBy } : {}),
      detail: [paused ? 'automated sync off' : 'automated sync on', status.sync?.status ? `${status.sync.status}` : '', status.sync?.revision ? `at ${status.sync.revision.slice(0, 12)}` : ''].filter(Boolean).join(', '),
      ...(spec.source?.repoURL ? { source: { kind: 'Git', namespace: ref.namespace, name: spec.source.repoURL, url: spec.source.repoURL, ...(status.sync?.revision ? { revision: status.sync.revision } : {}), ...(spec.source.path ? { path: spec.source.path } : {}) } } : {}),
    };
  }
  const { detail, source } = fluxDetail(ref.kind, obj);
  return { ref, why, object: obj, paused: loopPaused(ref.kind, obj), ...(pausedBy ? { pausedBy } : {}), detail, ...(source ? { source } : {}) };
}

/** The Argo CD Application an owner names: its namespace when the tracking id gives one, else found by name. */
async function applicationRef(client: KubeClient, owner: GitOpsOwner, objectNamespace: string): Promise<LoopRef> {
  if (owner.namespace) return { kind: 'Application', namespace: owner.namespace, name: owner.name };
  const listed = await client.request<KubeList>({ path: loopCollection('Application'), query: { fieldSelector: `metadata.name=${owner.name}` } });
  const found = listed.ok ? listed.value.items.find((a) => a.metadata.name === owner.name) : undefined;
  return { kind: 'Application', namespace: found?.metadata.namespace ?? (objectNamespace === 'argocd' ? objectNamespace : 'argocd'), name: owner.name };
}

/**
 * The loops that would re-apply `object`: its GitOps owners (the Kustomization
 * or HelmRelease whose labels it carries, the Application that tracks it) and
 * the ImageUpdateAutomations that write into the same Git source and path as
 * its Kustomization. A loop that cannot be read is listed with its error.
 */
export async function readLoops(client: KubeClient, object: KubeObject): Promise<Loop[]> {
  const owners = detectGitOps(object.metadata).filter((o) => o.certainty === 'certain');
  const ns = object.metadata.namespace ?? '';
  const loops: Loop[] = [];
  for (const o of owners) {
    if (o.controller === 'argocd') loops.push(await readLoop(client, await applicationRef(client, o, ns), o.evidence));
    else loops.push(await readLoop(client, { kind: o.controller === 'flux-kustomization' ? 'Kustomization' : 'HelmRelease', namespace: o.namespace ?? ns, name: o.name }, o.evidence));
  }
  for (const ks of loops.filter((l) => l.ref.kind === 'Kustomization' && l.source)) {
    const src = ks.source!;
    const listed = await client.request<KubeList>({ path: loopCollection('ImageUpdateAutomation', src.namespace) });
    if (!listed.ok) continue; // not installed (404) or not allowed: nothing known to pause
    for (const iua of listed.value.items) {
      const spec = (iua.spec ?? {}) as { sourceRef?: { kind?: string; name?: string; namespace?: string }; update?: { path?: string } };
      const same = (spec.sourceRef?.kind ?? 'GitRepository') === src.kind && spec.sourceRef?.name === src.name && (spec.sourceRef?.namespace ?? iua.metadata.namespace) === src.namespace;
      if (!same || !pathsOverlap(spec.update?.path, src.path)) continue;
      const ref: LoopRef = { kind: 'ImageUpdateAutomation', namespace: iua.metadata.namespace ?? src.namespace, name: iua.metadata.name };
      if (loops.some((l) => sameLoop(l.ref, ref))) continue;
      const { detail, source } = fluxDetail('ImageUpdateAutomation', iua);
      const pausedBy = pausedOf(iua);
      loops.push({ ref, why: `writes images into ${src.kind} ${src.namespace}/${src.name} (path ${spec.update?.path ?? './'}), which ${loopText(ks.ref)} applies from ${src.path ?? './'}`, object: iua, paused: loopPaused('ImageUpdateAutomation', iua), ...(pausedBy ? { pausedBy } : {}), detail, ...(source ? { source } : {}) });
    }
  }
  // The source's current revision, for "Git matches live".
  for (const l of loops) {
    if (l.ref.kind !== 'Kustomization' || !l.source || l.source.kind !== 'GitRepository') continue;
    const repo = await client.request<KubeObject>({ path: `/apis/source.toolkit.fluxcd.io/v1/namespaces/${encodeURIComponent(l.source.namespace)}/gitrepositories/${encodeURIComponent(l.source.name)}` });
    if (!repo.ok) continue;
    const url = (repo.value.spec as { url?: string } | undefined)?.url;
    const revision = (repo.value.status as { artifact?: { revision?: string } } | undefined)?.artifact?.revision;
    l.source = { ...l.source, ...(url ? { url } : {}), ...(revision ? { revision } : {}) };
  }
  return loops;
}

/** Loops that would re-apply the object and are active: what a rollback in the cluster would be undone by. */
export function activeLoops(loops: readonly Loop[]): Loop[] {
  return loops.filter((l) => !l.error && !l.paused);
}


/**
 * What the loops of an object mean for a rollback made in the cluster, for
 * the preflight's gitops check: which would re-apply it at their next
 * reconcile (and when), which are paused now and by whom.
 */
export function loopsEvidence(loops: readonly Loop[]): { active: Loop[]; lines: string[] } {
  const lines = loops.map((l) =>
    l.error
      ? `${loopText(l.ref)}: cannot be read (${l.error.message})`
      : l.paused
        ? `${loopText(l.ref)} is paused${l.pausedBy ? ` by Rollback Guard for the rollback of ${l.pausedBy.object} (since ${l.pausedBy.since})` : ''}: it re-applies nothing until resumed`
        : `${loopText(l.ref)} is active${l.detail ? ` (${l.detail})` : ''}: its next ${l.ref.kind === 'Application' ? 'sync' : l.ref.kind === 'ImageUpdateAutomation' ? 'run writes the image back to Git' : 'reconcile re-applies Git'}`,
  );
  return { active: activeLoops(loops), lines };
}
