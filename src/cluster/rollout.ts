/**
 * Rollout progress with kubectl's rules (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go),
 * and following a rollout to completion through a watch on the one object.
 */
import type { KubeClient, KubeObject } from './client';
import { fail, ok, type Result } from './errors';
import { KIND_INFO, collectionPath, type WorkloadKind, type WorkloadRef } from './kinds';

export interface RolloutState {
  /** The rollout finished: every replica runs the current template and is available. */
  done: boolean;
  /** kubectl's wording: "Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...". */
  message: string;
  /** The rollout cannot finish (progress deadline exceeded). */
  failed?: boolean;
  /** The update strategy (OnDelete) rolls no pods by itself, so there is no rollout to follow. */
  unfollowable?: boolean;
}

interface Status {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  readyReplicas?: number;
  currentReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  conditions?: { type: string; reason?: string }[];
}

interface Spec {
  replicas?: number;
  paused?: boolean;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
}

/**
 * An Argo Rollout's state as `kubectl argo rollouts status` reports it
 * (utils/rollout GetRolloutPhase): "Progressing - waiting for rollout spec
 * update to be observed" until status.observedGeneration catches up, then the
 * controller's phase and message; done at Healthy, failed at Degraded.
 */
function argoRolloutState(obj: KubeObject): RolloutState {
  const st = (obj.status ?? {}) as { observedGeneration?: string; phase?: string; message?: string; controllerPause?: boolean; pauseConditions?: unknown[] };
  const observed = st.observedGeneration !== undefined && /^\d+$/.test(st.observedGeneration) ? Number(st.observedGeneration) : undefined;
  const generation = obj.metadata.generation ?? 0;
  if (observed !== undefined && observed < generation) return { done: false, message: 'Progressing - waiting for rollout spec update to be observed' };
  if (st.controllerPause && !(st.pauseConditions?.length ?? 0)) return { done: false, message: 'Progressing - waiting for rollout to unpause' };
  if (!st.phase) return { done: false, message: 'Progressing - waiting for the Argo Rollouts controller to report a phase' };
  const message = st.phase === 'Healthy' || st.phase === 'Degraded' || !st.message ? st.phase : `${st.phase} - ${st.message}`;
  return { done: st.phase === 'Healthy', ...(st.phase === 'Degraded' ? { failed: true } : {}), message: st.phase === 'Degraded' && st.message ? `${st.phase} - ${st.message}` : message };
}

export function rolloutState(kind: WorkloadKind, obj: KubeObject): RolloutState {
  if (kind === 'Rollout') return argoRolloutState(obj);
  const name = obj.metadata.name;
  const generation = obj.metadata.generation ?? 0;
  const spec = (obj.spec ?? {}) as Spec;
  const st = (obj.status ?? {}) as Status;
  const n = (v: number | undefined): number => v ?? 0;
  switch (kind) {
    case 'Deployment': {
      if (generation > n(st.observedGeneration)) return { done: false, message: 'Waiting for deployment spec update to be observed...' };
      if (st.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')) {
        return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
      }
      if (spec.replicas !== undefined && n(st.updatedReplicas) < spec.replicas) {
        return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${n(st.updatedReplicas)} out of ${spec.replicas} new replicas have been updated...` };
      }
      if (n(st.replicas) > n(st.updatedReplicas)) {
        return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${n(st.replicas) - n(st.updatedReplicas)} old replicas are pending termination...` };
      }
      if (n(st.availableReplicas) < n(st.updatedReplicas)) {
        return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${n(st.availableReplicas)} of ${n(st.updatedReplicas)} updated replicas are available...` };
      }
      return { done: true, message: `deployment "${name}" successfully rolled out` };
    }
    case 'DaemonSet': {
      if ((spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
        return { done: true, unfollowable: true, message: 'rollout status is only available for RollingUpdate strategy type' };
      }
      if (generation > n(st.observedGeneration)) return { done: false, message: 'Waiting for daemon set spec update to be observed...' };
      if (n(st.updatedNumberScheduled) < n(st.desiredNumberScheduled)) {
        return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${n(st.updatedNumberScheduled)} out of ${n(st.desiredNumberScheduled)} new pods have been updated...` };
      }
      if (n(st.numberAvailable) < n(st.desiredNumberScheduled)) {
        return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${n(st.numberAvailable)} of ${n(st.desiredNumberScheduled)} updated pods are available...` };
      }
      return { done: true, message: `daemon set "${name}" successfully rolled out` };
    }
    case 'StatefulSet': {
      if ((spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
        return { done: true, unfollowable: true, message: 'rollout status is only available for RollingUpdate strategy type' };
      }
      if (!st.observedGeneration || generation > st.observedGeneration) return { done: false, message: 'Waiting for statefulset spec update to be observed...' };
      if (spec.replicas !== undefined && n(st.readyReplicas) < spec.replicas) {
        return { done: false, message: `Waiting for ${spec.replicas - n(st.readyReplicas)} pods to be ready...` };
      }
      const rolling = spec.updateStrategy?.rollingUpdate;
      if (rolling) {
        if (spec.replicas !== undefined && rolling.partition !== undefined && n(st.updatedReplicas) < spec.replicas - rolling.partition) {
          return { done: false, message: `Waiting for partitioned roll out to finish: ${n(st.updatedReplicas)} out of ${spec.replicas - rolling.partition} new pods have been updated...` };
        }
        return { done: true, message: `partitioned roll out complete: ${n(st.updatedReplicas)} new pods have been updated...` };
      }
      if (st.updateRevision !== st.currentRevision) {
        return { done: false, message: `waiting for statefulset rolling update to complete ${n(st.updatedReplicas)} pods at revision ${st.updateRevision}...` };
      }
      return { done: true, message: `statefulset rolling update complete ${n(st.currentReplicas)} pods at revision ${st.currentRevision}...` };
    }
  }
}

export interface FollowOptions {
  timeoutMs: number;
  /** Called with each new progress message. */
  onProgress?: (state: RolloutState) => void;
  signal?: AbortSignal;
}

/**
 * Waits until the rollout is done, failed, or the timeout passes. Watches the
 * object (fieldSelector on its name) from a fresh read; a dropped watch is
 * resumed, and a failed connection retried until the deadline.
 */
export async function followRollout(client: KubeClient, ref: WorkloadRef, options: FollowOptions): Promise<Result<RolloutState>> {
  const deadline = Date.now() + options.timeoutMs;
  const path = collectionPath(KIND_INFO[ref.kind].plural, ref.namespace);
  let last = '';
  let lastError: Result<RolloutState> | undefined;
  const report = (state: RolloutState): void => {
    if (state.message !== last) {
      last = state.message;
      options.onProgress?.(state);
    }
  };
  while (Date.now() < deadline) {
    if (options.signal?.aborted) return fail('cancelled', 'stopped following the rollout', '');
    const list = await client.request<{ items: KubeObject[]; metadata: { resourceVersion: string } }>({
      path,
      query: { fieldSelector: `metadata.name=${ref.name}` },
      timeoutMs: Math.max(1000, Math.min(30_000, deadline - Date.now())),
    });
    if (!list.ok) {
      lastError = list;
      if (list.error.kind !== 'unreachable' && list.error.kind !== 'server') return list;
      await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
      continue;
    }
    const obj = list.value.items[0];
    if (!obj) return fail('not-found', `${ref.kind.toLowerCase()} "${ref.name}" disappeared from namespace "${ref.namespace}" during the rollout`, 'Someone deleted it; check who (kubectl get events).');
    let state = rolloutState(ref.kind, obj);
    report(state);
    if (state.done || state.failed) return ok(state);
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
    let final: RolloutState | undefined;
    const watched = await client.watch(
      path,
      { fieldSelector: `metadata.name=${ref.name}`, resourceVersion: list.value.metadata.resourceVersion, timeoutSeconds: Math.max(1, Math.ceil((deadline - Date.now()) / 1000)) },
      (event) => {
        if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return;
        state = rolloutState(ref.kind, event.object);
        report(state);
        if (state.done || state.failed) {
          final = state;
          controller.abort();
        }
      },
      controller.signal,
    );
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (final) return ok(final);
    if (!watched.ok) {
      lastError = watched;
      await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
    }
  }
  const why = lastError && !lastError.ok ? ` (last error: ${lastError.error.message})` : '';
  return fail('timeout', `the rollout of ${ref.kind.toLowerCase()}/${ref.name} did not finish in ${Math.round(options.timeoutMs / 1000)} s: ${last || 'no status yet'}${why}`, `The rollback patch was applied; watch it with kubectl rollout status ${ref.kind.toLowerCase()}/${ref.name} -n ${ref.namespace}, and check pod events if it is stuck.`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
