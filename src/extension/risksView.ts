import * as vscode from 'vscode';
import { classRank, CLASS_MEANING, type Finding, type RollbackClass } from '../core/model';
import type { Diagnostics } from './diagnostics';
import { scopeRow } from './scopeText';
import { hoverMessage } from './convert';
import { shortenDigests } from '../core/text';

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

/** How many of the analysed files' findings lie outside the pull request, and whether they are shown. */
export interface ScopeSummary {
  summary(): { total: number; outside: number; showingAll: boolean } | undefined;
}

/** Tree elements are plain data; `getTreeItem` maps them to TreeItems. */
export type RiskNode =
  | { kind: 'scope'; label: string; action: string; command: string; tooltip: string }
  | { kind: 'class'; rollbackClass: RollbackClass | null; count: number; files: number; rules: string[] }
  | { kind: 'file'; uri: vscode.Uri; rollbackClass: RollbackClass | null; count: number }
  | { kind: 'finding'; uri: vscode.Uri; finding: Finding };

const SEVERITY_ICON = { error: 'error', warning: 'warning', info: 'info', hint: 'lightbulb' } as const;

/** The workspace's findings, the open files' and the release's, grouped by rollback class (worst first), then file. */
export class RisksView implements vscode.TreeDataProvider<RiskNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RiskNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly sources: readonly FindingSource[],
    private readonly scope?: ScopeSummary,
  ) {
    this.subscriptions = sources.map((source) => source.onDidChange(() => this.changed.fire(undefined)));
  }

  getChildren(node?: RiskNode): RiskNode[] {
    const findings = this.sources.flatMap((source) => source.findings());
    if (!node) {
      const counts = new Map<RollbackClass | null, { count: number; files: Set<string>; rules: Set<string> }>();
      for (const { uri, finding } of findings) {
        const c = counts.get(finding.rollbackClass) ?? { count: 0, files: new Set<string>(), rules: new Set<string>() };
        c.count++;
        c.files.add(uri.toString());
        c.rules.add(finding.ruleId);
        counts.set(finding.rollbackClass, c);
      }
      const summary = this.scope?.summary();
      const row = summary ? scopeRow(summary) : undefined;
      return [
        ...(row ? [{ kind: 'scope' as const, ...row }] : []),
        ...[...counts]
          .sort(([a], [b]) => (b === null ? -1 : classRank(b)) - (a === null ? -1 : classRank(a)))
          .map(([rollbackClass, c]): RiskNode => ({ kind: 'class', rollbackClass, count: c.count, files: c.files.size, rules: [...c.rules].sort() })),
      ];
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
      case 'scope': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.description = `— ${node.action}`;
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon('filter');
        item.contextValue = 'rollbackGuard:scope';
        item.command = { command: node.command, title: node.action };
        item.accessibilityInformation = { label: `${node.label}. ${node.action}.` };
        return item;
      }
      case 'class': {
        const item = new vscode.TreeItem(node.rollbackClass ?? 'no class of their own', vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.count}`;
        // What the group holds, in words: its class (or why it has none), how many findings in how many files, which rules.
        const what = node.rollbackClass ? `**${node.rollbackClass}**: ${CLASS_MEANING[node.rollbackClass]}.` : 'Findings that carry no rollback class of their own: about the release as a whole, suppressions, or files that could not be read. The release takes the class of its other findings.';
        item.tooltip = new vscode.MarkdownString(`${what}\n\n${node.count} finding${node.count === 1 ? '' : 's'} in ${node.files} file${node.files === 1 ? '' : 's'}: ${node.rules.join(', ')}`);
        item.contextValue = 'rollbackGuard:class';
        item.iconPath = new vscode.ThemeIcon(node.rollbackClass === 'reversible' ? 'pass' : node.rollbackClass ? 'history' : 'note');
        return item;
      }
      case 'file': {
        // No resourceUri: the Problems decorations would add a second count, of every class, to this row.
        const relative = vscode.workspace.asRelativePath(node.uri);
        const slash = relative.lastIndexOf('/');
        const item = new vscode.TreeItem(relative.slice(slash + 1), vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${slash > 0 ? `${relative.slice(0, slash)} · ` : ''}${node.count}`;
        item.tooltip = `${relative}: ${node.count} finding${node.count === 1 ? '' : 's'} of class ${node.rollbackClass ?? 'none'}`;
        item.iconPath = vscode.ThemeIcon.File;
        item.contextValue = 'rollbackGuard:file';
        return item;
      }
      case 'finding': {
        const { finding } = node;
        const item = new vscode.TreeItem(`${finding.ruleId} ${hoverMessage(finding.message)}`, vscode.TreeItemCollapsibleState.None);
        item.description = `line ${finding.range.start.line + 1}`;
        const tooltip = new vscode.MarkdownString(`**${finding.ruleId}** · ${finding.rollbackClass ?? 'no class'}${finding.layer ? ` · ${finding.layer}` : ''}\n\n${shortenDigests(finding.message)}\n\n${shortenDigests(finding.help)}`);
        item.tooltip = tooltip;
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
