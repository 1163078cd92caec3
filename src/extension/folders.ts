import { readdirSync } from 'node:fs';
import * as vscode from 'vscode';
import { isWithin, readRegularFile, realPath } from '../core/files';
import { CONFIG_FILE_NAMES, ConfigError, DEFAULT_CONFIG, parseConfig, type RollbackGuardConfig } from '../core/config';
import { Engine } from '../core/engine';
import { buildProjectContext, objectDefinitions } from '../core/project';
import { ChartRenderer, closeSharedEngine } from '../helm/renderer';
import type { Log } from './log';

/** One workspace folder's analysis state: its configuration, project context and engine. */
export interface FolderState {
  folder: vscode.WorkspaceFolder | undefined;
  config: RollbackGuardConfig;
  configUri?: vscode.Uri;
  configError?: ConfigError;
  engine: Engine;
  /** Renders the chart of a template being analysed (undefined: `helm.render: false`). */
  charts?: ChartRenderer;
}

/**
 * Engines per workspace folder, rebuilt when `.rollbackguard.yaml` or a
 * kustomization file changes. Paths given to the engine are relative to the
 * folder (forward slashes), as in `rollback-guard check`.
 */
export class Folders implements vscode.Disposable {
  private readonly states = new Map<string, Promise<FolderState>>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when configuration or project context changed and documents need analysing again. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: Log) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{.rollbackguard.yaml,.rollbackguard.yml,kustomization.yaml,kustomization.yml,skaffold.yaml,skaffold.yml}');
    const reset = (uri: vscode.Uri) => {
      this.log.info(`${vscode.workspace.asRelativePath(uri)} changed; reloading configuration`);
      this.states.clear();
      this.changed.fire();
    };
    this.disposables.push(
      watcher,
      watcher.onDidChange(reset),
      watcher.onDidCreate(reset),
      watcher.onDidDelete(reset),
      this.changed,
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.states.clear();
        this.changed.fire();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('rollbackGuard')) {
          this.states.clear();
          this.changed.fire();
        }
      }),
    );
  }

  /** The engine path of a document: folder-relative with forward slashes, else the file system path. */
  pathOf(uri: vscode.Uri): string {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return uri.scheme === 'file' ? uri.fsPath.replace(/\\/g, '/') : uri.path;
    return vscode.workspace.asRelativePath(uri, false).replace(/\\/g, '/');
  }

  async forUri(uri: vscode.Uri): Promise<FolderState> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const key = folder?.uri.toString() ?? '';
    let state = this.states.get(key);
    if (!state) {
      state = this.load(folder);
      this.states.set(key, state);
    }
    return state;
  }

  private async load(folder: vscode.WorkspaceFolder | undefined): Promise<FolderState> {
    let config = DEFAULT_CONFIG;
    let configUri: vscode.Uri | undefined;
    let configError: ConfigError | undefined;
    if (folder) {
      const configured = vscode.workspace.getConfiguration('rollbackGuard', folder).get<string>('configFile', '');
      const candidates = configured ? [configured] : CONFIG_FILE_NAMES;
      for (const name of candidates) {
        const uri = vscode.Uri.joinPath(folder.uri, name);
        const text = await readText(uri);
        if (text === undefined) continue;
        configUri = uri;
        try {
          config = parseConfig(text, vscode.workspace.asRelativePath(uri));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          configError = error;
          this.log.warn(`invalid configuration, using defaults: ${error.message}`);
        }
        break;
      }
    }
    const kustomizations: { path: string; text: string }[] = [];
    const yamlFiles: { path: string; text: string }[] = [];
    if (folder) {
      const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/{kustomization,skaffold}.{yaml,yml}'), '**/node_modules/**', 2000);
      for (const uri of files) {
        const text = await readText(uri);
        if (text !== undefined) kustomizations.push({ path: this.pathOf(uri), text });
      }
      // The Secrets the workspace defines (a reference to one it does not define is a credential managed elsewhere).
      for (const uri of await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.{yaml,yml}'), '{**/node_modules/**,**/.git/**}', 5000)) {
        const text = await readText(uri);
        if (text !== undefined && /\bSecret\b/.test(text)) yamlFiles.push({ path: this.pathOf(uri), text });
      }
    }
    // The setting overrides the repository's target release.
    const kubeVersion = vscode.workspace.getConfiguration('rollbackGuard', folder).get<string>('targetKubernetesVersion', '').trim();
    if (kubeVersion) config = { ...config, targetKubernetesVersion: kubeVersion };
    const root = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
    const charts =
      root && config.helm.render
        ? new ChartRenderer({ cwd: root, configRoot: root, chartValues: config.helm.charts, maxBytes: config.maxFileSizeKb * 1024 })
        : undefined;
    const engine = new Engine({
      config,
      project: buildProjectContext(kustomizations, objectDefinitions(yamlFiles)),
      readFile: (path) => this.readSibling(folder, path),
      listDir: (dir) => this.listSiblings(folder, dir),
    });
    this.log.info(`${folder ? `folder ${folder.name}` : 'files outside a folder'}: ${configUri ? vscode.workspace.asRelativePath(configUri) : 'default configuration'}, ${kustomizations.length} kustomization file(s)`);
    return { folder, config, configUri, configError, engine, ...(charts ? { charts } : {}) };
  }

  /** Open (possibly unsaved) documents first, then the file on disk. */
  private readSibling(folder: vscode.WorkspaceFolder | undefined, path: string): string | undefined {
    const uri = folder && !path.startsWith('/') ? vscode.Uri.joinPath(folder.uri, path) : vscode.Uri.file(path);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    if (uri.scheme !== 'file') return undefined;
    const real = realPath(uri.fsPath);
    const root = folder ? realPath(folder.uri.fsPath) : undefined;
    if (real === undefined || (root !== undefined && !isWithin(root, real))) return undefined;
    const read = readRegularFile(real, MAX_READ_BYTES);
    return read.ok ? read.text : undefined;
  }

  /** The files of a folder on disk (a Flyway folder's undo migrations), or undefined when it is not on disk. */
  private listSiblings(folder: vscode.WorkspaceFolder | undefined, dir: string): string[] | undefined {
    const uri = folder && !dir.startsWith('/') ? vscode.Uri.joinPath(folder.uri, dir) : vscode.Uri.file(dir);
    if (uri.scheme !== 'file') return undefined;
    const real = realPath(uri.fsPath);
    const root = folder ? realPath(folder.uri.fsPath) : undefined;
    if (real === undefined || (root !== undefined && !isWithin(root, real))) return undefined;
    try {
      return readdirSync(real);
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
    void closeSharedEngine();
  }
}

/** The largest file the extension reads from disk (the repository configuration caps maxFileSizeKb at 50 MB). */
const MAX_READ_BYTES = 50 * 1024 * 1024;

/**
 * A file's text from disk. A file on the local disk is read only when it is a
 * regular file (no FIFO, device or socket: a read would never end) inside its
 * workspace folder once symlinks are resolved; `onSkip` hears why one is not.
 */
export async function readText(uri: vscode.Uri, onSkip?: (reason: string) => void): Promise<string | undefined> {
  if (uri.scheme === 'file') {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const real = realPath(uri.fsPath);
    if (real === undefined) return undefined;
    const root = folder ? realPath(folder.uri.fsPath) : undefined;
    if (root !== undefined && !isWithin(root, real)) {
      onSkip?.('a symlink that leads outside the workspace folder; not followed');
      return undefined;
    }
    const read = readRegularFile(real, MAX_READ_BYTES, { binary: 'read' });
    if (!read.ok && read.kind !== 'unreadable') onSkip?.(read.reason);
    return read.ok ? read.text : undefined;
  }
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}
