import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, toWorkspaceEdit } from './convert';
import type { Diagnostics } from './diagnostics';

/**
 * Quick fixes come from the findings' fix data. A fix is offered only for the
 * document version it was computed for, so an edit never lands on text that
 * moved underneath it.
 */
export class FixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: Diagnostics) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      const found = this.diagnostics.lookup(document.uri, diagnostic);
      if (!found) continue;
      if (found.version === undefined || found.version === document.version) {
        for (const fix of found.finding.fixes) {
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.edit = toWorkspaceEdit(document.uri, fix.edits);
          action.diagnostics = [diagnostic];
          action.isPreferred = fix.preferred === true;
          actions.push(action);
        }
      }
    }
    return actions;
  }
}
