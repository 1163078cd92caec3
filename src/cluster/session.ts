/**
 * One connection to one kube context: what the CLI and the extension hold.
 * Opening reads the kubeconfig only; the first call goes to the server.
 */
import type { ApiCall } from './client';
import { KubeClient } from './client';
import { diffTemplates, type TemplateDiff } from './diff';
import { fail, ok, type Result } from './errors';
import { executeRollback, type ExecuteOptions, type RollbackFailure, type RollbackOutcome } from './execute';
import { readHistoryTree, readWorkloadHistory, type HistoryTree, type TreeOptions, type WorkloadHistory } from './history';
import { refText, type WorkloadRef } from './kinds';
import { loadKubeconfig, type ContextInfo, type KubeconfigSource, type LoadedKubeconfig } from './kubeconfig';
import { preflight, type Preflight, type RollbackRequest } from './preflight';
import { matchProductionContext, type ProductionMatch } from './production';
import { HistoryWatcher, type WatchOptions } from './watch';
import { applicationHistory, type ApplicationHistory } from './argocd';
import { applicationPreflight, executeApplicationRollback, type ApplicationPreflight, type ApplicationRollbackOptions, type ApplicationRollbackOutcome, type ApplicationRollbackRequest } from './argocdRollback';
import { executeRolloutAction, rolloutActionPreflight, type RolloutAction, type RolloutActionOutcome, type RolloutActionPreflight } from './argoRollouts';
import { executeFlux, fluxObject, fluxPreflight, type FluxObject, type FluxOptions, type FluxOutcome, type FluxPreflight } from './flux';
import type { ReleaseHistory } from './helm';
import { executeHelmRollback, helmPreflight, readReleaseHistory, type HelmPreflight, type HelmRollbackOptions, type HelmRollbackOutcome, type HelmRollbackRequest } from './helmRollback';
import { fluxPlural, namedPath, type ApplicationRef, type FluxRef, type ReleaseRef } from './kinds';
import type { KubeObject } from './client';
import type { OperationFailure, OperationOptions } from './operations';
import { applicationRollbackChecks, helmRollbackChecks, workloadRollbackChecks, type ObjectKind, type VersionedConfig } from './checks';

/** The default of `production.contexts` in .rollbackguard.yaml (src/core/config.ts). */
export const DEFAULT_PRODUCTION_CONTEXTS = ['prod*', '*-prod', '*-production', '*production*'];

export interface SessionOptions {
  /** Context name; default: the kubeconfig's current-context. */
  context?: string;
  /** Where the kubeconfig comes from (default: KUBECONFIG or ~/.kube/config), or one already loaded. */
  kubeconfig?: KubeconfigSource | LoadedKubeconfig;
  /** Globs from `production.contexts`. */
  productionContexts?: readonly string[];
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  onCall?: (call: ApiCall) => void;
  userAgent?: string;
}

export class ClusterSession {
  readonly production: ProductionMatch;

  private constructor(
    readonly client: KubeClient,
    readonly kubeconfig: LoadedKubeconfig,
    private readonly productionContexts: readonly string[],
  ) {
    this.production = matchProductionContext(client.context.name, productionContexts);
  }

  /** Reads the kubeconfig and picks the context; no request is sent. */
  static open(options: SessionOptions = {}): Result<ClusterSession> {
    const source = options.kubeconfig;
    const loaded = source && 'merged' in source ? ok(source) : loadKubeconfig(source ?? {});
    if (!loaded.ok) return loaded;
    const client = KubeClient.create(loaded.value, options.context, {
      ...(options.requestTimeoutMs ? { timeoutMs: options.requestTimeoutMs } : {}),
      ...(options.onCall ? { onCall: options.onCall } : {}),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
    if (!client.ok) return client;
    return ok(new ClusterSession(client.value, loaded.value, options.productionContexts ?? DEFAULT_PRODUCTION_CONTEXTS));
  }

  get context(): ContextInfo {
    return this.client.context;
  }

  /** The context's namespace (kubectl's default for -n). */
  get namespace(): string {
    return this.client.context.namespace;
  }

  /**
   * Namespaces to offer in a picker: all of them when the user may list
   * namespaces, else just the context's (a namespaced user cannot list them).
   */
  async namespaces(): Promise<Result<{ names: string[]; complete: boolean }>> {
    const list = await this.client.request<{ items: { metadata: { name: string } }[] }>({ path: '/api/v1/namespaces' });
    if (list.ok) return ok({ names: list.value.items.map((n) => n.metadata.name).sort(), complete: true });
    if (list.error.kind === 'forbidden') return ok({ names: [this.namespace], complete: false });
    return list;
  }

  /** Every workload's revision history in a namespace (or all namespaces): one LIST per resource. */
  history(options: TreeOptions = {}): Promise<Result<HistoryTree>> {
    return readHistoryTree(this.client, options);
  }

  /** One workload's history (GET + one LIST). */
  workloadHistory(ref: WorkloadRef): Promise<Result<WorkloadHistory>> {
    return readWorkloadHistory(this.client, ref);
  }

  /** The pod-template diff between two revisions of a history (`'live'` for the current spec). Pure. */
  diff(history: WorkloadHistory, from: number | 'live', to: number | 'live'): Result<TemplateDiff> {
    const pick = (r: number | 'live'): Result<{ template: WorkloadHistory['template']; label: string }> => {
      if (r === 'live') return ok({ template: history.template, label: `${refText(history.ref)} (live)` });
      const entry = history.revisions.find((e) => e.revision === r);
      return entry ? ok({ template: entry.template, label: `${refText(history.ref)} revision ${r}` }) : fail('revision-not-found', `${refText(history.ref)} has no revision ${r}`, `Its revisions: ${history.revisions.map((e) => e.revision).join(', ') || 'none'}.`);
    };
    const a = pick(from);
    if (!a.ok) return a;
    const b = pick(to);
    if (!b.ok) return b;
    return ok(diffTemplates(a.value.template, b.value.template, { from: a.value.label, to: b.value.label }));
  }

  /** Reads the object and checks everything a rollback needs; changes nothing. */
  preflight(request: RollbackRequest): Promise<Result<Preflight>> {
    return preflight(this.client, request, { productionContexts: this.productionContexts });
  }

  /** Runs what `preflight` planned (see ExecuteOptions for the confirmations it needs). */
  rollback(plan: Preflight, options: ExecuteOptions = {}): Promise<Result<RollbackOutcome, RollbackFailure>> {
    return executeRollback(this.client, plan, options);
  }

  /** A Helm release's history (one LIST of its Secrets, as `helm history`). */
  releaseHistory(ref: ReleaseRef): Promise<Result<ReleaseHistory>> {
    return readReleaseHistory(this.client, ref);
  }

  /** An Argo CD Application's history (one GET). */
  async applicationHistory(ref: ApplicationRef): Promise<Result<ApplicationHistory>> {
    const got = await this.client.request<KubeObject>({ path: namedPath('applications', ref.namespace, ref.name) });
    return got.ok ? ok(applicationHistory(got.value)) : got;
  }

  /** A Flux object's suspend state (one GET). */
  async fluxObject(ref: FluxRef): Promise<Result<FluxObject>> {
    const got = await this.client.request<KubeObject>({ path: namedPath(fluxPlural(ref.kind), ref.namespace, ref.name) });
    return got.ok ? ok(fluxObject(ref.kind, got.value)) : got;
  }

  /** The preflight of a Helm rollback; `helmPath` is the configured binary (default: helm on PATH). */
  helmPreflight(request: HelmRollbackRequest, options: { helmPath?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result<HelmPreflight>> {
    return helmPreflight(this.client, request, { productionContexts: this.productionContexts, kubeconfigFiles: this.kubeconfig.files, ...options });
  }

  /** Runs `helm rollback` as the preflight planned it. */
  helmRollback(pre: HelmPreflight, options: HelmRollbackOptions = {}): Promise<Result<HelmRollbackOutcome, OperationFailure>> {
    return executeHelmRollback(this.client, pre, { kubeconfigFiles: this.kubeconfig.files, ...options });
  }

  /** The preflight of an Argo CD rollback (operation.sync from a history entry). */
  applicationPreflight(request: ApplicationRollbackRequest): Promise<Result<ApplicationPreflight>> {
    return applicationPreflight(this.client, request, { productionContexts: this.productionContexts });
  }

  applicationRollback(pre: ApplicationPreflight, options: ApplicationRollbackOptions = {}): Promise<Result<ApplicationRollbackOutcome, OperationFailure>> {
    return executeApplicationRollback(this.client, pre, options);
  }

  /** The preflight of an Argo Rollouts abort, retry or promote. */
  rolloutActionPreflight(ref: { kind: 'Rollout'; namespace: string; name: string }, action: RolloutAction): Promise<Result<RolloutActionPreflight>> {
    return rolloutActionPreflight(this.client, ref, action, { productionContexts: this.productionContexts });
  }

  rolloutAction(pre: RolloutActionPreflight, options: OperationOptions = {}): Promise<Result<RolloutActionOutcome, OperationFailure>> {
    return executeRolloutAction(this.client, pre, options);
  }

  /** The preflight of `flux suspend` (true) or `flux resume` (false). */
  fluxPreflight(ref: FluxRef, suspend: boolean, options: { reason?: string } = {}): Promise<Result<FluxPreflight>> {
    return fluxPreflight(this.client, ref, suspend, { productionContexts: this.productionContexts, ...options });
  }

  fluxSetSuspended(pre: FluxPreflight, options: FluxOptions = {}): Promise<Result<FluxOutcome, OperationFailure>> {
    return executeFlux(this.client, pre, options);
  }

  /** Adds the checks every workload rollback gets (what it will not undo); `known`: what the target ran with, from Git. */
  workloadRollbackChecks(pre: Preflight, options: { known?: VersionedConfig; registryTimeoutMs?: number } = {}): Promise<void> {
    return workloadRollbackChecks(this.client, pre, options);
  }

  /** Adds the checks every Helm rollback gets (what it will not undo, the API versions of the target revision). */
  helmRollbackChecks(pre: HelmPreflight): Promise<void> {
    return helmRollbackChecks(this.client, pre);
  }

  /** Adds the checks every Argo CD rollback gets; `objects`: the target revision's objects, when known (from Git). */
  applicationRollbackChecks(pre: ApplicationPreflight, options: { objects?: ObjectKind[]; objectsUnknown?: string; registryTimeoutMs?: number } = {}): Promise<void> {
    return applicationRollbackChecks(this.client, pre, options);
  }

  /** A live history that follows changes; call start(), then dispose() when done. */
  watch(options: WatchOptions = {}): HistoryWatcher {
    return new HistoryWatcher(this.client, options);
  }

  dispose(): void {
    this.client.close();
  }
}
