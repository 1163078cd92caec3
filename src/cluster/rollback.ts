/**
 * What `kubectl rollout undo [--to-revision=N]` sends, computed from the
 * objects it reads (k8s.io/kubectl/pkg/polymorphichelpers/rollback.go, v0.34):
 *
 * - Deployment: the ReplicaSet of revision N (0 = the second-newest), refused
 *   while spec.paused, skipped when the current template already equals it
 *   (ignoring pod-template-hash); otherwise a JSON patch replacing
 *   /spec/template with the ReplicaSet's template minus the pod-template-hash
 *   label, and /metadata/annotations with the ReplicaSet's annotations except
 *   the ones kubectl keeps from the Deployment (annotationsToSkip).
 * - StatefulSet/DaemonSet: the ControllerRevision of revision N (0 = the
 *   second-highest), skipped when its stored patch equals the current
 *   template's; otherwise that stored strategic-merge patch.
 *
 * - Rollout (what `kubectl argo rollouts undo --to-revision` sends, argo-rollouts
 *   v1.9 cmd/undo): the ReplicaSet of revision N (`rollout.argoproj.io/revision`;
 *   0 = the second-newest), skipped when the Rollout's template derives from
 *   it (DeepDerivative, ignoring `rollouts-pod-template-hash`); otherwise a
 *   JSON patch replacing /spec/template with the ReplicaSet's template minus
 *   that label — annotations untouched. A Rollout with spec.workloadRef keeps
 *   its template in another object and is refused here (the plugin patches
 *   that object).
 *
 * One addition: the patch carries the resourceVersion the preflight read, so
 * the server refuses it (409 Conflict) if the object changed in between. It
 * changes nothing else in the result.
 */
import type { KubeObject } from './client';
import { fail, ok, type ClusterError, type Result } from './errors';
import { controllerRevisionMatches, deploymentReplicaSets, historyOf, ownedBy, replicaSetRevision, REVISION_ANNOTATION, ROLLOUT_REVISION_ANNOTATION, type RevisionEntry, type WorkloadHistory } from './history';
import { refText, type WorkloadRef } from './kinds';
import { clone, deepDerivative, equalIgnoreHash, ROLLOUTS_POD_TEMPLATE_HASH, withoutHashLabel, type PodTemplate } from './template';

/** Annotations kubectl keeps from the Deployment rather than copying from the ReplicaSet. */
export const ANNOTATIONS_TO_SKIP = [
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
] as const;

export interface RollbackPatch {
  /** `json` (RFC 6902) for Deployments, `strategic` merge for StatefulSets and DaemonSets, as kubectl. */
  type: 'json' | 'strategic';
  contentType: 'application/json-patch+json' | 'application/strategic-merge-patch+json';
  /** The body sent, including the resourceVersion guard. */
  body: unknown;
}

export interface RollbackPlan {
  ref: WorkloadRef;
  uid: string;
  /** The resourceVersion the plan was computed from; the patch is refused if the object moved on. */
  resourceVersion: string;
  /** The live revision before the rollback (undefined when no revision matches the current spec). */
  fromRevision?: number;
  toRevision: number;
  from: { template: PodTemplate; images: RevisionEntry['images'] };
  to: RevisionEntry;
  /** `skip`: the object already runs that revision's template; kubectl reports "skipped rollback" and changes nothing. */
  action: 'patch' | 'skip';
  /** kubectl's message for a skip. */
  skipMessage?: string;
  patch?: RollbackPatch;
  history: WorkloadHistory;
  /** Whether the object has metadata.annotations (a JSON patch adds into it, or creates it); undefined counts as yes. */
  hasAnnotations?: boolean;
}

export const CHANGE_CAUSE = 'kubernetes.io/change-cause';

/** The change-cause a rollback with a reason records: `rolled back to revision 1: INC-4211 checkout times out`. */
export function changeCauseText(toRevision: number, reason: string): string {
  return `rolled back to revision ${toRevision}: ${reason.trim().replace(/\s+/g, ' ')}`;
}

/**
 * The plan's patch with the reason in the object's kubernetes.io/change-cause
 * annotation, where \`kubectl annotate\` or \`--record\` puts it: the Deployment
 * controller copies it onto the restored ReplicaSet, so \`kubectl rollout
 * history\` shows it as that revision's CHANGE-CAUSE.
 */
export function withChangeCause(plan: RollbackPlan, reason: string): RollbackPatch | undefined {
  const patch = plan.patch;
  if (!patch || !reason.trim()) return patch;
  const cause = changeCauseText(plan.toRevision, reason);
  if (patch.type === 'strategic') {
    const body = clone(patch.body) as { metadata?: { annotations?: Record<string, string> } };
    body.metadata = { ...(body.metadata ?? {}), annotations: { ...(body.metadata?.annotations ?? {}), [CHANGE_CAUSE]: cause } };
    return { ...patch, body };
  }
  const ops = clone(patch.body) as { op: string; path: string; value?: unknown }[];
  const annotations = ops.find((o) => o.path === '/metadata/annotations');
  if (annotations) annotations.value = { ...(annotations.value as Record<string, string>), [CHANGE_CAUSE]: cause };
  else if (plan.hasAnnotations !== false) ops.push({ op: 'add', path: `/metadata/annotations/${CHANGE_CAUSE.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: cause });
  else ops.push({ op: 'add', path: '/metadata/annotations', value: { [CHANGE_CAUSE]: cause } });
  return { ...patch, body: ops };
}

/**
 * The ReplicaSet of revision `toRevision` (the first in `replicaSets` order
 * with it), or for 0 the one of the second-highest revision, as kubectl's
 * deploymentRollbacker and the plugin's rolloutRevision pick it; undefined
 * when there is none. `annotation` holds the revision.
 */
function replicaSetTarget(replicaSets: readonly KubeObject[], annotation: string, toRevision: number): KubeObject | undefined {
  let latest: KubeObject | undefined;
  let latestRevision = -1;
  let previous: KubeObject | undefined;
  let previousRevision = -1;
  for (const rs of replicaSets) {
    const v = replicaSetRevision(rs, annotation);
    if (v === undefined) continue;
    if (toRevision === 0) {
      if (latestRevision < v) {
        previousRevision = latestRevision;
        previous = latest;
        latestRevision = v;
        latest = rs;
      } else if (previousRevision < v) {
        previousRevision = v;
        previous = rs;
      }
    } else if (toRevision === v) return rs;
  }
  return toRevision === 0 ? previous : undefined;
}

/** The history object kubectl would roll back to, or its error. */
function findDeploymentTarget(ref: WorkloadRef, deployment: KubeObject, replicaSets: readonly KubeObject[], toRevision: number): Result<KubeObject> {
  const target = replicaSetTarget(deploymentReplicaSets(deployment, replicaSets).all, REVISION_ANNOTATION, toRevision);
  if (target) return ok(target);
  if (toRevision > 0) return revisionNotFound(ref, toRevision);
  return fail('no-history', `no rollout history found for ${refText(ref)}: it has no earlier revision to go back to`, 'There is nothing to undo; roll forward with a new change instead.');
}

/** The plugin's rolloutRevision: the ReplicaSet of `toRevision`, or (0) the second-highest revision. */
function findRolloutTarget(ref: WorkloadRef, rollout: KubeObject, replicaSets: readonly KubeObject[], toRevision: number): Result<KubeObject> {
  const target = replicaSetTarget(ownedBy(rollout, replicaSets), ROLLOUT_REVISION_ANNOTATION, toRevision);
  if (target) return ok(target);
  if (toRevision > 0) return fail('revision-not-found', `unable to find specified revision ${toRevision} in history of ${refText(ref)}`, `List its revisions with rollback-guard history ${refText(ref)} -n ${ref.namespace}.`);
  return fail('no-history', `no revision found for rollout "${ref.name}": it has no earlier revision to go back to`, 'There is nothing to undo; roll forward with a new change instead.');
}

function findControllerRevision(ref: WorkloadRef, revisions: readonly KubeObject[], toRevision: number): Result<KubeObject> {
  if (toRevision === 0 && revisions.length <= 1) {
    return fail('no-history', `no last revision to roll back to for ${refText(ref)}`, 'There is nothing to undo; roll forward with a new change instead.');
  }
  if (toRevision === 0) {
    const sorted = [...revisions].sort((a, b) => Number(a.revision ?? 0) - Number(b.revision ?? 0));
    return ok(sorted[sorted.length - 2]!);
  }
  const found = revisions.find((r) => Number(r.revision ?? 0) === toRevision);
  return found ? ok(found) : revisionNotFound(ref, toRevision);
}

function revisionNotFound(ref: WorkloadRef, revision: number): { ok: false; error: ClusterError } {
  return fail('revision-not-found', `unable to find revision ${revision} in the history of ${refText(ref)}`, `List its revisions with rollback-guard history ${refText(ref)} -n ${ref.namespace}.`);
}

/** kubectl's annotation handling for a Deployment rollback. */
export function deploymentRollbackAnnotations(deployment: KubeObject, rs: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  const current = deployment.metadata.annotations ?? {};
  for (const k of ANNOTATIONS_TO_SKIP) if (k in current) out[k] = current[k]!;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!(ANNOTATIONS_TO_SKIP as readonly string[]).includes(k)) out[k] = v;
  return out;
}

/**
 * The rollback to `toRevision` (0: the previous revision) from the objects
 * kubectl reads: the workload and its history objects (ReplicaSets or
 * ControllerRevisions). Pure.
 */
export function planRollback(ref: WorkloadRef, object: KubeObject, historyObjects: readonly KubeObject[], toRevision = 0): Result<RollbackPlan> {
  if (toRevision < 0 || !Number.isInteger(toRevision)) return revisionNotFound(ref, toRevision);
  const history = historyOf(ref, object, historyObjects);
  const resourceVersion = object.metadata.resourceVersion ?? '';
  const currentTemplate = ((object.spec as { template?: PodTemplate } | undefined)?.template ?? {}) as PodTemplate;
  const base = {
    ref,
    uid: object.metadata.uid ?? '',
    resourceVersion,
    ...(history.liveRevision !== undefined ? { fromRevision: history.liveRevision } : {}),
    from: { template: currentTemplate, images: history.images },
    history,
    hasAnnotations: object.metadata.annotations !== undefined,
  };
  // A revision listed twice (kubectl keeps the later one) still resolves by number.
  const entryFor = (source: KubeObject, revision: number): RevisionEntry =>
    history.revisions.find((r) => r.source.uid === source.metadata.uid) ?? history.revisions.find((r) => r.revision === revision)!;
  // kubectl's "skipped rollback": the object already runs that revision's template.
  const skipped = (source: KubeObject, revision: number): Result<RollbackPlan> =>
    ok({ ...base, toRevision: revision, to: entryFor(source, revision), action: 'skip', skipMessage: `skipped rollback (current template already matches revision ${revision})` });

  if (ref.kind === 'Deployment') {
    const target = findDeploymentTarget(ref, object, historyObjects, toRevision);
    if (!target.ok) return target;
    const rs = target.value;
    const revision = replicaSetRevision(rs) ?? 0;
    if (history.paused) {
      // The button that removes the cause: the resume command, copied (resuming is the owner's decision, not a side effect of a rollback).
      const resume = `kubectl rollout resume ${refText(ref)} -n ${ref.namespace}`;
      const error: ClusterError & { fix: { id: 'copy-command'; label: string; command: string } } = {
        kind: 'paused',
        message: `${refText(ref)} in namespace "${ref.namespace}" is paused; kubectl refuses to roll back a paused Deployment too`,
        hint: `Resume it first (${resume}), then roll back.`,
        fix: { id: 'copy-command', label: 'Copy the Resume Command', command: resume },
      };
      return { ok: false, error };
    }
    const rsTemplate = ((rs.spec as { template?: PodTemplate } | undefined)?.template ?? {}) as PodTemplate;
    if (equalIgnoreHash(rsTemplate, currentTemplate)) {
      return skipped(rs, revision);
    }
    const body = [
      // The guard: JSON patch "replace" of resourceVersion makes the update conditional (409 if it moved on).
      { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
      { op: 'replace', path: '/spec/template', value: withoutHashLabel(rsTemplate) },
      { op: 'replace', path: '/metadata/annotations', value: deploymentRollbackAnnotations(object, rs) },
    ];
    return ok({ ...base, toRevision: revision, to: entryFor(rs, revision), action: 'patch', patch: { type: 'json', contentType: 'application/json-patch+json', body } });
  }

  if (ref.kind === 'Rollout') {
    const workloadRef = (object.spec as { workloadRef?: { kind?: string; name?: string } } | undefined)?.workloadRef;
    if (workloadRef?.name) {
      return fail('unsupported', `${refText(ref)} takes its pod template from ${workloadRef.kind ?? '?'}/${workloadRef.name} (spec.workloadRef)`, `Roll back ${workloadRef.kind?.toLowerCase() ?? 'the referenced object'} ${workloadRef.name} instead, or use kubectl argo rollouts undo ${ref.name} -n ${ref.namespace}.`);
    }
    const target = findRolloutTarget(ref, object, historyObjects, toRevision);
    if (!target.ok) return target;
    const rs = target.value;
    const revision = replicaSetRevision(rs, ROLLOUT_REVISION_ANNOTATION) ?? 0;
    const rsTemplate = ((rs.spec as { template?: PodTemplate } | undefined)?.template ?? {}) as PodTemplate;
    // The plugin's equalIgnoreHash: the Rollout's template derives from the ReplicaSet's, hash labels removed.
    if (deepDerivative(withoutHashLabel(currentTemplate, ROLLOUTS_POD_TEMPLATE_HASH), withoutHashLabel(rsTemplate, ROLLOUTS_POD_TEMPLATE_HASH))) {
      return skipped(rs, revision);
    }
    const body = [
      { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
      { op: 'replace', path: '/spec/template', value: withoutHashLabel(rsTemplate, ROLLOUTS_POD_TEMPLATE_HASH) },
    ];
    return ok({ ...base, toRevision: revision, to: entryFor(rs, revision), action: 'patch', patch: { type: 'json', contentType: 'application/json-patch+json', body } });
  }

  const target = findControllerRevision(ref, historyObjects, toRevision);
  if (!target.ok) return target;
  const cr = target.value;
  const revision = Number(cr.revision ?? 0);
  if (controllerRevisionMatches(object, cr)) {
    return skipped(cr, revision);
  }
  const data = clone(cr.data ?? {}) as Record<string, unknown>;
  // The stored patch, plus metadata.resourceVersion: a strategic merge patch with a resourceVersion is conditional.
  const body = { ...data, metadata: { ...((data.metadata as Record<string, unknown> | undefined) ?? {}), resourceVersion } };
  return ok({ ...base, toRevision: revision, to: entryFor(cr, revision), action: 'patch', patch: { type: 'strategic', contentType: 'application/strategic-merge-patch+json', body } });
}
