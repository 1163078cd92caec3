import * as vscode from 'vscode';
import { lensTitle, manifestWorkloads, matchWorkload, summarizeWorkload, type ManifestWorkload } from './model';
import type { ClusterService } from './service';

/**
 * "3 revisions · live 3 · roll back…" above each workload document of a
 * manifest whose kind, name and namespace match a workload the view watches.
 * In a trusted workspace, a manifest that describes a workload starts the
 * connection the view uses (once), so the lens shows without the Cluster
 * History view ever having been opened.
 */
export class WorkloadLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly parsed = new Map<string, { version: number; workloads: ManifestWorkload[] }>();
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly service: ClusterService) {
    this.disposables.push(
      service.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidCloseTextDocument((d) => this.parsed.delete(d.uri.toString())),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('rollbackGuard.cluster.codeLens')) this.changed.fire();
      }),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.isTrusted) return [];
    if (!vscode.workspace.getConfiguration('rollbackGuard.cluster').get<boolean>('codeLens', true)) return [];
    const key = document.uri.toString();
    let cached = this.parsed.get(key);
    if (!cached || cached.version !== document.version) {
      cached = { version: document.version, workloads: manifestWorkloads(document.getText()) };
      this.parsed.set(key, cached);
    }
    if (cached.workloads.length === 0) return [];
    // The first workload manifest connects (the service's change event brings the lenses back).
    this.service.start();
    const feed = this.service.currentFeed();
    if (!feed || feed.workloads.size === 0) return [];
    const live = [...feed.workloads.values()];
    const lenses: vscode.CodeLens[] = [];
    for (const doc of cached.workloads) {
      const history = matchWorkload(doc, live, feed.session.namespace);
      if (!history) continue;
      const position = document.positionAt(doc.offset);
      const summary = summarizeWorkload(history, (g) => g.name);
      lenses.push(
        new vscode.CodeLens(new vscode.Range(position, position), {
          title: lensTitle(summary),
          tooltip: `${history.ref.kind} ${history.ref.namespace}/${history.ref.name} in context ${feed.context.name}: pick a revision to roll back to`,
          command: 'rollbackGuard.cluster.rollBackWorkload',
          arguments: [{ context: feed.context.name, ref: history.ref, uri: document.uri, index: doc.index }],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
