/**
 * The hold: what a rollback under GitOps records so that the controllers do
 * not undo it, and so that any later session (another editor, the CLI, after
 * the editor was closed or the API server restarted) can see where the flow
 * stands and finish it.
 *
 * The flow is: pause the narrowest loop that would re-apply the object (the
 * Flux Kustomization or HelmRelease that owns it, an ImageUpdateAutomation
 * that writes into the same source, the Argo CD Application's automated
 * sync), roll back, hold while health is verified for a window, make Git
 * match, then resume exactly what was paused.
 *
 * Its state lives in the cluster, on the objects it touches:
 *
 * - `rollback-guard.io/paused` on each paused loop: which flow paused it, for
 *   which object, when, by whom, and the exact value to put back
 *   (`spec.suspend` of a Flux object, `spec.syncPolicy.automated` of an
 *   Application);
 * - `rollback-guard.io/hold` on the rolled-back object: the flow's record
 *   (what was paused, from → to, the verification window and its result, the
 *   Git commit, the timings of each step).
 *
 * This file holds the records and the pure decisions over them; holdFlow.ts
 * does the reads and writes.
 */
import type { KubeObject } from './client';
import type { WorkloadRef } from './kinds';

export const HOLD_ANNOTATION = 'rollback-guard.io/hold';
export const PAUSED_ANNOTATION = 'rollback-guard.io/paused';

/** The verification window when none is given: five minutes. */
export const DEFAULT_HOLD_WINDOW_SECONDS = 300;

/** A loop that can re-apply an object: what the flow pauses. */
export type LoopKind = 'Kustomization' | 'HelmRelease' | 'ImageUpdateAutomation' | 'Application';

export interface LoopRef {
  kind: LoopKind;
  namespace: string;
  name: string;
}

/** What `rollback-guard.io/paused` holds on a paused loop. */
export interface PausedRecord {
  v: 1;
  /** The flow that paused it. */
  flow: string;
  /** The object rolled back, as `Deployment shop/web`. */
  object: string;
  since: string;
  by: string;
  /** What to put back on resume: the field and its value before the pause (null: it was unset). */
  restore: { field: 'spec.suspend'; value: boolean | null; reason: string | null } | { field: 'spec.syncPolicy.automated'; value: Record<string, unknown> };
}

export type HoldStep = 'rolled-back' | 'verified' | 'failed';

/** What `rollback-guard.io/hold` holds on the rolled-back object. */
export interface HoldRecord {
  v: 1;
  flow: string;
  /** When the flow paused the first loop. */
  since: string;
  by: string;
  reason?: string;
  /** The loops this flow paused (each carries its own restore value). */
  paused: LoopRef[];
  /** Loops that would re-apply it but were already paused by someone else: left as they are, on resume too. */
  alreadyPaused?: LoopRef[];
  from: { revision?: number; images: string };
  to: { revision?: number; images: string; revisionAfter?: number };
  step: HoldStep;
  /** Seconds of healthy running that complete the rollback. */
  window: number;
  verify: {
    /** When the window started: the rollout was complete. */
    from: string;
    /** Container restarts per pod when the window started. */
    restarts: Record<string, number>;
    passedAt?: string;
    failedAt?: string;
    failures?: string[];
  };
  /** The commit that makes Git match the cluster, once made. */
  git?: { file?: string; branch?: string; commit?: string; at?: string };
  /** Step times: decide = opened → confirmed, execute = confirmed → rollout complete, verify = rollout complete → validation passed. */
  timings: { openedAt?: string; confirmedAt: string; rolloutCompleteAt: string };
  /** The evidence record of the rollback itself. */
  evidence?: string;
}

export function loopText(l: LoopRef): string {
  const what = l.kind === 'Application' ? 'Argo CD Application' : l.kind === 'HelmRelease' ? 'Flux HelmRelease' : l.kind === 'Kustomization' ? 'Flux Kustomization' : 'Flux ImageUpdateAutomation';
  return `${what} ${l.namespace}/${l.name}`;
}

export function objectText(ref: { kind: string; namespace: string; name: string }): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

export function sameLoop(a: LoopRef, b: LoopRef): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}

function parseJson<T>(text: string | undefined, check: (v: Record<string, unknown>) => boolean): T | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) && check(v as Record<string, unknown>) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The hold record on an object, when it carries a well-formed one. */
export function holdOf(obj: Pick<KubeObject, 'metadata'>): HoldRecord | undefined {
  return parseJson<HoldRecord>(obj.metadata.annotations?.[HOLD_ANNOTATION], (v) => v.v === 1 && typeof v.flow === 'string' && typeof v.since === 'string' && Array.isArray(v.paused) && !!v.verify && typeof v.window === 'number');
}

/** The paused record on a loop, when it carries a well-formed one. */
export function pausedOf(obj: Pick<KubeObject, 'metadata'>): PausedRecord | undefined {
  return parseJson<PausedRecord>(obj.metadata.annotations?.[PAUSED_ANNOTATION], (v) => v.v === 1 && typeof v.flow === 'string' && typeof v.object === 'string' && !!v.restore);
}

/** Whether a loop is paused now, read from the object: spec.suspend for Flux, no automated sync for an Application. */
export function loopPaused(kind: LoopKind, obj: KubeObject): boolean {
  const spec = (obj.spec ?? {}) as { suspend?: boolean; syncPolicy?: { automated?: unknown } | null };
  if (kind === 'Application') return spec.syncPolicy?.automated === undefined || spec.syncPolicy?.automated === null;
  return spec.suspend === true;
}

const SUSPEND_REASON = 'suspend.toolkit.fluxcd.io/reason';

/**
 * The merge patch that pauses a loop for a flow, guarded by the
 * resourceVersion that was read: Flux objects get `spec.suspend: true` (as
 * `flux suspend` sends it) with the reason `flux get` shows; an Application
 * loses `spec.syncPolicy.automated` (as `argocd app set --sync-policy none`).
 * Both record what to put back in `rollback-guard.io/paused`.
 */
export function pausePatch(kind: LoopKind, obj: KubeObject, record: Omit<PausedRecord, 'restore'>, reasonText: string): { patch: Record<string, unknown>; restore: PausedRecord['restore'] } {
  const rv = obj.metadata.resourceVersion ?? '';
  if (kind === 'Application') {
    const policy = ((obj.spec ?? {}) as { syncPolicy?: { automated?: Record<string, unknown> | null } | null }).syncPolicy;
    const restore: PausedRecord['restore'] = { field: 'spec.syncPolicy.automated', value: (policy?.automated ?? {}) as Record<string, unknown> };
    return { patch: { metadata: { resourceVersion: rv, annotations: { [PAUSED_ANNOTATION]: JSON.stringify({ ...record, restore }) } }, spec: { syncPolicy: { automated: null } } }, restore };
  }
  const spec = (obj.spec ?? {}) as { suspend?: boolean };
  const restore: PausedRecord['restore'] = { field: 'spec.suspend', value: spec.suspend === undefined ? null : spec.suspend, reason: obj.metadata.annotations?.[SUSPEND_REASON] ?? null };
  return { patch: { metadata: { resourceVersion: rv, annotations: { [PAUSED_ANNOTATION]: JSON.stringify({ ...record, restore }), [SUSPEND_REASON]: reasonText } }, spec: { suspend: true } }, restore };
}

/** The merge patch that puts back exactly what a pause changed, and removes the paused record. */
export function restorePatch(obj: KubeObject, paused: PausedRecord): Record<string, unknown> {
  const rv = obj.metadata.resourceVersion ?? '';
  if (paused.restore.field === 'spec.syncPolicy.automated') {
    return { metadata: { resourceVersion: rv, annotations: { [PAUSED_ANNOTATION]: null } }, spec: { syncPolicy: { automated: paused.restore.value } } };
  }
  return { metadata: { resourceVersion: rv, annotations: { [PAUSED_ANNOTATION]: null, [SUSPEND_REASON]: paused.restore.reason } }, spec: { suspend: paused.restore.value } };
}

/** The annotation patch that writes (or, with null, removes) the hold record of an object. */
export function holdPatch(record: HoldRecord | null): Record<string, unknown> {
  return { metadata: { annotations: { [HOLD_ANNOTATION]: record === null ? null : JSON.stringify(record) } } };
}

/** One look at the held object's health, as `observeHealth` reads it. */
export interface HealthObservation {
  at: string;
  /** kubectl's rollout status message, and whether it is complete. */
  rollout: { done: boolean; message: string; failed?: boolean };
  pods: { total: number; ready: number; notReady: string[] };
  /** Pods whose container restarts rose since the window started: name → from → to. */
  restarts: { pod: string; from: number; to: number }[];
  /** Warning events on the object, its ReplicaSets or ControllerRevisions, and its pods, since the window started. */
  warnings: { object: string; reason: string; message: string; at: string; count: number }[];
}

/** What failed in an observation, in words; empty when healthy. */
export function healthFailures(o: HealthObservation): string[] {
  const out: string[] = [];
  if (o.rollout.failed) out.push(`rollout failed: ${o.rollout.message}`);
  else if (!o.rollout.done) out.push(`rollout not complete: ${o.rollout.message}`);
  if (o.pods.total === 0) out.push('no pods');
  else if (o.pods.notReady.length) out.push(`${o.pods.notReady.length} of ${o.pods.total} pods not ready (${o.pods.notReady.slice(0, 3).join(', ')}${o.pods.notReady.length > 3 ? ', …' : ''})`);
  for (const r of o.restarts) out.push(`pod ${r.pod} restarted (${r.from} → ${r.to} restarts)`);
  for (const w of o.warnings) out.push(`Warning ${w.reason} on ${w.object}: ${w.message}${w.count > 1 ? ` (×${w.count})` : ''}`);
  return out;
}

export type Verdict = 'verifying' | 'verified' | 'failed';

/**
 * Where verification stands at `now`: failed as soon as one observation in
 * the window failed (recorded, or now), verified once the window has passed
 * healthy, else verifying with how long it has been healthy.
 */
export function verdictOf(hold: HoldRecord, observation: HealthObservation | undefined, now: Date): { verdict: Verdict; healthySeconds: number; failures: string[] } {
  if (hold.verify.failedAt) return { verdict: 'failed', healthySeconds: Math.max(0, (Date.parse(hold.verify.failedAt) - Date.parse(hold.verify.from)) / 1000), failures: hold.verify.failures ?? [] };
  if (hold.verify.passedAt) return { verdict: 'verified', healthySeconds: hold.window, failures: [] };
  const elapsed = Math.max(0, (now.getTime() - Date.parse(hold.verify.from)) / 1000);
  const failures = observation ? healthFailures(observation) : [];
  if (failures.length) return { verdict: 'failed', healthySeconds: elapsed, failures };
  if (observation && elapsed >= hold.window) return { verdict: 'verified', healthySeconds: hold.window, failures: [] };
  return { verdict: 'verifying', healthySeconds: Math.min(elapsed, hold.window), failures: [] };
}

/** Whether the source the loops read renders to what is live, as far as it can be told. */
export interface GitMatch {
  /** undefined: cannot be told (the revision is not in the local repository, no manifest found, …). */
  matches: boolean | undefined;
  /** The source revision it was checked at (`main@sha1:3f2a9c1…`, an Argo CD revision). */
  revision?: string;
  /** One line: what Git says, what is live. */
  detail: string;
}

function clock(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** "held by Rollback Guard since 12:03 · healthy 4/5 min · Git matches live: no" */
export function holdSummary(hold: HoldRecord, verdict: { verdict: Verdict; healthySeconds: number; failures: string[] }, git: GitMatch | undefined): string {
  const perMinute = hold.window % 60 === 0;
  const window = perMinute ? `${hold.window / 60} min` : `${hold.window} s`;
  const health =
    verdict.verdict === 'verified'
      ? `verified (healthy ${window})`
      : verdict.verdict === 'failed'
        ? `validation failed: ${verdict.failures[0] ?? 'unhealthy'}`
        : `healthy ${perMinute ? `${Math.floor(verdict.healthySeconds / 60)}/${hold.window / 60} min` : `${Math.floor(verdict.healthySeconds)}/${hold.window} s`}`;
  const g = git?.matches === true ? 'yes' : git?.matches === false ? 'no' : 'unknown';
  return `held by Rollback Guard since ${clock(hold.since)} · ${health} · Git matches live: ${g}`;
}

/** The workload a hold record or paused record names, parsed back from `Deployment shop/web`. */
export function parseObjectText(text: string): WorkloadRef | { kind: 'Application'; namespace: string; name: string } | undefined {
  const m = /^(Deployment|StatefulSet|DaemonSet|Rollout|Application) ([^/\s]+)\/([^/\s]+)$/.exec(text);
  if (!m) return undefined;
  return { kind: m[1] as WorkloadRef['kind'], namespace: m[2]!, name: m[3]! };
}

/** Milliseconds of each step, from a finished flow's record. */
export function flowDurations(hold: HoldRecord): { decideMs?: number; executeMs: number; verifyMs?: number } {
  const t = hold.timings;
  const ms = (a?: string, b?: string) => (a && b ? Math.max(0, Date.parse(b) - Date.parse(a)) : undefined);
  const decideMs = ms(t.openedAt, t.confirmedAt);
  const verifyMs = ms(t.rolloutCompleteAt, hold.verify.passedAt);
  return { ...(decideMs !== undefined ? { decideMs } : {}), executeMs: ms(t.confirmedAt, t.rolloutCompleteAt) ?? 0, ...(verifyMs !== undefined ? { verifyMs } : {}) };
}
