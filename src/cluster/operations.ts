/**
 * What the operations beyond `kubectl rollout undo` share — Helm rollbacks,
 * Argo CD rollbacks, Argo Rollouts abort/promote/retry, Flux suspend/resume:
 * the preflight's context check and its RBAC checks (one
 * SelfSubjectAccessReview per exact permission), the refusals every write
 * goes through (blocking checks, an unconfirmed production context, an
 * unacknowledged GitOps owner), and the evidence record each attempt leaves.
 */
import type { KubeClient, KubeObject } from './client';
import type { ClusterError, ClusterErrorKind, Result } from './errors';
import { operationEvidence, writeEvidence, type EvidenceFiles, type EvidenceRecord, type OperationEvidenceInput, type OutcomeStatus } from './evidence';
import { describeOwner, gitOpsHint, type GitOpsOwner } from './gitops';
import { refText } from './kinds';
import type { ContextInfo } from './kubeconfig';
import type { PreflightCheck } from './preflight';
import { contextConfirmed, matchProductionContext, type ProductionMatch } from './production';
import { canI, permissionText, whoAmI, type Identity, type Permission } from './rbac';

/** The object an operation acts on. */
export interface OperationRef {
  kind: string;
  namespace: string;
  name: string;
}

/** What every operation's preflight holds. */
export interface PreflightBase {
  ref: OperationRef;
  context: ContextInfo;
  server: string;
  production: ProductionMatch;
  identity?: Identity;
  gitops: GitOpsOwner[];
  checks: PreflightCheck[];
  /** Problems that refuse the operation whatever the caller confirms. */
  blocking: ClusterError[];
  at: string;
  calls: number;
}

/** The confirmations and record-keeping every write takes (the same as ExecuteOptions for workloads). */
export interface OperationOptions {
  /** The context name as the user typed it back; required for production contexts. */
  confirmContext?: string;
  /** The user saw the GitOps owner and wants the cluster-side change anyway. */
  acknowledgeGitOps?: boolean;
  reason?: string;
  /** Where to write the evidence (JSON + Markdown); no files when undefined. */
  evidenceDir?: string;
  toolVersion?: string;
  signal?: AbortSignal;
}

/** A refused or failed operation: the error and the record of the attempt. */
export type OperationFailure = ClusterError & { outcome: 'refused' | 'failed' | 'timeout'; evidence: EvidenceRecord; files?: EvidenceFiles; evidenceError?: string };

export interface OperationRecord {
  evidence: EvidenceRecord;
  files?: EvidenceFiles;
  evidenceError?: string;
}

/** The context check of every preflight. */
export function contextCheck(client: KubeClient, namespace: string, production: ProductionMatch, identity: Identity | undefined): PreflightCheck {
  return {
    id: 'context',
    status: production.production ? 'warn' : 'pass',
    title: production.production
      ? `context "${client.context.name}" is a production context (matches "${production.pattern}"): its name must be typed back`
      : `context "${client.context.name}", namespace "${namespace}"`,
    evidence: [`server ${client.server}`, `kubeconfig user ${client.context.user}`, ...(identity ? [`authenticated as ${identity.username}${identity.groups.length ? ` (groups ${identity.groups.join(', ')})` : ''}`] : [])],
  };
}

/** A JSON merge patch as rollback-guard sends it (its own field manager), or with `dryRun` its server-side dry run (dryRun=All). */
export function mergePatch(client: KubeClient, path: string, body: unknown, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<Result<KubeObject>> {
  return client.request<KubeObject>({ method: 'PATCH', path, query: { ...(options.dryRun ? { dryRun: 'All' } : {}), fieldManager: 'rollback-guard' }, body, contentType: 'application/merge-patch+json', ...(options.signal ? { signal: options.signal } : {}) });
}

/** Who we are and whether this is production: the start of every preflight. */
export async function preflightStart(client: KubeClient, ref: OperationRef, productionContexts: readonly string[]): Promise<{ identity?: Identity; production: ProductionMatch; context: PreflightCheck; at: string; firstCall: number }> {
  const firstCall = client.calls.length;
  const at = new Date().toISOString();
  const identity = await whoAmI(client);
  const production = matchProductionContext(client.context.name, productionContexts);
  return { ...(identity ? { identity } : {}), production, context: contextCheck(client, ref.namespace, production, identity), at, firstCall };
}

/** What every preflight holds besides its object, from its start and what it found: the context, who, GitOps owners, checks, refusals, when and how many calls. */
export function preflightBase(client: KubeClient, start: Awaited<ReturnType<typeof preflightStart>>, gitops: GitOpsOwner[], checks: PreflightCheck[], blocking: ClusterError[]): Omit<PreflightBase, 'ref'> {
  return {
    context: client.context,
    server: client.server,
    production: start.production,
    ...(start.identity ? { identity: start.identity } : {}),
    gitops,
    checks,
    blocking,
    at: start.at,
    calls: client.calls.length - start.firstCall,
  };
}

/**
 * One SelfSubjectAccessReview per permission (in parallel), folded into one
 * `rbac` check: pass when every one is allowed, else fail naming each
 * missing permission and the user.
 */
export async function rbacCheck(client: KubeClient, permissions: readonly Permission[], who: string, what: string): Promise<{ check: PreflightCheck; error?: ClusterError }> {
  const decisions = await Promise.all(permissions.map((p) => canI(client, p)));
  const failed = decisions.find((d) => !d.ok);
  if (failed && !failed.ok) return { check: { id: 'rbac', status: 'fail', title: `could not check RBAC: ${failed.error.message}`, evidence: [failed.error.hint], error: failed.error }, error: failed.error };
  const denied = permissions.filter((_, i) => {
    const d = decisions[i]!;
    return d.ok && !d.value.allowed;
  });
  const evidence = permissions.map((p, i) => {
    const d = decisions[i]!;
    return `${d.ok && d.value.allowed ? '✔' : '✖'} ${permissionText(p)}`;
  });
  if (denied.length === 0) return { check: { id: 'rbac', status: 'pass', title: `${who} may ${permissions.length === 1 ? permissionText(permissions[0]!) : `do all ${permissions.length} things ${what} needs`}`, evidence: permissions.length === 1 ? [] : evidence } };
  const first = denied[0]!;
  const error: ClusterError = {
    kind: 'forbidden',
    message: `user "${who}" may not ${denied.map(permissionText).join('; ')} (context "${client.context.name}"): ${what} needs ${denied.length === 1 ? 'that permission' : 'those permissions'}`,
    hint: `Ask for a Role granting "${first.verb}" on ${first.resource}${first.subresource ? `/${first.subresource}` : ''}${first.group ? `.${first.group}` : ''}${first.namespace ? ` in namespace "${first.namespace}"` : ''}${denied.length > 1 ? ' (and the others listed)' : ''}, or use a context whose user has it.`,
    permission: { verb: first.verb, group: first.group, resource: first.resource + (first.subresource ? `/${first.subresource}` : ''), ...(first.namespace ? { namespace: first.namespace } : {}), ...(first.name ? { name: first.name } : {}), user: who },
  };
  return { check: { id: 'rbac', status: 'fail', title: error.message, evidence, error }, error };
}

/**
 * The dry-run check from the answer to the preflight's `dryRun=All` request
 * (undefined: nothing was sent): pass; skipped when there was nothing to send
 * or when RBAC already says why the server refused; else a blocking failure.
 * An error of a kind in `asIs` (a conflict, the server gone) is kept as it is;
 * any other becomes "dry-run-failed" (an unreachable server stays unreachable).
 */
export function dryRunCheck(dryRun: Result<unknown> | undefined, rbacDenied: boolean, text: { nothing: string; accepted: string; evidence?: string[] }, asIs: readonly ClusterErrorKind[] = []): { check: PreflightCheck; error?: ClusterError } {
  if (!dryRun) return { check: { id: 'dry-run', status: 'skipped', title: text.nothing, evidence: [] } };
  if (dryRun.ok) return { check: { id: 'dry-run', status: 'pass', title: text.accepted, evidence: text.evidence ?? [] } };
  if (dryRun.error.kind === 'forbidden' && rbacDenied) return { check: { id: 'dry-run', status: 'skipped', title: 'server-side dry run refused for lack of permission (see RBAC)', evidence: [dryRun.error.message] } };
  const error: ClusterError = asIs.includes(dryRun.error.kind) ? dryRun.error : { ...dryRun.error, kind: dryRun.error.kind === 'unreachable' ? 'unreachable' : 'dry-run-failed', message: `the server-side dry run rejected the patch: ${dryRun.error.message}` };
  return { check: { id: 'dry-run', status: 'fail', title: error.message, evidence: [error.hint], error }, error };
}

/** The gitops check for owners found on the object (or, for a Helm release, on what it deploys); `change` names what the next sync would undo. */
export function gitopsCheck(ref: OperationRef, gitops: readonly GitOpsOwner[], where = 'labels or annotations', change = 'change'): PreflightCheck {
  const certain = gitops.filter((g) => g.certainty === 'certain');
  if (certain.length > 0) {
    const owner = certain[0]!;
    return {
      id: 'gitops',
      status: 'fail',
      title: `managed by ${certain.map(describeOwner).join(', ')}: a sync would re-apply the current version`,
      evidence: gitops.map((g) => g.evidence),
      error: { kind: 'gitops-owned', message: `${refText(ref)} is managed by ${describeOwner(owner)} (${owner.evidence}); a ${change} in the cluster would be undone by the next sync`, hint: gitOpsHint(owner) },
    };
  }
  if (gitops.length > 0) return { id: 'gitops', status: 'warn', title: `possibly managed by GitOps (${gitops.map((g) => g.evidence).join('; ')})`, evidence: [`Helm charts set app.kubernetes.io/instance too; check before relying on the ${change}.`] };
  return { id: 'gitops', status: 'pass', title: `no Argo CD or Flux tracking ${where}`, evidence: [] };
}

/** Builds the evidence record of an attempt and writes it when a directory is given. */
export function recordOperation(input: OperationEvidenceInput, secrets: readonly string[], evidenceDir: string | undefined): OperationRecord {
  const evidence = operationEvidence(input, secrets);
  if (!evidenceDir) return { evidence };
  try {
    return { evidence, files: writeEvidence(evidenceDir, evidence) };
  } catch (error) {
    // The change already happened (or was refused); a full disk must not hide that.
    return { evidence, evidenceError: `could not write the evidence to ${evidenceDir}: ${(error as Error).message}` };
  }
}

/** What one attempt adds to an operation's evidence: the error, the resourceVersion it left, when and how long the write took, what followed it. */
export interface AttemptDetails {
  error?: ClusterError;
  resourceVersionAfter?: string;
  patchedAt?: string;
  patchMs?: number;
  rollout?: string;
}

/**
 * The record-keeping of a write. `record` builds (and, given a directory,
 * writes) the evidence of one attempt from what the operation fixes —
 * `fixed`, read at each attempt because what was sent grows as it goes — and
 * the attempt's status, message and details. `refuse` records a refusal or a
 * failure and returns it as the operation's error.
 */
export function attemptRecorder<D extends AttemptDetails = AttemptDetails>(fixed: (details: D) => Omit<OperationEvidenceInput, 'status' | 'message' | 'error' | 'patchedAt' | 'patchMs' | 'rollout'>, secrets: readonly string[], evidenceDir: string | undefined) {
  const record = (status: OutcomeStatus, message: string, details: D = {} as D): OperationRecord => {
    const input = fixed(details);
    return recordOperation(
      {
        ...input,
        object: { ...input.object, ...(details.resourceVersionAfter ? { resourceVersionAfter: details.resourceVersionAfter } : {}) },
        status,
        message,
        ...(details.error ? { error: details.error } : {}),
        ...(details.patchedAt ? { patchedAt: details.patchedAt } : {}),
        ...(details.patchMs !== undefined ? { patchMs: details.patchMs } : {}),
        ...(details.rollout ? { rollout: details.rollout } : {}),
      },
      secrets,
      evidenceDir,
    );
  };
  const refuse = (error: ClusterError, status: 'refused' | 'failed' | 'timeout' = 'refused', details: D = {} as D): { ok: false; error: OperationFailure } => ({ ok: false, error: { ...error, outcome: status, ...record(status, error.message, { ...details, error }) } });
  return { record, refuse };
}

/**
 * The refusals every write goes through, in the order a user fixes them:
 * a blocking preflight problem, an unconfirmed production context, an
 * unacknowledged GitOps owner. `what` is the verb phrase: "the rollback".
 */
export function refusalOf(pre: PreflightBase, options: OperationOptions, what: string): ClusterError | undefined {
  if (pre.blocking.length > 0) return pre.blocking[0]!;
  if (pre.production.production && !contextConfirmed(pre.context.name, options.confirmContext)) {
    return {
      kind: 'production-unconfirmed',
      message: `context "${pre.context.name}" is a production context (matches "${pre.production.pattern}"); ${what} needs its name typed back`,
      hint: `Confirm by typing the context name exactly (CLI: --confirm-context ${pre.context.name}).`,
    };
  }
  const owner = pre.gitops.find((g) => g.certainty === 'certain');
  if (owner && !options.acknowledgeGitOps) {
    return { kind: 'gitops-owned', message: `${refText(pre.ref)} is managed by ${describeOwner(owner)} (${owner.evidence}); the next sync would undo ${what} made in the cluster`, hint: `${gitOpsHint(owner)} To go ahead in the cluster anyway, acknowledge it (CLI: --allow-gitops).` };
  }
  return undefined;
}

/** The common part of an evidence input from a preflight. */
export function evidenceBase(pre: PreflightBase, options: OperationOptions, startedAt: string): Pick<OperationEvidenceInput, 'base' | 'startedAt' | 'nameTypedBack' | 'gitopsAcknowledged' | 'reason' | 'toolVersion'> {
  return {
    base: pre,
    startedAt,
    nameTypedBack: contextConfirmed(pre.context.name, options.confirmContext),
    gitopsAcknowledged: options.acknowledgeGitOps === true,
    ...(options.reason ? { reason: options.reason } : {}),
    ...(options.toolVersion ? { toolVersion: options.toolVersion } : {}),
  };
}

export type { OutcomeStatus };
