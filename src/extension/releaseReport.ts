import * as vscode from 'vscode';
import * as notify from './notify';
import { redact } from '../core/redact';
import type { ReleaseController } from './release';
import { renderReportHtml } from './webview/reportHtml';

/** Commands a report link may run; nothing else is reachable from the webview. */
const LINK_COMMANDS = ['rollbackGuard.openReleaseLocation', 'rollbackGuard.createRollbackPlan', 'rollbackGuard.refreshRelease', 'rollbackGuard.showRuleDocs'];

/** The release report in a webview: no scripts, no remote content, the theme's colours; follows the release as it is refreshed. */
export class ReleaseReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly release: ReleaseController,
    private readonly extensionUri: vscode.Uri,
  ) {
    this.disposables.push(release.onDidChange(() => this.render()));
  }

  show(): void {
    const state = this.release.current();
    if (!state || state.kind !== 'active') {
      const why = !state ? 'open a folder in a git repository' : state.kind === 'on-base' ? `this is ${state.base.ref}, the base itself: switch to a branch to see its release` : state.reason;
      if (state?.kind === 'none' && state.untrusted) {
        void notify.showInformationMessage(`Rollback Guard has no release to report: ${why}.`, 'Manage Workspace Trust').then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
        });
        return;
      }
      void notify.showInformationMessage(`Rollback Guard has no release to report: ${why}.`);
      return;
    }
    if (!this.panel) {
      const media = vscode.Uri.joinPath(this.extensionUri, 'media');
      this.panel = vscode.window.createWebviewPanel('rollbackGuard.releaseReport', 'Release rollback report', vscode.ViewColumn.Beside, {
        enableScripts: false,
        enableCommandUris: LINK_COMMANDS,
        localResourceRoots: [media],
        retainContextWhenHidden: false,
      });
      this.panel.iconPath = vscode.Uri.joinPath(media, 'activity-bar.svg');
      this.panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
    }
    this.render();
    this.panel.reveal(undefined, true);
  }

  private render(): void {
    const state = this.release.current();
    if (!this.panel || !state || state.kind !== 'active') return;
    const webview = this.panel.webview;
    this.panel.title = `Rollback: ${state.analysis.summary.rollbackClass ?? 'no changes'} · ${state.analysis.head.ref}`;
    webview.html = redact(renderReportHtml(state.analysis, {
      cspSource: webview.cspSource,
      stylesheet: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'report.css')).toString(),
      root: state.repo.root,
    }));
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
