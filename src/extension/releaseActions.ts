import * as vscode from 'vscode';
import { toWorkspaceEdit } from './convert';
import { ReleaseController } from './release';

/**
 * Code actions of branch mode, mapped from diagnostics by rule id (the glue
 * converts, it does not decide): the release findings' fixes, "create the
 * rollback plan" on RG303 and on the plan's RG115, and — in a trusted
 * workspace — "revert the commit that introduced this line" on any Rollback
 * Guard diagnostic.
 */
export class ReleaseActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly release: ReleaseController) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const ours = context.diagnostics.filter(ReleaseController.ours);
    let planOffered = false;
    for (const diagnostic of ours) {
      const finding = this.release.lookup(document.uri, diagnostic);
      if (!finding) continue;
      // Release findings are computed from the file on disk: their edits only fit an unmodified buffer.
      if (!document.isDirty) {
        for (const fix of finding.fixes) {
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.edit = toWorkspaceEdit(document.uri, fix.edits);
          action.diagnostics = [diagnostic];
          action.isPreferred = fix.preferred === true;
          actions.push(action);
        }
      }
      if ((finding.ruleId === 'RG303' || finding.ruleId === 'RG115') && !planOffered) {
        planOffered = true;
        const state = this.release.forFolder(document.uri);
        const action = new vscode.CodeAction('Create rollback-plan.yaml from this analysis', vscode.CodeActionKind.QuickFix);
        action.command = { command: 'rollbackGuard.createRollbackPlan', title: action.title, arguments: state && state.kind !== 'none' ? [state.repo.root] : [] };
        action.diagnostics = [diagnostic];
        actions.push(action);
      }
    }
    if (ours.length > 0 && vscode.workspace.isTrusted && document.uri.scheme === 'file') {
      const revert = new vscode.CodeAction('Revert the commit that introduced this line…', vscode.CodeActionKind.QuickFix);
      // The finding's lines: for a field spanning several, the newest commit among them introduced it.
      const start = Math.min(range.start.line, ...ours.map((d) => d.range.start.line));
      const end = Math.max(range.end.line, ...ours.map((d) => d.range.end.line));
      revert.command = { command: 'rollbackGuard.revertLineCommit', title: revert.title, arguments: [document.uri, start, end] };
      revert.diagnostics = ours;
      actions.push(revert);
    }
    return actions;
  }
}
