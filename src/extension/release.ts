import { existsSync, realpathSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../core/model';
import { analyzeRelease, changedLineRanges, findingKey, lineHunks, touchesLines, type ChangedFile, type ReleaseAnalysis, type ReleaseFile } from '../core/release';
import { GitRepo, releaseInput, resolveBase, type BaseInfo } from '../git';
import { toDiagnostic, DIAGNOSTIC_SOURCE } from './convert';
import type { Diagnostics } from './diagnostics';
import type { Folders } from './folders';
import type { HeadWatcher } from './gitWatch';
import type { Log } from './log';

/** What the extension knows about one workspace folder's release (its branch against the base). */
export type FolderRelease =
  | { kind: 'none'; folder: vscode.WorkspaceFolder; reason: string; /** Branch mode waits for workspace trust. */ untrusted?: true }
  | { kind: 'on-base'; folder: vscode.WorkspaceFolder; repo: GitRepo; base: BaseInfo }
  | {
      kind: 'active';
      folder: vscode.WorkspaceFolder;
      repo: GitRepo;
      base: BaseInfo;
      analysis: ReleaseAnalysis;
      /** Repository-relative path of the folder (`''` when the folder is the repository root). */
      prefix: string;
      files: Map<string, { file: ReleaseFile; change?: ChangedFile }>;
      at: number;
    };

const REFRESH_DELAY_MS = 400;

/** Why branch mode waits in an untrusted workspace (open files are analysed all the same). */
export const UNTRUSTED_REASON = 'branch mode needs a trusted workspace: it runs git, and a repository can configure git to start programs. Open files are analysed as usual';

/**
 * Branch mode in the editor: on a branch other than its base, analyses the
 * release (the working tree against the merge base), publishes the release
 * findings on the lines that cause them, narrows the per-file diagnostics to
 * the branch's changes (setting `rollbackGuard.analysis.scope`), and
 * refreshes on save and when HEAD moves.
 */
export class ReleaseController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('rollback-guard-release');
  private readonly states = new Map<string, FolderRelease>();
  private readonly entries = new Map<string, { diagnostic: vscode.Diagnostic; finding: Finding }[]>();
  private readonly generations = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.collection, this.changed];
  private timer: NodeJS.Timeout | undefined;
  private pending = new Set<string>();
  /** Per file: the release findings, and the branch's findings in the change (shown while Diagnostics has not analysed the file). */
  private readonly published = new Map<string, { release: Finding[]; change: Finding[]; uriOf: (path: string) => vscode.Uri | undefined }>();
  /** "Show all" from the view or the Analyse Workspace message: every finding, until "Show only the pull request". */
  private showingAll = false;

  constructor(
    private readonly folders: Folders,
    private readonly diagnostics: Diagnostics,
    private readonly log: Log,
    heads: HeadWatcher,
  ) {
    diagnostics.setScope((uri, findings) => this.scope(uri, findings));
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((d) => {
        const folder = vscode.workspace.getWorkspaceFolder(d.uri);
        if (folder) this.schedule(folder);
      }),
      heads.onDidChangeHead(() => this.scheduleAll()),
      // A file Diagnostics analyses (opened, or Analyse Workspace) shows its own findings; a closed one gets the branch's back.
      diagnostics.onDidUpdate((uri) => (uri ? this.render(uri.toString()) : this.renderAll())),
      folders.onDidChange(() => this.scheduleAll()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('rollbackGuard.base') || e.affectsConfiguration('rollbackGuard.analysis.scope') || e.affectsConfiguration('rollbackGuard.enable')) this.scheduleAll();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.forget(f);
        this.scheduleAll();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.scheduleAll()),
    );
    this.scheduleAll();
  }

  /** The release of the active editor's folder, else of the first folder that has one. */
  current(): FolderRelease | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    const own = folder ? this.states.get(folder.uri.toString()) : undefined;
    if (own) return own;
    return [...this.states.values()].find((s) => s.kind === 'active') ?? [...this.states.values()][0];
  }

  /** The release of the folder holding `uri` (or whose repository root is `root`). */
  forFolder(uri: vscode.Uri | string | undefined): FolderRelease | undefined {
    if (uri === undefined) return this.current();
    const target = typeof uri === 'string' ? uri : uri.fsPath;
    for (const state of this.states.values()) {
      if (state.kind !== 'none' && (state.repo.root === target || state.folder.uri.fsPath === target)) return state;
    }
    const folder = vscode.workspace.getWorkspaceFolder(typeof uri === 'string' ? vscode.Uri.file(uri) : uri);
    return folder ? this.states.get(folder.uri.toString()) : undefined;
  }

  /** Every finding this controller publishes on a file (release findings, and the branch's findings in files not analysed by Diagnostics), for the Rollback Risks view. */
  findings(): { uri: vscode.Uri; finding: Finding }[] {
    return [...this.entries].flatMap(([uri, entries]) => entries.map((e) => ({ uri: vscode.Uri.parse(uri), finding: e.finding })));
  }

  /** Whether "Show all" overrides the pull-request scope. */
  get showAll(): boolean {
    return this.showingAll;
  }

  /** "Show all" (every finding) or back to the pull request's findings; the setting stays as it is. */
  setShowAll(all: boolean): void {
    if (this.showingAll === all) return;
    this.showingAll = all;
    void vscode.commands.executeCommand('setContext', 'rollbackGuard.showingAll', all);
    this.diagnostics.setScope((uri, findings) => this.scope(uri, findings));
    this.changed.fire();
  }

  /**
   * The analysed files' findings and how many of them lie outside the pull
   * request (what the scope hides, or would hide under "Show only the pull
   * request"); undefined when no folder is in branch mode.
   */
  outsidePullRequest(): { total: number; outside: number } | undefined {
    if (![...this.states.values()].some((s) => s.kind === 'active')) return undefined;
    let total = 0;
    let outside = 0;
    for (const doc of this.diagnostics.all()) {
      const all = this.diagnostics.unscopedFindings(doc.uri);
      total += all.length;
      const inChange = this.inChange(doc.uri, all);
      if (inChange) outside += all.length - inChange.length;
    }
    return { total, outside };
  }

  /** The release finding behind a diagnostic this controller published. */
  lookup(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Finding | undefined {
    return this.entries.get(uri.toString())?.find((e) => e.diagnostic === diagnostic)?.finding;
  }

  scheduleAll(): void {
    for (const folder of vscode.workspace.workspaceFolders ?? []) this.schedule(folder);
  }

  private schedule(folder: vscode.WorkspaceFolder): void {
    this.pending.add(folder.uri.toString());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const keys = [...this.pending];
      this.pending.clear();
      for (const folder of vscode.workspace.workspaceFolders ?? []) if (keys.includes(folder.uri.toString())) void this.refresh(folder);
    }, REFRESH_DELAY_MS);
  }

  /** Analyses the folder's release now; a newer refresh of the same folder wins. */
  async refresh(folder: vscode.WorkspaceFolder): Promise<FolderRelease> {
    const key = folder.uri.toString();
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const state = await this.compute(folder).catch((error: unknown): FolderRelease => {
      this.log.error(`${folder.name}: release analysis failed`, error);
      return { kind: 'none', folder, reason: `release analysis failed: ${error instanceof Error ? error.message : String(error)}` };
    });
    if (this.generations.get(key) !== generation) return state;
    this.states.set(key, state);
    this.publish(folder, state);
    return state;
  }

  async refreshAll(): Promise<void> {
    await Promise.all((vscode.workspace.workspaceFolders ?? []).map((f) => this.refresh(f)));
  }

  private async compute(folder: vscode.WorkspaceFolder): Promise<FolderRelease> {
    if (folder.uri.scheme !== 'file') return { kind: 'none', folder, reason: 'not a folder on disk' };
    // Git reads the repository's own configuration, which can name programs to run: never in an untrusted workspace.
    if (!vscode.workspace.isTrusted) return { kind: 'none', folder, reason: UNTRUSTED_REASON, untrusted: true };
    if (!vscode.workspace.getConfiguration('rollbackGuard', folder).get<boolean>('enable', true)) return { kind: 'none', folder, reason: 'Rollback Guard is disabled' };
    const repo = await GitRepo.open(folder.uri.fsPath);
    if (!repo) return { kind: 'none', folder, reason: 'not a git repository (or git is not installed)' };
    const { config } = await this.folders.forUri(folder.uri);
    const setting = vscode.workspace.getConfiguration('rollbackGuard', folder).get<string>('base', '').trim();
    const base = await resolveBase(repo, { setting: setting || config.base });
    if (!base.ok) return { kind: 'none', folder, reason: base.error.message };
    if (base.value.onBase) return { kind: 'on-base', folder, repo, base: base.value };
    const started = Date.now();
    const input = await releaseInput(repo, base.value, { head: 'worktree', maxBytes: config.maxFileSizeKb * 1024 });
    const analysis = await analyzeRelease(input, { config });
    const prefix = relative(repo.root, realpathSync(folder.uri.fsPath)).split(sep).join('/');
    const changes = new Map(input.files.map((f) => [f.path, f]));
    const files = new Map(analysis.files.map((file) => [file.path, { file, change: changes.get(file.path) }]));
    this.log.info(`${folder.name}: ${analysis.head.ref} against ${analysis.base.ref}: ${analysis.summary.rollbackClass ?? 'no changes'} (${input.files.length} changed files, ${Date.now() - started} ms)`);
    return { kind: 'active', folder, repo, base: base.value, analysis, prefix, files, at: Date.now() };
  }

  private publish(folder: vscode.WorkspaceFolder, state: FolderRelease): void {
    for (const [uri] of this.published) {
      const parsed = vscode.Uri.parse(uri);
      if (vscode.workspace.getWorkspaceFolder(parsed)?.uri.toString() === folder.uri.toString()) {
        this.published.delete(uri);
        this.render(uri);
      }
    }
    if (state.kind === 'active') {
      const root = state.repo.root;
      const uriOf = (path: string) => (existsSync(join(root, path)) ? vscode.Uri.file(join(root, path)) : undefined);
      const release = new Set(state.analysis.releaseFindings);
      for (const file of state.analysis.files) {
        // A removed object's file may be gone: the report shows it, the Problems panel cannot.
        const uri = file.status === 'deleted' ? undefined : uriOf(file.path);
        if (!uri || file.findings.length === 0) continue;
        this.published.set(uri.toString(), { release: file.findings.filter((f) => release.has(f)), change: file.findings.filter((f) => !release.has(f)), uriOf });
        this.render(uri.toString());
      }
    }
    this.diagnostics.setScope((uri, findings) => this.scope(uri, findings));
    this.changed.fire();
  }

  /**
   * Puts a file's findings in the Problems panel: its release findings, and
   * the branch's findings in the change while Diagnostics has not analysed
   * the file (a file never opened shows what the report shows).
   */
  private render(key: string): void {
    const uri = vscode.Uri.parse(key);
    const entry = this.published.get(key);
    const findings = entry ? [...entry.release, ...(this.diagnostics.get(uri) ? [] : entry.change)] : [];
    if (findings.length === 0) {
      if (this.entries.delete(key)) this.collection.delete(uri);
      return;
    }
    const entries = findings.map((finding) => ({ finding, diagnostic: toDiagnostic(finding, this.diagnostics.docsUri(finding.ruleId), entry!.uriOf) }));
    this.entries.set(key, entries);
    this.collection.set(uri, entries.map((e) => e.diagnostic));
  }

  private renderAll(): void {
    const before = this.entries.size;
    for (const key of this.published.keys()) this.render(key);
    if (before !== this.entries.size) this.changed.fire();
  }

  /**
   * Per-file diagnostics in branch mode: a file the branch does not change
   * shows nothing; a changed file shows the findings on its changed lines
   * (recomputed against the buffer, so unsaved edits count) and those that
   * are new against the base; an added file shows everything.
   */
  private scope(uri: vscode.Uri, findings: readonly Finding[]): Finding[] {
    if (this.showingAll || vscode.workspace.getConfiguration('rollbackGuard', uri).get<string>('analysis.scope', 'changed') === 'all') return [...findings];
    return this.inChange(uri, findings) ?? [...findings];
  }

  /** The findings of a file that are in the pull request; undefined outside branch mode. */
  private inChange(uri: vscode.Uri, findings: readonly Finding[]): Finding[] | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const state = folder ? this.states.get(folder.uri.toString()) : undefined;
    if (!folder || state?.kind !== 'active') return undefined;
    const path = posix.join(state.prefix, this.folders.pathOf(uri));
    const entry = state.files.get(path);
    if (!entry || entry.file.status === 'deleted') return [];
    if (entry.file.status === 'added' || entry.file.status === 'copied' || entry.change?.base === undefined) return [...findings];
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = open?.getText() ?? entry.change.head;
    const lines = text === undefined ? entry.file.changedLines : changedLineRanges(lineHunks(entry.change.base, text));
    const before = new Set(entry.file.baseFindingKeys);
    return findings.filter((f) => touchesLines(f.range, lines) || !before.has(findingKey(f)));
  }

  private forget(folder: vscode.WorkspaceFolder): void {
    this.states.delete(folder.uri.toString());
    this.publish(folder, { kind: 'none', folder, reason: 'removed' });
  }

  /** Whether a diagnostic is one of Rollback Guard's (per-file or release). */
  static ours(diagnostic: vscode.Diagnostic): boolean {
    return diagnostic.source === DIAGNOSTIC_SOURCE;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.diagnostics.setScope(undefined);
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
