import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ClusterError, OperationFailure, ReviewFix, RollbackReview } from '../../cluster';
import { redact, redactValue } from '../../core/redact';
import { renderRollbackPanel, type PanelAction, type PanelState } from '../webview/rollbackPanelHtml';
import type { Log } from '../log';
import * as notify from '../notify';

/**
 * One rollback as the panel drives it, whatever the kind: `check` runs the
 * preflight and the extra checks and returns the review; `run` rolls back
 * with the confirmations the panel collected. The panel owns every prompt;
 * the flow decides nothing about what is shown.
 */
export interface RollbackFlow {
  /** Panel title and heading while checking: "Roll Back deployment/catalog". */
  title: string;
  /** Identifies the object: a second rollback of the same one reuses its panel. */
  key: string;
  check(): Promise<{ ok: true; review: RollbackReview; secrets: readonly string[] } | { ok: false; error: Pick<ClusterError, 'kind' | 'message' | 'hint'>; secrets: readonly string[] }>;
  run(confirm: { reason: string; confirmContext?: string; acknowledgeGitOps: boolean }, options: { onProgress: (message: string) => void; signal: AbortSignal }): Promise<RunOutcome>;
  /** Runs a button a successful run offered (its `actions`). */
  act?(id: PanelAction['id'], outcome: Extract<RunOutcome, { ok: true }>): Promise<void>;
  /** When the object changed since the check, a sentence saying so (the review is then stale). */
  changedSince?(review: RollbackReview): string | undefined;
}

/** How a run ended; a success may offer more buttons (Make the Manifest Match the Cluster…) next to Open Evidence and Close. */
export type RunOutcome = { ok: true; message: string; files?: { markdown: string }; evidenceError?: string; actions?: PanelAction[] } | { ok: false; error: OperationFailure };

const HELM_INSTALL_URL = 'https://helm.sh/docs/intro/install/';

/**
 * The rollback panel: a webview showing the review of one rollback and
 * collecting the reason and the production context name; Roll Back is never
 * the default. Re-checks on demand, marks itself stale when the object moves
 * on, shows the rollout's progress and the outcome with its evidence.
 */
export class RollbackPanels implements vscode.Disposable {
  private readonly open = new Map<string, PanelController>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Log,
    private readonly onDidChangeCluster: vscode.Event<void>,
  ) {}

  show(flow: RollbackFlow): PanelController {
    const existing = this.open.get(flow.key);
    if (existing && !existing.busy) {
      existing.replace(flow);
      return existing;
    }
    const controller = new PanelController(flow, this.extensionUri, this.log, this.onDidChangeCluster, () => this.open.delete(flow.key));
    this.open.set(flow.key, controller);
    return controller;
  }

  dispose(): void {
    for (const c of [...this.open.values()]) c.dispose();
    this.open.clear();
  }
}

export class PanelController implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private state: PanelState;
  private secrets: readonly string[] = [];
  private abort: AbortController | undefined;
  private lastOutcome: Extract<RunOutcome, { ok: true }> | undefined;
  private checking = 0;

  constructor(
    private flow: RollbackFlow,
    private readonly extensionUri: vscode.Uri,
    private readonly log: Log,
    onDidChangeCluster: vscode.Event<void>,
    private readonly onDispose: () => void,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel('rollbackGuard.rollback', flow.title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [media],
      retainContextWhenHidden: true,
    });
    this.panel.iconPath = vscode.Uri.joinPath(media, 'activity-bar.svg');
    this.state = { kind: 'checking', title: flow.title };
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: PanelMessage) => void this.receive(m)),
      onDidChangeCluster(() => this.markIfStale()),
    );
    this.render();
    void this.check();
  }

  get busy(): boolean {
    return this.state.kind === 'running';
  }

  /** A new rollback of the same object: check it in this panel. */
  replace(flow: RollbackFlow): void {
    this.flow = flow;
    this.panel.title = flow.title;
    this.panel.reveal();
    void this.check();
  }

  private async check(reason?: string): Promise<void> {
    const ticket = ++this.checking;
    this.state = { kind: 'checking', title: this.flow.title };
    this.render();
    let result: Awaited<ReturnType<RollbackFlow['check']>>;
    try {
      result = await this.flow.check();
    } catch (error) {
      result = { ok: false, error: { kind: 'server', message: (error as Error).message, hint: 'See the Rollback Guard log.' }, secrets: [] };
    }
    if (ticket !== this.checking) return;
    this.secrets = result.secrets;
    if (!result.ok) {
      const e = result.error;
      this.log.warn(`${this.flow.title}: ${redact(e.message, this.secrets)}`);
      this.state = { kind: 'error', title: this.flow.title, message: redact(e.message, this.secrets), hint: redact(e.hint, this.secrets), fixes: fixesOf(e.kind) };
    } else {
      const review = redactValue(result.review, [...this.secrets]);
      this.log.info(`${this.flow.title}: ${review.headline} ${review.summary}`);
      this.state = { kind: 'review', review, ...(reason ? { reason } : {}) };
    }
    this.render();
  }

  private markIfStale(): void {
    if (this.state.kind !== 'review' || !this.flow.changedSince) return;
    const stale = this.flow.changedSince(this.state.review);
    if (stale && stale !== this.state.stale) {
      this.state = { ...this.state, stale: redact(stale, this.secrets) };
      this.render();
    }
  }

  private async receive(m: PanelMessage): Promise<void> {
    if (m.type === 'rollback') return this.rollBack(m.reason ?? '', m.confirmContext);
    if (m.type === 'cancel') return this.dispose();
    if (m.type === 'fix') return this.fix({ id: m.id, label: '', ...(m.setting ? { setting: m.setting } : {}), ...(m.command ? { command: m.command } : {}) }, m.reason);
    if (m.type === 'action') {
      if (m.id === 'close') return this.dispose();
      if (m.id === 'check-again') return this.check();
      if (m.id === 'open-evidence') return this.openEvidence();
      if (this.lastOutcome && this.flow.act) await this.flow.act(m.id, this.lastOutcome);
    }
  }

  private async fix(fix: ReviewFix, reason?: string): Promise<void> {
    switch (fix.id) {
      case 'check-again':
        return this.check(reason);
      case 'select-context':
        await vscode.commands.executeCommand('rollbackGuard.cluster.selectContext');
        return;
      case 'open-settings':
        await vscode.commands.executeCommand('workbench.action.openSettings', fix.setting ?? 'rollbackGuard.cluster');
        return;
      case 'install-helm':
        await vscode.env.openExternal(vscode.Uri.parse(HELM_INSTALL_URL));
        return;
      case 'copy-command':
        if (fix.command) {
          await vscode.env.clipboard.writeText(fix.command);
          void notify.showInformationMessage(`Copied: ${fix.command}`);
        }
    }
  }

  private async rollBack(reason: string, confirmContext: string | undefined): Promise<void> {
    if (this.state.kind !== 'review') return;
    const review = this.state.review;
    // The page enables the button only when allowed; check again here, where it counts.
    if (review.state !== 'ready') return;
    if (review.proceed.typeContext && confirmContext !== review.proceed.typeContext) {
      void notify.showWarningMessage(`Type the context name exactly (${review.proceed.typeContext}) to roll back.`);
      this.render();
      return;
    }
    const trimmed = reason.trim();
    const progress: string[] = [];
    this.state = { kind: 'running', review, reason: trimmed, progress };
    this.render();
    this.abort = new AbortController();
    const outcome = await this.flow.run(
      { reason: trimmed, ...(confirmContext !== undefined ? { confirmContext } : {}), acknowledgeGitOps: review.proceed.gitops !== undefined },
      {
        signal: this.abort.signal,
        onProgress: (message) => {
          const m = redact(message, this.secrets);
          progress.push(m);
          this.log.info(`${this.flow.title}: ${m}`);
          void this.panel.webview.postMessage({ type: 'progress', message: m });
        },
      },
    );
    this.abort = undefined;
    const files = outcome.ok ? outcome.files : outcome.error.files;
    const evidenceError = outcome.ok ? outcome.evidenceError : outcome.error.evidenceError;
    if (evidenceError) void notify.showWarningMessage(redact(evidenceError, this.secrets));
    const evidence = files ? vscode.workspace.asRelativePath(files.markdown) : undefined;
    const actions: PanelAction[] = [...(files ? [{ id: 'open-evidence' as const, label: 'Open Evidence' }] : [])];
    if (outcome.ok) {
      this.lastOutcome = outcome;
      actions.push(...(outcome.actions ?? []));
      const message = redact(`${outcome.message[0]!.toUpperCase()}${outcome.message.slice(1)}.`, this.secrets);
      this.log.info(`${message}${files ? ` (evidence: ${files.markdown})` : ''}`);
      this.state = { kind: 'done', review, ok: true, message, ...(evidence ? { evidence } : {}), actions: [...actions, { id: 'close', label: 'Close' }], progress };
    } else {
      const e = outcome.error;
      this.log.warn(`${e.outcome}: ${redact(e.message, this.secrets)}`);
      if (e.kind === 'conflict' || e.kind === 'unreachable') actions.push({ id: 'check-again', label: 'Check Again' });
      this.state = { kind: 'done', review, ok: false, message: redact(`${e.message[0]!.toUpperCase()}${e.message.slice(1).replace(/[.\s]+$/, '')}.`, this.secrets), hint: redact(e.hint, this.secrets), ...(evidence ? { evidence } : {}), actions: [...actions, { id: 'close', label: 'Close' }], progress };
    }
    this.evidencePath = files?.markdown;
    this.render();
  }

  private evidencePath: string | undefined;

  private async openEvidence(): Promise<void> {
    if (!this.evidencePath) return;
    const uri = vscode.Uri.file(this.evidencePath);
    await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(uri));
  }

  private render(): void {
    const webview = this.panel.webview;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    webview.html = renderRollbackPanel(this.state, {
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      stylesheet: webview.asWebviewUri(vscode.Uri.joinPath(media, 'rollback-panel.css')).toString(),
      script: webview.asWebviewUri(vscode.Uri.joinPath(media, 'rollback-panel.js')).toString(),
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // A rollback already sent keeps going in the cluster; only following it stops.
    this.abort?.abort();
    this.onDispose();
    for (const d of this.disposables.reverse()) d.dispose();
    this.panel.dispose();
  }

  private disposed = false;
}

type PanelMessage =
  | { type: 'rollback'; reason?: string; confirmContext?: string }
  | { type: 'cancel' }
  | { type: 'fix'; id: ReviewFix['id']; setting?: string; command?: string; reason?: string }
  | { type: 'action'; id: PanelAction['id'] };

/** The buttons for an error that stopped the check itself (the review's own refusals carry theirs). */
function fixesOf(kind: ClusterError['kind']): ReviewFix[] {
  if (kind === 'forbidden' || kind === 'unauthorized' || kind === 'tls' || kind === 'config' || kind === 'unreachable') return [{ id: 'select-context', label: 'Select Kube Context' }];
  return [];
}
