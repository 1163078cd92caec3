import * as vscode from 'vscode';
import * as notify from './notify';
import type { Finding } from '../core/model';
import type { ClusterFeature } from './cluster';
import type { Diagnostics } from './diagnostics';
import type { Folders } from './folders';
import { COMMAND_IDS, type CommandId } from './generated/commands';
import { createRollbackPlan, openLocation, revertLineCommit } from './gitActions';
import type { Log } from './log';
import type { ReleaseController } from './release';
import type { ReleaseReportPanel } from './releaseReport';
import type { RuleDocsPanel } from './ruleDocs';
import { analysedMessage } from './scopeText';

export interface CommandDeps {
  diagnostics: Diagnostics;
  folders: Folders;
  log: Log;
  release: ReleaseController;
  report: ReleaseReportPanel;
  cluster: ClusterFeature;
  ruleDocs: RuleDocsPanel;
}

const CONFIG_TEMPLATE = `# Rollback Guard repository configuration.
# Every setting is optional; see the rule documentation for ids.
# base: main
# rules:
#   RG101: warning        # off | on | error | warning | info | hint
# ignore:
#   - vendor/**
# migrations:
#   dialects:
#     - path: db/mysql/**
#       dialect: mysql
# production:
#   contexts: ["prod*", "*-production"]
`;

/**
 * Every command declared in package.json has exactly one handler here: the
 * `Record<CommandId, …>` type fails to compile when one is missing.
 */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const handlers: Record<CommandId, (...args: never[]) => unknown> = {
    'rollbackGuard.analyzeWorkspace': async () => {
      const done = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Rollback Guard: analysing workspace', cancellable: true },
        async (progress, token) => {
          const count = await deps.diagnostics.analyzeWorkspace(progress, token);
          const scope = deps.release.outsidePullRequest();
          const total = scope?.total ?? deps.diagnostics.all().reduce((n, d) => n + deps.diagnostics.unscopedFindings(d.uri).length, 0);
          const text = analysedMessage(count, total, scope && !deps.release.showAll ? scope.outside : 0);
          deps.log.info(`workspace analysis: ${text}`);
          return { text, offerShowAll: !!scope && scope.outside > 0 && !deps.release.showAll };
        },
      );
      // The progress ends with the analysis; the result stays until it is read.
      const showAll = 'Show All';
      const choice = await notify.showInformationMessage(done.text, ...(done.offerShowAll ? [showAll] : []));
      if (choice === showAll) deps.release.setShowAll(true);
    },
    'rollbackGuard.showAllFindings': () => deps.release.setShowAll(true),
    'rollbackGuard.showPullRequestFindings': () => deps.release.setShowAll(false),
    'rollbackGuard.showRuleDocs': (ids?: string | string[]) => deps.ruleDocs.show(typeof ids === 'string' || Array.isArray(ids) ? ids : undefined),
    'rollbackGuard.showLog': () => deps.log.show(),
    'rollbackGuard.openConfig': async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder) {
        void notify.showWarningMessage('Open a folder first: the configuration lives at its root.');
        return;
      }
      const state = await deps.folders.forUri(folder.uri);
      let uri = state.configUri;
      if (!uri) {
        const create = await notify.showInformationMessage(`${folder.name} has no .rollbackguard.yaml. Create one?`, 'Create');
        if (create !== 'Create') return;
        uri = vscode.Uri.joinPath(folder.uri, '.rollbackguard.yaml');
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(CONFIG_TEMPLATE));
      }
      await vscode.window.showTextDocument(uri);
    },
    'rollbackGuard.revealFinding': (uri: vscode.Uri, finding: Finding) => deps.diagnostics.revealRange(uri, finding),
    'rollbackGuard.showReleaseReport': () => deps.report.show(),
    'rollbackGuard.refreshRelease': () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Rollback Guard: analysing the release' }, () => deps.release.refreshAll()),
    'rollbackGuard.createRollbackPlan': (root?: string) => createRollbackPlan(deps.release, root),
    'rollbackGuard.revertLineCommit': (uri?: vscode.Uri, line?: number, endLine?: number) =>
      revertLineCommit(deps.release, deps.log, uri instanceof vscode.Uri ? uri : undefined, typeof line === 'number' ? line : undefined, typeof endLine === 'number' ? endLine : undefined),
    'rollbackGuard.openReleaseLocation': (root: string, path: string, line: number, character: number) => openLocation(root, path, line, character),
    ...deps.cluster.handlers(),
  };
  return COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, handlers[id] as (...args: unknown[]) => unknown));
}
