/**
 * Runs a rollback that a preflight planned: refuses on any blocking check, on
 * an unconfirmed production context and on unacknowledged GitOps ownership;
 * sends the exact patch the preflight dry-ran (its resourceVersion guard turns
 * a concurrent change into a 409 and leaves the object untouched); follows the
 * rollout; writes the evidence record. Never prompts: confirmations are inputs.
 */
import type { KubeClient, KubeObject } from './client';
import { ok, type ClusterError, type Result } from './errors';
import { buildEvidence, writeEvidence, type EvidenceFiles, type EvidenceRecord, type OutcomeStatus } from './evidence';
import { describeOwner, gitOpsHint } from './gitops';
import { readWorkloadHistory } from './history';
import { objectPath, refText } from './kinds';
import type { Preflight } from './preflight';
import { contextConfirmed } from './production';
import { withChangeCause } from './rollback';
import { followRollout, type RolloutState } from './rollout';

export interface RollbackProgress {
  phase: 'patching' | 'patched' | 'rollout' | 'done';
  message: string;
}

export interface ExecuteOptions {
  /** The context name as the user typed it back; required for production contexts. */
  confirmContext?: string;
  /** The user saw the GitOps owner and wants the cluster-side rollback anyway. */
  acknowledgeGitOps?: boolean;
  /** Why; goes into the evidence record. */
  reason?: string;
  /** Follow the rollout to completion (default true). */
  wait?: boolean;
  /** How long to follow the rollout (default 300 s). */
  timeoutMs?: number;
  onProgress?: (progress: RollbackProgress) => void;
  /** Where to write the evidence (JSON + Markdown); no files when undefined, the record is still returned. */
  evidenceDir?: string;
  toolVersion?: string;
  signal?: AbortSignal;
}

export interface RollbackOutcome {
  status: Exclude<OutcomeStatus, 'refused' | 'failed'>;
  message: string;
  /** The revision number the restored template has now (the controller renumbers it as the newest). */
  revisionAfter?: number;
  resourceVersionAfter?: string;
  rollout?: RolloutState;
  /** Milliseconds from sending the patch to the server accepting it, and from then to rollout complete. */
  patchMs?: number;
  rolloutMs?: number;
  evidence: EvidenceRecord;
  files?: EvidenceFiles;
  /** Set when the record could not be written to evidenceDir (it is still in `evidence`). */
  evidenceError?: string;
}

/** A refused or failed rollback: the error, plus the evidence record of the attempt. */
export type RollbackFailure = ClusterError & { outcome: 'refused' | 'failed' | 'timeout'; evidence: EvidenceRecord; files?: EvidenceFiles; evidenceError?: string };

export async function executeRollback(client: KubeClient, planned: Preflight, options: ExecuteOptions = {}): Promise<Result<RollbackOutcome, RollbackFailure>> {
  const startedAt = new Date().toISOString();
  // The reason goes into kubernetes.io/change-cause too; the record keeps the patch as sent.
  const pre: Preflight = options.reason && planned.plan?.patch ? { ...planned, plan: { ...planned.plan, patch: withChangeCause(planned.plan, options.reason)! } } : planned;
  const ref = pre.request.ref;
  const nameTypedBack = contextConfirmed(pre.context.name, options.confirmContext);
  const secrets = await client.secrets();
  const record = (status: OutcomeStatus, message: string, extra: Partial<Parameters<typeof buildEvidence>[0]> = {}): { evidence: EvidenceRecord; files?: EvidenceFiles; evidenceError?: string } => {
    const evidence = buildEvidence(
      {
        preflight: pre,
        ...(options.reason ? { reason: options.reason } : {}),
        ...(options.toolVersion ? { toolVersion: options.toolVersion } : {}),
        startedAt,
        finishedAt: new Date().toISOString(),
        nameTypedBack,
        gitopsAcknowledged: options.acknowledgeGitOps === true,
        status,
        message,
        ...extra,
      },
      secrets,
    );
    if (!options.evidenceDir) return { evidence };
    try {
      return { evidence, files: writeEvidence(options.evidenceDir, evidence) };
    } catch (error) {
      // The rollback already happened (or was refused); a full disk must not hide that.
      return { evidence, evidenceError: `could not write the evidence to ${options.evidenceDir}: ${(error as Error).message}` };
    }
  };
  const refuse = (error: ClusterError, status: 'refused' | 'failed' | 'timeout' = 'refused', extra: Partial<Parameters<typeof buildEvidence>[0]> = {}): { ok: false; error: RollbackFailure } => {
    const written = record(status, error.message, { error, ...extra });
    return { ok: false, error: { ...error, outcome: status, ...written } };
  };

  // Refusals first, in the order a user fixes them.
  if (pre.blocking.length > 0) return refuse(pre.blocking[0]!);
  const plan = pre.plan;
  if (!plan) return refuse({ kind: 'no-history', message: `no rollback could be planned for ${refText(ref)}`, hint: 'Run the preflight again.' });
  if (pre.production.production && !nameTypedBack) {
    return refuse({
      kind: 'production-unconfirmed',
      message: `context "${pre.context.name}" is a production context (matches "${pre.production.pattern}"); the rollback needs its name typed back`,
      hint: `Confirm by typing the context name exactly (CLI: --confirm-context ${pre.context.name}).`,
    });
  }
  const owner = pre.gitops.find((g) => g.certainty === 'certain');
  if (owner && !options.acknowledgeGitOps) {
    return refuse({ kind: 'gitops-owned', message: `${refText(ref)} is managed by ${describeOwner(owner)} (${owner.evidence}); the next sync would undo a rollback made in the cluster`, hint: `${gitOpsHint(owner)} To roll back in the cluster anyway, acknowledge it (CLI: --allow-gitops).` });
  }

  if (plan.action === 'skip') {
    const message = plan.skipMessage ?? 'skipped rollback';
    options.onProgress?.({ phase: 'done', message });
    return ok({ status: 'skipped', message, ...record('skipped', message) });
  }

  options.onProgress?.({ phase: 'patching', message: `patching ${refText(ref)} back to revision ${plan.toRevision}` });
  const t0 = Date.now();
  const patched = await client.request<KubeObject>({
    method: 'PATCH',
    path: objectPath(ref),
    query: { fieldManager: 'rollback-guard' },
    body: plan.patch!.body,
    contentType: plan.patch!.contentType,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const patchMs = Date.now() - t0;
  if (!patched.ok) {
    const error: ClusterError =
      patched.error.kind === 'conflict'
        ? {
            ...patched.error,
            message: `${refText(ref)} in namespace "${ref.namespace}" changed after the preflight (it was at resourceVersion ${plan.resourceVersion}); the rollback was not applied`,
            hint: 'Someone or something (a controller, a deploy) changed it in between. Re-run the rollback to check again against its current state.',
          }
        : patched.error.kind === 'unreachable'
          ? { ...patched.error, hint: `${patched.error.hint} The patch may not have arrived; re-run the command once the server answers (the resourceVersion guard makes a second attempt safe).` }
          : patched.error;
    return refuse(error, 'failed', { patchMs });
  }
  const patchedAt = new Date().toISOString();
  const resourceVersionAfter = patched.value.metadata.resourceVersion;
  options.onProgress?.({ phase: 'patched', message: `patch accepted (resourceVersion ${resourceVersionAfter}) in ${patchMs} ms` });

  if (options.wait === false) {
    const message = `rolled back ${refText(ref)} to revision ${plan.toRevision}; not waiting for the rollout`;
    return ok({ status: 'patched', message, patchMs, ...(resourceVersionAfter ? { resourceVersionAfter } : {}), ...record('patched', message, { patchedAt, patchMs, ...(resourceVersionAfter ? { resourceVersionAfter } : {}) }) });
  }

  const t1 = Date.now();
  const followed = await followRollout(client, ref, {
    timeoutMs: options.timeoutMs ?? 300_000,
    onProgress: (s) => options.onProgress?.({ phase: 'rollout', message: s.message }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const rolloutMs = Date.now() - t1;
  const after = await readWorkloadHistory(client, ref);
  const revisionAfter = after.ok ? after.value.liveRevision : undefined;
  const common = { patchedAt, patchMs, rolloutMs, ...(resourceVersionAfter ? { resourceVersionAfter } : {}), ...(revisionAfter !== undefined ? { revisionAfter } : {}) };
  if (!followed.ok) return refuse(followed.error, followed.error.kind === 'timeout' ? 'timeout' : 'failed', { ...common, rollout: followed.error.message });
  if (followed.value.failed) {
    return refuse({ kind: 'rollout-failed', message: `rolled back ${refText(ref)} to revision ${plan.toRevision}, but the rollout failed: ${followed.value.message}`, hint: `Check the pods (kubectl get pods -n ${ref.namespace}) and events.` }, 'failed', { ...common, rollout: followed.value.message });
  }
  if (followed.value.unfollowable) {
    // OnDelete: the template is restored; pods change only when deleted. kubectl rollout status has nothing to report either.
    const message = `rolled back ${refText(ref)} to revision ${plan.toRevision}; its OnDelete update strategy replaces pods only when they are deleted`;
    options.onProgress?.({ phase: 'done', message });
    return ok({ status: 'patched', message, rollout: followed.value, ...common, ...record('patched', message, { ...common, rollout: followed.value.message }) });
  }
  const message = `rolled back ${refText(ref)} to revision ${plan.toRevision}${revisionAfter !== undefined && revisionAfter !== plan.toRevision ? ` (now revision ${revisionAfter})` : ''}: ${followed.value.message}`;
  options.onProgress?.({ phase: 'done', message });
  return ok({ status: 'rolled-back', message, rollout: followed.value, ...common, ...record('rolled-back', message, { ...common, rollout: followed.value.message }) });
}

