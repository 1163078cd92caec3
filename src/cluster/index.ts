/**
 * The cluster layer's public API (no `vscode`, no prompts): kubeconfig and
 * contexts, revision history (one LIST per kind: workloads, Argo Rollouts,
 * Helm releases, Argo CD Applications, Flux objects), template diffs,
 * preflight, rollback with evidence (kubectl's for workloads and Rollouts,
 * the helm binary for releases, operation.sync for Applications), Rollout
 * abort/promote/retry, Flux suspend/resume, and a live watch. Every operation returns a
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
export {
  WORKLOAD_KINDS,
  TREE_KINDS,
  parseWorkload,
  parseHistoryRef,
  parseFluxRef,
  refText,
  kindName,
  kindLabel,
  type WorkloadKind,
  type WorkloadRef,
  type ReleaseRef,
  type ApplicationRef,
  type FluxRef,
  type HistoryRef,
  type HistoryKind,
  type TreeKind,
} from './kinds';
export {
  readHistoryTree,
  readWorkloadHistory,
  buildHistories,
  deploymentHistory,
  controllerRevisionHistory,
  rolloutHistory,
  CHANGE_CAUSE_ANNOTATION,
  REVISION_ANNOTATION,
  ROLLOUT_REVISION_ANNOTATION,
  type RolloutInfo,
  type HistoryTree,
  type RevisionEntry,
  type TreeOptions,
  type WorkloadHistory,
} from './history';
export { diffTemplates, type FieldChange, type TemplateDiff } from './diff';
export { detectGitOps, describeOwner, type GitOpsOwner, type GitOpsController } from './gitops';
export { matchProductionContext, contextConfirmed, type ProductionMatch } from './production';
export { planRollback, ANNOTATIONS_TO_SKIP, type RollbackPlan, type RollbackPatch } from './rollback';
export { preflight, type Preflight, type PreflightCheck, type CheckId, type CheckStatus, type RollbackRequest } from './preflight';
export { executeRollback, type ExecuteOptions, type RollbackOutcome, type RollbackFailure, type RollbackProgress } from './execute';
export { buildEvidence, maskedUnified, operationEvidence, evidenceMarkdown, writeEvidence, maskTemplateSecrets, EVIDENCE_FORMAT, type EvidenceRecord, type EvidenceFiles, type OutcomeStatus, type OperationEvidenceInput } from './evidence';
export { rolloutState, followRollout, type RolloutState } from './rollout';
export { canI, whoAmI, permissionText, type AccessDecision, type Identity, type Permission } from './rbac';
export { HistoryWatcher, type WatchOptions, type WatchStatus, type WatchState, type HistoryChange, type Disposable, type Event } from './watch';
export { imagesOf, imagesText, type ContainerImage, type PodTemplate } from './template';
export {
  decodeReleaseData,
  encodeReleaseData,
  buildReleaseHistories,
  releaseHistory,
  redactManifest,
  redactValues,
  manifestObjects,
  planHelmRollback,
  HELM_OWNER_SELECTOR,
  type HelmReleaseRecord,
  type ReleaseHistory,
  type ReleaseRevision,
  type HelmRollbackPlan,
} from './helm';
export { findHelm, runHelm, helmRollbackArgs, releaseDiff, HELM_INSTALL_HINT, type HelmPreflight, type HelmRollbackOptions, type HelmRollbackOutcome, type HelmRollbackRequest } from './helmRollback';
export {
  applicationHistory,
  planApplicationRollback,
  rollbackOperation,
  pauseAutoSyncPatch,
  autoSyncEnabled,
  entryRevisionText,
  entrySourceText,
  type ApplicationHistory,
  type ApplicationHistoryEntry,
  type ApplicationRollbackPlan,
  type RollbackOperation,
} from './argocd';
export { type ApplicationPreflight, type ApplicationRollbackOptions, type ApplicationRollbackOutcome, type ApplicationRollbackRequest } from './argocdRollback';
export { planRolloutAction, rolloutActionOf, rolloutSituation, ROLLOUT_ACTIONS, type RolloutAction, type RolloutActionPlan, type RolloutActionPreflight, type RolloutActionOutcome } from './argoRollouts';
export { fluxObject, suspendPatch, fluxText, SUSPEND_REASON_ANNOTATION, type FluxObject, type FluxPreflight, type FluxOptions, type FluxOutcome } from './flux';
export { type PreflightBase, type OperationOptions, type OperationFailure, type OperationRecord } from './operations';
export { workloadReview, helmReview, applicationReview, holdReview, reviewText, reviewChecks, summaryText, fixesFor, shortImage, type RollbackReview, type ReviewCheck, type ReviewFix, type ReviewSubjectKind } from './review';
export { DEFAULT_HOLD_WINDOW_SECONDS, HOLD_ANNOTATION, PAUSED_ANNOTATION, holdOf, pausedOf, holdSummary, healthFailures, verdictOf, loopText, objectText, flowDurations, type HoldRecord, type PausedRecord, type LoopRef, type LoopKind, type GitMatch, type HealthObservation, type Verdict } from './hold';
export { readLoops, activeLoops, pathsOverlap, loopPath, loopsEvidence, type Loop } from './loops';
export { holdPreflight, startHold, holdStatus, resumeHold, recordHoldCommit, observeHealth, holdGitSource, holdGitMatch, type GitCompare, type HoldPreflight, type HoldOptions, type HoldOutcome, type HoldFailure, type HoldStatus, type ResumeOptions, type ResumeOutcome } from './holdFlow';
export { discover, unservedOf, type ObjectKind, type Unserved, type VersionedConfig } from './checks';
