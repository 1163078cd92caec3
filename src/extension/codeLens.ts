import * as vscode from 'vscode';
import { toRange } from './convert';
import type { Diagnostics } from './diagnostics';

/** "↩ restore-required · drops orders.legacy_total" above each migration. */
export class SummaryLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly diagnostics: Diagnostics) {
    this.subscription = diagnostics.onDidUpdate(() => this.changed.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const result = this.diagnostics.get(document.uri);
    if (!result || (result.version !== undefined && result.version !== document.version)) return [];
    return result.summaries.map(
      (s) =>
        new vscode.CodeLens(toRange(s.range), {
          title: `↩ ${s.rollbackClass} · ${s.reason}`,
          tooltip: 'Rollback class of this migration. Click for the findings.',
          command: 'workbench.actions.view.problems',
        }),
    );
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
