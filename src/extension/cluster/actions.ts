import { readFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import * as notify from '../notify';
import type { ApplicationHistory, ApplicationRef, ClusterError, ClusterSession, FluxRef, KubeObject, OperationFailure, ReleaseHistory, ReleaseRef, Result, RolloutAction, WorkloadHistory, WorkloadRef } from '../../cluster';
import { GitRepo, commitOnNewBranch, pinnedDigests } from '../../git';
import { showCommit } from '../gitActions';
import type { Log } from '../log';
import {
  ageText,
  alignBranchName,
  alignConfirmation,
  alignCommitMessage,
  errorActions,
  errorText,
  manifestWorkloads,
  matchWorkload,
  operationConfirmation,
  refText,
  REVISION_SCHEME,
  revisionPath,
  setImages,
  shortImage,
  summarizeReleaseRevision,
  type ClusterNode,
  type Confirmation,
  type ErrorAction,
  type OperationPreflightView,
} from './model';
import type { ClusterService } from './service';
import { offersHold, rollBackAndHold } from './holdActions';
import type { RollbackPanels } from './panel';
import { applicationFlow, releaseFlow, workloadFlow, type FlowDeps } from './rollbackFlows';

/**
 * The cluster commands' flows — roll back (in the rollback panel), compare,
 * copy, pick, make the manifest match, the short confirmations of Rollout
 * and Flux actions — with every prompt. The cluster layer decides
 * (preflight, refusals, the patch); this only asks and shows.
 */

export interface ActionDeps {
  service: ClusterService;
  log: Log;
  /** Where evidence goes outside a workspace folder. */
  storage: vscode.Uri;
  /** The rollback panels (one per object). */
  panels: RollbackPanels;
}

/** What the rollback flows need from the editor. */
function flowDeps(deps: ActionDeps): FlowDeps {
  return {
    session: (context) => deps.service.session(context),
    rolloutTimeoutMs: () => deps.service.rolloutTimeoutMs(),
    evidenceDir: (uri) => deps.service.evidenceDir(uri, deps.storage),
    helmPath: () => deps.service.helmPath(),
    repositoryConfig: (uri) => deps.service.repositoryConfig(uri),
    toolVersion: evidenceVersion,
    cachedResourceVersion: (context, ref) => {
      if (ref.kind === 'HelmRelease') {
        const r = deps.service.cachedRelease(context, ref as ReleaseRef);
        const last = r?.revisions[r.revisions.length - 1];
        return last ? { resourceVersion: last.secret.resourceVersion, ...(r?.currentRevision !== undefined ? { live: r.currentRevision } : {}) } : undefined;
      }
      if (ref.kind === 'Application') {
        const a = deps.service.cachedApplication(context, ref as ApplicationRef);
        return a ? { resourceVersion: a.resourceVersion, ...(a.liveId !== undefined ? { live: a.liveId } : {}) } : undefined;
      }
      const h = deps.service.cachedHistory(context, ref);
      return h ? { resourceVersion: h.resourceVersion, ...(h.liveRevision !== undefined ? { live: h.liveRevision } : {}) } : undefined;
    },
    hasManifest: async (session, ref, uri) => (await findManifests(deps, session, ref, uri)).length > 0,
    // The panel offers it only after the rollback it ran.
    alignManifest: (target) => alignManifest(deps, { ...target, rolledBack: true }),
  };
}

/** A workload (and maybe a revision) in a context; what the tree, the CodeLens and the palette hand over. */
export interface Target {
  context: string;
  ref: WorkloadRef;
  revision?: number;
  /** The manifest the command came from (CodeLens), and the document's index in it. */
  uri?: vscode.Uri;
  index?: number;
}

/** A tree element, a CodeLens argument or nothing (the palette) → a target, when there is one. */
export function targetOf(arg: unknown): Target | undefined {
  const node = arg as ClusterNode | Target | undefined;
  if (!node || typeof node !== 'object') return undefined;
  if ('kind' in node && typeof node.kind === 'string') {
    if (node.kind === 'revision') return { context: node.context, ref: node.ref, revision: node.revision.revision };
    if (node.kind === 'workload') return { context: node.context, ref: node.workload.ref };
    if (node.kind === 'hold') return { context: node.context, ref: node.ref };
    return undefined;
  }
  const t = node as Target;
  return t.context && t.ref ? t : undefined;
}

const ACTION_LABEL: Record<ErrorAction, string> = {
  retry: 'Retry',
  selectContext: 'Select Kube Context',
  openSettings: 'Open Settings',
  rollBackAgain: 'Check Again',
  showLog: 'Show Log',
  installHelm: 'Install Helm…',
};

const HELM_INSTALL_URL = 'https://helm.sh/docs/intro/install/';

/** An error as a notification that says what to do, with the buttons that do it. */
export async function showClusterError(deps: ActionDeps, error: Pick<ClusterError, 'kind' | 'message' | 'hint' | 'permission'>, options: { secrets?: readonly string[]; again?: () => unknown; modal?: boolean; prefix?: string } = {}): Promise<void> {
  const text = `${options.prefix ?? ''}${errorText(error, options.secrets)}`;
  deps.log.warn(text);
  const actions = errorActions(error.kind).filter((a) => (a === 'retry' || a === 'rollBackAgain' ? !!options.again : true));
  const choice = await notify.showErrorMessage(text, { modal: options.modal === true }, ...actions.map((a) => ACTION_LABEL[a]));
  const action = actions.find((a) => ACTION_LABEL[a] === choice);
  if (action === 'retry' || action === 'rollBackAgain') await options.again?.();
  else if (action === 'selectContext') await vscode.commands.executeCommand('rollbackGuard.cluster.selectContext');
  else if (action === 'openSettings') await openMachineSetting(error.kind === 'tool-missing' ? 'rollbackGuard.cluster.helmPath' : 'rollbackGuard.cluster.kubeconfig');
  else if (action === 'installHelm') await vscode.env.openExternal(vscode.Uri.parse(HELM_INSTALL_URL));
  else if (action === 'showLog') deps.log.show();
}

/** Refuses (with the reason) in an untrusted workspace; the menus hide these commands there too. */
function trusted(deps: ActionDeps, what: string): boolean {
  const guard = deps.service.guard(what);
  if (!guard.ok) void notify.showWarningMessage(guard.why);
  return guard.ok;
}

async function sessionFor(deps: ActionDeps, context: string | undefined): Promise<ClusterSession | undefined> {
  const opened = await deps.service.session(context);
  if (!opened.ok) {
    await showClusterError(deps, opened.error);
    return undefined;
  }
  return opened.value;
}

/**
 * The start of every write: the session of `context`, its secrets (to mask
 * what is shown), and the preflight under a progress notification titled
 * `title`; a failure is shown with "Retry" running `again`.
 */
async function preflightFor<P>(deps: ActionDeps, context: string, title: string, again: () => unknown, preflight: (session: ClusterSession) => Promise<Result<P>>): Promise<{ session: ClusterSession; secrets: string[]; pre: P } | undefined> {
  const session = await sessionFor(deps, context);
  if (!session) return undefined;
  const secrets = await session.client.secrets();
  const pre = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => preflight(session));
  if (!pre.ok) {
    await showClusterError(deps, pre.error, { secrets, again });
    return undefined;
  }
  return { session, secrets, pre: pre.value };
}

/** The evidence files of a write's outcome, a warning when they could not be written, and a way to open them. */
function evidenceOf(result: { ok: true; value: { files?: { markdown: string }; evidenceError?: string } } | { ok: false; error: Pick<OperationFailure, 'files' | 'evidenceError'> }): { files?: { markdown: string }; open: () => Promise<void> } {
  const files = result.ok ? result.value.files : result.error.files;
  const evidenceError = result.ok ? result.value.evidenceError : result.error.evidenceError;
  if (evidenceError) void notify.showWarningMessage(evidenceError);
  const open = async () => {
    if (files) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(files.markdown)).then(undefined, () => vscode.window.showTextDocument(vscode.Uri.file(files.markdown)));
  };
  return { ...(files ? { files } : {}), open };
}

// ---------------------------------------------------------------- pickers

interface Picked<T> extends vscode.QuickPickItem {
  value: T;
}

/** Context → namespace quick picks (each skipped when it has one answer), then the namespace's history tree. */
async function pickTree(deps: ActionDeps, title: string): Promise<{ session: ClusterSession; namespace: string; tree: import('../../cluster').HistoryTree } | undefined> {
  const config = await deps.service.readKubeconfig();
  if (!config.ok) {
    await showClusterError(deps, config.error);
    return undefined;
  }
  const shown = deps.service.selectedContext(config.value);
  let context = shown;
  if (config.value.contexts.length > 1) {
    const items: Picked<string>[] = config.value.contexts.map((c) => ({
      label: c.name,
      description: [c.name === shown ? 'shown in the view' : '', c.name === config.value.currentContext ? 'current-context' : '', `namespace ${c.namespace}`].filter(Boolean).join(' · '),
      detail: `${c.server ?? 'no server'} · user ${c.user}`,
      value: c.name,
    }));
    items.sort((a, b) => (a.value === shown ? -1 : b.value === shown ? 1 : 0));
    const pick = await vscode.window.showQuickPick(items, { title: `${title}: kube context`, placeHolder: 'Which cluster?', matchOnDetail: true });
    if (!pick) return undefined;
    context = pick.value;
  }
  const session = await sessionFor(deps, context);
  if (!session) return undefined;

  const namespaces = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Rollback Guard: listing namespaces' }, () =>
    session.client.request<{ items: KubeObject[] }>({ path: '/api/v1/namespaces' }),
  );
  let namespace: string | undefined;
  if (namespaces.ok) {
    const names = namespaces.value.items.map((n) => n.metadata.name).sort((a, b) => (a === session.namespace ? -1 : b === session.namespace ? 1 : a.localeCompare(b)));
    const pick = await vscode.window.showQuickPick(
      names.map((n) => ({ label: n, ...(n === session.namespace ? { description: "the context's namespace" } : {}) })),
      { title: `${title}: namespace in ${session.context.name}`, placeHolder: 'Which namespace?' },
    );
    namespace = pick?.label;
  } else {
    // A namespaced user may not list namespaces: ask for the name instead.
    namespace = await vscode.window.showInputBox({ title: `${title}: namespace in ${session.context.name}`, value: session.namespace, prompt: `Listing namespaces is not allowed (${namespaces.error.message}); type the namespace.` });
  }
  if (!namespace) return undefined;

  const tree = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rollback Guard: reading revision history in ${namespace}` }, () => session.history({ namespace }));
  if (!tree.ok) {
    await showClusterError(deps, tree.error, { secrets: await session.client.secrets() });
    return undefined;
  }
  return { session, namespace, tree: tree.value };
}

/** A workload in a quick pick: its revisions, the live one, its images. */
function workloadItem(h: WorkloadHistory): Omit<vscode.QuickPickItem, 'label'> & { label: string } {
  return {
    label: refText(h.ref),
    description: `${h.revisions.length} revision${h.revisions.length === 1 ? '' : 's'} · live ${h.liveRevision ?? 'unknown'}`,
    detail: h.images.filter((i) => !i.init).map((i) => i.image).join(', '),
  };
}

type Picked3 =
  | { what: 'workload'; session: ClusterSession; ref: WorkloadRef; history: WorkloadHistory }
  | { what: 'release'; session: ClusterSession; release: ReleaseHistory }
  | { what: 'application'; session: ClusterSession; application: ApplicationHistory };

/**
 * Context → namespace → workload quick picks; with `all`, Helm releases and
 * Argo CD Applications are offered next to the workloads.
 */
async function pickAny(deps: ActionDeps, title: string, all: boolean): Promise<Picked3 | undefined> {
  const got = await pickTree(deps, title);
  if (!got) return undefined;
  const { session, namespace, tree } = got;
  const releases = all ? (tree.releases ?? []) : [];
  const applications = all ? (tree.applications ?? []) : [];
  if (tree.workloads.length + releases.length + applications.length === 0) {
    void notify.showInformationMessage(`No Deployments, StatefulSets, DaemonSets or Rollouts${all ? ', Helm releases or Argo CD Applications' : ''} in namespace "${namespace}" (context ${session.context.name}).`);
    return undefined;
  }
  const items: Picked<Picked3>[] = [
    ...tree.workloads.map((h) => ({ ...workloadItem(h), value: { what: 'workload' as const, session, ref: h.ref, history: h } })),
    ...releases.map((r) => ({
      label: refText(r.ref),
      description: `Helm release · ${r.revisions.length} revision${r.revisions.length === 1 ? '' : 's'} · live ${r.liveRevision ?? 'none'}`,
      detail: `${r.chart} · ${r.images.filter((i) => !i.init).map((i) => i.image).join(', ')}`,
      value: { what: 'release' as const, session, release: r },
    })),
    ...applications.map((a) => ({
      label: refText(a.ref),
      description: `Argo CD · ${a.entries.length} deployment${a.entries.length === 1 ? '' : 's'} · live ${a.liveId ?? 'none'}${a.autoSync ? ' · auto-sync' : ''}`,
      value: { what: 'application' as const, session, application: a },
    })),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `${title}: workload in ${namespace}`, placeHolder: all ? 'Which workload, Helm release or Application?' : 'Which workload?', matchOnDetail: true });
  return pick?.value;
}

/**
 * The workload `arg` names (a tree element, a CodeLens) with its history,
 * else one picked from context → namespace → workload, Helm release or
 * Application (`title` heads the picks).
 */
async function givenOrPicked(deps: ActionDeps, arg: unknown, title: string): Promise<{ what: 'workload'; target: Target; history: WorkloadHistory } | Exclude<Picked3, { what: 'workload' }> | undefined> {
  const given = targetOf(arg);
  if (given) {
    const h = await historyFor(deps, given);
    return h && { what: 'workload', target: given, history: h.history };
  }
  const picked = await pickAny(deps, title, true);
  if (!picked || picked.what !== 'workload') return picked;
  return { what: 'workload', target: { context: picked.session.context.name, ref: picked.ref }, history: picked.history };
}

/** Context → namespace → workload quick picks; each step is skipped when it has one answer. */
async function pickWorkload(deps: ActionDeps, title: string): Promise<{ session: ClusterSession; ref: WorkloadRef; history: WorkloadHistory } | undefined> {
  const got = await pickTree(deps, title);
  if (!got) return undefined;
  const { session, namespace, tree } = got;
  if (tree.workloads.length === 0) {
    void notify.showInformationMessage(`No Deployments, StatefulSets, DaemonSets or Rollouts in namespace "${namespace}" (context ${session.context.name}).`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    tree.workloads.map((h) => ({ ...workloadItem(h), value: h })),
    { title: `${title}: workload in ${namespace}`, placeHolder: 'Which workload?', matchOnDetail: true },
  );
  if (!pick) return undefined;
  return { session, ref: pick.value.ref, history: pick.value };
}

/** A revision of `history`: newest first, the live one marked (and left out when `excludeLive`). */
async function pickRevision(history: WorkloadHistory, title: string, excludeLive: boolean): Promise<number | undefined> {
  const now = Date.now();
  const items = [...history.revisions]
    .sort((a, b) => b.revision - a.revision)
    .filter((r) => !(excludeLive && r.live))
    .map((r) => ({
      label: `revision ${r.revision}`,
      description: [r.live ? 'live' : '', r.images.filter((i) => !i.init).map((i) => shortImage(i.image)).join(', '), ageText(r.createdAt, now)].filter(Boolean).join(' · '),
      detail: r.changeCause ?? 'no change-cause',
      value: r.revision,
    }));
  return pickOne(items, `${refText(history.ref)} has no earlier revision to go back to.`, { title: `${title}: revision of ${refText(history.ref)}`, placeHolder: `Live: revision ${history.liveRevision ?? 'unknown'}` });
}

/** A quick pick of `items`, or `none` said when there is nothing to pick. */
async function pickOne<T>(items: Picked<T>[], none: string, options: vscode.QuickPickOptions): Promise<T | undefined> {
  if (items.length === 0) {
    void notify.showInformationMessage(none);
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, options))?.value;
}

/** What the view already holds (`cached`), else `read` from the cluster; a failed read is shown. */
async function cachedOrRead<T>(deps: ActionDeps, session: ClusterSession, cached: T | undefined, read: () => Promise<Result<T>>): Promise<T | undefined> {
  if (cached) return cached;
  const got = await read();
  if (!got.ok) {
    await showClusterError(deps, got.error, { secrets: await session.client.secrets() });
    return undefined;
  }
  return got.value;
}

async function historyFor(deps: ActionDeps, target: Target): Promise<{ session: ClusterSession; history: WorkloadHistory } | undefined> {
  const session = await sessionFor(deps, target.context);
  if (!session) return undefined;
  const history = await cachedOrRead(deps, session, deps.service.cachedHistory(target.context, target.ref), () => session.workloadHistory(target.ref));
  return history && { session, history };
}

// ---------------------------------------------------------------- roll back

/** "Roll Back Workload…": from the palette (pickers), a workload node or a CodeLens (revision picker). */
export async function rollBackWorkload(deps: ActionDeps, arg?: unknown): Promise<void> {
  if (!trusted(deps, 'Rolling back')) return;
  if (releaseTargetOf(arg) || applicationTargetOf(arg)) return rollBack(deps, arg);
  const got = await givenOrPicked(deps, arg, 'Roll Back');
  if (!got) return;
  if (got.what === 'release') return rollBackReleasePick(deps, { context: got.session.context.name, ref: got.release.ref });
  if (got.what === 'application') return rollBackApplicationPick(deps, { context: got.session.context.name, ref: got.application.ref });
  const { target, history } = got;
  const revision = target.revision ?? (await pickRevision(history, 'Roll Back', true));
  if (revision === undefined) return;
  await rollBack(deps, { ...target, revision });
}

/**
 * "Roll back to this revision": the rollback panel (panel.ts) — every check
 * with its evidence, the diff, the reason, the context name typed back for
 * production — then the rollback followed to completion, the evidence
 * record, and the offer to make the manifest match the cluster.
 */
export async function rollBack(deps: ActionDeps, arg: unknown): Promise<void> {
  if (!trusted(deps, 'Rolling back')) return;
  // Helm releases and Argo CD Applications have flows of their own.
  const release = releaseTargetOf(arg);
  if (release) return release.revision === undefined ? rollBackReleasePick(deps, release) : rollBackRelease(deps, { ...release, revision: release.revision });
  const application = applicationTargetOf(arg);
  if (application) return application.id === undefined ? rollBackApplicationPick(deps, application) : rollBackApplication(deps, { ...application, id: application.id });
  const target = targetOf(arg);
  if (!target || target.revision === undefined) {
    await rollBackWorkload(deps, target);
    return;
  }
  const ref = target.ref;
  const flow = () => deps.panels.show(workloadFlow(flowDeps(deps), { ...target, revision: target.revision! }));
  // Under GitOps the rollback is a flow (pause the loop that would re-apply it, roll back, verify, resume once
  // Git matches) with its own preflight and confirmation; rolling back in the cluster only opens the panel.
  const cached = deps.service.cachedHistory(target.context, ref);
  if (!cached || cached.gitops.some((g) => g.certainty === 'certain')) {
    const openedAt = new Date().toISOString();
    const checked = await preflightFor(deps, target.context, `Rollback Guard: checking ${refText(ref)} in ${ref.namespace} before rolling back`, () => rollBack(deps, target), (session) => session.preflight({ ref, toRevision: target.revision! }));
    if (!checked) return;
    if (offersHold(checked.pre)) return rollBackAndHold(deps, checked.session, { ...target, revision: target.revision }, openedAt, checked.secrets, async () => void flow());
  }
  flow();
}

/**
 * Opens a machine-scoped setting (the kubeconfig, the helm binary) where it
 * can be set: the Remote tab in a remote window or code-server, where the
 * User tab would not show it; the User tab on a local machine.
 */
export async function openMachineSetting(key: string): Promise<void> {
  await vscode.commands.executeCommand(vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings', { query: key });
}

// ---------------------------------------------------------------- make the manifest match

interface ManifestMatch {
  uri: vscode.Uri;
  index: number;
  kind: WorkloadRef['kind'];
  name: string;
  namespace?: string;
}

/** Workspace YAML documents that describe `ref` (kind, name, namespace); evidence records and dependencies are not searched. */
async function findManifests(deps: ActionDeps, session: ClusterSession, ref: WorkloadRef, preferred?: vscode.Uri): Promise<ManifestMatch[]> {
  const evidence = deps.service.evidenceDir(preferred, deps.storage);
  const uris = preferred ? [preferred] : await vscode.workspace.findFiles('**/*.{yaml,yml}', '{**/node_modules/**,**/.git/**,**/.rollback-guard/**}', 5000);
  const out: ManifestMatch[] = [];
  for (const uri of uris) {
    if (uri.scheme !== 'file' || uri.fsPath.startsWith(evidence)) continue;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    let text: string;
    try {
      text = open?.getText() ?? (await readFile(uri.fsPath, 'utf8'));
    } catch {
      continue;
    }
    // Cheap test before parsing: the name must appear.
    if (!text.includes(ref.name)) continue;
    for (const w of manifestWorkloads(text)) {
      if (matchWorkload(w, [{ ref }], session.namespace)) out.push({ uri, index: w.index, kind: w.kind, name: w.name, ...(w.namespace ? { namespace: w.namespace } : {}) });
    }
  }
  return out;
}

/**
 * "Make the manifest match the cluster": sets the manifest's image(s) to
 * what runs now, as a commit on a new branch (src/git commitOnNewBranch:
 * neither the working tree nor the current branch moves), after a
 * confirmation naming the file, the images and the branch. Never pushes;
 * refuses a file with unsaved or uncommitted changes.
 */
export async function alignManifest(deps: ActionDeps, arg?: unknown): Promise<void> {
  if (!trusted(deps, 'Making the manifest match the cluster')) return;
  let target = targetOf(arg);
  // Set when this follows a rollback Rollback Guard just ran (target.revision is the one rolled back to).
  const after = arg as { evidence?: string; rolledBack?: boolean } | undefined;
  const evidence = after?.evidence;
  const justRolledBack = after?.rolledBack === true;
  if (!target) {
    const picked = await pickWorkload(deps, 'Make the Manifest Match the Cluster');
    if (!picked) return;
    target = { context: picked.session.context.name, ref: picked.ref };
  }
  const ref = target.ref;
  const found = await historyFor(deps, target);
  if (!found) return;
  const { session } = found;
  // Read fresh: the view's copy may predate the rollout this follows.
  const fresh = await session.workloadHistory(ref);
  const history = fresh.ok ? fresh.value : found.history;
  // A rollback Rollback Guard holds is one it ran too: the branch and the commit say so, whichever menu this came from.
  const rolledBack = justRolledBack || history.hold !== undefined;
  const toRevision = justRolledBack ? target.revision : (history.hold?.to.revision ?? target.revision);
  const manifests = await findManifests(deps, session, ref, target.uri);
  if (manifests.length === 0) {
    void notify.showInformationMessage(`No YAML file in the workspace describes ${refText(ref)} in namespace "${ref.namespace}" (same kind, name and namespace).`);
    return;
  }
  let manifest = manifests[0]!;
  if (manifests.length > 1) {
    const pick = await vscode.window.showQuickPick(
      manifests.map((m) => ({ label: vscode.workspace.asRelativePath(m.uri), description: `document ${m.index + 1}`, value: m })),
      { title: `Which manifest of ${refText(ref)} should match the cluster?` },
    );
    if (!pick) return;
    manifest = pick.value;
  }
  const relPath = vscode.workspace.asRelativePath(manifest.uri);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === manifest.uri.toString());
  if (open?.isDirty) {
    void notify.showWarningMessage(`${relPath} has unsaved changes. Save or revert them first: the commit is made from the file as committed.`);
    return;
  }
  if (!vscode.workspace.isTrusted) {
    void notify.showWarningMessage('Committing to Git needs a trusted workspace: a repository can configure git to start programs.');
    return;
  }
  const repo = await GitRepo.open(dirname(manifest.uri.fsPath));
  if (!repo) {
    void notify.showWarningMessage(`${relPath} is not in a git repository, so there is no branch to commit on.`);
    return;
  }
  const path = relative(repo.root, manifest.uri.fsPath).split(sep).join('/');
  const status = await repo.status();
  if (status.tracked.includes(path) || status.conflicted.includes(path) || status.untracked.includes(path)) {
    void notify.showWarningMessage(`${relPath} has uncommitted changes (or is not committed yet). Commit or stash them first: the new branch starts from HEAD and would not carry them.`);
    return;
  }
  const text = await readFile(manifest.uri.fsPath, 'utf8');
  // A manifest that pins digests keeps them: the digest its history pinned for the tag the cluster names.
  const digests = await pinnedDigests(repo, path);
  const edited = setImages(text, manifest, history.images, { digestOf: (image) => digests.get(image) });
  if (!edited.ok) {
    void notify.showWarningMessage(`Cannot make ${relPath} match the cluster: ${edited.reason}.`);
    return;
  }
  if (edited.edits.length === 0) {
    void notify.showInformationMessage(`${relPath} already names the images ${refText(ref)} runs: nothing to commit.`);
    return;
  }
  const head = await repo.head();
  let branch = alignBranchName(ref, history.liveRevision, rolledBack);
  for (let n = 2; await repo.branchExists(branch); n++) branch = `${alignBranchName(ref, history.liveRevision, rolledBack)}-${n}`;
  const confirm = 'Commit on New Branch';
  const question = alignConfirmation(ref, relPath, branch, edited.edits, head);
  const choice = await notify.showWarningMessage(question.message, { modal: true, detail: question.detail }, confirm);
  if (choice !== confirm) return;
  const message = alignCommitMessage(
    ref,
    {
      context: session.context.name,
      ...(history.liveRevision !== undefined ? { liveRevision: history.liveRevision } : {}),
      ...(rolledBack ? { rollback: { ...(toRevision !== undefined ? { toRevision } : {}), ...(evidence ? { evidence: vscode.workspace.asRelativePath(evidence) } : {}) } } : {}),
    },
    edited.edits,
  );
  const committed = await commitOnNewBranch(repo, { branch, message, files: [{ path, content: edited.text }] });
  if (!committed.ok) {
    deps.log.warn(`commit of ${path} on ${branch} failed: ${committed.error.message}`);
    void notify.showErrorMessage(committed.error.message);
    return;
  }
  deps.log.info(`committed ${path} on ${branch} as ${committed.value.commit}`);
  if (history.hold) {
    // The held rollback records the commit that makes Git match: its evidence names it.
    const cluster = await deps.service.load();
    const recorded = await cluster.recordHoldCommit(session.client, ref, { file: path, branch, commit: committed.value.commit, at: new Date().toISOString() });
    if (!recorded.ok) deps.log.warn(`could not record the commit in the hold of ${refText(ref)}: ${recorded.error.message}`);
  }
  const show = await notify.showInformationMessage(`Created ${branch} with ${committed.value.commit.slice(0, 7)}: ${relPath} now names what runs. Nothing was pushed; push the branch and open a pull request.`, 'Show Commit');
  if (show === 'Show Commit') await showCommit(repo, committed.value.commit);
}

// ---------------------------------------------------------------- compare, copy, history

/** `vscode.diff` of the revision's pod template against the live one, both read-only and with secrets masked. */
export async function compareWithLive(deps: ActionDeps, arg: unknown): Promise<void> {
  if (!trusted(deps, 'Comparing with the cluster')) return;
  const release = releaseTargetOf(arg);
  if (release && release.revision !== undefined) {
    // Values and manifest of the revision against the deployed one, secrets masked.
    const left = vscode.Uri.from({ scheme: REVISION_SCHEME, path: revisionPath(release.context, release.ref, release.revision) });
    const right = vscode.Uri.from({ scheme: REVISION_SCHEME, path: revisionPath(release.context, release.ref, 'live') });
    await vscode.commands.executeCommand('vscode.diff', left, right, `Helm release ${release.ref.name}: revision ${release.revision} ↔ live`, { preview: true });
    return;
  }
  const target = targetOf(arg);
  if (!target || target.revision === undefined) {
    await showHistory(deps);
    return;
  }
  const found = await historyFor(deps, target);
  if (!found) return;
  const left = vscode.Uri.from({ scheme: REVISION_SCHEME, path: revisionPath(target.context, target.ref, target.revision) });
  const right = vscode.Uri.from({ scheme: REVISION_SCHEME, path: revisionPath(target.context, target.ref, 'live') });
  const live = found.history.liveRevision;
  await vscode.commands.executeCommand('vscode.diff', left, right, `${refText(target.ref)}: revision ${target.revision} ↔ live${live !== undefined ? ` (revision ${live})` : ''}`, { preview: true });
}

export async function copyImage(deps: ActionDeps, arg: unknown): Promise<void> {
  const target = targetOf(arg);
  const node = arg as ClusterNode | undefined;
  let images = node && typeof node === 'object' && 'kind' in node && (node.kind === 'revision' || node.kind === 'releaseRevision') ? node.revision.images : undefined;
  if (!images && target) {
    if (!trusted(deps, 'Reading images from the cluster')) return;
    const found = await historyFor(deps, target);
    const entry = found?.history.revisions.find((r) => r.revision === target.revision);
    images = entry?.images ?? found?.history.images;
  }
  if (!images || images.length === 0) {
    void notify.showInformationMessage('No image to copy: pick a revision in the Rollback Guard view.');
    return;
  }
  let image = images[0]!.image;
  if (images.length > 1) {
    const pick = await vscode.window.showQuickPick(
      images.map((i) => ({ label: i.image, description: `${i.init ? 'init container' : 'container'} ${i.container}` })),
      { title: 'Copy which image reference?' },
    );
    if (!pick) return;
    image = pick.label;
  }
  await vscode.env.clipboard.writeText(image);
  void notify.showInformationMessage(`Copied ${image}`);
}

/** What can be done with a revision picked from a history: roll back to it (unless it is where a rollback starts), compare it with live, copy its image. */
function revisionActions(canRollBack: boolean): Picked<'rollback' | 'compare' | 'copy'>[] {
  return [
    ...(canRollBack ? [{ label: '$(discard) Roll back to this revision…', value: 'rollback' as const }] : []),
    { label: '$(diff) Compare with live', value: 'compare' as const },
    { label: '$(copy) Copy image reference', value: 'copy' as const },
  ];
}

/** "Show Revision History…": pick down to a revision, then what to do with it. */
export async function showHistory(deps: ActionDeps, arg?: unknown): Promise<void> {
  if (!trusted(deps, 'Showing revision history')) return;
  const got = await givenOrPicked(deps, arg, 'Show Revision History');
  if (!got) return;
  if (got.what === 'release') return showReleaseHistory(deps, { context: got.session.context.name, ref: got.release.ref }, got.release);
  if (got.what === 'application') return rollBackApplicationPick(deps, { context: got.session.context.name, ref: got.application.ref });
  const { target, history } = got;
  const revision = await pickRevision(history, 'Revision History', false);
  if (revision === undefined) return;
  const entry = history.revisions.find((r) => r.revision === revision)!;
  const action = await vscode.window.showQuickPick(revisionActions(!entry.live), { title: `${refText(target.ref)} revision ${revision}${entry.live ? ' (live)' : ''}` });
  const chosen = { ...target, revision };
  if (action?.value === 'rollback') await rollBack(deps, chosen);
  else if (action?.value === 'compare') await compareWithLive(deps, chosen);
  else if (action?.value === 'copy') {
    const node: ClusterNode = { kind: 'revision', context: chosen.context, ref: chosen.ref, revision: { revision, live: entry.live, images: entry.images, source: '' } };
    await copyImage(deps, node);
  }
}

/** A Helm release's revisions (the live one marked), then roll back, compare with live or copy an image. */
async function showReleaseHistory(deps: ActionDeps, target: ReleaseTarget, release: ReleaseHistory): Promise<void> {
  const now = Date.now();
  const pick = await vscode.window.showQuickPick(
    [...release.revisions].sort((a, b) => b.revision - a.revision).map((r) => ({ label: `revision ${r.revision}`, description: [r.live ? 'live' : r.status, r.images.filter((i) => !i.init).map((i) => shortImage(i.image)).join(', '), ageText(r.updated, now)].filter(Boolean).join(' · '), detail: `${r.chart} · ${r.description || 'no description'}`, value: r })),
    { title: `Revision History: Helm release ${release.ref.name}`, placeHolder: `Live: revision ${release.liveRevision ?? 'none'}` },
  );
  if (!pick) return;
  const r = pick.value;
  const action = await vscode.window.showQuickPick(revisionActions(r.revision !== release.currentRevision), { title: `Helm release ${release.ref.name} revision ${r.revision}${r.live ? ' (live)' : ''}` });
  const chosen = { ...target, revision: r.revision };
  if (action?.value === 'rollback') await rollBackRelease(deps, chosen);
  else if (action?.value === 'compare') await compareWithLive(deps, chosen);
  else if (action?.value === 'copy') {
    const node: ClusterNode = { kind: 'releaseRevision', context: target.context, ref: target.ref, revision: summarizeReleaseRevision(r, release.currentRevision) };
    await copyImage(deps, node);
  }
}

/** "Select Kube Context…": which context the view watches (kept across sessions). */
export async function selectContext(deps: ActionDeps): Promise<void> {
  if (!trusted(deps, 'Selecting a kube context')) return;
  const config = await deps.service.readKubeconfig();
  if (!config.ok) {
    const choice = await notify.showErrorMessage(errorText(config.error), 'Open Settings');
    if (choice) await openMachineSetting('rollbackGuard.cluster.kubeconfig');
    return;
  }
  if (config.value.contexts.length === 0) {
    void notify.showWarningMessage(`${config.value.files.join(', ')} defines no context. Add one (kubectl config set-context) or point rollbackGuard.cluster.kubeconfig at another file.`);
    return;
  }
  const shown = deps.service.selectedContext(config.value);
  const pick = await vscode.window.showQuickPick(
    config.value.contexts.map((c) => ({
      label: c.name,
      description: [c.name === shown ? 'shown' : '', c.name === config.value.currentContext ? 'current-context' : '', `namespace ${c.namespace}`].filter(Boolean).join(' · '),
      detail: `${c.server ?? 'no server'} · cluster ${c.cluster} · user ${c.user} (${c.auth})`,
    })),
    { title: 'Rollback Guard: kube context to show', placeHolder: `From ${config.value.files.join(', ')}` },
  );
  if (!pick) return;
  await deps.service.selectContext(pick.label);
  deps.log.info(`cluster view: context ${pick.label} selected`);
}

// ---------------------------------------------------------------- Helm releases, Argo CD, Rollouts, Flux

export interface ReleaseTarget {
  context: string;
  ref: ReleaseRef;
  revision?: number;
}

export interface ApplicationTarget {
  context: string;
  ref: ApplicationRef;
  id?: number;
}

/** A Helm release (or one of its revisions) from a tree element or a palette flow. */
export function releaseTargetOf(arg: unknown): ReleaseTarget | undefined {
  const node = arg as ClusterNode | ReleaseTarget | undefined;
  if (!node || typeof node !== 'object') return undefined;
  if ('kind' in node && node.kind === 'releaseRevision') return { context: node.context, ref: node.ref, revision: node.revision.revision };
  if ('kind' in node && node.kind === 'release') return { context: node.context, ref: node.release.ref };
  const t = node as ReleaseTarget;
  return t.context && t.ref?.kind === 'HelmRelease' ? t : undefined;
}

/** An Argo CD Application (or one of its history entries) from a tree element or a palette flow. */
export function applicationTargetOf(arg: unknown): ApplicationTarget | undefined {
  const node = arg as ClusterNode | ApplicationTarget | undefined;
  if (!node || typeof node !== 'object') return undefined;
  if ('kind' in node && node.kind === 'appEntry') return { context: node.context, ref: node.ref, id: node.entry.id };
  if ('kind' in node && node.kind === 'application') return { context: node.context, ref: node.application.ref };
  const t = node as ApplicationTarget;
  return t.context && t.ref?.kind === 'Application' ? t : undefined;
}

/**
 * The modal every write goes through: refused (error modal, with the hint
 * and the buttons that fix the cause), nothing to do (a message), or the
 * question with every check, then the context name typed back in a
 * production context. Resolves to the confirmations to pass on, or
 * undefined when the user stopped.
 */
async function confirmOperation(deps: ActionDeps, c: Confirmation, pre: OperationPreflightView, proceed: string, what: string): Promise<{ confirmContext?: string; acknowledgeGitOps: boolean } | undefined> {
  if (c.needs === 'refused') {
    const hint = c.refusal?.hint ? `\n\n${c.refusal.hint}` : '';
    const fixes = c.refusal ? errorActions(c.refusal.kind).filter((a) => a === 'installHelm' || a === 'openSettings' || a === 'selectContext') : [];
    const choice = await notify.showErrorMessage(c.message, { modal: true, detail: `${c.detail}${hint}` }, ...fixes.map((a) => ACTION_LABEL[a]));
    const action = fixes.find((a) => ACTION_LABEL[a] === choice);
    if (action && c.refusal) await showClusterErrorAction(action, c.refusal.kind);
    return undefined;
  }
  if (c.needs === 'skip') {
    void notify.showInformationMessage(c.message);
    return undefined;
  }
  const label = c.gitops ? `${proceed} in the Cluster Anyway` : c.needs === 'typed-context' ? `${proceed}…` : proceed;
  const choice = await notify.showWarningMessage(c.message, { modal: true, detail: c.detail }, label);
  if (choice !== label) return undefined;
  let confirmContext: string | undefined;
  if (c.needs === 'typed-context') {
    confirmContext = await vscode.window.showInputBox({
      title: `Production context: type "${pre.context.name}" to ${what}`,
      prompt: `"${pre.context.name}" matches the production pattern "${pre.production.pattern}".`,
      placeHolder: pre.context.name,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === pre.context.name ? undefined : `Type the context name exactly: ${pre.context.name}`),
    });
    if (confirmContext === undefined) return undefined;
  }
  return { ...(confirmContext !== undefined ? { confirmContext } : {}), acknowledgeGitOps: !!c.gitops };
}

async function showClusterErrorAction(action: ErrorAction, kind: ClusterError['kind']): Promise<void> {
  if (action === 'installHelm') await vscode.env.openExternal(vscode.Uri.parse(HELM_INSTALL_URL));
  else if (action === 'openSettings') await openMachineSetting(kind === 'tool-missing' ? 'rollbackGuard.cluster.helmPath' : 'rollbackGuard.cluster.kubeconfig');
  else if (action === 'selectContext') await vscode.commands.executeCommand('rollbackGuard.cluster.selectContext');
}

/** The result of a write: what happened and its evidence, or the error with what to do. */
async function reportOutcome(deps: ActionDeps, result: { ok: true; value: { message: string; files?: { markdown: string }; evidenceError?: string } } | { ok: false; error: OperationFailure }, secrets: string[], again: () => unknown): Promise<void> {
  const { files, open: openEvidence } = evidenceOf(result);
  if (!result.ok) {
    deps.log.warn(`${result.error.outcome}: ${result.error.message}`);
    const extra = errorActions(result.error.kind).filter((a) => a === 'installHelm' || a === 'rollBackAgain');
    const choice = await notify.showErrorMessage(errorText(result.error, secrets), ...(files ? ['Open Evidence'] : []), ...extra.map((a) => ACTION_LABEL[a]));
    if (choice === 'Open Evidence') await openEvidence();
    else if (choice === ACTION_LABEL.rollBackAgain) await again();
    else if (choice === ACTION_LABEL.installHelm) await vscode.env.openExternal(vscode.Uri.parse(HELM_INSTALL_URL));
    return;
  }
  const m = result.value.message;
  deps.log.info(`${m}${files ? ` (evidence: ${files.markdown})` : ''}`);
  const choice = await notify.showInformationMessage(`${m[0]!.toUpperCase()}${m.slice(1)}.${files ? ` Evidence: ${vscode.workspace.asRelativePath(files.markdown)}.` : ''}`, ...(files ? ['Open Evidence'] : []));
  if (choice === 'Open Evidence') await openEvidence();
}

function evidenceVersion(): string | undefined {
  return vscode.extensions.getExtension('rollback-guard.rollback-guard')?.packageJSON?.version as string | undefined;
}

/** "Roll Back…" on a Helm release: which revision (newest first, the current one left out), then the rollback. */
async function rollBackReleasePick(deps: ActionDeps, target: ReleaseTarget): Promise<void> {
  const session = await sessionFor(deps, target.context);
  if (!session) return;
  const release = await cachedOrRead(deps, session, deps.service.cachedRelease(target.context, target.ref), () => session.releaseHistory(target.ref));
  if (!release) return;
  const now = Date.now();
  const items = [...release.revisions]
    .sort((a, b) => b.revision - a.revision)
    .filter((r) => r.revision !== release.currentRevision)
    .map((r) => ({ label: `revision ${r.revision}`, description: [r.status, r.images.filter((i) => !i.init).map((i) => shortImage(i.image)).join(', '), ageText(r.updated, now)].filter(Boolean).join(' · '), detail: `${r.chart} · ${r.description || 'no description'}`, value: r.revision }));
  const revision = await pickOne(items, `Helm release ${target.ref.name} has no earlier revision to go back to.`, { title: `Roll Back: revision of Helm release ${target.ref.name}`, placeHolder: `Current: revision ${release.currentRevision ?? '?'}` });
  if (revision !== undefined) await rollBackRelease(deps, { ...target, revision });
}

/**
 * Roll a Helm release back in the rollback panel: the preflight (the helm
 * binary and a `helm rollback --dry-run` included), every check and the
 * manifest/values diff, then `helm rollback` with progress, and the evidence
 * record. Without helm the panel says how to get it.
 */
export async function rollBackRelease(deps: ActionDeps, target: ReleaseTarget & { revision: number }): Promise<void> {
  if (!trusted(deps, 'Rolling back')) return;
  deps.panels.show(releaseFlow(flowDeps(deps), target));
}

/** "Roll Back…" on an Application: which history entry (newest first, the live one left out), then the rollback. */
async function rollBackApplicationPick(deps: ActionDeps, target: ApplicationTarget): Promise<void> {
  const session = await sessionFor(deps, target.context);
  if (!session) return;
  const app = await cachedOrRead(deps, session, deps.service.cachedApplication(target.context, target.ref), () => session.applicationHistory(target.ref));
  if (!app) return;
  const now = Date.now();
  const cluster = await deps.service.load();
  const items = [...app.entries]
    .sort((a, b) => b.id - a.id)
    .filter((e) => !e.live)
    .map((e) => ({ label: `history ${e.id}`, description: [cluster.entryRevisionText(e), ageText(e.deployedAt, now)].filter(Boolean).join(' · '), detail: cluster.entrySourceText(e), value: e.id }));
  const id = await pickOne(items, `Argo CD Application ${target.ref.name} has no earlier deployment to go back to.`, { title: `Roll Back: deployment of Argo CD Application ${target.ref.name}`, placeHolder: `Live: history ${app.liveId ?? '?'}` });
  if (id !== undefined) await rollBackApplication(deps, { ...target, id });
}

/**
 * Roll an Argo CD Application back to a history entry in the rollback panel —
 * which, while auto-sync is on, offers "Pause Auto-Sync, Then Roll Back" as
 * its only way forward — then the operation.sync patch, following the sync
 * Argo CD runs.
 */
export async function rollBackApplication(deps: ActionDeps, target: ApplicationTarget & { id: number }): Promise<void> {
  if (!trusted(deps, 'Rolling back')) return;
  deps.panels.show(applicationFlow(flowDeps(deps), target));
}

const ROLLOUT_VERB: Record<RolloutAction, { title: string; proceed: string; says: string }> = {
  abort: { title: 'Abort', proceed: 'Abort Rollout', says: 'status.abort = true: the stable ReplicaSet takes all traffic back; spec.template still names the new version (Roll Back… to change that).' },
  retry: { title: 'Retry', proceed: 'Retry Rollout', says: 'status.abort = false: the aborted rollout tries the new version again.' },
  promote: { title: 'Promote', proceed: 'Promote', says: 'Unpauses, or moves the canary to its next step.' },
  'promote-full': { title: 'Promote fully', proceed: 'Promote Fully', says: 'Skips the remaining steps, analysis and pauses: the new version becomes stable.' },
};

/** Abort, retry or promote an Argo Rollout from its tree row: preflight, one modal, the plugin's patches, evidence. */
export async function rolloutAction(deps: ActionDeps, arg: unknown, action: RolloutAction): Promise<void> {
  const verb = ROLLOUT_VERB[action];
  if (!trusted(deps, `${verb.title} of a rollout`)) return;
  const target = targetOf(arg);
  if (!target || target.ref.kind !== 'Rollout') {
    void notify.showInformationMessage(`${verb.title}: pick an Argo Rollout in the Cluster History view.`);
    return;
  }
  const ref = { ...target.ref, kind: 'Rollout' as const };
  const again = () => rolloutAction(deps, arg, action);
  const checked = await preflightFor(deps, target.context, `Rollback Guard: checking rollout ${ref.name}`, again, (session) => session.rolloutActionPreflight(ref, action));
  if (!checked) return;
  const { session, secrets, pre: p } = checked;
  const where = `in namespace "${ref.namespace}" (context "${p.context.name}")`;
  const c = operationConfirmation(
    p,
    {
      question: `${verb.title} rollout ${ref.name} ${where}?`,
      refused: `Rollback Guard will not ${verb.title.toLowerCase()} rollout ${ref.name} ${where}`,
      ...(p.plan.noop ? { nothingToDo: `Rollout ${ref.name} ${where}: nothing to ${verb.title.toLowerCase()}.` } : {}),
      extra: [verb.says],
    },
    secrets,
  );
  const confirmed = await confirmOperation(deps, c, p, verb.proceed, `${verb.title.toLowerCase()} rollout ${ref.name}`);
  if (!confirmed) return;
  const version = evidenceVersion();
  const result = await session.rolloutAction(p, { ...confirmed, reason: `${verb.title.toLowerCase()} from the editor (${vscode.env.appName})`, evidenceDir: deps.service.evidenceDir(undefined, deps.storage), ...(version ? { toolVersion: version } : {}) });
  await reportOutcome(deps, result, secrets, again);
}

/** Suspend or resume a Flux Kustomization or HelmRelease from its tree row. */
export async function fluxAction(deps: ActionDeps, arg: unknown, suspend: boolean): Promise<void> {
  const verb = suspend ? 'Suspend' : 'Resume';
  if (!trusted(deps, `${verb === 'Suspend' ? 'Suspending' : 'Resuming'} Flux`)) return;
  const node = arg as ClusterNode | undefined;
  if (!node || typeof node !== 'object' || node.kind !== 'flux') {
    void notify.showInformationMessage(`${verb}: pick a Flux Kustomization or HelmRelease in the Cluster History view.`);
    return;
  }
  const ref: FluxRef = node.flux.ref;
  const again = () => fluxAction(deps, arg, suspend);
  const checked = await preflightFor(deps, node.context, `Rollback Guard: checking Flux ${ref.kind} ${ref.name}`, again, (session) => session.fluxPreflight(ref, suspend));
  if (!checked) return;
  const { session, secrets, pre: p } = checked;
  const where = `in namespace "${ref.namespace}" (context "${p.context.name}")`;
  const c = operationConfirmation(
    p,
    {
      question: `${verb} the reconciliation of Flux ${ref.kind} ${ref.name} ${where}?`,
      refused: `Rollback Guard will not ${verb.toLowerCase()} Flux ${ref.kind} ${ref.name} ${where}`,
      ...(p.patch ? {} : { nothingToDo: `Flux ${ref.kind} ${ref.name} ${where} is already ${suspend ? 'suspended' : 'reconciling'}.` }),
      extra: [suspend ? 'Flux stops applying Git to what it manages until it is resumed.' : 'Flux applies Git again at its next reconcile: whatever was rolled back in the cluster returns to what Git says.'],
    },
    secrets,
  );
  const confirmed = await confirmOperation(deps, c, p, verb, `${verb.toLowerCase()} Flux ${ref.kind} ${ref.name}`);
  if (!confirmed) return;
  const version = evidenceVersion();
  const result = await session.fluxSetSuspended(p, { ...confirmed, reason: `${suspend ? 'suspended' : 'resumed'} from the editor (${vscode.env.appName})`, evidenceDir: deps.service.evidenceDir(undefined, deps.storage), ...(version ? { toolVersion: version } : {}) });
  await reportOutcome(deps, result, secrets, again);
}
