import * as vscode from 'vscode';
import { docsPath, type RuleMeta } from '../core/rule';
import { RULES } from '../core/rules';
import { escapeHtml } from './webview/page';
import { renderRuleDocHtml, SHOW_RULE_DOCS } from './webview/ruleDocHtml';

/** The link target of a rule id everywhere the editor shows one: the diagnostic's code, the report. */
export function ruleDocsUri(ruleId: string): vscode.Uri {
  return vscode.Uri.parse(`command:${SHOW_RULE_DOCS}?${encodeURIComponent(JSON.stringify([ruleId]))}`);
}

/**
 * The one way rule documentation opens — from a diagnostic's rule id, the
 * quick-fix menu, the report, the Rollback Risks view and the palette: the
 * rule's page rendered, read-only, in one panel beside the editor.
 */
export class RuleDocsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Shows the page of `ruleId`; with several ids, asks which; with none, offers every rule. */
  async show(ids?: string | readonly string[]): Promise<void> {
    const wanted = (typeof ids === 'string' ? [ids] : [...(ids ?? [])]).filter((id) => RULES.has(id));
    let meta: RuleMeta | undefined;
    if (wanted.length === 1) meta = RULES.get(wanted[0]!);
    else {
      const choices = (wanted.length > 1 ? wanted.map((id) => RULES.get(id)!) : [...RULES.values()]).map((r) => ({ label: r.id, description: r.name, detail: r.summary, meta: r }));
      meta = (await vscode.window.showQuickPick(choices, { title: 'Rollback Guard rule documentation', matchOnDescription: true, matchOnDetail: true }))?.meta;
    }
    if (!meta) return;
    const markdown = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, docsPath(meta))));
    let body: string;
    try {
      // The editor's own Markdown engine (the built-in Markdown extension).
      body = (await vscode.commands.executeCommand<string>('markdown.api.render', markdown)) ?? '';
    } catch {
      body = `<pre>${escapeHtml(markdown)}</pre>`;
    }
    const title = `${meta.id} ${meta.name}`;
    if (!this.panel) {
      const media = vscode.Uri.joinPath(this.extensionUri, 'media');
      this.panel = vscode.window.createWebviewPanel('rollbackGuard.ruleDocs', title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: false,
        enableCommandUris: [SHOW_RULE_DOCS],
        localResourceRoots: [media],
      });
      this.panel.iconPath = vscode.Uri.joinPath(media, 'activity-bar.svg');
      this.panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
    }
    const webview = this.panel.webview;
    this.panel.title = title;
    webview.html = renderRuleDocHtml(body, { cspSource: webview.cspSource, stylesheet: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'report.css')).toString(), title });
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

/**
 * One "Show documentation" entry in the quick-fix menu, for every Rollback
 * Guard diagnostic at the cursor. It carries no diagnostics, so the editor
 * lists it after the fixes.
 */
export class RuleDocsActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(_document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ids = [...new Set(context.diagnostics.filter((d) => d.source === 'Rollback Guard').map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? ''))))].filter((id) => RULES.has(id));
    if (ids.length === 0) return [];
    const action = new vscode.CodeAction(`Show documentation for ${ids.join(', ')}`, vscode.CodeActionKind.QuickFix);
    action.command = { command: SHOW_RULE_DOCS, title: action.title, arguments: [ids] };
    return [action];
  }
}
