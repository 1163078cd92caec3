/**
 * Flux Kustomizations and HelmReleases: whether their reconciliation is
 * suspended, and `flux suspend` / `flux resume` (fluxcd/flux2 cmd/flux
 * suspend.go, resume.go). Both send the JSON merge patch controller-runtime's
 * MergeFrom computes after setting spec.suspend — `{"spec":{"suspend":true}}`
 * (plus the `suspend.toolkit.fluxcd.io/reason` annotation with --reason) and,
 * since `suspend` is `omitempty`, `{"spec":{"suspend":null}}` to resume.
 * `flux resume` then waits for the object to be Ready; so does `wait` here.
 */
import type { KubeClient, KubeObject } from './client';
import { ok, type ClusterError, type Result } from './errors';
import { describeOwner, detectGitOps } from './gitops';
import { fluxPlural, namedPath, type FluxRef } from './kinds';
import { pausedOf, type PausedRecord } from './hold';
import { attemptRecorder, dryRunCheck, evidenceBase, mergePatch, preflightBase, preflightStart, rbacCheck, refusalOf, type OperationFailure, type OperationOptions, type OperationRecord, type PreflightBase } from './operations';
import type { PreflightCheck } from './preflight';
import type { RollbackProgress } from './execute';

export const SUSPEND_REASON_ANNOTATION = 'suspend.toolkit.fluxcd.io/reason';

export interface FluxObject {
  ref: FluxRef;
  uid: string;
  resourceVersion: string;
  suspended: boolean;
  suspendReason?: string;
  /** The Ready condition. */
  ready?: { status: string; reason?: string; message?: string };
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  /** `GitRepository/flux-system` (Kustomization), `HelmChart/…` or the chart ref (HelmRelease). */
  source?: string;
  /** HelmRelease: the Helm release it manages (spec.releaseName, else [targetNamespace-]name) and where Helm stores it. */
  releaseName?: string;
  storageNamespace?: string;
  interval?: string;
  /** Paused by a Rollback Guard flow (the `rollback-guard.io/paused` record). */
  pausedBy?: PausedRecord;
}

interface FluxSpec {
  suspend?: boolean;
  interval?: string;
  sourceRef?: { kind?: string; name?: string; namespace?: string };
  chart?: { spec?: { chart?: string; version?: string; sourceRef?: { kind?: string; name?: string } } };
  chartRef?: { kind?: string; name?: string };
  releaseName?: string;
  targetNamespace?: string;
  storageNamespace?: string;
}

interface FluxStatus {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  storageNamespace?: string;
}

export function fluxObject(kind: FluxRef['kind'], obj: KubeObject): FluxObject {
  const spec = (obj.spec ?? {}) as FluxSpec;
  const status = (obj.status ?? {}) as FluxStatus;
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const reason = obj.metadata.annotations?.[SUSPEND_REASON_ANNOTATION];
  const source =
    kind === 'Kustomization'
      ? spec.sourceRef?.name
        ? `${spec.sourceRef.kind ?? '?'}/${spec.sourceRef.namespace ? `${spec.sourceRef.namespace}/` : ''}${spec.sourceRef.name}`
        : undefined
      : spec.chartRef?.name
        ? `${spec.chartRef.kind ?? '?'}/${spec.chartRef.name}`
        : spec.chart?.spec?.chart
          ? `${spec.chart.spec.chart}${spec.chart.spec.version ? `@${spec.chart.spec.version}` : ''} from ${spec.chart.spec.sourceRef?.kind ?? '?'}/${spec.chart.spec.sourceRef?.name ?? '?'}`
          : undefined;
  // helm-controller's GetReleaseName: spec.releaseName, else [targetNamespace-]name.
  const releaseName = kind === 'HelmRelease' ? (spec.releaseName ?? (spec.targetNamespace ? `${spec.targetNamespace}-${obj.metadata.name}` : obj.metadata.name)) : undefined;
  const storageNamespace = kind === 'HelmRelease' ? (spec.storageNamespace ?? status.storageNamespace ?? obj.metadata.namespace) : undefined;
  return {
    ref: { kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name },
    uid: obj.metadata.uid ?? '',
    resourceVersion: obj.metadata.resourceVersion ?? '',
    suspended: spec.suspend === true,
    ...(reason ? { suspendReason: reason } : {}),
    ...(ready ? { ready: { status: ready.status, ...(ready.reason ? { reason: ready.reason } : {}), ...(ready.message ? { message: ready.message } : {}) } } : {}),
    ...(status.lastAppliedRevision ? { lastAppliedRevision: status.lastAppliedRevision } : {}),
    ...(status.lastAttemptedRevision ? { lastAttemptedRevision: status.lastAttemptedRevision } : {}),
    ...(source ? { source } : {}),
    ...(releaseName ? { releaseName } : {}),
    ...(storageNamespace ? { storageNamespace } : {}),
    ...(spec.interval ? { interval: spec.interval } : {}),
    ...(pausedOf(obj) ? { pausedBy: pausedOf(obj)! } : {}),
  };
}

/** The patch `flux suspend` (suspend: true) or `flux resume` (false) sends; undefined when there is nothing to change. */
export function suspendPatch(obj: KubeObject, suspend: boolean, reason?: string): Record<string, unknown> | undefined {
  const spec = (obj.spec ?? {}) as FluxSpec;
  const current = spec.suspend === true;
  const annotations = obj.metadata.annotations ?? {};
  const setReason = suspend && reason !== undefined && reason !== '' && annotations[SUSPEND_REASON_ANNOTATION] !== reason;
  const changeSuspend = suspend !== current;
  if (!changeSuspend && !setReason) return undefined;
  return {
    ...(setReason ? { metadata: { annotations: { [SUSPEND_REASON_ANNOTATION]: reason } } } : {}),
    ...(changeSuspend ? { spec: { suspend: suspend ? true : null } } : {}),
  };
}

export interface FluxPreflight extends PreflightBase {
  ref: FluxRef;
  suspend: boolean;
  object: FluxObject;
  /** Undefined: already in that state. */
  patch?: Record<string, unknown>;
}

function fluxPath(ref: FluxRef): string {
  return namedPath(fluxPlural(ref.kind), ref.namespace, ref.name);
}

const FLUX_GROUP: Record<FluxRef['kind'], string> = { Kustomization: 'kustomize.toolkit.fluxcd.io', HelmRelease: 'helm.toolkit.fluxcd.io' };

export function fluxText(ref: FluxRef): string {
  return `${ref.kind.toLowerCase()}/${ref.name}`;
}

export async function fluxPreflight(client: KubeClient, ref: FluxRef, suspend: boolean, options: { productionContexts: readonly string[]; reason?: string }): Promise<Result<FluxPreflight>> {
  const start = await preflightStart(client, ref, options.productionContexts);
  const got = await client.request<KubeObject>({ path: fluxPath(ref) });
  if (!got.ok) return got;
  const object = fluxObject(ref.kind, got.value);
  const patch = suspendPatch(got.value, suspend, options.reason);
  const checks: PreflightCheck[] = [start.context];
  const blocking: ClusterError[] = [];
  checks.push({
    id: 'object',
    status: 'pass',
    title: `Flux ${ref.kind} ${ref.namespace}/${ref.name} found (resourceVersion ${object.resourceVersion}): ${object.suspended ? 'suspended' : 'reconciling'}${object.ready ? `, Ready ${object.ready.status}${object.ready.reason ? ` (${object.ready.reason})` : ''}` : ''}`,
    evidence: [...(object.source ? [`source ${object.source}`] : []), ...(object.lastAppliedRevision ? [`last applied revision ${object.lastAppliedRevision}`] : []), ...(object.suspendReason ? [`suspended because: ${object.suspendReason}`] : []), ...(object.releaseName ? [`Helm release ${object.storageNamespace}/${object.releaseName}`] : [])],
  });
  checks.push(patch ? { id: 'state', status: 'pass', title: `${suspend ? 'suspend' : 'resume'} sends ${JSON.stringify(patch)}`, evidence: [] } : { id: 'state', status: 'info', title: `already ${suspend ? 'suspended' : 'reconciling (not suspended)'}: nothing to change`, evidence: [] });
  // A parent Kustomization may manage this object; it re-applies what Git says about spec.suspend, if Git says anything.
  const owners = detectGitOps(got.value.metadata);
  checks.push({ id: 'gitops', status: owners.length ? 'warn' : 'pass', title: owners.length ? `managed by ${owners.map(describeOwner).join(', ')}: if Git sets spec.suspend, the next sync restores it` : 'no Argo CD or Flux tracking labels', evidence: owners.map((o) => o.evidence) });
  const who = start.identity?.username ?? client.context.user;
  const [rbac, dryRun] = await Promise.all([
    rbacCheck(client, [{ verb: 'patch', group: FLUX_GROUP[ref.kind], resource: fluxPlural(ref.kind), namespace: ref.namespace, name: ref.name }], who, `flux ${suspend ? 'suspend' : 'resume'}`),
    patch ? mergePatch(client, fluxPath(ref), patch, { dryRun: true }) : Promise.resolve(undefined),
  ]);
  checks.push(rbac.check);
  if (rbac.error) blocking.push(rbac.error);
  const dry = dryRunCheck(dryRun, !!rbac.error, { nothing: 'nothing to send', accepted: 'server-side dry run (dryRun=All) accepted the patch' });
  checks.push(dry.check);
  if (dry.error) blocking.push(dry.error);
  return ok({
    ref,
    suspend,
    object,
    ...(patch ? { patch } : {}),
    // GitOps owners are a warning here, not a refusal (see the gitops check).
    ...preflightBase(client, start, [], checks, blocking),
  });
}

export interface FluxOptions extends OperationOptions {
  /** After a resume, wait for the Ready condition as `flux resume` does (default false). */
  wait?: boolean;
  timeoutMs?: number;
  onProgress?: (progress: RollbackProgress) => void;
}

export interface FluxOutcome extends OperationRecord {
  status: 'patched' | 'skipped';
  message: string;
  sent?: Record<string, unknown>;
  resourceVersionAfter?: string;
}

export async function executeFlux(client: KubeClient, pre: FluxPreflight, options: FluxOptions = {}): Promise<Result<FluxOutcome, OperationFailure>> {
  const startedAt = new Date().toISOString();
  const secrets = await client.secrets();
  const { ref } = pre;
  const verb = pre.suspend ? 'suspend' : 'resume';
  const base = evidenceBase(pre, options, startedAt);
  const { record, refuse } = attemptRecorder(
    () => ({
      ...base,
      action: verb,
      object: { uid: pre.object.uid, apiGroup: FLUX_GROUP[ref.kind], resourceVersionBefore: pre.object.resourceVersion },
      from: { images: '' },
      ...(pre.patch ? { patch: { type: 'merge', body: pre.patch } } : {}),
    }),
    secrets,
    options.evidenceDir,
  );
  const refusal = refusalOf(pre, options, `the ${verb}`);
  if (refusal) return refuse(refusal);
  const human = `${ref.kind} ${ref.namespace}/${ref.name}`;
  if (!pre.patch) {
    const message = `${human} is already ${pre.suspend ? 'suspended' : 'resumed'}`;
    return ok({ status: 'skipped', message, ...record('skipped', message) });
  }
  const t0 = Date.now();
  const r = await mergePatch(client, fluxPath(ref), pre.patch, options.signal ? { signal: options.signal } : {});
  const patchMs = Date.now() - t0;
  if (!r.ok) return refuse(r.error, 'failed', { patchMs });
  const resourceVersionAfter = r.value.metadata.resourceVersion;
  const done = `${human} ${pre.suspend ? 'suspended' : 'resumed'}`;
  if (pre.suspend || !options.wait) {
    return ok({ status: 'patched', message: done, sent: pre.patch, ...(resourceVersionAfter ? { resourceVersionAfter } : {}), ...record('patched', done, { ...(resourceVersionAfter ? { resourceVersionAfter } : {}), patchMs }) });
  }
  // flux resume waits for Ready=True at the new generation.
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let last = '';
  while (Date.now() < deadline && !options.signal?.aborted) {
    const g = await client.request<KubeObject>({ path: fluxPath(ref) });
    if (g.ok) {
      const o = fluxObject(ref.kind, g.value);
      const observed = (g.value.status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0;
      const msg = o.ready ? `Ready ${o.ready.status}${o.ready.message ? `: ${o.ready.message}` : ''}` : 'waiting for the Ready condition';
      if (msg !== last) options.onProgress?.({ phase: 'rollout', message: (last = msg) });
      if (observed >= (g.value.metadata.generation ?? 0) && o.ready?.status === 'True') {
        const message = `${done}: reconciliation completed${o.lastAppliedRevision ? `, applied revision ${o.lastAppliedRevision}` : ''}`;
        return ok({ status: 'patched', message, sent: pre.patch, ...(resourceVersionAfter ? { resourceVersionAfter } : {}), ...record('patched', message, { ...(resourceVersionAfter ? { resourceVersionAfter } : {}), patchMs, rollout: msg }) });
      }
    }
    await new Promise((res) => setTimeout(res, 2000));
  }
  return refuse({ kind: 'timeout', message: `${done}, but it did not become Ready in ${Math.round((options.timeoutMs ?? 300_000) / 1000)} s: ${last || 'no Ready condition'}`, hint: 'It stays resumed; is the Flux controller running? (flux get all)' }, 'timeout', { ...(resourceVersionAfter ? { resourceVersionAfter } : {}), patchMs, rollout: last });
}
