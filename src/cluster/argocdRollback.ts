/**
 * Rolling back an Argo CD Application: preflight (context, the Application
 * and its history, automated sync, an operation already running, whether a
 * parent Application manages it, RBAC for `patch applications`, a server-side
 * dry run of the exact patch, what changes), then the patch that sets
 * `operation.sync` (argocd.ts says exactly what), after — when asked and
 * confirmed — pausing auto-sync with its own guarded patch. The Argo CD
 * controller performs the sync; when `wait` is set its progress is followed
 * through status.operationState.
 */
import { applicationHistory, entryRevisionText, entrySourceText, pauseAutoSyncPatch, planApplicationRollback, type ApplicationHistory, type ApplicationRollbackPlan } from './argocd';
import type { KubeClient, KubeObject } from './client';
import { unifiedDiff, type TemplateDiff } from './diff';
import { fail, ok, type ClusterError, type Result } from './errors';
import { detectGitOps } from './gitops';
import { namedPath, refText, type ApplicationRef } from './kinds';
import { attemptRecorder, dryRunCheck, evidenceBase, gitopsCheck, mergePatch, preflightBase, preflightStart, rbacCheck, refusalOf, type OperationFailure, type OperationOptions, type OperationRecord, type PreflightBase } from './operations';
import type { PreflightCheck } from './preflight';
import type { RollbackProgress } from './execute';
import { stringify } from 'yaml';

export interface ApplicationRollbackRequest {
  ref: ApplicationRef;
  /** The status.history id; undefined: the previous deployment (argocd app rollback without ID). */
  id?: number;
}

export interface ApplicationPreflight extends PreflightBase {
  ref: ApplicationRef;
  request: ApplicationRollbackRequest;
  history: ApplicationHistory;
  /** The rollback, planned as if auto-sync were off when it is on (see `autoSync`). */
  plan?: ApplicationRollbackPlan;
  /** Auto-sync is on: the rollback needs `pauseAutoSync` (a confirmed extra patch) or is refused. */
  autoSync: boolean;
  /** The patch that pauses auto-sync, when it is on. */
  pausePatch?: NonNullable<ReturnType<typeof pauseAutoSyncPatch>>;
  /** Who the operation is initiated by. */
  username: string;
  diff?: TemplateDiff;
}

function appPath(ref: ApplicationRef): string {
  return namedPath('applications', ref.namespace, ref.name);
}

/** The Application without automated sync, as it will be after the pause patch (for planning). */
function withoutAutoSync(app: KubeObject): KubeObject {
  const spec = { ...((app.spec ?? {}) as Record<string, unknown>) };
  const policy = { ...((spec.syncPolicy ?? {}) as Record<string, unknown>) };
  delete policy.automated;
  spec.syncPolicy = policy;
  return { ...app, spec };
}

export async function applicationPreflight(client: KubeClient, request: ApplicationRollbackRequest, options: { productionContexts: readonly string[] }): Promise<Result<ApplicationPreflight>> {
  const { ref } = request;
  const start = await preflightStart(client, ref, options.productionContexts);
  const got = await client.request<KubeObject>({ path: appPath(ref) });
  if (!got.ok) return got.error.kind === 'not-found' ? fail('not-found', `application "${ref.name}" not found in namespace "${ref.namespace}" (context "${client.context.name}")`, `Check the name and namespace (Applications usually live in argocd): rollback-guard history -n ${ref.namespace}.`, { status: 404 }) : got;
  const app = got.value;
  const history = applicationHistory(app);
  const username = start.identity?.username ?? client.context.user;
  const checks: PreflightCheck[] = [start.context];
  const blocking: ClusterError[] = [];
  const live = history.entries.find((e) => e.live);
  checks.push({
    id: 'object',
    status: 'pass',
    title: `${refText(ref)} found (resourceVersion ${history.resourceVersion}, project ${history.project}): ${history.syncStatus ?? 'sync status unknown'}, ${history.health ?? 'health unknown'}`,
    evidence: [
      `deployed now: history id ${live?.id ?? '?'}, revision ${live ? entryRevisionText(live) : '?'}`,
      `${history.entries.length} deployment(s) in history: ids ${history.entries.map((e) => e.id).join(', ') || 'none'}`,
      ...(history.destination ? [`destination ${history.destination.name ?? history.destination.server ?? '?'}, namespace ${history.destination.namespace ?? '-'}`] : []),
    ],
  });

  const pausePatch = history.autoSync ? pauseAutoSyncPatch(app) : undefined;
  checks.push(
    history.autoSync
      ? {
          id: 'auto-sync',
          status: 'warn',
          title: 'automated sync is on: Argo CD refuses a rollback until it is paused',
          evidence: [`spec.syncPolicy.automated = ${JSON.stringify((history.syncPolicy as { automated?: unknown } | undefined)?.automated ?? {})}`, `pausing sends ${JSON.stringify(pausePatch?.spec)} (argocd app set --sync-policy none); turn it on again once Git holds the version you want`],
        }
      : { id: 'auto-sync', status: 'pass', title: 'automated sync is off', evidence: [] },
  );

  const planned = planApplicationRollback(history.autoSync ? withoutAutoSync(app) : app, request.id, username);
  const plan = planned.ok ? planned.value : undefined;
  if (plan) {
    checks.push({
      id: 'revision',
      status: 'pass',
      title: `history id ${plan.fromId ?? '?'} → ${plan.toId}: revision ${entryRevisionText(plan.to) || '?'}`,
      evidence: [`source: ${entrySourceText(plan.to) || '-'}`, `deployed ${plan.to.deployedAt}${plan.to.initiatedBy?.username ? ` by ${plan.to.initiatedBy.username}` : plan.to.initiatedBy?.automated ? ' by auto-sync' : ''}`, `operation initiated by ${username}`],
    });
  } else if (!planned.ok) {
    const id = planned.error.kind === 'conflict' ? 'operation' : 'revision';
    checks.push({ id, status: 'fail', title: planned.error.message, evidence: [planned.error.hint], error: planned.error });
    blocking.push(planned.error);
  }
  if (!(planned.ok === false && planned.error.kind === 'conflict')) {
    checks.push(history.operationInProgress ? { id: 'operation', status: 'fail', title: 'another operation is already in progress', evidence: [] } : { id: 'operation', status: 'pass', title: `no operation running${history.operationPhase ? ` (last one ${history.operationPhase})` : ''}`, evidence: [] });
  }

  // A parent Application (app of apps) syncing this one would restore its spec, auto-sync included.
  const gitops = detectGitOps(app.metadata);
  checks.push(gitopsCheck(ref, gitops));

  const who = username;
  const [rbac, dryRun] = await Promise.all([
    rbacCheck(client, [{ verb: 'patch', group: 'argoproj.io', resource: 'applications', namespace: ref.namespace, name: ref.name }], who, 'the rollback'),
    plan || pausePatch
      ? mergePatch(client, appPath(ref), history.autoSync ? pausePatch : plan!.patch, { dryRun: true })
      : Promise.resolve(undefined),
  ]);
  checks.push(rbac.check);
  if (rbac.error) blocking.push(rbac.error);
  const dry = dryRunCheck(
    dryRun,
    !!rbac.error,
    { nothing: 'no patch to try', accepted: `server-side dry run (dryRun=All) accepted the ${history.autoSync ? 'pause-auto-sync patch (the rollback patch follows it)' : 'patch'}`, evidence: [`with resourceVersion ${history.resourceVersion} as a precondition`] },
    ['conflict', 'unreachable'],
  );
  checks.push(dry.check);
  if (dry.error) blocking.push(dry.error);

  let diff: TemplateDiff | undefined;
  if (plan) {
    const describe = (e: typeof plan.to | undefined) => (e ? stringify({ id: e.id, ...(e.revision ? { revision: e.revision } : {}), ...(e.revisions ? { revisions: e.revisions } : {}), ...(e.source ? { source: e.source } : {}), ...(e.sources ? { sources: e.sources } : {}) }).trimEnd().split('\n') : []);
    const unified = unifiedDiff(describe(live), describe(plan.to), { from: `${refText(ref)} deployed now (id ${live?.id ?? '?'})`, to: `${refText(ref)} history id ${plan.toId}` });
    diff = { equal: !unified, changes: [], images: [], unified };
    checks.push({ id: 'diff', status: 'info', title: `revision ${live ? entryRevisionText(live) || '?' : '?'} → ${entryRevisionText(plan.to) || '?'}`, evidence: [`source: ${live ? entrySourceText(live) : '?'} → ${entrySourceText(plan.to)}`] });
  }

  return ok({
    ref,
    request,
    ...preflightBase(client, start, gitops, checks, blocking),
    history,
    ...(plan ? { plan } : {}),
    autoSync: history.autoSync,
    ...(pausePatch ? { pausePatch } : {}),
    username,
    ...(diff ? { diff } : {}),
  });
}

export interface ApplicationRollbackOptions extends OperationOptions {
  /** The user confirmed "pause auto-sync, then roll back". */
  pauseAutoSync?: boolean;
  /** Follow status.operationState until the sync finishes (default false: Argo CD runs it). */
  wait?: boolean;
  timeoutMs?: number;
  onProgress?: (progress: RollbackProgress) => void;
}

export interface ApplicationRollbackOutcome extends OperationRecord {
  status: 'rolled-back' | 'patched';
  message: string;
  /** Whether auto-sync was paused first. */
  pausedAutoSync: boolean;
  /** The patches sent, in order. */
  sent: { what: 'pause-auto-sync' | 'rollback'; body: unknown }[];
  resourceVersionAfter?: string;
  /** status.operationState.phase when followed. */
  phase?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function executeApplicationRollback(client: KubeClient, pre: ApplicationPreflight, options: ApplicationRollbackOptions = {}): Promise<Result<ApplicationRollbackOutcome, OperationFailure>> {
  const startedAt = new Date().toISOString();
  const secrets = await client.secrets();
  const ref = pre.ref;
  const base = evidenceBase(pre, options, startedAt);
  const live = pre.history.entries.find((e) => e.live);
  const from = { ...(live ? { revision: live.id } : {}), images: live ? entryRevisionText(live) : '' };
  const sent: ApplicationRollbackOutcome['sent'] = [];
  const { record, refuse } = attemptRecorder(
    () => ({
      ...base,
      object: { uid: pre.history.uid, resourceVersionBefore: pre.history.resourceVersion },
      from,
      ...(pre.plan ? { to: { revision: pre.plan.toId, images: entryRevisionText(pre.plan.to), source: entrySourceText(pre.plan.to) || 'status.history' } } : {}),
      ...(pre.diff ? { diff: { images: [], fields: [], unified: pre.diff.unified } } : {}),
      ...(sent.length ? { patch: { type: 'merge', body: sent } } : {}),
    }),
    secrets,
    options.evidenceDir,
  );

  const refusal = refusalOf(pre, options, 'the rollback');
  if (refusal) return refuse(refusal);
  if (!pre.plan) return refuse({ kind: 'no-history', message: `no rollback could be planned for ${refText(ref)}`, hint: 'Run the preflight again.' });
  if (pre.autoSync && !options.pauseAutoSync) {
    return refuse({ kind: 'auto-sync', message: `rollback cannot be initiated when auto-sync is enabled (application ${ref.namespace}/${ref.name})`, hint: 'Confirm "pause auto-sync, then roll back" (CLI: --pause-auto-sync), or turn auto-sync off yourself first.' });
  }
  const t0 = Date.now();
  let plan = pre.plan;
  let paused = false;
  if (pre.autoSync && pre.pausePatch) {
    options.onProgress?.({ phase: 'patching', message: `pausing auto-sync of ${refText(ref)}` });
    sent.push({ what: 'pause-auto-sync', body: pre.pausePatch });
    const r = await mergePatch(client, appPath(ref), pre.pausePatch, options.signal ? { signal: options.signal } : {});
    if (!r.ok) {
      const error = r.error.kind === 'conflict' ? { ...r.error, message: `${refText(ref)} changed after the preflight (it was at resourceVersion ${pre.history.resourceVersion}); auto-sync was not paused and nothing was rolled back`, hint: 'Re-run the rollback to check again against its current state.' } : r.error;
      return refuse(error, 'failed', { patchMs: Date.now() - t0 });
    }
    paused = true;
    // The rollback follows from the Application as it is now, guarded by its new resourceVersion.
    const replanned = planApplicationRollback(r.value, plan.toId, pre.username);
    if (!replanned.ok) return refuse({ ...replanned.error, message: `auto-sync of ${refText(ref)} was paused, but the rollback cannot follow: ${replanned.error.message}`, hint: `${replanned.error.hint} Auto-sync stays paused; turn it on again with argocd app set ${ref.name} --sync-policy automated.` }, 'failed');
    plan = replanned.value;
  }
  options.onProgress?.({ phase: 'patching', message: `setting operation.sync of ${refText(ref)} to history id ${plan.toId}` });
  // The reason rides with the operation, as `argocd app sync --info Reason=…` sends it: Argo CD shows it with the sync.
  const body = options.reason?.trim() ? { ...plan.patch, operation: { ...plan.patch.operation, info: [{ name: 'Reason', value: options.reason.trim() }] } } : plan.patch;
  sent.push({ what: 'rollback', body });
  const patched = await mergePatch(client, appPath(ref), body, options.signal ? { signal: options.signal } : {});
  const patchMs = Date.now() - t0;
  if (!patched.ok) {
    const still = paused ? ' Auto-sync stays paused: turn it on again once you have decided.' : '';
    const error: ClusterError =
      patched.error.kind === 'conflict'
        ? { ...patched.error, message: `${refText(ref)} in namespace "${ref.namespace}" changed after ${paused ? 'auto-sync was paused' : 'the preflight'} (it was at resourceVersion ${plan.resourceVersion}); the rollback was not applied`, hint: `Something (the Argo CD controller, a sync) changed it in between. Re-run the rollback.${still}` }
        : { ...patched.error, hint: `${patched.error.hint}${still}` };
    return refuse(error, 'failed', { patchMs });
  }
  const patchedAt = new Date().toISOString();
  const resourceVersionAfter = patched.value.metadata.resourceVersion;
  const what = `rolled back ${refText(ref)} to history id ${plan.toId} (revision ${entryRevisionText(plan.to) || '?'})${paused ? ' after pausing auto-sync' : ''}`;
  if (!options.wait) {
    const message = `${what}: operation.sync is set; the Argo CD controller runs the sync`;
    options.onProgress?.({ phase: 'done', message });
    return ok({ status: 'patched', message, pausedAutoSync: paused, sent, ...(resourceVersionAfter ? { resourceVersionAfter } : {}), ...record('patched', message, { ...(resourceVersionAfter ? { resourceVersionAfter } : {}), patchedAt, patchMs }) });
  }
  // Follow status.operationState as `argocd app rollback` does (waitOnApplicationStatus with operation: true).
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let phase = '';
  let opMessage = '';
  while (Date.now() < deadline) {
    if (options.signal?.aborted) break;
    const r = await client.request<KubeObject>({ path: appPath(ref) });
    if (r.ok) {
      const state = (r.value.status as { operationState?: { phase?: string; message?: string } } | undefined)?.operationState;
      if (state?.phase && (state.phase !== phase || state.message !== opMessage)) {
        phase = state.phase;
        opMessage = state.message ?? '';
        options.onProgress?.({ phase: 'rollout', message: `${phase}${opMessage ? `: ${opMessage}` : ''}` });
      }
      if (!r.value.operation && state && ['Succeeded', 'Failed', 'Error'].includes(state.phase ?? '')) break;
    }
    await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
  }
  const rollout = `${phase || 'no operation state yet'}${opMessage ? `: ${opMessage}` : ''}`;
  if (phase === 'Succeeded') {
    const message = `${what}: sync ${rollout}`;
    options.onProgress?.({ phase: 'done', message });
    return ok({ status: 'rolled-back', message, pausedAutoSync: paused, sent, phase, ...(resourceVersionAfter ? { resourceVersionAfter } : {}), ...record('rolled-back', message, { ...(resourceVersionAfter ? { resourceVersionAfter } : {}), patchedAt, patchMs, rollout }) });
  }
  if (phase === 'Failed' || phase === 'Error') {
    return refuse({ kind: 'rollout-failed', message: `${what}, but the sync failed: ${rollout}`, hint: `See argocd app get ${ref.name} for the failing resources.` }, 'failed', { ...(resourceVersionAfter ? { resourceVersionAfter } : {}), patchedAt, patchMs, rollout });
  }
  return refuse({ kind: options.signal?.aborted ? 'cancelled' : 'timeout', message: `${what}, but the sync did not finish in ${Math.round((options.timeoutMs ?? 300_000) / 1000)} s: ${rollout}`, hint: `operation.sync stays set; the Argo CD controller runs it (argocd app get ${ref.name}). Is the controller running?` }, 'timeout', { ...(resourceVersionAfter ? { resourceVersionAfter } : {}), patchedAt, patchMs, rollout });
}
