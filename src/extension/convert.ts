import * as vscode from 'vscode';
import type { Finding, Range, Severity, TextEdit } from '../core/model';
import { redact } from '../core/redact';
import { shortenDigests, splitFirstSentence } from '../core/text';

/** Core (0-based, UTF-16) coordinates map one-to-one onto VS Code's. */
export function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export const DIAGNOSTIC_SOURCE = 'Rollback Guard';

/**
 * A finding as a diagnostic, as a hover shows it: the message's first
 * sentence (the risk, here) with digests shortened; the other places it
 * concerns as related information (`uriOf` maps their paths, undefined when
 * a file is gone); the rule id links to its page. The rest of the message
 * is in the Rollback Risks view, the report and the rule page.
 */
export function toDiagnostic(finding: Finding, docsTarget: vscode.Uri, uriOf?: (file: string) => vscode.Uri | undefined): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(finding.range), hoverMessage(finding.message), SEVERITY[finding.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: finding.ruleId, target: docsTarget };
  const related = (finding.related ?? []).flatMap((r) => {
    const uri = uriOf?.(r.file);
    return uri ? [new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), redact(shortenDigests(r.message)))] : [];
  });
  if (related.length > 0) diagnostic.relatedInformation = related;
  return diagnostic;
}

/** The first sentence of a message, digests shortened and secrets masked: what a hover and the Problems panel show. */
export function hoverMessage(message: string): string {
  return redact(shortenDigests(splitFirstSentence(message).first));
}

/**
 * A fix's edits as one workspace edit. An edit with a placeholder (the
 * reason of an ignore comment) becomes a snippet edit, so the editor leaves
 * the placeholder selected, ready to be typed over.
 */
export function toWorkspaceEdit(uri: vscode.Uri, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  if (!edits.some((e) => e.placeholder)) {
    for (const e of edits) edit.replace(uri, toRange(e.range), e.newText);
    return edit;
  }
  edit.set(
    uri,
    edits.map((e) => (e.placeholder ? new vscode.SnippetTextEdit(toRange(e.range), new vscode.SnippetString(snippetText(e.newText, e.placeholder))) : new vscode.TextEdit(toRange(e.range), e.newText))),
  );
  return edit;
}

/** `newText` as snippet syntax: everything literal, the placeholder as `${1:…}`. */
export function snippetText(text: string, placeholder: { offset: number; length: number }): string {
  const literal = (s: string) => s.replace(/[\\$}]/g, '\\$&');
  const { offset, length } = placeholder;
  return `${literal(text.slice(0, offset))}\${1:${literal(text.slice(offset, offset + length))}}${literal(text.slice(offset + length))}`;
}
