import * as vscode from 'vscode';
import { classRank, CLASS_MEANING, type Finding, type RollbackClass } from '../core/model';
import type { Diagnostics } from './diagnostics';

/** Where the view's findings come from: the per-file diagnostics, the release findings of branch mode. */
export interface FindingSource {
  findings(): { uri: vscode.Uri; finding: Finding }[];
  readonly onDidChange: vscode.Event<unknown>;
}

/** The per-file diagnostics as a source. */
export function diagnosticsSource(diagnostics: Diagnostics): FindingSource {
  return {
    findings: () => diagnostics.all().flatMap((d) => d.entries.map((e) => ({ uri: d.uri, finding: e.finding }))),
    onDidChange: diagnostics.onDidUpdate,
  };
}

/** Tree elements are plain data; `getTreeItem` maps them to TreeItems. */
export type RiskNode =
  | { kind: 'class'; rollbackClass: RollbackClass | null; count: number }
  | { kind: 'file'; uri: vscode.Uri; rollbackClass: RollbackClass | null; count: number }
  | { kind: 'finding'; uri: vscode.Uri; finding: Finding };

const SEVERITY_ICON = { error: 'error', warning: 'warning', info: 'info', hint: 'lightbulb' } as const;

/** The workspace's findings, the open files' and the release's, grouped by rollback class (worst first), then file. */
export class RisksView implements vscode.TreeDataProvider<RiskNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RiskNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly sources: readonly FindingSource[]) {
    this.subscriptions = sources.map((source) => source.onDidChange(() => this.changed.fire(undefined)));
  }

  getChildren(node?: RiskNode): RiskNode[] {
    const findings = this.sources.flatMap((source) => source.findings());
    if (!node) {
      const counts = new Map<RollbackClass | null, number>();
      for (const { finding } of findings) counts.set(finding.rollbackClass, (counts.get(finding.rollbackClass) ?? 0) + 1);
      return [...counts]
        .sort(([a], [b]) => (b === null ? -1 : classRank(b)) - (a === null ? -1 : classRank(a)))
        .map(([rollbackClass, count]) => ({ kind: 'class', rollbackClass, count }));
    }
    if (node.kind === 'class') {
      const byFile = new Map<string, { uri: vscode.Uri; count: number }>();
      for (const { uri, finding } of findings) {
        if (finding.rollbackClass !== node.rollbackClass) continue;
        const entry = byFile.get(uri.toString()) ?? { uri, count: 0 };
        entry.count++;
        byFile.set(uri.toString(), entry);
      }
      return [...byFile.values()]
        .sort((a, b) => a.uri.path.localeCompare(b.uri.path))
        .map(({ uri, count }) => ({ kind: 'file', uri, rollbackClass: node.rollbackClass, count }));
    }
    if (node.kind === 'file') {
      return findings
        .filter((f) => f.uri.toString() === node.uri.toString() && f.finding.rollbackClass === node.rollbackClass)
        .map(({ uri, finding }) => ({ kind: 'finding', uri, finding }));
    }
    return [];
  }

  getTreeItem(node: RiskNode): vscode.TreeItem {
    switch (node.kind) {
      case 'class': {
        const item = new vscode.TreeItem(node.rollbackClass ?? 'no class (notes)', vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.count}`;
        item.tooltip = node.rollbackClass ? CLASS_MEANING[node.rollbackClass] : 'Findings about suppressions and files that could not be read';
        item.contextValue = 'rollbackGuard:class';
        item.iconPath = new vscode.ThemeIcon(node.rollbackClass === 'reversible' ? 'pass' : node.rollbackClass ? 'history' : 'note');
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(node.uri, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${vscode.workspace.asRelativePath(node.uri)} · ${node.count}`;
        item.contextValue = 'rollbackGuard:file';
        return item;
      }
      case 'finding': {
        const { finding } = node;
        const item = new vscode.TreeItem(`${finding.ruleId} ${finding.message}`, vscode.TreeItemCollapsibleState.None);
        item.description = `line ${finding.range.start.line + 1}`;
        item.tooltip = new vscode.MarkdownString(`**${finding.ruleId}** · ${finding.rollbackClass ?? 'no class'} · ${finding.layer ?? ''}\n\n${finding.message}\n\n${finding.help}`);
        item.iconPath = new vscode.ThemeIcon(SEVERITY_ICON[finding.severity]);
        item.contextValue = 'rollbackGuard:finding';
        item.command = { command: 'rollbackGuard.revealFinding', title: 'Go to Finding', arguments: [node.uri, finding] };
        return item;
      }
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
