import * as vscode from 'vscode';
import { ClusterFeature } from './cluster';
import { FixProvider } from './codeActions';
import { SummaryLensProvider } from './codeLens';
import { registerCommands } from './commands';
import { Diagnostics } from './diagnostics';
import { Folders } from './folders';
import { HeadWatcher } from './gitWatch';
import { Log } from './log';
import { ReleaseController } from './release';
import { ReleaseActionProvider } from './releaseActions';
import { ReleaseReportPanel } from './releaseReport';
import { ReleaseStatus } from './releaseStatus';
import { diagnosticsSource, RisksView } from './risksView';
import { RuleDocsActionProvider, RuleDocsPanel } from './ruleDocs';

/** Documents that may hold a manifest or a migration (the engine then decides by path). */
export const ANALYSED_DOCUMENTS: vscode.DocumentSelector = [
  { language: 'yaml' },
  { language: 'helm' },
  { language: 'sql' },
  { language: 'python' },
  { language: 'ruby' },
  { language: 'javascript' },
  { language: 'typescript' },
  { language: 'xml' },
];

/**
 * The service root: builds every service once and owns every disposable,
 * disposing them in reverse order of creation.
 */
export class Container implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly log: Log;
  readonly folders: Folders;
  readonly diagnostics: Diagnostics;

  constructor(readonly context: vscode.ExtensionContext) {
    this.log = this.own(new Log());
    this.folders = this.own(new Folders(this.log));
    this.diagnostics = this.own(new Diagnostics(this.folders, this.log, context.extensionUri));
    const lenses = this.own(new SummaryLensProvider(this.diagnostics));
    this.own(vscode.languages.registerCodeActionsProvider(ANALYSED_DOCUMENTS, new FixProvider(this.diagnostics), { providedCodeActionKinds: FixProvider.kinds }));
    this.own(vscode.languages.registerCodeLensProvider(ANALYSED_DOCUMENTS, lenses));
    // Branch mode: the release against its base, its status, report and Git actions.
    const heads = this.own(new HeadWatcher(this.log));
    const release = this.own(new ReleaseController(this.folders, this.diagnostics, this.log, heads));
    const risks = this.own(
      new RisksView([diagnosticsSource(this.diagnostics), { findings: () => release.findings(), onDidChange: release.onDidChange }], {
        summary: () => {
          const s = release.outsidePullRequest();
          return s ? { ...s, showingAll: release.showAll } : undefined;
        },
      }),
    );
    this.own(vscode.window.createTreeView('rollbackGuard.risks', { treeDataProvider: risks, showCollapseAll: true }));
    const report = this.own(new ReleaseReportPanel(release, context.extensionUri));
    this.own(new ReleaseStatus(release));
    this.own(vscode.languages.registerCodeActionsProvider(ANALYSED_DOCUMENTS, new ReleaseActionProvider(release), { providedCodeActionKinds: ReleaseActionProvider.kinds }));
    // Rule documentation: one panel, one quick-fix entry.
    const ruleDocs = this.own(new RuleDocsPanel(context.extensionUri));
    this.own(vscode.languages.registerCodeActionsProvider(ANALYSED_DOCUMENTS, new RuleDocsActionProvider(), { providedCodeActionKinds: RuleDocsActionProvider.kinds }));
    // Clusters: the history view, revision documents, workload CodeLens; the cluster layer itself loads on first use.
    const cluster = this.own(new ClusterFeature(context, this.folders, this.log));
    for (const d of registerCommands({ diagnostics: this.diagnostics, folders: this.folders, log: this.log, release, report, cluster, ruleDocs })) this.own(d);
    this.log.info(`Rollback Guard ${context.extension.packageJSON.version as string} activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted'})`);
    this.diagnostics.analyzeOpenDocuments();
  }

  private own<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // Keep disposing the rest.
      }
    }
  }
}
