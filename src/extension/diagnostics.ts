import * as vscode from 'vscode';
import type { FileSummary } from '../core/analyzer';
import { isIgnoredPath, type RollbackGuardConfig } from '../core/config';
import type { FileAnalysis } from '../core/engine';
import { describeUnread, unreadMigrationFolders, vendoredMigrationFolders, vendoredNote } from '../core/migrations/layout';
import type { Finding } from '../core/model';
import { ruleDocsUri } from './ruleDocs';
import type { HelmRenders } from '../core/helm/render';
import { toDiagnostic, toRange } from './convert';
import type { Folders, FolderState } from './folders';
import { readText } from './folders';
import type { Log } from './log';
import { showWarningMessage } from './notify';
import { gitWorkspaceFiles } from '../git/listing';

export interface AnalysedDocument {
  uri: vscode.Uri;
  /** Document version the findings were computed for (undefined: read from disk). */
  version: number | undefined;
  entries: { diagnostic: vscode.Diagnostic; finding: Finding }[];
  summaries: FileSummary[];
}

/** Which of a document's findings to show (see `Diagnostics.setScope`). */
export type DiagnosticScope = (uri: vscode.Uri, findings: readonly Finding[]) => Finding[];

/** Languages whose documents may hold manifests or migrations; the engine decides by path. */
const UNTITLED_EXTENSIONS: Record<string, string> = { yaml: 'yaml', helm: 'yaml', sql: 'sql' };

/**
 * Keeps the Problems panel in step with the documents: analyses on open, on
 * change (debounced) and on save; clears on close; and publishes what
 * "Analyse Workspace" finds in files that are not open.
 */
export class Diagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('rollback-guard');
  private readonly results = new Map<string, AnalysedDocument>();
  /** Every finding of each document, before the scope narrows them. */
  private readonly unscoped = new Map<string, Finding[]>();
  private scope: DiagnosticScope | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly fromWorkspaceScan = new Set<string>();
  private readonly configProblems = new Set<string>();
  private readonly updated = new vscode.EventEmitter<vscode.Uri | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  readonly onDidUpdate = this.updated.event;

  constructor(
    private readonly folders: Folders,
    private readonly log: Log,
    private readonly extensionUri: vscode.Uri,
  ) {
    this.disposables.push(
      this.collection,
      this.updated,
      vscode.workspace.onDidOpenTextDocument((d) => void this.analyze(d)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.schedule(e.document);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => void this.analyze(d)),
      vscode.workspace.onDidCloseTextDocument((d) => this.closed(d)),
      folders.onDidChange(() => this.analyzeOpenDocuments()),
    );
  }

  analyzeOpenDocuments(): void {
    for (const document of vscode.workspace.textDocuments) void this.analyze(document);
  }

  /** The finding behind a diagnostic, with the version it was computed for. */
  lookup(uri: vscode.Uri, diagnostic: vscode.Diagnostic): { finding: Finding; version: number | undefined } | undefined {
    const result = this.results.get(uri.toString());
    const entry = result?.entries.find((e) => e.diagnostic === diagnostic);
    return entry && result ? { finding: entry.finding, version: result.version } : undefined;
  }

  get(uri: vscode.Uri): AnalysedDocument | undefined {
    return this.results.get(uri.toString());
  }

  all(): AnalysedDocument[] {
    return [...this.results.values()];
  }

  /** Every finding of an analysed document, before the scope narrows them. */
  unscopedFindings(uri: vscode.Uri): readonly Finding[] {
    return this.unscoped.get(uri.toString()) ?? [];
  }

  /** Where a rule id links to: its page, rendered in the editor. */
  docsUri(ruleId: string): vscode.Uri {
    return ruleDocsUri(ruleId);
  }

  private enabled(uri: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration('rollbackGuard', uri).get<boolean>('enable', true);
  }

  private schedule(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    const delay = vscode.workspace.getConfiguration('rollbackGuard', document.uri).get<number>('analysis.debounceMs', 300);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.analyze(document);
      }, delay),
    );
  }

  private enginePath(document: vscode.TextDocument): string {
    if (document.uri.scheme === 'untitled') return `untitled.${UNTITLED_EXTENSIONS[document.languageId] ?? document.languageId}`;
    return this.folders.pathOf(document.uri);
  }

  async analyze(document: vscode.TextDocument): Promise<void> {
    if (document.uri.scheme !== 'file' && document.uri.scheme !== 'untitled' && document.uri.scheme !== 'vscode-vfs') return;
    if (!this.enabled(document.uri)) {
      this.clear(document.uri);
      return;
    }
    const state = await this.folders.forUri(document.uri);
    this.publishConfigProblem(state.configUri, state.configError);
    const path = this.enginePath(document);
    if (!state.engine.handles(path, document.getText())) return;
    if (isIgnoredPath(state.config, path)) {
      this.clear(document.uri);
      return;
    }
    const text = document.getText();
    if (text.length > state.config.maxFileSizeKb * 1024) {
      this.log.info(`${path}: not analysed, larger than ${state.config.maxFileSizeKb} KB (maxFileSizeKb in .rollbackguard.yaml)`);
      this.clear(document.uri);
      return;
    }
    const version = document.version;
    try {
      const started = Date.now();
      const helm = await this.chartRenders(state, document.uri, text);
      const analysis = await state.engine.analyze({ path, text }, { helm });
      this.logFailure(path, analysis);
      // A newer version may have been analysed while this one ran.
      const current = this.results.get(document.uri.toString());
      if (current?.version !== undefined && current.version > version) return;
      if (document.isClosed) return;
      this.publish(document.uri, version, analysis.findings, analysis.summaries);
      this.log.debug(`${path}: ${analysis.findings.length} finding(s) in ${Date.now() - started} ms`);
    } catch (error) {
      this.log.error(`${path}: analysis failed`, error);
    }
  }

  private noEngineSaid = false;

  /** Says once, in the log and in a message, that charts are read without rendering because the engine is missing. */
  private noEngine(): void {
    if (this.noEngineSaid) return;
    this.noEngineSaid = true;
    const text = "Helm's template engine was not built with this copy of Rollback Guard (Go is needed at build time): Helm templates are read without rendering, so values, helpers and subcharts are not applied.";
    this.log.warn(text);
    void showWarningMessage(text, 'Show Log').then((choice) => {
      if (choice) this.log.show();
    });
  }

  /**
   * The render of the chart a document is a template of, with the open
   * documents as they are (unsaved edits included); undefined outside a
   * chart or when it cannot be rendered (the template is then read by masking).
   */
  private async chartRenders(state: FolderState, uri: vscode.Uri, text: string, wait = false): Promise<HelmRenders | undefined> {
    if (!state.charts || uri.scheme !== 'file' || !state.charts.chartOf(uri.fsPath)) return undefined;
    if (!state.charts.hasEngine) {
      this.noEngine();
      return undefined;
    }
    // The engine starts once, in seconds: until then the template is read without rendering, then again.
    if (!wait && !state.charts.readyOrStart(() => this.analyzeOpenDocuments())) return undefined;
    const open = new Map(vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file' && d.isDirty).map((d) => [d.uri.fsPath, d.getText()]));
    open.set(uri.fsPath, text);
    try {
      return await state.charts.rendersFor(uri.fsPath, (abs) => open.get(abs));
    } catch (error) {
      this.log.warn(`${this.folders.pathOf(uri)}: the chart could not be rendered, reading the template without rendering: ${(error as Error).message}`);
      return undefined;
    }
  }

  /**
   * Narrows what a document shows (branch mode: only the findings on the
   * branch's changes); undefined shows everything. Re-applied to every
   * published document when it changes.
   */
  setScope(scope: DiagnosticScope | undefined): void {
    this.scope = scope;
    for (const [key, result] of this.results) {
      const all = this.unscoped.get(key);
      if (all) this.publish(result.uri, result.version, all, result.summaries);
    }
  }

  private publish(uri: vscode.Uri, version: number | undefined, findings: Finding[], summaries: FileSummary[]): void {
    this.unscoped.set(uri.toString(), findings);
    const shown = this.scope ? this.scope(uri, findings) : findings;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const uriOf = (path: string) => (folder ? vscode.Uri.joinPath(folder.uri, path) : undefined);
    const entries = shown.map((finding) => ({ finding, diagnostic: toDiagnostic(finding, this.docsUri(finding.ruleId), uriOf) }));
    this.results.set(uri.toString(), { uri, version, entries, summaries });
    this.collection.set(uri, entries.map((e) => e.diagnostic));
    this.updated.fire(uri);
  }

  private publishConfigProblem(uri: vscode.Uri | undefined, error: { line: number; column: number; detail: string } | undefined): void {
    if (!uri) return;
    const key = uri.toString();
    if (!error) {
      if (this.configProblems.delete(key)) this.collection.delete(uri);
      return;
    }
    this.configProblems.add(key);
    const at = new vscode.Position(error.line - 1, error.column - 1);
    const diagnostic = new vscode.Diagnostic(new vscode.Range(at, at.translate(0, 1)), `Invalid Rollback Guard configuration (defaults are used): ${error.detail}`, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'Rollback Guard';
    this.collection.set(uri, [diagnostic]);
  }

  private closed(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (this.fromWorkspaceScan.has(key)) {
      void this.reanalyzeFromDisk(document.uri);
      return;
    }
    this.clear(document.uri);
  }

  private clear(uri: vscode.Uri): void {
    this.unscoped.delete(uri.toString());
    if (this.results.delete(uri.toString())) {
      this.collection.delete(uri);
      this.updated.fire(uri);
    }
  }

  private async reanalyzeFromDisk(uri: vscode.Uri): Promise<void> {
    const path = this.folders.pathOf(uri);
    try {
      const state = await this.folders.forUri(uri);
      const text = await readText(uri);
      if (text === undefined) return this.clear(uri);
      const helm = await this.chartRenders(state, uri, text);
      const analysis = await state.engine.analyze({ path, text }, { helm });
      this.logFailure(path, analysis);
      this.publish(uri, undefined, analysis.findings, analysis.summaries);
    } catch (error) {
      this.log.error(`${path}: analysis failed`, error);
    }
  }

  /** A file whose analysis failed shows one RG003 note; the log gets the reason and the stack, for a report. */
  private logFailure(path: string, analysis: FileAnalysis): void {
    if (analysis.failure) this.log.error(`${path}: analysis failed (${analysis.failure.reason}); the file shows one RG003 note, other files are analysed as usual\n${analysis.failure.stack ?? ''}`);
  }

  /** Analyses every file of the workspace an analyzer reads; returns the number of files analysed. */
  async analyzeWorkspace(progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<number> {
    const uris = await workspaceFiles(token);
    const candidates: { uri: vscode.Uri; path: string; state: Awaited<ReturnType<Folders['forUri']>> }[] = [];
    const seen: string[] = [];
    const read = new Set<string>();
    const unclaimed = new Map<RollbackGuardConfig, string[]>();
    for (const uri of uris) {
      const state = await this.folders.forUri(uri);
      const path = this.folders.pathOf(uri);
      seen.push(path);
      if (state.engine.mayHandle(path) && !isIgnoredPath(state.config, path)) candidates.push({ uri, path, state });
      else if (!isIgnoredPath(state.config, path)) unclaimed.set(state.config, [...(unclaimed.get(state.config) ?? []), path]);
    }
    let done = 0;
    for (const { uri, path, state } of candidates) {
      if (token.isCancellationRequested) break;
      progress.report({ message: path, increment: 100 / Math.max(1, candidates.length) });
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const text = open?.getText() ?? (await readText(uri, (reason) => this.log.info(`${path}: skipped, ${reason}`)));
      if (text === undefined || text.length > state.config.maxFileSizeKb * 1024 || text.slice(0, 8000).includes('\0')) continue;
      if (!state.engine.handles(path, text)) continue;
      read.add(path);
      try {
        // Renders are kept by content: a chart renders once for all its templates.
        const helm = await this.chartRenders(state, uri, text, true);
        const analysis = await state.engine.analyze({ path, text }, { helm });
        this.logFailure(path, analysis);
        this.fromWorkspaceScan.add(uri.toString());
        this.publish(uri, open?.version, analysis.findings, analysis.summaries);
        done++;
      } catch (error) {
        this.log.error(`${path}: analysis failed`, error);
      }
    }
    // Silence is never an all-clear: say which folders named like migrations held nothing Rollback Guard reads.
    for (const folder of unreadMigrationFolders(seen, (path) => read.has(path))) {
      this.log.info(`${folder.dir}: named like a migrations folder, but none of its files is a migration Rollback Guard reads (${describeUnread(folder)})`);
    }
    for (const [config, paths] of unclaimed) for (const folder of vendoredMigrationFolders(paths, config)) this.log.info(`${folder.dir}: ${vendoredNote(folder)}`);
    this.updated.fire(undefined);
    return done;
  }

  revealRange(uri: vscode.Uri, finding: Finding): Thenable<vscode.TextEditor> {
    return vscode.window.showTextDocument(uri, { selection: toRange(finding.range), preserveFocus: false });
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const d of this.disposables.reverse()) d.dispose();
  }
}

/** The names Analyse Workspace considers (analyzers decide on the rest). */
const WORKSPACE_FILES = '**/*.{yaml,yml,sql,py,rb,js,ts,xml}';
const WORKSPACE_FILE = /\.(ya?ml|sql|py|rb|js|ts|xml)$/;
const MAX_WORKSPACE_FILES = 20000;

/**
 * The files Analyse Workspace reads, as `check` reads them: in a folder
 * inside a Git work tree, the files git lists (tracked ones even when a
 * `.gitignore` matches them, untracked ones unless ignored); elsewhere, the
 * editor's file search. The `workspaceAnalysis.exclude` globs apply to both.
 */
async function workspaceFiles(token: vscode.CancellationToken): Promise<vscode.Uri[]> {
  const exclude = vscode.workspace.getConfiguration('rollbackGuard').get<string[]>('workspaceAnalysis.exclude', []);
  const out: vscode.Uri[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (token.isCancellationRequested || out.length >= MAX_WORKSPACE_FILES) break;
    const listed = folder.uri.scheme === 'file' ? await gitWorkspaceFiles(folder.uri.fsPath, WORKSPACE_FILE, exclude) : undefined;
    if (listed) out.push(...listed.map((path) => vscode.Uri.joinPath(folder.uri, ...path.split('/'))));
    else out.push(...(await vscode.workspace.findFiles(new vscode.RelativePattern(folder, WORKSPACE_FILES), exclude.length ? `{${exclude.join(',')}}` : undefined, MAX_WORKSPACE_FILES, token)));
  }
  // Nested workspace folders list some files twice.
  const unique = new Map(out.map((uri) => [uri.toString(), uri]));
  return [...unique.values()].slice(0, MAX_WORKSPACE_FILES);
}
