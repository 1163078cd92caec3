import * as vscode from 'vscode';
import { CLASS_MEANING, classRank } from '../core/model';
import type { ReleaseController } from './release';

/** What a screen reader says for the status bar item. */
export function releaseStatusLabel(head: string, base: string, cls: string | null, action: string | null): string {
  return cls ? `Rollback Guard: release ${head} against ${base} is ${cls}, recommended action ${action ?? 'none'}. Opens the rollback report.` : `Rollback Guard: release ${head} against ${base} changes nothing to roll back.`;
}

/** The release class of the current branch in the status bar; click for the report. */
export class ReleaseStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('rollbackGuard.release', vscode.StatusBarAlignment.Left, 40);
  private readonly disposables: vscode.Disposable[] = [this.item];

  constructor(private readonly release: ReleaseController) {
    this.item.name = 'Rollback Guard: release rollback class';
    this.item.command = 'rollbackGuard.showReleaseReport';
    this.disposables.push(release.onDidChange(() => this.update()), vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this.update();
  }

  private update(): void {
    const state = this.release.current();
    if (state?.kind === 'none' && state.untrusted) {
      // Branch mode says it needs trust, and the click offers to grant it.
      this.item.text = '$(workspace-untrusted) branch mode needs trust';
      this.item.tooltip = `Rollback Guard: ${state.reason}. Click to manage workspace trust.`;
      this.item.command = 'workbench.trust.manage';
      this.item.backgroundColor = undefined;
      this.item.show();
      return;
    }
    this.item.command = 'rollbackGuard.showReleaseReport';
    if (!state || state.kind === 'none') {
      this.item.hide();
      return;
    }
    if (state.kind === 'on-base') {
      this.item.text = '$(git-branch) on base';
      this.item.tooltip = `On ${state.base.ref}: no release to compare. Rollback Guard analyses every file.`;
      this.item.accessibilityInformation = { label: `Rollback Guard: on the base branch ${state.base.ref}, no release to compare` };
      this.item.backgroundColor = undefined;
      this.item.show();
      return;
    }
    const s = state.analysis.summary;
    const cls = s.rollbackClass;
    this.item.text = cls ? `$(history) ${cls}` : '$(history) no changes';
    this.item.backgroundColor =
      cls && classRank(cls) >= classRank('restore-required')
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : cls && classRank(cls) >= classRank('forward-only')
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**Release \`${state.analysis.head.ref}\` against \`${state.analysis.base.ref}\`**\n\n`);
    if (cls) {
      tooltip.appendMarkdown(`Rollback class: **${cls}** — ${CLASS_MEANING[cls]}\n\n`);
      tooltip.appendMarkdown(`Layers: ${s.layers.join(', ') || '—'} · recommended action: **${s.action ?? '—'}**\n\n`);
      tooltip.appendMarkdown(s.steps.map((st, i) => `${i + 1}. ${st.action}${st.layer ? ` (${st.layer})` : ''}`).join('\n'));
      tooltip.appendMarkdown('\n\n$(preview) Click for the report');
    }
    this.item.tooltip = tooltip;
    // Read aloud as words: the tooltip's Markdown is for the eye.
    this.item.accessibilityInformation = { label: releaseStatusLabel(state.analysis.head.ref, state.analysis.base.ref, cls, s.action) };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
