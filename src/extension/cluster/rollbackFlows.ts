import { relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { ApplicationPreflight, ClusterError, ClusterSession, HelmPreflight, OperationFailure, Preflight, RollbackReview } from '../../cluster';
import { schemaCheck, type SchemaCheck } from '../../git';
import type { PanelAction } from '../webview/rollbackPanelHtml';
import type { RollbackFlow, RunOutcome } from './panel';
import { refText } from './model';

/**
 * The three rollbacks the panel runs — a workload (or Argo Rollout), a Helm
 * release, an Argo CD Application — as flows: how each is checked (its
 * preflight, then the checks every rollback gets) and how it runs once the
 * panel has the confirmations. What the panel shows comes from the cluster
 * layer's review; nothing here decides.
 */

export interface FlowDeps {
  session(context: string): Promise<{ ok: true; value: ClusterSession } | { ok: false; error: ClusterError }>;
  rolloutTimeoutMs(): number;
  evidenceDir(uri?: vscode.Uri): string;
  helmPath(): string | undefined;
  /** The repository configuration around `uri` (migrations.owners). */
  repositoryConfig(uri?: vscode.Uri): Promise<import('../../core/config').RollbackGuardConfig>;
  toolVersion(): string | undefined;
  cachedResourceVersion(context: string, ref: { kind: string; namespace: string; name: string }): { resourceVersion?: string; live?: number } | undefined;
  /** Workspace YAML files describing a workload (for "make the manifest match"). */
  hasManifest(session: ClusterSession, ref: import('../../cluster').WorkloadRef, uri?: vscode.Uri): Promise<boolean>;
  alignManifest(target: WorkloadTarget & { evidence?: string }): Promise<void>;
}

export interface WorkloadTarget {
  context: string;
  ref: import('../../cluster').WorkloadRef;
  revision: number;
  uri?: vscode.Uri;
}

type CheckResult = Awaited<ReturnType<RollbackFlow['check']>>;
type Confirm = Parameters<RollbackFlow['run']>[0];
type RunControl = Parameters<RollbackFlow['run']>[1];
type Outcome<T> = { ok: true; value: T } | { ok: false; error: OperationFailure };

/**
 * The first half of every check: the context's session, the secrets it
 * knows (for redaction) and the rollback's own preflight on that session.
 * A failure of either ends the check with its error.
 */
async function preflighted<P>(
  deps: FlowDeps,
  context: string,
  preflight: (session: ClusterSession) => Promise<{ ok: true; value: P } | { ok: false; error: ClusterError }>,
): Promise<{ session: ClusterSession; pre: P; secrets: string[] } | { failed: CheckResult }> {
  const opened = await deps.session(context);
  if (!opened.ok) return { failed: { ok: false, error: opened.error, secrets: [] } };
  const session = opened.value;
  const secrets = await session.client.secrets();
  const checked = await preflight(session);
  if (!checked.ok) return { failed: { ok: false, error: checked.error, secrets } };
  return { session, pre: checked.value, secrets };
}

/** What every rollback runs with: the panel's confirmations and reason, the rollout timeout, where evidence goes, the tool version, cancellation and progress. */
function runOptions(deps: FlowDeps, confirm: Confirm, control: RunControl, uri?: vscode.Uri) {
  const version = deps.toolVersion();
  return {
    ...confirm,
    ...(confirm.reason ? { reason: confirm.reason } : {}),
    timeoutMs: deps.rolloutTimeoutMs(),
    evidenceDir: deps.evidenceDir(uri),
    ...(version ? { toolVersion: version } : {}),
    signal: control.signal,
    onProgress: (p: { message: string }) => control.onProgress(p.message),
  };
}

/** A finished rollback as the panel shows it: its message, the evidence written or why not, and the buttons it offers. */
function outcomeOf(result: Outcome<{ message: string; files?: { markdown: string }; evidenceError?: string }>, actions?: PanelAction[]): RunOutcome {
  if (!result.ok) return { ok: false, error: result.error };
  const v = result.value;
  return { ok: true, message: v.message, ...(v.files ? { files: v.files } : {}), ...(v.evidenceError ? { evidenceError: v.evidenceError } : {}), ...(actions ? { actions } : {}) };
}

/** The workspace folder a rollback's Git checks read: the manifest's, else the first (file folders only). */
function folderOf(uri: vscode.Uri | undefined): vscode.WorkspaceFolder | undefined {
  const folder = (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder && folder.uri.scheme === 'file' ? folder : undefined;
}

/**
 * What Git says about a workload rollback, read in the workspace folder of
 * the manifest (or the first folder): which of the workload's migrations
 * changed between the two revisions (image tag ↔ commit), and the config the
 * target revision ran with.
 */
async function gitChecks(deps: FlowDeps, preflight: Preflight, target: WorkloadTarget): Promise<{ schema?: SchemaCheck; known?: Awaited<ReturnType<typeof import('../../git').configOfRevision>> }> {
  const plan = preflight.plan;
  const folder = folderOf(target.uri);
  if (!plan || plan.action !== 'patch' || !folder) return {};
  const [{ Engine }, { configOfRevision }, config] = await Promise.all([import('../../core/engine'), import('../../git'), deps.repositoryConfig(target.uri)]);
  const workload = { kind: target.ref.kind, name: target.ref.name, namespace: target.ref.namespace };
  const manifestPath = target.uri ? relative(folder.uri.fsPath, target.uri.fsPath).split(sep).join('/') : undefined;
  const [schema, known] = await Promise.all([
    schemaCheck({
      dir: folder.uri.fsPath,
      workload,
      liveImages: plan.from.images.map((i) => i.image),
      targetImages: plan.to.images.map((i) => i.image),
      ...(plan.fromRevision !== undefined ? { fromRevision: plan.fromRevision } : {}),
      toRevision: plan.toRevision,
      engine: new Engine({ config }),
      ...(config.migrations.owners ? { owners: config.migrations.owners } : {}),
      ...(manifestPath ? { manifestPath } : {}),
    }),
    configOfRevision({ dir: folder.uri.fsPath, workload, images: plan.to.images.filter((i) => !i.init).map((i) => i.image), ...(manifestPath ? { manifestPath } : {}) }),
  ]);
  return { schema, known };
}

/** "deployment/catalog changed since this check (now revision 4)": the object moved on under an open review. */
function staleText(what: string, was: string | undefined, now: { resourceVersion?: string; live?: number } | undefined, unit = 'revision'): string | undefined {
  if (!now?.resourceVersion || !was || now.resourceVersion === was) return undefined;
  return `${what} changed since this check${now.live !== undefined ? ` (live ${unit} is now ${now.live})` : ''}: this review no longer describes the cluster. Check again before rolling back.`;
}

export function workloadFlow(deps: FlowDeps, target: WorkloadTarget): RollbackFlow {
  let session: ClusterSession | undefined;
  let pre: Preflight | undefined;
  return {
    title: `Roll Back ${refText(target.ref)}`,
    key: `${target.context}/${target.ref.namespace}/${target.ref.kind}/${target.ref.name}`,
    async check() {
      const o = await preflighted(deps, target.context, (s) => s.preflight({ ref: target.ref, toRevision: target.revision }));
      if ('failed' in o) return o.failed;
      ({ session, pre } = o);
      const git = await gitChecks(deps, pre, target);
      if (git.schema) pre.checks.push(git.schema);
      await session.workloadRollbackChecks(pre, git.known ? { known: git.known } : {});
      const { workloadReview } = await import('../../cluster');
      return { ok: true, review: workloadReview(pre), secrets: o.secrets };
    },
    async run(confirm, options) {
      if (!session || !pre) return notChecked();
      const result = await session.rollback(pre, runOptions(deps, confirm, options, target.uri));
      if (!result.ok) return outcomeOf(result);
      // The repository still names the image rolled away from: offer to make it match.
      const align = result.value.status === 'rolled-back' && (await deps.hasManifest(session, target.ref, target.uri));
      return outcomeOf(result, align ? [{ id: 'align-manifest', label: 'Make the Manifest Match the Cluster…' }] : []);
    },
    async act(id, outcome) {
      if (id === 'align-manifest') await deps.alignManifest({ ...target, ...(outcome.files ? { evidence: outcome.files.markdown } : {}) });
    },
    changedSince(review: RollbackReview) {
      void review;
      return pre ? staleText(refText(target.ref), pre.history.resourceVersion, deps.cachedResourceVersion(target.context, target.ref)) : undefined;
    },
  };
}

export function releaseFlow(deps: FlowDeps, target: { context: string; ref: import('../../cluster').ReleaseRef; revision: number }): RollbackFlow {
  let session: ClusterSession | undefined;
  let pre: HelmPreflight | undefined;
  return {
    title: `Roll Back Helm release ${target.ref.name}`,
    key: `${target.context}/${target.ref.namespace}/HelmRelease/${target.ref.name}`,
    async check() {
      const o = await preflighted(deps, target.context, (s) => {
        const helmPath = deps.helmPath();
        return s.helmPreflight({ ref: target.ref, toRevision: target.revision }, helmPath ? { helmPath } : {});
      });
      if ('failed' in o) return o.failed;
      ({ session, pre } = o);
      await session.helmRollbackChecks(pre);
      const { helmReview } = await import('../../cluster');
      return { ok: true, review: helmReview(pre, Math.round(deps.rolloutTimeoutMs() / 1000)), secrets: o.secrets };
    },
    async run(confirm, options) {
      if (!session || !pre) return notChecked();
      return outcomeOf(await session.helmRollback(pre, { ...runOptions(deps, confirm, options), wait: true }));
    },
    changedSince() {
      const now = deps.cachedResourceVersion(target.context, target.ref);
      const current = pre?.history?.revisions[pre.history.revisions.length - 1];
      return current ? staleText(`Helm release ${target.ref.name}`, current.secret.resourceVersion, now) : undefined;
    },
  };
}

export function applicationFlow(deps: FlowDeps, target: { context: string; ref: import('../../cluster').ApplicationRef; id: number }): RollbackFlow {
  let session: ClusterSession | undefined;
  let pre: ApplicationPreflight | undefined;
  return {
    title: `Roll Back Argo CD Application ${target.ref.name}`,
    key: `${target.context}/${target.ref.namespace}/Application/${target.ref.name}`,
    async check() {
      const o = await preflighted(deps, target.context, (s) => s.applicationPreflight({ ref: target.ref, id: target.id }));
      if ('failed' in o) return o.failed;
      ({ session, pre } = o);
      // The target revision's manifests, when its commit is in the workspace's repository (a plain directory source).
      const folder = folderOf(undefined);
      const to = pre.plan?.to;
      const objects = !folder || !to ? { objectsUnknown: 'no workspace folder holds its repository' } : await (await import('../../git')).objectsOfRevision({ dir: folder.uri.fsPath, ...(to.revision ? { revision: to.revision } : {}), ...(to.source?.path !== undefined && !to.sources ? { path: to.source.path } : {}) });
      await session.applicationRollbackChecks(pre, objects);
      const { applicationReview } = await import('../../cluster');
      return { ok: true, review: applicationReview(pre), secrets: o.secrets };
    },
    async run(confirm, options) {
      if (!session || !pre) return notChecked();
      return outcomeOf(await session.applicationRollback(pre, { ...runOptions(deps, confirm, options), pauseAutoSync: pre.autoSync, wait: true }));
    },
    changedSince() {
      return pre ? staleText(`Argo CD Application ${target.ref.name}`, pre.history.resourceVersion, deps.cachedResourceVersion(target.context, target.ref), 'history id') : undefined;
    },
  };
}

function notChecked(): RunOutcome {
  const error = { kind: 'no-history' as const, message: 'the rollback was not checked yet', hint: 'Check again.', outcome: 'refused' as const, evidence: undefined as never };
  return { ok: false, error };
}
