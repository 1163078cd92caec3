import { readFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { ClusterError, ClusterSession, KubeObject, Preflight, WorkloadHistory, WorkloadRef } from '../../cluster';
import { GitRepo, commitOnNewBranch } from '../../git';
import { showCommit } from '../gitActions';
import type { Log } from '../log';
import {
  ageText,
  alignBranchName,
  alignCommitMessage,
  confirmation,
  errorActions,
  errorText,
  manifestWorkloads,
  matchWorkload,
  refText,
  REVISION_SCHEME,
  revisionPath,
  setImages,
  shortImage,
  type ClusterNode,
  type ErrorAction,
} from './model';
import type { ClusterService } from './service';

/**
 * The cluster commands' flows — roll back, compare, copy, pick, make the
 * manifest match — with every prompt and confirmation. The cluster layer
 * decides (preflight, refusals, the patch); this only asks and shows.
 */

export interface ActionDeps {
  service: ClusterService;
  log: Log;
  /** Where evidence goes outside a workspace folder. */
  storage: vscode.Uri;
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
};

/** An error as a notification that says what to do, with the buttons that do it. */
export async function showClusterError(deps: ActionDeps, error: Pick<ClusterError, 'kind' | 'message' | 'hint' | 'permission'>, options: { secrets?: readonly string[]; again?: () => unknown; modal?: boolean; prefix?: string } = {}): Promise<void> {
  const text = `${options.prefix ?? ''}${errorText(error, options.secrets)}`;
  deps.log.warn(text);
  const actions = errorActions(error.kind).filter((a) => (a === 'retry' || a === 'rollBackAgain' ? !!options.again : true));
  const choice = await vscode.window.showErrorMessage(text, { modal: options.modal === true }, ...actions.map((a) => ACTION_LABEL[a]));
  const action = actions.find((a) => ACTION_LABEL[a] === choice);
  if (action === 'retry' || action === 'rollBackAgain') await options.again?.();
  else if (action === 'selectContext') await vscode.commands.executeCommand('rollbackGuard.cluster.selectContext');
  else if (action === 'openSettings') await vscode.commands.executeCommand('workbench.action.openSettings', 'rollbackGuard.cluster');
  else if (action === 'showLog') deps.log.show();
}

/** Refuses (with the reason) in an untrusted workspace; the menus hide these commands there too. */
function trusted(deps: ActionDeps, what: string): boolean {
  const guard = deps.service.guard(what);
  if (!guard.ok) void vscode.window.showWarningMessage(guard.why);
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

// ---------------------------------------------------------------- pickers

interface Picked<T> extends vscode.QuickPickItem {
  value: T;
}

/** Context → namespace → workload quick picks; each step is skipped when it has one answer. */
async function pickWorkload(deps: ActionDeps, title: string): Promise<{ session: ClusterSession; ref: WorkloadRef; history: WorkloadHistory } | undefined> {
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
  if (tree.value.workloads.length === 0) {
    void vscode.window.showInformationMessage(`No Deployments, StatefulSets or DaemonSets in namespace "${namespace}" (context ${session.context.name}).`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    tree.value.workloads.map((h) => ({
      label: refText(h.ref),
      description: `${h.revisions.length} revision${h.revisions.length === 1 ? '' : 's'} · live ${h.liveRevision ?? 'unknown'}`,
      detail: h.images.filter((i) => !i.init).map((i) => i.image).join(', '),
      value: h,
    })),
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
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`${refText(history.ref)} has no earlier revision to go back to.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { title: `${title}: revision of ${refText(history.ref)}`, placeHolder: `Live: revision ${history.liveRevision ?? 'unknown'}` });
  return pick?.value;
}

async function historyFor(deps: ActionDeps, target: Target): Promise<{ session: ClusterSession; history: WorkloadHistory } | undefined> {
  const session = await sessionFor(deps, target.context);
  if (!session) return undefined;
  const cached = deps.service.cachedHistory(target.context, target.ref);
  if (cached) return { session, history: cached };
  const h = await session.workloadHistory(target.ref);
  if (!h.ok) {
    await showClusterError(deps, h.error, { secrets: await session.client.secrets() });
    return undefined;
  }
  return { session, history: h.value };
}

// ---------------------------------------------------------------- roll back

/** "Roll Back Workload…": from the palette (pickers), a workload node or a CodeLens (revision picker). */
export async function rollBackWorkload(deps: ActionDeps, arg?: unknown): Promise<void> {
  if (!trusted(deps, 'Rolling back')) return;
  const given = targetOf(arg);
  let target: Target | undefined;
  let history: WorkloadHistory | undefined;
  if (given) {
    const h = await historyFor(deps, given);
    if (!h) return;
    target = given;
    history = h.history;
  } else {
    const picked = await pickWorkload(deps, 'Roll Back Workload');
    if (!picked) return;
    target = { context: picked.session.context.name, ref: picked.ref };
    history = picked.history;
  }
  const revision = target.revision ?? (await pickRevision(history, 'Roll Back', true));
  if (revision === undefined) return;
  await rollBack(deps, { ...target, revision });
}

/**
 * "Roll back to this revision": preflight (with progress), one modal listing
 * every check, the context name typed back for production, the rollback
 * followed to completion, the evidence record, then the offer to make the
 * manifest match the cluster.
 */
export async function rollBack(deps: ActionDeps, arg: unknown): Promise<void> {
  if (!trusted(deps, 'Rolling back')) return;
  const target = targetOf(arg);
  if (!target || target.revision === undefined) {
    await rollBackWorkload(deps, target);
    return;
  }
  const session = await sessionFor(deps, target.context);
  if (!session) return;
  const secrets = await session.client.secrets();
  const ref = target.ref;
  const again = () => rollBack(deps, target);

  const pre = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Rollback Guard: checking ${refText(ref)} in ${ref.namespace} before rolling back` },
    () => session.preflight({ ref, toRevision: target.revision! }),
  );
  if (!pre.ok) {
    await showClusterError(deps, pre.error, { secrets, again });
    return;
  }
  const preflight = pre.value;
  const c = confirmation(preflight, secrets);
  deps.log.info(`preflight of ${refText(ref)} in ${ref.namespace} (context ${preflight.context.name}) → revision ${target.revision}:\n${c.detail}`);

  if (c.needs === 'refused') {
    const hint = c.refusal?.hint ? `\n\n${c.refusal.hint}` : '';
    await vscode.window.showErrorMessage(c.message, { modal: true, detail: `${c.detail}${hint}` });
    return;
  }
  if (c.needs === 'skip') {
    void vscode.window.showInformationMessage(c.message);
    return;
  }
  const proceed = c.gitops ? 'Roll Back in the Cluster Anyway' : c.needs === 'typed-context' ? 'Roll Back…' : 'Roll Back';
  const choice = await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, proceed);
  if (choice !== proceed) return;
  let confirmContext: string | undefined;
  if (c.needs === 'typed-context') {
    confirmContext = await vscode.window.showInputBox({
      title: `Production context: type "${preflight.context.name}" to roll back ${refText(ref)} to revision ${target.revision}`,
      prompt: `"${preflight.context.name}" matches the production pattern "${preflight.production.pattern}".`,
      placeHolder: preflight.context.name,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === preflight.context.name ? undefined : `Type the context name exactly: ${preflight.context.name}`),
    });
    if (confirmContext === undefined) return;
  }
  await execute(deps, session, preflight, target, { ...(confirmContext !== undefined ? { confirmContext } : {}), acknowledgeGitOps: !!c.gitops }, secrets);
}

async function execute(deps: ActionDeps, session: ClusterSession, preflight: Preflight, target: Target, confirmations: { confirmContext?: string; acknowledgeGitOps: boolean }, secrets: string[]): Promise<void> {
  const ref = target.ref;
  const evidenceDir = deps.service.evidenceDir(target.uri, deps.storage);
  const version = vscode.extensions.getExtension('rollback-guard.rollback-guard')?.packageJSON?.version as string | undefined;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Rolling back ${refText(ref)} to revision ${target.revision}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        return await session.rollback(preflight, {
          ...confirmations,
          reason: `rolled back from the editor (${vscode.env.appName})`,
          timeoutMs: deps.service.rolloutTimeoutMs(),
          evidenceDir,
          ...(version ? { toolVersion: version } : {}),
          signal: abort.signal,
          onProgress: (p) => {
            deps.log.info(`${refText(ref)}: ${p.message}`);
            progress.report({ message: p.message });
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  const files = result.ok ? result.value.files : result.error.files;
  const evidenceError = result.ok ? result.value.evidenceError : result.error.evidenceError;
  if (evidenceError) void vscode.window.showWarningMessage(evidenceError);
  const openEvidence = async () => {
    if (files) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(files.markdown)).then(undefined, () => vscode.window.showTextDocument(vscode.Uri.file(files.markdown)));
  };
  if (!result.ok) {
    const { error } = result;
    deps.log.warn(`rollback of ${refText(ref)} ${error.outcome}: ${error.message}`);
    const choice = await vscode.window.showErrorMessage(errorText(error, secrets), ...(files ? ['Open Evidence'] : []), ...(error.kind === 'conflict' ? ['Check Again'] : []));
    if (choice === 'Open Evidence') await openEvidence();
    if (choice === 'Check Again') await rollBack(deps, target);
    return;
  }
  const outcome = result.value;
  deps.log.info(`${outcome.message}${files ? ` (evidence: ${files.markdown})` : ''}`);
  const manifests = await findManifests(deps, session, ref, target.uri);
  const align = 'Make the Manifest Match the Cluster…';
  const text = `${outcome.message[0]!.toUpperCase()}${outcome.message.slice(1)}.${files ? ` Evidence: ${vscode.workspace.asRelativePath(files.markdown)}.` : ''}`;
  const choice = await vscode.window.showInformationMessage(text, ...(files ? ['Open Evidence'] : []), ...(manifests.length > 0 && outcome.status === 'rolled-back' ? [align] : []));
  if (choice === 'Open Evidence') await openEvidence();
  if (choice === align) await alignManifest(deps, { ...target, ...(files ? { evidence: files.markdown } : {}) });
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
  const evidence = (arg as { evidence?: string } | undefined)?.evidence;
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
  const manifests = await findManifests(deps, session, ref, target.uri);
  if (manifests.length === 0) {
    void vscode.window.showInformationMessage(`No YAML file in the workspace describes ${refText(ref)} in namespace "${ref.namespace}" (same kind, name and namespace).`);
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
    void vscode.window.showWarningMessage(`${relPath} has unsaved changes. Save or revert them first: the commit is made from the file as committed.`);
    return;
  }
  const repo = await GitRepo.open(dirname(manifest.uri.fsPath));
  if (!repo) {
    void vscode.window.showWarningMessage(`${relPath} is not in a git repository, so there is no branch to commit on.`);
    return;
  }
  const path = relative(repo.root, manifest.uri.fsPath).split(sep).join('/');
  const status = await repo.status();
  if (status.tracked.includes(path) || status.conflicted.includes(path) || status.untracked.includes(path)) {
    void vscode.window.showWarningMessage(`${relPath} has uncommitted changes (or is not committed yet). Commit or stash them first: the new branch starts from HEAD and would not carry them.`);
    return;
  }
  const text = await readFile(manifest.uri.fsPath, 'utf8');
  const edited = setImages(text, manifest, history.images);
  if (!edited.ok) {
    void vscode.window.showWarningMessage(`Cannot make ${relPath} match the cluster: ${edited.reason}.`);
    return;
  }
  if (edited.edits.length === 0) {
    void vscode.window.showInformationMessage(`${relPath} already names the images ${refText(ref)} runs: nothing to commit.`);
    return;
  }
  const head = await repo.head();
  let branch = alignBranchName(ref, history.liveRevision);
  for (let n = 2; await repo.branchExists(branch); n++) branch = `${alignBranchName(ref, history.liveRevision)}-${n}`;
  const confirm = 'Commit on New Branch';
  const choice = await vscode.window.showWarningMessage(
    `Commit the image${edited.edits.length === 1 ? '' : 's'} ${refText(ref)} runs now to ${relPath} on a new branch ${branch}?`,
    {
      modal: true,
      detail: [
        ...edited.edits.map((e) => `${e.container}: ${e.from} → ${e.to}`),
        '',
        `Only the image value${edited.edits.length === 1 ? ' changes' : 's change'}; comments and layout stay. The commit's parent is ${head.branch ?? 'the detached HEAD'} (${(head.sha ?? '').slice(0, 7)}); the working tree and ${head.branch ?? 'HEAD'} do not change, and nothing is pushed.`,
      ].join('\n'),
    },
    confirm,
  );
  if (choice !== confirm) return;
  const message = alignCommitMessage(ref, session.context.name, history.liveRevision, edited.edits, evidence ? vscode.workspace.asRelativePath(evidence) : undefined);
  const committed = await commitOnNewBranch(repo, { branch, message, files: [{ path, content: edited.text }] });
  if (!committed.ok) {
    deps.log.warn(`commit of ${path} on ${branch} failed: ${committed.error.message}`);
    void vscode.window.showErrorMessage(committed.error.message);
    return;
  }
  deps.log.info(`committed ${path} on ${branch} as ${committed.value.commit}`);
  const show = await vscode.window.showInformationMessage(`Created ${branch} with ${committed.value.commit.slice(0, 7)}: ${relPath} now names what runs. Nothing was pushed; push the branch and open a pull request.`, 'Show Commit');
  if (show === 'Show Commit') await showCommit(repo, committed.value.commit);
}

// ---------------------------------------------------------------- compare, copy, history

/** `vscode.diff` of the revision's pod template against the live one, both read-only and with secrets masked. */
export async function compareWithLive(deps: ActionDeps, arg: unknown): Promise<void> {
  if (!trusted(deps, 'Comparing with the cluster')) return;
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
  let images = node && typeof node === 'object' && 'kind' in node && node.kind === 'revision' ? node.revision.images : undefined;
  if (!images && target) {
    if (!trusted(deps, 'Reading images from the cluster')) return;
    const found = await historyFor(deps, target);
    const entry = found?.history.revisions.find((r) => r.revision === target.revision);
    images = entry?.images ?? found?.history.images;
  }
  if (!images || images.length === 0) {
    void vscode.window.showInformationMessage('No image to copy: pick a revision in the Rollback Guard view.');
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
  void vscode.window.showInformationMessage(`Copied ${image}`);
}

/** "Show Revision History…": pick down to a revision, then what to do with it. */
export async function showHistory(deps: ActionDeps, arg?: unknown): Promise<void> {
  if (!trusted(deps, 'Showing revision history')) return;
  const given = targetOf(arg);
  let target: Target;
  let history: WorkloadHistory;
  if (given) {
    const h = await historyFor(deps, given);
    if (!h) return;
    target = given;
    history = h.history;
  } else {
    const picked = await pickWorkload(deps, 'Show Revision History');
    if (!picked) return;
    target = { context: picked.session.context.name, ref: picked.ref };
    history = picked.history;
  }
  const revision = await pickRevision(history, 'Revision History', false);
  if (revision === undefined) return;
  const entry = history.revisions.find((r) => r.revision === revision)!;
  const actions: Picked<'rollback' | 'compare' | 'copy'>[] = [
    ...(entry.live ? [] : [{ label: '$(discard) Roll back to this revision…', value: 'rollback' as const }]),
    { label: '$(diff) Compare with live', value: 'compare' as const },
    { label: '$(copy) Copy image reference', value: 'copy' as const },
  ];
  const action = await vscode.window.showQuickPick(actions, { title: `${refText(target.ref)} revision ${revision}${entry.live ? ' (live)' : ''}` });
  const chosen = { ...target, revision };
  if (action?.value === 'rollback') await rollBack(deps, chosen);
  else if (action?.value === 'compare') await compareWithLive(deps, chosen);
  else if (action?.value === 'copy') {
    const node: ClusterNode = { kind: 'revision', context: chosen.context, ref: chosen.ref, revision: { revision, live: entry.live, images: entry.images, source: '' } };
    await copyImage(deps, node);
  }
}

/** "Select Kube Context…": which context the view watches (kept across sessions). */
export async function selectContext(deps: ActionDeps): Promise<void> {
  if (!trusted(deps, 'Selecting a kube context')) return;
  const config = await deps.service.readKubeconfig();
  if (!config.ok) {
    const choice = await vscode.window.showErrorMessage(errorText(config.error), 'Open Settings');
    if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'rollbackGuard.cluster.kubeconfig');
    return;
  }
  if (config.value.contexts.length === 0) {
    void vscode.window.showWarningMessage(`${config.value.files.join(', ')} defines no context. Add one (kubectl config set-context) or point rollbackGuard.cluster.kubeconfig at another file.`);
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
