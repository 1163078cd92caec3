import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import * as notify from './notify';
import { renderPlan } from '../core/release';
import { GitRepo, revertCommit, type CommitInfo, type RevertResult } from '../git';
import type { Log } from './log';
import type { ReleaseController } from './release';

/**
 * Editor actions that write: the revert commit of a line's commit, and the
 * release plan file. Every prompt lives here; the git layer refuses instead
 * of asking.
 */

const short = (sha: string) => sha.slice(0, 7);

/**
 * Revert the commit that introduced a line (or, for a finding spanning a
 * field, the newest commit among its lines), on a new branch, after a
 * confirmation naming both.
 */
export async function revertLineCommit(release: ReleaseController, log: Log, uri?: vscode.Uri, line?: number, endLine?: number): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void notify.showWarningMessage('Reverting a commit writes to Git, which Rollback Guard only does in a trusted workspace. Trust the workspace first (Workspaces: Manage Workspace Trust).');
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const target = uri ?? editor?.document.uri;
  if (!target || target.scheme !== 'file') {
    void notify.showWarningMessage('Open a file of a git repository, and put the cursor on the line whose commit to revert.');
    return;
  }
  const lineIndex = line ?? (editor && editor.document.uri.toString() === target.toString() ? editor.selection.active.line : 0);
  const lastIndex = Math.max(lineIndex, endLine ?? lineIndex);
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
  if (document?.isDirty) {
    void notify.showWarningMessage(`Save ${vscode.workspace.asRelativePath(target)} first: blame reads the file on disk, so an unsaved line has no commit.`);
    return;
  }
  const repo = await GitRepo.open(dirname(target.fsPath));
  if (!repo) {
    void notify.showWarningMessage(`${vscode.workspace.asRelativePath(target)} is not in a git repository.`);
    return;
  }
  const path = relative(repo.root, target.fsPath).split(sep).join('/');
  const blame = await repo.introducedBy(path, lineIndex + 1, lastIndex + 1);
  if (!blame.ok) {
    void notify.showWarningMessage(blame.error.message);
    return;
  }
  const commit = await repo.commitInfo(blame.value.sha);
  if (!commit) {
    void notify.showErrorMessage(`Commit ${short(blame.value.sha)} could not be read.`);
    return;
  }
  // A line usually arrives through a pull request: offer the merge (the whole release) too.
  const merge = await repo.introducingMerge(commit.sha);
  let chosen: CommitInfo = commit;
  if (merge) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: `$(git-merge) Revert ${short(merge.sha)}`, description: merge.subject, detail: 'The merge that brought this line in: undoes the whole release (git revert -m 1).', commit: merge },
        { label: `$(git-commit) Revert ${short(commit.sha)}`, description: commit.subject, detail: `The commit that changed line ${blame.value.finalLine}, by ${commit.author}.`, commit },
      ],
      { title: 'Revert which commit?', placeHolder: `Line ${blame.value.finalLine} of ${path}` },
    );
    if (!pick) return;
    chosen = pick.commit;
  }
  const head = await repo.head();
  const branch = `revert/${short(chosen.sha)}`;
  const isMerge = chosen.parents.length > 1;
  const confirm = await notify.showWarningMessage(
    `Revert ${short(chosen.sha)} "${chosen.subject}" on a new branch ${branch}?`,
    {
      modal: true,
      detail: `Creates ${branch} from ${head.branch ?? `the detached HEAD ${short(head.sha ?? '')}`} and runs \`git revert --no-edit${isMerge ? ' -m 1' : ''} ${short(chosen.sha)}\` there. ${head.branch ?? 'HEAD'} does not move and nothing is pushed: push the branch and open a pull request so the GitOps controller syncs the revert ("fix Git first").`,
    },
    'Revert on a New Branch',
  );
  if (confirm !== 'Revert on a New Branch') return;

  const run = (stash: boolean) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reverting ${short(chosen.sha)} on ${branch}…` }, () => revertCommit(repo, chosen.sha, { stash }));
  let result = await run(false);
  if (!result.ok && result.error.kind === 'dirty') {
    const files = result.error.files ?? [];
    const stash = await notify.showWarningMessage(
      'The working tree has uncommitted changes.',
      { modal: true, detail: `${files.slice(0, 8).join('\n')}${files.length > 8 ? `\n… and ${files.length - 8} more` : ''}\n\nStash them (git stash push) and continue? They stay in the stash after the revert; get them back with \`git switch ${head.branch ?? head.sha}\` and \`git stash pop\`. Or cancel, and commit them yourself.` },
      'Stash and Revert',
    );
    if (stash !== 'Stash and Revert') return;
    result = await run(true);
  }
  if (!result.ok) {
    log.warn(`revert of ${chosen.sha} refused or failed: ${result.error.message}`);
    void notify.showErrorMessage(result.error.message);
    return;
  }
  log.info(`reverted ${chosen.sha} on ${result.value.branch} as ${result.value.commit}`);
  await announce(repo, result.value);
  void release.refreshAll();
}

async function announce(repo: GitRepo, r: RevertResult): Promise<void> {
  const stash = r.stash ? ` Your uncommitted changes are in the stash (${short(r.stash)}).` : '';
  const choice = await notify.showInformationMessage(`Created ${r.branch} with ${short(r.commit)} "${r.subject}". Nothing was pushed.${stash}`, 'Show Commit');
  if (choice === 'Show Commit') await showCommit(repo, r.commit);
}

/** The commit with its patch, read-only, in a diff editor tab. */
export async function showCommit(repo: GitRepo, sha: string): Promise<void> {
  const text = await repo.run(['show', '--no-color', '--stat', '--patch', '--end-of-options', sha]);
  const document = await vscode.workspace.openTextDocument({ content: text, language: 'diff' });
  await vscode.window.showTextDocument(document, { preview: true });
}

/** Writes rollback-plan.yaml at the repository root, prefilled from the release analysis, as an unsaved edit to review. */
export async function createRollbackPlan(release: ReleaseController, root?: string): Promise<void> {
  const state = release.forFolder(typeof root === 'string' ? root : undefined);
  if (!state || state.kind !== 'active') {
    const why = !state ? 'no folder in a git repository is open' : state.kind === 'on-base' ? `this is ${state.base.ref}, the base itself` : state.reason;
    void notify.showInformationMessage(`Rollback Guard has no release analysis to prefill a plan from: ${why}. The \`rg-rollback-plan\` snippet writes an empty one.`);
    return;
  }
  const existing = ['rollback-plan.yaml', 'rollback-plan.yml'].map((n) => join(state.repo.root, n)).find((p) => existsSync(p));
  const uri = vscode.Uri.file(existing ?? join(state.repo.root, 'rollback-plan.yaml'));
  if (existing) {
    const choice = await notify.showWarningMessage(`${vscode.workspace.asRelativePath(uri)} exists. Replace it with a plan prefilled from this analysis?`, { modal: true }, 'Replace', 'Open It');
    if (choice === 'Open It') await vscode.window.showTextDocument(uri);
    if (choice !== 'Replace') return;
  }
  const text = renderPlan(state.analysis);
  const edit = new vscode.WorkspaceEdit();
  if (existing) {
    const document = await vscode.workspace.openTextDocument(uri);
    edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  } else {
    edit.createFile(uri, { ignoreIfExists: true });
    edit.insert(uri, new vscode.Position(0, 0), text);
  }
  if (!(await vscode.workspace.applyEdit(edit))) {
    void notify.showErrorMessage(`Could not write ${vscode.workspace.asRelativePath(uri)}.`);
    return;
  }
  await vscode.window.showTextDocument(uri);
  void notify.showInformationMessage('Review every line of the plan, save it and commit it with the branch.');
}

/** Opens a file of a repository at a position (report links). */
export async function openLocation(root: string, path: string, line: number, character: number): Promise<void> {
  const uri = vscode.Uri.file(join(root, path));
  const position = new vscode.Position(line, character);
  await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), preview: false, viewColumn: vscode.ViewColumn.One });
}
