/**
 * The rollback GitOps will not undo, as reads and writes on the cluster (the
 * records and decisions are in hold.ts):
 *
 * 1. `holdPreflight`: the workload rollback's preflight and the checks every
 *    workload rollback gets (what it will not undo, the target's images in
 *    their registry), plus the loops that would re-apply the workload — each read, with whether it is active, who
 *    paused it, RBAC for patching it and a server-side dry run of the pause.
 * 2. `startHold`: pause each active loop (resourceVersion-guarded merge
 *    patches that record what to put back), roll back, follow the rollout,
 *    then write the hold record with the verification baseline. A refused or
 *    failed rollback puts the loops back as they were.
 * 3. `holdStatus`: where the flow stands, read from the cluster — the record,
 *    the loops, the object's health now (rollout, pods ready, restarts,
 *    Warning events since the window started) — and, with `persist`, the
 *    verdict written into the record once the window passed or a check failed.
 * 4. `resumeHold`: only when Git matches and verification passed, or when the
 *    caller confirmed otherwise: put back exactly what each loop had, remove
 *    the records, and return the flow's evidence.
 *
 * Every step leaves the cluster in a state `holdStatus` reads truthfully, so
 * a flow interrupted anywhere (editor closed, API server restarted, a 403 on
 * resume) can be looked at and finished later, from the editor or the CLI.
 */
import { workloadRollbackChecks, type VersionedConfig } from './checks';
import type { KubeClient, KubeList, KubeObject } from './client';
import { fail, ok, type ClusterError, type Result } from './errors';
import { operationEvidence, writeEvidence, type EvidenceFiles, type EvidenceRecord } from './evidence';
import { executeRollback, type RollbackOutcome, type RollbackProgress } from './execute';
import { activeLoops, LOOP_API, loopPath, readLoop, readLoops, type Loop } from './loops';
import { selectorString } from './history';
import { collectionPath, KIND_INFO, objectPath, refText, type WorkloadRef } from './kinds';
import { dryRunCheck, mergePatch, rbacCheck } from './operations';
import { preflight, type Preflight, type PreflightCheck, type PreflightOptions, type RollbackRequest } from './preflight';
import { contextConfirmed } from './production';
import { rolloutState } from './rollout';
import { imagesText } from './template';
import {
  DEFAULT_HOLD_WINDOW_SECONDS,
  HOLD_ANNOTATION,
  PAUSED_ANNOTATION,
  flowDurations,
  holdOf,
  holdPatch,
  loopText,
  objectText,
  pausedOf,
  pausePatch,
  restorePatch,
  sameLoop,
  verdictOf,
  type GitMatch,
  type HealthObservation,
  type HoldRecord,
  type LoopRef,
  type PausedRecord,
  type Verdict,
} from './hold';

export interface HoldPreflight {
  rollback: Preflight;
  loops: Loop[];
  /** The rollback's checks, its gitops check replaced by what the flow does about each loop. */
  checks: PreflightCheck[];
  /** Problems that refuse the flow: the rollback's, and a loop that cannot be paused. */
  blocking: ClusterError[];
  /** An earlier flow on this object that was interrupted after pausing: it is taken over. */
  resumes?: string;
  window: number;
  at: string;
}

const FLOW_CONFLICT_HINT = 'Finish or resume that flow first (rollback-guard hold resume …), or roll back in Git.';

/**
 * The preflight of the flow: the rollback's own checks, then one `loops`
 * check saying which loops would re-apply the object and what happens to
 * each (paused now, already paused, paused by an earlier flow for this
 * object), with RBAC for patching them and a server-side dry run of each pause.
 */
export async function holdPreflight(client: KubeClient, request: RollbackRequest, options: PreflightOptions & { window?: number; known?: VersionedConfig }): Promise<Result<HoldPreflight>> {
  const rollback = await preflight(client, request, options);
  if (!rollback.ok) return rollback;
  const pre = rollback.value;
  // What every workload rollback checks on top: what it will not undo, and whether the target's images are still in their registry.
  await workloadRollbackChecks(client, pre, options.known ? { known: options.known } : {});
  const ref = request.ref;
  const object = await client.request<KubeObject>({ path: objectPath(ref) });
  if (!object.ok) return object;
  const loops = await readLoops(client, object.value);
  const blocking = [...pre.blocking];
  const evidence: string[] = [];
  const self = objectText(ref);
  let resumes: string | undefined;
  const toPause: Loop[] = [];
  for (const l of loops) {
    if (l.error) {
      evidence.push(`✖ ${loopText(l.ref)} (${l.why}): cannot be read: ${l.error.message}`);
      blocking.push({ ...l.error, message: `${loopText(l.ref)} would re-apply ${refText(ref)} but cannot be read: ${l.error.message}`, hint: `${l.error.hint} The flow pauses it before rolling back, so it must be readable and patchable.` });
      continue;
    }
    if (l.pausedBy && l.pausedBy.object !== self) {
      const error: ClusterError = { kind: 'held', message: `${loopText(l.ref)} is paused by the rollback of ${l.pausedBy.object} (since ${l.pausedBy.since}, by ${l.pausedBy.by})`, hint: FLOW_CONFLICT_HINT };
      evidence.push(`✖ ${error.message}`);
      blocking.push(error);
      continue;
    }
    if (l.pausedBy) {
      resumes = l.pausedBy.flow;
      evidence.push(`✔ ${loopText(l.ref)}: already paused for ${refText(ref)} by an earlier flow (since ${l.pausedBy.since}); this rollback continues it`);
      continue;
    }
    if (l.paused) {
      evidence.push(`– ${loopText(l.ref)}: already paused by someone else (${l.detail}); left as it is, also on resume`);
      continue;
    }
    toPause.push(l);
    evidence.push(`✔ ${loopText(l.ref)} (${l.why}; ${l.detail}): paused first, put back on resume`);
  }
  const who = pre.identity?.username ?? client.context.user;
  const permissions = toPause.map((l) => ({ verb: 'patch' as const, group: LOOP_API[l.ref.kind].group, resource: LOOP_API[l.ref.kind].plural, namespace: l.ref.namespace, name: l.ref.name }));
  const checks = pre.checks.filter((c) => c.id !== 'gitops');
  const at = checks.findIndex((c) => c.id === 'rbac');
  const loopCheck: PreflightCheck =
    loops.length === 0
      ? { id: 'loops', status: 'warn', title: `no GitOps loop re-applies ${refText(ref)}: nothing to pause, the hold only verifies`, evidence: [] }
      : { id: 'loops', status: blocking.length > pre.blocking.length ? 'fail' : 'pass', title: `${loops.length} loop(s) would re-apply ${refText(ref)}: ${toPause.length ? `${toPause.map((l) => loopText(l.ref)).join(', ')} paused first` : 'none to pause now'}`, evidence };
  checks.splice(at < 0 ? checks.length : at, 0, loopCheck);
  if (permissions.length) {
    const [rbac, ...dry] = await Promise.all([
      rbacCheck(client, permissions, who, 'pausing the loops'),
      ...toPause.map((l) => mergePatch(client, loopPath(l.ref), pausePatch(l.ref.kind, l.object!, { v: 1, flow: 'dry-run', object: self, since: new Date().toISOString(), by: who }, 'dry run').patch, { dryRun: true })),
    ]);
    checks.splice(checks.indexOf(loopCheck) + 1, 0, { ...rbac.check, id: 'rbac', title: `loops: ${rbac.check.title}` });
    if (rbac.error) blocking.push(rbac.error);
    for (let i = 0; i < toPause.length; i++) {
      const d = dryRunCheck(dry[i], !!rbac.error, { nothing: 'nothing to pause', accepted: `server-side dry run accepted pausing ${loopText(toPause[i]!.ref)}` }, ['conflict', 'unreachable']);
      if (d.error) {
        checks.push({ ...d.check, title: `pausing ${loopText(toPause[i]!.ref)}: ${d.check.title}` });
        blocking.push(d.error);
      }
    }
  }
  const window = options.window ?? DEFAULT_HOLD_WINDOW_SECONDS;
  checks.push({ id: 'hold', status: 'info', title: `then held for ${window % 60 === 0 ? `${window / 60} min` : `${window} s`}: rollout complete, pods ready, restarts not rising, no new Warning events`, evidence: ['Resume puts back exactly what was paused, once Git matches what runs (or when you confirm re-applying Git).'] });
  return ok({ rollback: pre, loops, checks, blocking, ...(resumes ? { resumes } : {}), window, at: pre.at });
}

export interface HoldOptions {
  confirmContext?: string;
  reason?: string;
  /** Verification window in seconds (default 300). */
  window?: number;
  /** When the user opened the rollback (the panel, the command): the start of "decide". */
  openedAt?: string;
  /** When the user confirmed (default: now). */
  confirmedAt?: string;
  timeoutMs?: number;
  evidenceDir?: string;
  toolVersion?: string;
  signal?: AbortSignal;
  onProgress?: (progress: RollbackProgress) => void;
}

export interface HoldOutcome {
  hold: HoldRecord;
  rollback: RollbackOutcome;
  paused: LoopRef[];
  message: string;
}

export type HoldFailure = ClusterError & { rollback?: RollbackOutcome | import('./execute').RollbackFailure; paused?: LoopRef[]; restored?: LoopRef[] };

function flowId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Pods of a workload (its selector), for the baseline and for health. */
async function podsOf(client: KubeClient, ref: WorkloadRef, obj: KubeObject): Promise<Result<KubeObject[]>> {
  const selector = selectorString((obj.spec as { selector?: Parameters<typeof selectorString>[0] } | undefined)?.selector);
  if (!selector) return ok([]);
  const listed = await client.request<KubeList>({ path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods`, query: { labelSelector: selector } });
  return listed.ok ? ok(listed.value.items) : listed;
}

function restartsOf(pod: KubeObject): number {
  const st = (pod.status ?? {}) as { containerStatuses?: { restartCount?: number }[]; initContainerStatuses?: { restartCount?: number }[] };
  return [...(st.containerStatuses ?? []), ...(st.initContainerStatuses ?? [])].reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

function podReady(pod: KubeObject): boolean {
  const st = (pod.status ?? {}) as { conditions?: { type: string; status: string }[] };
  return !!st.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

async function pauseLoops(client: KubeClient, loops: Loop[], record: Omit<PausedRecord, 'restore'>, reasonText: string, signal?: AbortSignal): Promise<Result<LoopRef[], ClusterError & { paused: LoopRef[] }>> {
  const paused: LoopRef[] = [];
  for (const l of loops) {
    let object = l.object!;
    let r = await mergePatch(client, loopPath(l.ref), pausePatch(l.ref.kind, object, record, reasonText).patch, signal ? { signal } : {});
    // Its controller writes status as it reconciles: a new resourceVersion with the spec that was reviewed is
    // paused as reviewed; a changed spec (suspended, retargeted, paused by someone else) is not.
    for (let attempt = 0; attempt < 3 && !r.ok && r.error.kind === 'conflict'; attempt++) {
      const now = await client.request<KubeObject>({ path: loopPath(l.ref) });
      if (!now.ok || !sameSpec(now.value, l.object!)) break;
      object = now.value;
      r = await mergePatch(client, loopPath(l.ref), pausePatch(l.ref.kind, object, record, reasonText).patch, signal ? { signal } : {});
    }
    if (!r.ok) {
      const message = r.error.kind === 'conflict' ? `${loopText(l.ref)} changed after the preflight; it was not paused` : `could not pause ${loopText(l.ref)}: ${r.error.message}`;
      return { ok: false, error: { ...r.error, message, paused } };
    }
    paused.push(l.ref);
  }
  return ok(paused);
}

/** Whether a loop's spec and Rollback Guard's pause record are as the preflight read them (its status may have moved on). */
function sameSpec(now: KubeObject, then: KubeObject): boolean {
  const paused = (o: KubeObject) => o.metadata.annotations?.[PAUSED_ANNOTATION] ?? null;
  return JSON.stringify(now.spec ?? null) === JSON.stringify(then.spec ?? null) && paused(now) === paused(then);
}

/** Puts back one loop a flow paused; `skipped` when its record is gone (resumed by hand) or belongs to another flow. */
async function restoreLoop(client: KubeClient, ref: LoopRef, flow: string): Promise<Result<'restored' | 'skipped'>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const got = await client.request<KubeObject>({ path: loopPath(ref) });
    if (!got.ok) return got.error.kind === 'not-found' ? ok('skipped') : got;
    const rec = pausedOf(got.value);
    if (!rec || rec.flow !== flow) return ok('skipped');
    const r = await mergePatch(client, loopPath(ref), restorePatch(got.value, rec));
    if (r.ok) return ok('restored');
    if (r.error.kind !== 'conflict') return r;
  }
  return fail('conflict', `${loopText(ref)} kept changing while it was being put back`, 'Try again in a moment.');
}

/**
 * Pauses the loops, rolls back, follows the rollout and writes the hold.
 * A rollback that is refused or fails before anything changed puts the loops
 * back; one that changed the workload but did not complete keeps the hold,
 * marked failed, so that nothing re-applies Git until someone decides.
 */
export async function startHold(client: KubeClient, pre: HoldPreflight, options: HoldOptions = {}): Promise<Result<HoldOutcome, HoldFailure>> {
  const ref = pre.rollback.request.ref;
  const confirmedAt = options.confirmedAt ?? new Date().toISOString();
  if (pre.blocking.length) return { ok: false, error: pre.blocking[0]! };
  if (pre.rollback.production.production && !contextConfirmed(pre.rollback.context.name, options.confirmContext)) {
    return fail('production-unconfirmed', `context "${pre.rollback.context.name}" is a production context (matches "${pre.rollback.production.pattern}"); the rollback needs its name typed back`, `Confirm by typing the context name exactly (CLI: --confirm-context ${pre.rollback.context.name}).`);
  }
  if (pre.rollback.plan?.action === 'skip') return fail('no-history', `${refText(ref)} already runs revision ${pre.rollback.plan.toRevision}: nothing to roll back or hold`, 'Pick another revision.');
  const now = new Date();
  const flow = pre.resumes ?? flowId(now);
  const who = pre.rollback.identity?.username ?? client.context.user;
  const self = objectText(ref);
  const toPause = activeLoops(pre.loops);
  const since = pre.loops.find((l) => l.pausedBy?.flow === flow)?.pausedBy?.since ?? now.toISOString();
  const reasonText = `held by Rollback Guard: rollback of ${refText(ref)} in ${ref.namespace} (flow ${flow})`;
  options.onProgress?.({ phase: 'patching', message: toPause.length ? `pausing ${toPause.map((l) => loopText(l.ref)).join(', ')}` : 'no loop to pause' });
  const paused = await pauseLoops(client, toPause, { v: 1, flow, object: self, since, by: who }, reasonText, options.signal);
  const putBack = async (refs: LoopRef[]): Promise<LoopRef[]> => {
    const restored: LoopRef[] = [];
    for (const r of refs) if ((await restoreLoop(client, r, flow)).ok) restored.push(r);
    return restored;
  };
  if (!paused.ok) {
    const restored = await putBack(paused.error.paused);
    return { ok: false, error: { ...paused.error, hint: `${paused.error.hint} Nothing was rolled back${restored.length ? `; ${restored.map(loopText).join(', ')} put back as they were` : ''}.`, paused: [], restored } };
  }
  const pausedNow = [...paused.value, ...pre.loops.filter((l) => l.pausedBy?.flow === flow).map((l) => l.ref)];

  const rollbackOptions = {
    acknowledgeGitOps: true,
    ...(options.confirmContext ? { confirmContext: options.confirmContext } : {}),
    reason: options.reason ?? reasonText,
    timeoutMs: options.timeoutMs ?? 300_000,
    ...(options.evidenceDir ? { evidenceDir: options.evidenceDir } : {}),
    ...(options.toolVersion ? { toolVersion: options.toolVersion } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  let rolled = await executeRollback(client, pre.rollback, rollbackOptions);
  if (!rolled.ok && rolled.error.kind === 'conflict') {
    // A controller wrote the object between the preflight and the pause: plan again from what is there now.
    const again = await preflight(client, pre.rollback.request, { productionContexts: [] });
    if (again.ok && again.value.blocking.length === 0) rolled = await executeRollback(client, { ...again.value, production: pre.rollback.production }, rollbackOptions);
  }
  if (!rolled.ok && !rolled.error.evidence.to?.revisionAfter && rolled.error.outcome !== 'timeout' && rolled.error.kind !== 'rollout-failed') {
    const restored = await putBack(paused.value);
    return { ok: false, error: { ...rolled.error, hint: `${rolled.error.hint} Nothing was rolled back${restored.length ? `; ${restored.map(loopText).join(', ')} put back as they were` : ''}.`, rollback: rolled.error, paused: [], restored } };
  }
  const rolloutCompleteAt = new Date().toISOString();
  const obj = await client.request<KubeObject>({ path: objectPath(ref) });
  const pods = obj.ok ? await podsOf(client, ref, obj.value) : undefined;
  const restarts: Record<string, number> = {};
  if (pods?.ok) for (const p of pods.value) restarts[p.metadata.name] = restartsOf(p);
  const plan = pre.rollback.plan!;
  const failed = !rolled.ok;
  const hold: HoldRecord = {
    v: 1,
    flow,
    since,
    by: who,
    ...(options.reason ? { reason: options.reason } : {}),
    paused: pausedNow,
    ...(pre.loops.some((l) => l.paused && !l.pausedBy) ? { alreadyPaused: pre.loops.filter((l) => l.paused && !l.pausedBy).map((l) => l.ref) } : {}),
    from: { ...(pre.rollback.history.liveRevision !== undefined ? { revision: pre.rollback.history.liveRevision } : {}), images: imagesText(pre.rollback.history.images) },
    to: { revision: plan.toRevision, images: imagesText(plan.to.images), ...(rolled.ok && rolled.value.revisionAfter !== undefined ? { revisionAfter: rolled.value.revisionAfter } : {}) },
    step: failed ? 'failed' : 'rolled-back',
    window: options.window ?? pre.window,
    verify: { from: rolloutCompleteAt, restarts, ...(!rolled.ok ? { failedAt: rolloutCompleteAt, failures: [rolled.error.message] } : {}) },
    timings: { ...(options.openedAt ? { openedAt: options.openedAt } : {}), confirmedAt, rolloutCompleteAt },
    ...((rolled.ok ? rolled.value.files : rolled.error.files) ? { evidence: (rolled.ok ? rolled.value.files : rolled.error.files)!.json } : {}),
  };
  const written = await mergePatch(client, objectPath(ref), holdPatch(hold));
  if (!rolled.ok) return { ok: false, error: { ...rolled.error, hint: `${rolled.error.hint} The loops stay paused (${pausedNow.map(loopText).join(', ') || 'none'}): roll further back, or resume once you have decided.`, rollback: rolled.error, paused: pausedNow } };
  if (!written.ok) {
    return { ok: false, error: { ...written.error, message: `rolled back ${refText(ref)}, but the hold record could not be written: ${written.error.message}`, hint: `The loops stay paused (${pausedNow.map(loopText).join(', ') || 'none'}); each records the flow, so the flow can still be resumed.`, rollback: rolled.value, paused: pausedNow } };
  }
  const message = `${rolled.value.message}; ${pausedNow.length ? `${pausedNow.map(loopText).join(', ')} paused` : 'nothing to pause'}; held for ${hold.window} s of healthy running`;
  options.onProgress?.({ phase: 'done', message });
  return ok({ hold, rollback: rolled.value, paused: pausedNow, message });
}

/** Reads the held object's health now: rollout, pods, restarts since the baseline, Warning events since the window started. */
export async function observeHealth(client: KubeClient, ref: WorkloadRef, hold: HoldRecord, object?: KubeObject): Promise<Result<HealthObservation>> {
  const obj = object ?? (await client.request<KubeObject>({ path: objectPath(ref) }).then((r) => (r.ok ? r.value : undefined)));
  if (!obj) return fail('not-found', `${refText(ref)} not found in namespace "${ref.namespace}"`, 'It was deleted after the rollback.');
  const [pods, events, owned] = await Promise.all([
    podsOf(client, ref, obj),
    client.request<KubeList>({ path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/events`, query: { fieldSelector: 'type=Warning' } }),
    client.request<KubeList>({ path: collectionPath(KIND_INFO[ref.kind].history, ref.namespace) }),
  ]);
  if (!pods.ok) return pods;
  // A Deployment's generation moves with its annotations too (the hold's own record among them): until the
  // controller has observed the latest generation, kubectl's status says "waiting for the spec update to be
  // observed". That is the controller catching up, not the workload failing; the next look sees the real state.
  const st = (obj.status ?? {}) as { observedGeneration?: number | string };
  const catchingUp = Number(st.observedGeneration ?? 0) < (obj.metadata.generation ?? 0);
  const state = catchingUp ? { done: true, message: 'the controller has not observed the latest change yet' } : rolloutState(ref.kind, obj);
  const names = new Set<string>([obj.metadata.name, ...pods.value.map((p) => p.metadata.name)]);
  if (owned.ok) for (const o of owned.value.items) if (o.metadata.ownerReferences?.some((r) => r.uid === obj.metadata.uid)) names.add(o.metadata.name);
  const since = Date.parse(hold.verify.from);
  const warnings: HealthObservation['warnings'] = [];
  if (events.ok) {
    for (const e of events.value.items as (KubeObject & { involvedObject?: { kind?: string; name?: string }; reason?: string; message?: string; lastTimestamp?: string; eventTime?: string; count?: number; series?: { lastObservedTime?: string; count?: number } })[]) {
      const at = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '';
      if (!e.involvedObject?.name || !names.has(e.involvedObject.name) || !(Date.parse(at) > since)) continue;
      warnings.push({ object: `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name}`, reason: e.reason ?? '', message: e.message ?? '', at, count: e.series?.count ?? e.count ?? 1 });
    }
  }
  const restarts: HealthObservation['restarts'] = [];
  for (const p of pods.value) {
    const to = restartsOf(p);
    const from = hold.verify.restarts[p.metadata.name] ?? 0;
    if (to > from) restarts.push({ pod: p.metadata.name, from, to });
  }
  const live = pods.value.filter((p) => !p.metadata.deletionTimestamp);
  const notReady = live.filter((p) => !podReady(p)).map((p) => p.metadata.name);
  return ok({ at: new Date().toISOString(), rollout: { done: state.done, message: state.message, ...('failed' in state && state.failed ? { failed: true } : {}) }, pods: { total: live.length, ready: live.length - notReady.length, notReady }, restarts, warnings });
}

export interface HoldStatus {
  ref: WorkloadRef;
  object: KubeObject;
  /** The hold record; undefined when the flow was interrupted before writing it (see `pausedFor`). */
  hold?: HoldRecord;
  /** Loops of the object as read now. */
  loops: Loop[];
  /** Loops paused by a flow for this object (including one whose hold was never written). */
  pausedFor: Loop[];
  observation?: HealthObservation;
  verdict?: { verdict: Verdict; healthySeconds: number; failures: string[] };
  /** Set when `persist` wrote a verdict into the record. */
  recorded?: 'verified' | 'failed';
}

/** Where the flow on `ref` stands; with `persist`, a verdict reached now (window passed, or a check failed) is written into the hold. */
export async function holdStatus(client: KubeClient, ref: WorkloadRef, options: { persist?: boolean; now?: Date } = {}): Promise<Result<HoldStatus>> {
  const got = await client.request<KubeObject>({ path: objectPath(ref) });
  if (!got.ok) return got;
  const object = got.value;
  const hold = holdOf(object);
  const loops = await readLoops(client, object);
  // Loops a flow paused for this object that are not (or no longer) among its owners are still found through the record.
  for (const r of hold?.paused ?? []) if (!loops.some((l) => sameLoop(l.ref, r))) loops.push(await readLoop(client, r, 'paused by this flow'));
  const self = objectText(ref);
  const pausedFor = loops.filter((l) => l.pausedBy?.object === self);
  if (!hold) return ok({ ref, object, loops, pausedFor });
  const observation = await observeHealth(client, ref, hold, object);
  const now = options.now ?? new Date();
  const verdict = verdictOf(hold, observation.ok ? observation.value : undefined, now);
  let recorded: HoldStatus['recorded'];
  if (options.persist && !hold.verify.passedAt && !hold.verify.failedAt && verdict.verdict !== 'verifying') {
    const at = now.toISOString();
    const next: HoldRecord = { ...hold, step: verdict.verdict, verify: { ...hold.verify, ...(verdict.verdict === 'verified' ? { passedAt: at } : { failedAt: at, failures: verdict.failures }) } };
    const w = await mergePatch(client, objectPath(ref), holdPatch(next));
    if (w.ok) {
      recorded = verdict.verdict;
      return ok({ ref, object: w.value, hold: next, loops, pausedFor, ...(observation.ok ? { observation: observation.value } : {}), verdict, recorded });
    }
  }
  return ok({ ref, object, hold, loops, pausedFor, ...(observation.ok ? { observation: observation.value } : {}), verdict });
}

/** Writes the commit that makes Git match into the hold record. */
export async function recordHoldCommit(client: KubeClient, ref: WorkloadRef, git: NonNullable<HoldRecord['git']>): Promise<Result<HoldRecord>> {
  const got = await client.request<KubeObject>({ path: objectPath(ref) });
  if (!got.ok) return got;
  const hold = holdOf(got.value);
  if (!hold) return fail('not-found', `${refText(ref)} is not held by Rollback Guard`, 'Start the flow with a rollback first.');
  const next = { ...hold, git: { ...hold.git, ...git } };
  const w = await mergePatch(client, objectPath(ref), { metadata: { resourceVersion: got.value.metadata.resourceVersion, annotations: { [HOLD_ANNOTATION]: JSON.stringify(next) } } });
  return w.ok ? ok(next) : w;
}

export interface ResumeOptions {
  /** Whether Git matches what runs, as the caller could tell (a local repository for Flux, the Application's sync status for Argo CD). */
  gitMatch?: GitMatch;
  /** The user confirmed resuming although Git does not match or verification has not passed; `confirmed` names what they saw. */
  confirmed?: string;
  reason?: string;
  evidenceDir?: string;
  toolVersion?: string;
}

export interface ResumeOutcome {
  restored: LoopRef[];
  /** Loops whose record was gone (resumed by hand) or that this flow never paused. */
  skipped: LoopRef[];
  message: string;
  evidence?: EvidenceRecord;
  files?: EvidenceFiles;
  evidenceError?: string;
}

/** The flow's evidence: one record with every step, its timings and what was paused and put back. */
function flowEvidence(client: KubeClient, ref: WorkloadRef, object: KubeObject, hold: HoldRecord | undefined, result: { restored: LoopRef[]; skipped: LoopRef[]; resumedAt: string; gitMatch?: GitMatch; confirmed?: string; who: string }, options: ResumeOptions, secrets: string[]): EvidenceRecord {
  const durations = hold ? flowDurations(hold) : undefined;
  const steps: { step: string; at: string; detail: string }[] = [];
  if (hold) {
    steps.push({ step: 'paused', at: hold.since, detail: hold.paused.length ? hold.paused.map(loopText).join(', ') : 'nothing to pause' });
    if (hold.timings.openedAt) steps.push({ step: 'opened', at: hold.timings.openedAt, detail: 'the rollback was opened' });
    steps.push({ step: 'confirmed', at: hold.timings.confirmedAt, detail: `by ${hold.by}${hold.reason ? `: ${hold.reason}` : ''}` });
    steps.push({ step: 'rolled back', at: hold.timings.rolloutCompleteAt, detail: `revision ${hold.from.revision ?? '?'} (${hold.from.images}) → ${hold.to.revision ?? '?'} (${hold.to.images}); rollout complete` });
    if (hold.verify.passedAt) steps.push({ step: 'verified', at: hold.verify.passedAt, detail: `healthy for ${hold.window} s` });
    if (hold.verify.failedAt) steps.push({ step: 'validation failed', at: hold.verify.failedAt, detail: (hold.verify.failures ?? []).join('; ') });
    if (hold.git?.commit) steps.push({ step: 'Git', at: hold.git.at ?? result.resumedAt, detail: `commit ${hold.git.commit.slice(0, 12)}${hold.git.branch ? ` on ${hold.git.branch}` : ''}${hold.git.file ? ` (${hold.git.file})` : ''}` });
  }
  steps.push({ step: 'resumed', at: result.resumedAt, detail: `${result.restored.map(loopText).join(', ') || 'nothing'} put back${result.gitMatch ? `; Git matches live: ${result.gitMatch.matches === true ? 'yes' : result.gitMatch.matches === false ? 'no' : 'unknown'} (${result.gitMatch.detail})` : ''}${result.confirmed ? `; confirmed: ${result.confirmed}` : ''}` });
  // By time; steps at the same instant in the order the flow takes them.
  const order = ['opened', 'confirmed', 'paused', 'rolled back', 'verified', 'validation failed', 'Git', 'resumed'];
  steps.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || order.indexOf(a.step) - order.indexOf(b.step));
  const base = {
    ref,
    context: client.context,
    server: client.server,
    production: { production: false },
    gitops: [],
    checks: [],
    blocking: [],
    at: hold?.since ?? result.resumedAt,
    calls: 0,
  } as unknown as Parameters<typeof operationEvidence>[0]['base'];
  const record = operationEvidence(
    {
      base,
      action: 'hold',
      object: { uid: object.metadata.uid ?? '', resourceVersionBefore: object.metadata.resourceVersion ?? '' },
      from: { ...(hold?.from.revision !== undefined ? { revision: hold.from.revision } : {}), images: hold?.from.images ?? '' },
      ...(hold ? { to: { revision: hold.to.revision ?? 0, images: hold.to.images, source: 'rollback', ...(hold.to.revisionAfter !== undefined ? { revisionAfter: hold.to.revisionAfter } : {}) } } : {}),
      ...(options.reason ?? hold?.reason ? { reason: (options.reason ?? hold?.reason)! } : {}),
      ...(options.toolVersion ? { toolVersion: options.toolVersion } : {}),
      startedAt: hold?.since ?? result.resumedAt,
      finishedAt: result.resumedAt,
      nameTypedBack: false,
      gitopsAcknowledged: true,
      status: 'patched',
      message: `the rollback of ${refText(ref)} held by Rollback Guard is complete: ${result.restored.map(loopText).join(', ') || 'nothing'} resumed`,
    },
    secrets,
  );
  return {
    ...record,
    who: { ...record.who, username: result.who },
    flow: {
      id: hold?.flow ?? 'unknown',
      steps,
      paused: hold?.paused.map(loopText) ?? [],
      resumed: result.restored.map(loopText),
      ...(result.skipped.length ? { skipped: result.skipped.map(loopText) } : {}),
      ...(hold?.git?.commit ? { commit: { sha: hold.git.commit, ...(hold.git.branch ? { branch: hold.git.branch } : {}), ...(hold.git.file ? { file: hold.git.file } : {}) } } : {}),
      validation: hold ? { window: hold.window, ...(hold.verify.passedAt ? { passedAt: hold.verify.passedAt } : {}), ...(hold.verify.failedAt ? { failedAt: hold.verify.failedAt, failures: hold.verify.failures ?? [] } : {}) } : { window: 0 },
      ...(durations ? { durations } : {}),
      ...(hold?.evidence ? { rollbackEvidence: hold.evidence } : {}),
    },
  };
}

/**
 * Puts back exactly what the flow paused and ends the hold. Refused (kind
 * `needs-confirmation`) while Git does not match what runs or verification
 * has not passed, unless `confirmed` says the user accepted that. A loop
 * that cannot be put back (403, conflict) stops the resume: the loops already
 * put back stay so, the rest and the hold stay as they are, and resuming
 * again later continues.
 */
export async function resumeHold(client: KubeClient, ref: WorkloadRef, options: ResumeOptions = {}): Promise<Result<ResumeOutcome>> {
  const status = await holdStatus(client, ref, { persist: true });
  if (!status.ok) return status;
  const { hold, object } = status.value;
  const flows = new Set(status.value.pausedFor.map((l) => l.pausedBy!.flow));
  if (!hold && flows.size === 0) return fail('not-found', `${refText(ref)} in namespace "${ref.namespace}" is not held by Rollback Guard`, 'Nothing to resume.');
  if (!options.confirmed) {
    if (options.gitMatch?.matches !== true) {
      return fail('needs-confirmation', `Git does not match what ${refText(ref)} runs${options.gitMatch ? `: ${options.gitMatch.detail}` : ' (not checked)'}; resuming lets the loops re-apply Git`, 'Make Git match first (commit the rolled-back version), or confirm that re-applying Git is what you want.');
    }
    if (hold && status.value.verdict?.verdict !== 'verified') {
      return fail('needs-confirmation', `the rollback of ${refText(ref)} is not verified yet (${status.value.verdict?.verdict === 'failed' ? `failed: ${status.value.verdict.failures[0]}` : 'still within its window'})`, 'Wait for the window to pass, or confirm resuming now.');
    }
  }
  const targets = hold ? hold.paused : status.value.pausedFor.map((l) => l.ref);
  const flow = hold?.flow ?? [...flows][0]!;
  const restored: LoopRef[] = [];
  const skipped: LoopRef[] = [];
  for (const r of targets) {
    const done = await restoreLoop(client, r, flow);
    if (!done.ok) {
      const rest = targets.filter((t) => !restored.some((x) => sameLoop(x, t)) && !skipped.some((x) => sameLoop(x, t)));
      return fail(done.error.kind, `could not put back ${loopText(r)}: ${done.error.message}`, `${done.error.hint} ${restored.length ? `${restored.map(loopText).join(', ')} ${restored.length === 1 ? 'is' : 'are'} reconciling again; ` : ''}${rest.map(loopText).join(', ')} ${rest.length === 1 ? 'stays' : 'stay'} paused and the hold stays: resume again once that is fixed.`, { ...(done.error.status ? { status: done.error.status } : {}), ...(done.error.permission ? { permission: done.error.permission } : {}) });
    }
    (done.value === 'restored' ? restored : skipped).push(r);
  }
  const resumedAt = new Date().toISOString();
  if (hold) {
    const w = await mergePatch(client, objectPath(ref), holdPatch(null));
    if (!w.ok) return fail(w.error.kind, `${restored.map(loopText).join(', ') || 'the loops'} put back, but the hold record on ${refText(ref)} could not be removed: ${w.error.message}`, `${w.error.hint} Resume again to remove it.`);
  }
  const secrets = await client.secrets();
  const evidence = flowEvidence(client, ref, object, hold, { restored, skipped, resumedAt, ...(options.gitMatch ? { gitMatch: options.gitMatch } : {}), ...(options.confirmed ? { confirmed: options.confirmed } : {}), who: hold?.by ?? client.context.user }, options, secrets);
  let files: EvidenceFiles | undefined;
  let evidenceError: string | undefined;
  if (options.evidenceDir) {
    try {
      files = writeEvidence(options.evidenceDir, evidence);
    } catch (e) {
      evidenceError = `could not write the evidence to ${options.evidenceDir}: ${(e as Error).message}`;
    }
  }
  const message = `resumed ${restored.map(loopText).join(', ') || 'nothing (no loop was paused)'}${skipped.length ? `; ${skipped.map(loopText).join(', ')} already resumed` : ''}; the hold on ${refText(ref)} is over`;
  return ok({ restored, skipped, message, evidence, ...(files ? { files } : {}), ...(evidenceError ? { evidenceError } : {}) });
}


/**
 * What to compare Git with, for "Git matches live": a Flux Kustomization's
 * source revision (checked against a local repository by the caller), or an
 * Argo CD Application's own comparison — Argo CD keeps comparing Git with the
 * cluster while automated sync is off, so its resource status says it.
 */
export function holdGitSource(status: Pick<HoldStatus, 'loops' | 'ref'>): { kind: 'flux'; revision?: string; loop: Loop } | { kind: 'argocd'; match: GitMatch; loop: Loop } | undefined {
  const app = status.loops.find((l) => l.ref.kind === 'Application' && l.object);
  if (app) {
    const st = (app.object!.status ?? {}) as { sync?: { revision?: string; status?: string }; resources?: { kind?: string; name?: string; namespace?: string; status?: string }[] };
    const res = st.resources?.find((r) => r.kind === status.ref.kind && r.name === status.ref.name && (r.namespace ?? status.ref.namespace) === status.ref.namespace);
    const revision = st.sync?.revision;
    const at = revision ? ` at ${revision.slice(0, 12)}` : '';
    const match: GitMatch = res?.status === 'Synced' ? { matches: true, ...(revision ? { revision } : {}), detail: `Argo CD compares Git${at} with the cluster: ${refText(status.ref)} Synced` } : res?.status === 'OutOfSync' ? { matches: false, ...(revision ? { revision } : {}), detail: `Argo CD compares Git${at} with the cluster: ${refText(status.ref)} OutOfSync` } : { matches: undefined, ...(revision ? { revision } : {}), detail: `${loopText(app.ref)} has not compared ${refText(status.ref)} yet` };
    return { kind: 'argocd', match, loop: app };
  }
  const ks = status.loops.find((l) => (l.ref.kind === 'Kustomization' || l.ref.kind === 'HelmRelease') && l.source);
  if (ks) return { kind: 'flux', ...(ks.source?.revision ? { revision: ks.source.revision } : {}), loop: ks };
  return undefined;
}

/** Reads Git at a source revision and says whether it gives the workload the live images (src/git's liveMatch, handed in by the caller). */
export type GitCompare = (input: { revision: string; workload: { kind: WorkloadRef['kind']; name: string; namespace: string }; liveImages: string[]; manifestPath?: string }) => Promise<GitMatch>;

/**
 * "Git matches live" for a held workload: Argo CD's own comparison when an
 * Application tracks it, else the Flux source's revision read with `compare`
 * (a local clone of the source); unknown when neither can tell.
 */
export async function holdGitMatch(status: Pick<HoldStatus, 'loops' | 'ref' | 'object' | 'hold'>, compare: GitCompare | undefined): Promise<GitMatch | undefined> {
  const source = holdGitSource(status);
  if (!source) return undefined;
  if (source.kind === 'argocd') return source.match;
  if (!source.revision) return { matches: undefined, detail: `${loopText(source.loop.ref)}'s source has no revision yet` };
  if (!compare) return { matches: undefined, revision: source.revision, detail: `no local clone of ${source.loop.source?.url ?? 'the source'} to read ${source.revision} in` };
  const images = ((status.object.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers ?? []).map((c) => c.image ?? '').filter(Boolean);
  return compare({ revision: source.revision, workload: { kind: status.ref.kind, name: status.ref.name, namespace: status.ref.namespace }, liveImages: images, ...(status.hold?.git?.file ? { manifestPath: status.hold.git.file } : {}) });
}
