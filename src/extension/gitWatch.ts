import * as vscode from 'vscode';
import type { Log } from './log';

/** The part of the built-in git extension's API (`vscode.git`, API version 1) this uses. */
interface GitExtension {
  getAPI(version: 1): GitApi;
}
interface GitApi {
  repositories: GitRepository[];
  onDidOpenRepository: vscode.Event<GitRepository>;
}
interface GitRepository {
  rootUri: vscode.Uri;
  state: { HEAD?: { name?: string; commit?: string }; onDidChange: vscode.Event<void> };
}

/**
 * Fires when HEAD moves (checkout, commit, reset, merge, rebase): through the
 * built-in git extension when it is there and enabled, and through file
 * watchers on `.git/HEAD` and the refs in any case, so it degrades to the
 * watchers when the extension is disabled or missing.
 */
export class HeadWatcher implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri | undefined>();
  /** Fires with the repository root when known, else undefined (re-check every folder). */
  readonly onDidChangeHead = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private readonly heads = new Map<string, string>();
  private watchers: vscode.Disposable[] = [];

  constructor(private readonly log: Log) {
    this.watchFolders();
    this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders(() => this.watchFolders()));
    void this.useGitExtension();
  }

  private watchFolders(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      // Not excluded by the default files.watcherExclude (which only skips .git/objects and .git/subtree-cache).
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.git/{HEAD,packed-refs,refs/heads/**,refs/remotes/**}'));
      const fire = () => this.changed.fire(undefined);
      this.watchers.push(watcher, watcher.onDidChange(fire), watcher.onDidCreate(fire), watcher.onDidDelete(fire));
    }
  }

  private async useGitExtension(): Promise<void> {
    try {
      const extension = vscode.extensions.getExtension<GitExtension>('vscode.git');
      if (!extension) return;
      const exports = extension.isActive ? extension.exports : await extension.activate();
      const api = exports?.getAPI(1);
      if (!api) return;
      for (const repo of api.repositories) this.follow(repo);
      this.disposables.push(api.onDidOpenRepository((repo) => this.follow(repo)));
      this.log.info('following HEAD through the built-in git extension');
    } catch (error) {
      this.log.info(`built-in git extension unavailable (${error instanceof Error ? error.message : String(error)}); following HEAD through file watchers`);
    }
  }

  private follow(repo: GitRepository): void {
    const key = repo.rootUri.toString();
    const headOf = () => `${repo.state.HEAD?.name ?? ''}@${repo.state.HEAD?.commit ?? ''}`;
    this.heads.set(key, headOf());
    this.disposables.push(
      repo.state.onDidChange(() => {
        const now = headOf();
        if (this.heads.get(key) === now) return;
        this.heads.set(key, now);
        this.changed.fire(repo.rootUri);
      }),
    );
  }

  dispose(): void {
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
