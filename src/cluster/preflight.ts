/**
 * Everything checked before a rollback, each item with its evidence (DESIGN.md
 * "Preflight"): the context and whether it is a production one, the object
 * and its revisions, paused, GitOps ownership, RBAC through a
 * SelfSubjectAccessReview for the exact verb/resource/namespace/name, a
 * server-side dry run of the exact patch, and the pod-template diff.
 *
 * Reads: GET object, LIST its history objects (selector), then in parallel a
 * SelfSubjectReview, a SelfSubjectAccessReview and the dry-run PATCH.
 */
import type { KubeClient, KubeObject } from './client';
import { type ClusterError, type Result, ok } from './errors';
import { helmOwner, type GitOpsOwner } from './gitops';
import { diffTemplates, type TemplateDiff } from './diff';
import { readWorkloadObjects, historyOf, type WorkloadHistory } from './history';
import { KIND_INFO, objectPath, refText, type WorkloadRef } from './kinds';
import type { ContextInfo } from './kubeconfig';
import { contextCheck, dryRunCheck, gitopsCheck } from './operations';
import { loopsEvidence, readLoops } from './loops';
import { matchProductionContext, type ProductionMatch } from './production';
import { canI, permissionText, whoAmI, type AccessDecision, type Identity, type Permission } from './rbac';
import { planRollback, type RollbackPatch, type RollbackPlan } from './rollback';
import { imagesText } from './template';

export interface RollbackRequest {
  ref: WorkloadRef;
  /** 0 or undefined: the previous revision (kubectl's default). */
  toRevision?: number;
}

/**
 * Workload undos use context … diff; the other operations add `tool` (the
 * helm binary), `auto-sync` (an Argo CD Application's automated sync),
 * `operation` (an Argo CD operation already running) and `state` (what a
 * Rollout or Flux object is doing now). Every rollback adds `schema` (the
 * migrations between the revisions), `not-undone` (what the rollback leaves
 * as it is), `artifacts` (the target's images and chart in their registry)
 * and `apis` (API versions the server no longer serves); a rollback held
 * under GitOps adds `loops` (what would re-apply it, paused first) and
 * `hold` (the verification window).
 */
export type CheckId = 'context' | 'object' | 'revision' | 'paused' | 'gitops' | 'rbac' | 'dry-run' | 'diff' | 'tool' | 'auto-sync' | 'operation' | 'state' | 'schema' | 'not-undone' | 'artifacts' | 'apis' | 'loops' | 'hold';
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'info' | 'skipped';

export interface PreflightCheck {
  id: CheckId;
  status: CheckStatus;
  /** One line: "RBAC: patch deployments.apps "web" in namespace "shop" allowed". */
  title: string;
  /** Supporting facts (labels found, server reason, images). */
  evidence: string[];
  /** For a failing check: the error a rollback would be refused with. */
  error?: ClusterError;
}

export interface Preflight {
  request: RollbackRequest;
  context: ContextInfo;
  server: string;
  production: ProductionMatch;
  /** From SelfSubjectReview, when the server offers it. */
  identity?: Identity;
  /** Undefined when no rollback can be computed (revision not found, paused, no history). */
  plan?: RollbackPlan;
  history: WorkloadHistory;
  diff?: TemplateDiff;
  gitops: GitOpsOwner[];
  /** The Helm release the workload belongs to (meta.helm.sh/release-name), when it does. */
  helmRelease?: { namespace: string; name: string };
  access?: AccessDecision;
  checks: PreflightCheck[];
  /** Problems that refuse the rollback whatever the caller confirms. */
  blocking: ClusterError[];
  /** ISO time of the read the plan is based on. */
  at: string;
  calls: number;
}

export interface PreflightOptions {
  productionContexts: readonly string[];
}

function patchPermission(ref: WorkloadRef): Permission {
  return { verb: 'patch', group: KIND_INFO[ref.kind].group, resource: KIND_INFO[ref.kind].plural, namespace: ref.namespace, name: ref.name };
}

/** Sends the plan's patch with dryRun=All: admission and validation run, nothing is stored. */
export async function dryRunPatch(client: KubeClient, ref: WorkloadRef, patch: RollbackPatch): Promise<Result<KubeObject>> {
  return client.request<KubeObject>({
    method: 'PATCH',
    path: objectPath(ref),
    query: { dryRun: 'All', fieldManager: 'rollback-guard' },
    body: patch.body,
    contentType: patch.contentType,
  });
}

/**
 * The gitops check with what each owning loop is doing now: an active one
 * re-applies Git at its next reconcile (the check fails, as before); when
 * every one is paused nothing re-applies until it is resumed (a warning; the
 * rollback still needs the GitOps ownership acknowledged).
 */
function withLoops(check: PreflightCheck, loops: Awaited<ReturnType<typeof readLoops>>): PreflightCheck {
  if (loops.length === 0 || check.status === 'pass') return check;
  const { active, lines } = loopsEvidence(loops);
  const readable = loops.every((l) => !l.error);
  if (active.length === 0 && readable) return { ...check, status: 'warn', title: `${check.title.replace(/: a sync would re-apply the current version$/, '')}: paused now, so nothing re-applies Git until it is resumed`, evidence: [...check.evidence, ...lines] };
  return { ...check, title: active.length ? `${check.title.replace(/: a sync would re-apply the current version$/, '')}: ${active.map((l) => l.ref.kind === 'Application' ? `${l.ref.name} syncs automatically` : `${l.ref.name} is active${l.detail ? ` (${l.detail.split(', ')[0]})` : ''}`).join(', ')} and would re-apply the current version` : check.title, evidence: [...check.evidence, ...lines] };
}

export async function preflight(client: KubeClient, request: RollbackRequest, options: PreflightOptions): Promise<Result<Preflight>> {
  const firstCall = client.calls.length;
  const at = new Date().toISOString();
  const { ref } = request;
  const objects = await readWorkloadObjects(client, ref);
  if (!objects.ok) return objects;
  const { object, history: historyObjects } = objects.value;
  const planned = planRollback(ref, object, historyObjects, request.toRevision ?? 0);
  const history = planned.ok ? planned.value.history : historyOf(ref, object, historyObjects);
  const plan = planned.ok ? planned.value : undefined;
  const permission = patchPermission(ref);

  const [identity, access, dryRun] = await Promise.all([
    whoAmI(client),
    canI(client, permission),
    plan?.action === 'patch' && plan.patch ? dryRunPatch(client, ref, plan.patch) : Promise.resolve(undefined),
  ]);

  const production = matchProductionContext(client.context.name, options.productionContexts);
  const checks: PreflightCheck[] = [];
  const blocking: ClusterError[] = [];
  const who = identity?.username ?? client.context.user;

  checks.push(contextCheck(client, ref.namespace, production, identity));

  checks.push({
    id: 'object',
    status: 'pass',
    title: `${refText(ref)} found (resourceVersion ${object.metadata.resourceVersion}, generation ${object.metadata.generation ?? 0})`,
    evidence: [
      `current revision ${history.liveRevision ?? 'unknown'}: ${imagesText(history.images) || '(no containers)'}`,
      `${history.revisions.length} revision(s) in history: ${history.revisions.map((r) => r.revision).join(', ') || 'none'}`,
      history.rollout.message,
    ],
  });

  if (plan) {
    checks.push({
      id: 'revision',
      status: plan.action === 'skip' ? 'info' : 'pass',
      title:
        plan.action === 'skip'
          ? `already at revision ${plan.toRevision}: ${plan.skipMessage}`
          : `revision ${plan.fromRevision ?? '?'} → ${plan.toRevision} (${plan.to.source.kind} ${plan.to.source.name})`,
      evidence: [`target images: ${imagesText(plan.to.images)}`, ...(plan.to.changeCause ? [`change-cause: ${plan.to.changeCause}`] : []), ...(plan.to.createdAt ? [`created ${plan.to.createdAt}`] : [])],
    });
  } else if (!planned.ok) {
    const id: CheckId = planned.error.kind === 'paused' ? 'paused' : 'revision';
    checks.push({ id, status: 'fail', title: planned.error.message, evidence: [planned.error.hint], error: planned.error });
    blocking.push(planned.error);
  }
  if (ref.kind === 'Deployment' && planned.ok) checks.push({ id: 'paused', status: 'pass', title: 'not paused', evidence: [] });

  const gitops = history.gitops;
  const release = gitops.length === 0 ? helmOwner(object.metadata) : undefined;
  checks.push(
    release
      ? {
          id: 'gitops',
          status: 'warn',
          title: `part of Helm release ${release.namespace ?? ref.namespace}/${release.name} (annotation meta.helm.sh/release-name): its next helm upgrade or rollback re-applies the chart's version`,
          evidence: [`Rolling back the release keeps Helm and the cluster in step: rollback-guard undo helm-release/${release.name} -n ${release.namespace ?? ref.namespace}.`],
        }
      : withLoops(gitopsCheck(ref, gitops, undefined, 'rollback'), gitops.some((g) => g.certainty === 'certain') ? await readLoops(client, object) : []),
  );

  if (!access.ok) {
    checks.push({ id: 'rbac', status: 'fail', title: `could not check RBAC: ${access.error.message}`, evidence: [access.error.hint], error: access.error });
    blocking.push(access.error);
  } else if (access.value.allowed) {
    checks.push({ id: 'rbac', status: 'pass', title: `${who} may ${permissionText(permission)}`, evidence: access.value.reason ? [access.value.reason] : [] });
  } else {
    const error: ClusterError = {
      kind: 'forbidden',
      message: `user "${who}" may not ${permissionText(permission)} (context "${client.context.name}"): the rollback needs that permission`,
      hint: `Ask for a Role granting "patch" on ${permission.resource}.${permission.group} in namespace "${ref.namespace}", or use a context whose user has it.`,
      permission: { ...permission, user: who },
    };
    checks.push({ id: 'rbac', status: 'fail', title: error.message, evidence: access.value.reason ? [access.value.reason] : [], error });
    blocking.push(error);
  }

  // Nothing is sent unless the plan patches.
  const dry = dryRunCheck(
    dryRun,
    access.ok && !access.value.allowed,
    { nothing: plan?.action === 'skip' ? 'no patch to try: nothing would change' : 'no patch to try', accepted: 'server-side dry run (dryRun=All) accepted the patch', evidence: [`the exact patch, with resourceVersion ${plan?.resourceVersion} as a precondition`] },
    ['conflict', 'unreachable'],
  );
  checks.push(dry.check);
  if (dry.error) blocking.push(dry.error);

  let diff: TemplateDiff | undefined;
  if (plan) {
    diff = diffTemplates(plan.from.template, plan.to.template, {
      from: `${refText(ref)} now (revision ${plan.fromRevision ?? '?'})`,
      to: `${refText(ref)} revision ${plan.toRevision}`,
    });
    checks.push({
      id: 'diff',
      status: 'info',
      title: diff.equal ? 'pod template unchanged' : `${diff.changes.length} field(s) of the pod template change${diff.images.length ? `; images: ${diff.images.map((i) => `${i.container} ${i.from ?? '∅'} → ${i.to ?? '∅'}`).join(', ')}` : ''}`,
      evidence: diff.changes.slice(0, 20).map((c) => `${c.change} ${c.path}`),
    });
  }

  return ok({
    request,
    context: client.context,
    server: client.server,
    production,
    ...(identity ? { identity } : {}),
    ...(plan ? { plan } : {}),
    history,
    ...(diff ? { diff } : {}),
    gitops,
    ...(release ? { helmRelease: { namespace: release.namespace ?? ref.namespace, name: release.name } } : {}),
    ...(access.ok ? { access: access.value } : {}),
    checks,
    blocking,
    at,
    calls: client.calls.length - firstCall,
  });
}
