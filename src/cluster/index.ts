/**
 * The cluster layer's public API (no `vscode`, no prompts): kubeconfig and
 * contexts, revision history (one LIST per kind), template diffs, preflight,
 * rollback with evidence, and a live watch. Every operation returns a
 * `Result`; see errors.ts for the error kinds.
 *
 *   const s = ClusterSession.open({ context, productionContexts });
 *   const tree = await s.value.history({ namespace: 'shop' });
 *   const pre = await s.value.preflight({ ref, toRevision: 3 });
 *   const done = await s.value.rollback(pre.value, { confirmContext, reason, evidenceDir });
 */
export { ClusterSession, DEFAULT_PRODUCTION_CONTEXTS, type SessionOptions } from './session';
export { type ClusterError, type ClusterErrorKind, type Result, formatError } from './errors';
export { loadKubeconfig, kubeconfigFiles, resolveContext, type ContextInfo, type KubeconfigSource, type LoadedKubeconfig } from './kubeconfig';
export { KubeClient, type ApiCall, type KubeObject, type Verb } from './client';
export { WORKLOAD_KINDS, parseWorkload, refText, type WorkloadKind, type WorkloadRef } from './kinds';
export {
  readHistoryTree,
  readWorkloadHistory,
  buildHistories,
  deploymentHistory,
  controllerRevisionHistory,
  CHANGE_CAUSE_ANNOTATION,
  REVISION_ANNOTATION,
  type HistoryTree,
  type RevisionEntry,
  type TreeOptions,
  type WorkloadHistory,
} from './history';
export { diffTemplates, type FieldChange, type TemplateDiff } from './diff';
export { detectGitOps, describeOwner, type GitOpsOwner, type GitOpsController } from './gitops';
export { matchProductionContext, contextConfirmed, globToRegExp, type ProductionMatch } from './production';
export { planRollback, ANNOTATIONS_TO_SKIP, type RollbackPlan, type RollbackPatch } from './rollback';
export { preflight, type Preflight, type PreflightCheck, type CheckId, type CheckStatus, type RollbackRequest } from './preflight';
export { executeRollback, type ExecuteOptions, type RollbackOutcome, type RollbackFailure, type RollbackProgress } from './execute';
export { buildEvidence, evidenceMarkdown, writeEvidence, maskTemplateSecrets, EVIDENCE_FORMAT, type EvidenceRecord, type EvidenceFiles, type OutcomeStatus } from './evidence';
export { rolloutState, followRollout, type RolloutState } from './rollout';
export { canI, whoAmI, permissionText, type AccessDecision, type Identity, type Permission } from './rbac';
export { HistoryWatcher, type WatchOptions, type WatchStatus, type WatchState, type HistoryChange, type Disposable, type Event } from './watch';
export { imagesOf, imagesText, type ContainerImage, type PodTemplate } from './template';
