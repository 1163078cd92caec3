/**
 * Argo Rollouts' abort, retry and promote, with the patches the kubectl plugin
 * sends (argo-rollouts v1.9 pkg/kubectl-argo-rollouts/cmd/{abort,retry,promote}):
 *
 * - abort: JSON merge patch `{"status":{"abort":true}}` on the status
 *   subresource (on the main resource when the status subresource answers
 *   404, as for Rollouts ≤ v0.9);
 * - retry: `{"status":{"abort":false}}`, the same way;
 * - promote: from the Rollout as read — `{"spec":{"paused":false}}` when
 *   spec.paused, and on the status subresource `{"status":{"pauseConditions":null}}`
 *   when there are pause conditions, or, for a canary with steps, the next
 *   step index with the pause conditions cleared (and controllerPause unset
 *   when the step's analysis is Inconclusive); on a 404 from the status
 *   subresource the unified spec+status patch goes to the main resource;
 * - promote --full: `{"status":{"promoteFull":true}}` (unless the current pod
 *   hash is already the stable one) and the unpause when paused.
 *
 * Like the plugin, these carry no resourceVersion: the controller rewrites
 * status all the time, and an abort must not lose that race. The undo of a
 * Rollout goes through the workload undo (rollback.ts).
 */
import type { KubeClient, KubeObject } from './client';
import { fail, ok, type ClusterError, type Result } from './errors';
import { describeOwner, detectGitOps } from './gitops';
import { namedPath, refText, type WorkloadRef } from './kinds';
import { attemptRecorder, dryRunCheck, evidenceBase, mergePatch, preflightBase, preflightStart, rbacCheck, refusalOf, type OperationFailure, type OperationOptions, type OperationRecord, type PreflightBase } from './operations';
import type { PreflightCheck } from './preflight';
import type { Permission } from './rbac';
import { rolloutState } from './rollout';

export type RolloutAction = 'abort' | 'retry' | 'promote' | 'promote-full';
export const ROLLOUT_ACTIONS: readonly RolloutAction[] = ['abort', 'retry', 'promote', 'promote-full'];

interface RolloutSpec {
  paused?: boolean;
  strategy?: { canary?: { steps?: unknown[] }; blueGreen?: unknown };
}

interface RolloutStatus {
  abort?: boolean;
  pauseConditions?: { reason?: string; startTime?: string }[];
  controllerPause?: boolean;
  currentStepIndex?: number;
  currentPodHash?: string;
  stableRS?: string;
  phase?: string;
  message?: string;
  canary?: { currentStepAnalysisRunStatus?: { status?: string } };
}

/** What the plugin would send, from the Rollout it read. */
export interface RolloutActionPlan {
  action: RolloutAction;
  /** Merge patch of the main resource. */
  specPatch?: Record<string, unknown>;
  /** Merge patch of the status subresource. */
  statusPatch?: Record<string, unknown>;
  /** Sent to the main resource instead when the status subresource answers 404. */
  unifiedPatch?: Record<string, unknown>;
  /** Nothing to send (promote of a Rollout with nothing to promote). */
  noop: boolean;
}

/** replicasetutil.GetCurrentCanaryStep's index: undefined without canary steps, else status.currentStepIndex (default 0). */
function currentStepIndex(spec: RolloutSpec, status: RolloutStatus): number | undefined {
  const steps = spec.strategy?.canary?.steps;
  if (!spec.strategy?.canary || !steps || steps.length === 0) return undefined;
  return status.currentStepIndex ?? 0;
}

/** The plugin's patches for `action` on this Rollout. Pure. */
export function planRolloutAction(rollout: KubeObject, action: RolloutAction): RolloutActionPlan {
  const spec = (rollout.spec ?? {}) as RolloutSpec;
  const status = (rollout.status ?? {}) as RolloutStatus;
  switch (action) {
    case 'abort':
      return { action, statusPatch: { status: { abort: true } }, unifiedPatch: { status: { abort: true } }, noop: false };
    case 'retry':
      return { action, statusPatch: { status: { abort: false } }, unifiedPatch: { status: { abort: false } }, noop: false };
    case 'promote-full': {
      const plan: RolloutActionPlan = { action, unifiedPatch: { spec: { paused: false }, status: { promoteFull: true } }, noop: false };
      if (spec.paused) plan.specPatch = { spec: { paused: false } };
      if (status.currentPodHash !== status.stableRS) plan.statusPatch = { status: { promoteFull: true } };
      plan.noop = !plan.specPatch && !plan.statusPatch;
      return plan;
    }
    case 'promote': {
      const plan: RolloutActionPlan = { action, unifiedPatch: { spec: { paused: false }, status: { pauseConditions: null } }, noop: false };
      if (spec.paused) plan.specPatch = { spec: { paused: false } };
      const steps = spec.strategy?.canary?.steps?.length ?? 0;
      const inconclusive = !!spec.strategy?.canary && status.canary?.currentStepAnalysisRunStatus?.status === 'Inconclusive';
      const pauses = status.pauseConditions?.length ?? 0;
      const next = (i: number): number => (i < steps ? i + 1 : i);
      if (inconclusive && pauses > 0 && status.controllerPause) {
        const index = currentStepIndex(spec, status);
        if (index !== undefined) plan.statusPatch = { status: { pauseConditions: null, controllerPause: false, currentStepIndex: next(index) } };
      } else if (pauses > 0) {
        plan.statusPatch = { status: { pauseConditions: null } };
      } else if (spec.strategy?.canary) {
        // Promoting in the middle of an analysis or experiment step: go to the next step.
        const index = currentStepIndex(spec, status);
        if (index !== undefined) {
          plan.statusPatch = { status: { pauseConditions: null, currentStepIndex: next(index) } };
          plan.unifiedPatch = { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: next(index) } };
        }
      }
      plan.noop = !plan.specPatch && !plan.statusPatch;
      return plan;
    }
  }
}

/** One line about where a Rollout is: phase, step, abort, pause. */
export function rolloutSituation(rollout: KubeObject): string {
  const spec = (rollout.spec ?? {}) as RolloutSpec;
  const status = (rollout.status ?? {}) as RolloutStatus;
  const steps = spec.strategy?.canary?.steps?.length;
  const parts = [
    rolloutState('Rollout', rollout).message,
    spec.strategy?.blueGreen ? 'blue-green' : steps ? `canary step ${Math.min(status.currentStepIndex ?? 0, steps)}/${steps}` : spec.strategy?.canary ? 'canary' : '',
    status.abort ? 'aborted' : '',
    spec.paused ? 'spec.paused' : '',
    status.pauseConditions?.length ? `paused (${status.pauseConditions.map((p) => p.reason ?? '?').join(', ')})` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

export interface RolloutActionPreflight extends PreflightBase {
  ref: WorkloadRef & { kind: 'Rollout' };
  action: RolloutAction;
  plan: RolloutActionPlan;
  resourceVersion: string;
  uid: string;
}

function rolloutPath(ref: WorkloadRef): string {
  return namedPath('rollouts', ref.namespace, ref.name);
}

export async function rolloutActionPreflight(client: KubeClient, ref: WorkloadRef & { kind: 'Rollout' }, action: RolloutAction, options: { productionContexts: readonly string[] }): Promise<Result<RolloutActionPreflight>> {
  const start = await preflightStart(client, ref, options.productionContexts);
  const got = await client.request<KubeObject>({ path: rolloutPath(ref) });
  if (!got.ok) return got;
  const rollout = got.value;
  const status = (rollout.status ?? {}) as RolloutStatus;
  const spec = (rollout.spec ?? {}) as RolloutSpec;
  const plan = planRolloutAction(rollout, action);
  const checks: PreflightCheck[] = [start.context];
  const blocking: ClusterError[] = [];
  checks.push({ id: 'object', status: 'pass', title: `${refText(ref)} found (resourceVersion ${rollout.metadata.resourceVersion})`, evidence: [rolloutSituation(rollout)] });
  const verb = action === 'promote-full' ? 'promote --full' : action;
  if (action === 'retry' && !status.abort) checks.push({ id: 'state', status: 'warn', title: 'not aborted: retry only clears status.abort', evidence: [] });
  else if (action === 'abort' && status.abort) checks.push({ id: 'state', status: 'info', title: 'already aborted', evidence: [] });
  else if ((action === 'promote' || action === 'promote-full') && plan.noop) checks.push({ id: 'state', status: 'info', title: `nothing to promote: ${action === 'promote-full' ? 'the current pods are the stable ones and it is not paused' : 'not paused and not in a canary step'}`, evidence: [] });
  else if (action === 'promote-full' && spec.strategy?.blueGreen === undefined && !spec.strategy?.canary) checks.push({ id: 'state', status: 'info', title: 'no strategy set', evidence: [] });
  else checks.push({ id: 'state', status: 'pass', title: `${verb} sends ${[plan.statusPatch ? `status ${JSON.stringify(plan.statusPatch)}` : '', plan.specPatch ? `spec ${JSON.stringify(plan.specPatch)}` : ''].filter(Boolean).join(' and ')}`, evidence: [] });

  // A GitOps owner re-applies spec, not status: shown, not a reason to refuse an abort.
  const owners = detectGitOps(rollout.metadata);
  checks.push({ id: 'gitops', status: owners.length ? 'info' : 'pass', title: owners.length ? `managed by ${owners.map(describeOwner).join(', ')}: it re-applies spec (not status) on sync` : 'no Argo CD or Flux tracking labels or annotations', evidence: owners.map((o) => o.evidence) });

  const permissions: Permission[] = [];
  if (plan.statusPatch) permissions.push({ verb: 'patch', group: 'argoproj.io', resource: 'rollouts', subresource: 'status', namespace: ref.namespace, name: ref.name });
  if (plan.specPatch) permissions.push({ verb: 'patch', group: 'argoproj.io', resource: 'rollouts', namespace: ref.namespace, name: ref.name });
  const who = start.identity?.username ?? client.context.user;
  const [rbac, dryRun] = await Promise.all([
    permissions.length ? rbacCheck(client, permissions, who, `rollout ${verb}`) : Promise.resolve(undefined),
    plan.statusPatch ? mergePatch(client, `${rolloutPath(ref)}/status`, plan.statusPatch, { dryRun: true }) : plan.specPatch ? mergePatch(client, rolloutPath(ref), plan.specPatch, { dryRun: true }) : Promise.resolve(undefined),
  ]);
  if (rbac) {
    checks.push(rbac.check);
    if (rbac.error) blocking.push(rbac.error);
  }
  if (dryRun && !dryRun.ok && dryRun.error.kind === 'not-found' && plan.statusPatch) checks.push({ id: 'dry-run', status: 'info', title: 'no status subresource (Argo Rollouts ≤ 0.9): the patch goes to the main resource, as the plugin does', evidence: [] });
  else {
    const dry = dryRunCheck(dryRun, !!rbac?.error, { nothing: 'nothing to send', accepted: 'server-side dry run (dryRun=All) accepted the patch' });
    checks.push(dry.check);
    if (dry.error) blocking.push(dry.error);
  }
  return ok({
    ref,
    action,
    plan,
    resourceVersion: rollout.metadata.resourceVersion ?? '',
    uid: rollout.metadata.uid ?? '',
    // GitOps owners: not a refusal for these actions (see the gitops check).
    ...preflightBase(client, start, [], checks, blocking),
  });
}

export interface RolloutActionOutcome extends OperationRecord {
  status: 'patched' | 'skipped';
  message: string;
  /** The requests sent, in order: `status` for the status subresource, `main` for the object. */
  sent: { target: 'status' | 'main'; body: Record<string, unknown>; status: number }[];
  resourceVersionAfter?: string;
}

/** The plugin's outcome messages: "rollout 'web' aborted", "… retried", "… promoted", "… fully promoted". */
function doneMessage(action: RolloutAction, name: string): string {
  return `rollout '${name}' ${action === 'abort' ? 'aborted' : action === 'retry' ? 'retried' : action === 'promote' ? 'promoted' : 'fully promoted'}`;
}

export async function executeRolloutAction(client: KubeClient, pre: RolloutActionPreflight, options: OperationOptions = {}): Promise<Result<RolloutActionOutcome, OperationFailure>> {
  const startedAt = new Date().toISOString();
  const secrets = await client.secrets();
  const { ref, plan } = pre;
  const sent: RolloutActionOutcome['sent'] = [];
  const base = evidenceBase(pre, options, startedAt);
  const { record, refuse } = attemptRecorder(
    () => ({
      ...base,
      action: pre.action === 'promote-full' ? 'full promotion' : pre.action,
      object: { uid: pre.uid, resourceVersionBefore: pre.resourceVersion },
      from: { images: '' },
      ...(sent.length ? { patch: { type: 'merge', body: sent } } : {}),
    }),
    secrets,
    options.evidenceDir,
  );
  const refusal = refusalOf(pre, options, `the ${pre.action}`);
  if (refusal) return refuse(refusal);
  if (plan.noop) {
    const message = `${doneMessage(pre.action, ref.name)}: nothing to change`;
    return ok({ status: 'skipped', message, sent, ...record('skipped', message) });
  }
  const t0 = Date.now();
  const send = async (target: 'status' | 'main', body: Record<string, unknown>): Promise<Result<KubeObject>> => {
    const r = await mergePatch(client, target === 'status' ? `${rolloutPath(ref)}/status` : rolloutPath(ref), body, options.signal ? { signal: options.signal } : {});
    sent.push({ target, body, status: r.ok ? 200 : (r.error.status ?? 0) });
    return r;
  };
  let specPatch = plan.specPatch;
  let last: KubeObject | undefined;
  if (plan.statusPatch) {
    const r = await send('status', plan.statusPatch);
    if (r.ok) last = r.value;
    else if (r.error.kind === 'not-found') {
      // No status subresource (Rollouts ≤ v0.9), or no such Rollout: the unified patch on the object says which.
      if (pre.action === 'abort' || pre.action === 'retry') {
        const again = await send('main', plan.unifiedPatch!);
        if (!again.ok) return refuse(again.error, 'failed', { patchMs: Date.now() - t0 });
        last = again.value;
      } else specPatch = plan.unifiedPatch;
    } else return refuse(r.error, 'failed', { patchMs: Date.now() - t0 });
  }
  if (specPatch) {
    const r = await send('main', specPatch);
    if (!r.ok) return refuse(r.error, 'failed', { patchMs: Date.now() - t0 });
    last = r.value;
  }
  const resourceVersionAfter = last?.metadata.resourceVersion;
  const message = doneMessage(pre.action, ref.name);
  return ok({ status: 'patched', message, sent, ...(resourceVersionAfter ? { resourceVersionAfter } : {}), ...record('patched', message, { ...(resourceVersionAfter ? { resourceVersionAfter } : {}), patchMs: Date.now() - t0 }) });
}

/** Parses `abort`, `retry`, `promote` (with `full`) for the CLI. */
export function rolloutActionOf(verb: string, full: boolean): Result<RolloutAction> {
  if (verb === 'abort' || verb === 'retry') return full ? fail('unsupported', `--full applies to promote only`, 'Leave out --full.') : ok(verb);
  if (verb === 'promote') return ok(full ? 'promote-full' : 'promote');
  return fail('unsupported', `"${verb}" is not a Rollout action`, 'Use abort, promote (--full) or retry.');
}
