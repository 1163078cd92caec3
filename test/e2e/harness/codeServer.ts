/**
 * Start a real code-server (VS Code in the browser) for end-to-end tests:
 * install a .vsix into an isolated extensions dir, write the User settings,
 * launch on a free loopback port, wait until it answers HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureEditor, type EditorInstall } from '../../../scripts/editor/install';
import { childEnv } from '../../../scripts/childEnv.mjs';

export interface StartCodeServerOptions {
  /** Folder to open. */
  workspace: string;
  /** Defaults to a fresh temp dir. */
  extensionsDir?: string;
  /** Defaults to a fresh temp dir. Holds User/settings.json and logs/. */
  userDataDir?: string;
  /** One or more .vsix files to install before starting. */
  vsix?: string | string[];
  /** Merged over the harness defaults in User/settings.json. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server (and so for the extension host). */
  env?: Record<string, string>;
  /** `security.workspace.trust.enabled` (default false: no trust prompt, workspace trusted). */
  workspaceTrust?: boolean;
  /** Pass `--disable-workspace-trust` (default: true when workspaceTrust is false). */
  disableWorkspaceTrustFlag?: boolean;
  /** How long to wait for HTTP readiness (ms, default 60 s). */
  startTimeoutMs?: number;
  /** Listen on this port (default: a free one). */
  port?: number;
  /** Leave the server running when this process exits (the demo); stop it by `pid`'s process group. */
  keepRunning?: boolean;
  log?: (message: string) => void;
}

export interface CodeServerHandle {
  /** Base URL, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** The URL that opens `workspace`: `${url}?folder=<abs path>`. */
  workbenchUrl: string;
  port: number;
  /** Process id of the server; its process group holds everything it started. */
  pid: number | undefined;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server.log (its stdout/stderr) lives here; VS Code's own logs are in userDataDir/logs. */
  logsDir: string;
  editor: EditorInstall;
  /** Extension ids reported by `--list-extensions --show-versions` after install. */
  installedExtensions: string[];
  /** Concatenated extension-host logs (userDataDir/logs/…/exthost*). */
  extensionHostLogs(): string;
  /** code-server's own stdout/stderr so far. */
  serverOutput(): string;
  /** Stop the server (its whole process group). removeFiles: delete the temp dirs this call created. */
  stop(options?: { removeFiles?: boolean }): Promise<void>;
}

export const HARNESS_DEFAULT_SETTINGS: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': true,
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
  'editor.accessibilitySupport': 'off',
  'notifications.doNotDisturbMode': false,
};

export async function startCodeServer(options: StartCodeServerOptions): Promise<CodeServerHandle> {
  const log = options.log ?? ((m: string) => process.stderr.write(`[code-server] ${m}\n`));
  const editor = await ensureEditor({ log });
  const workspace = path.resolve(options.workspace);
  if (!fs.statSync(workspace).isDirectory()) throw new Error(`workspace is not a directory: ${workspace}`);

  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-code-server-'));
  const userDataDir = path.resolve(options.userDataDir ?? path.join(base, 'user-data'));
  const extensionsDir = path.resolve(options.extensionsDir ?? path.join(base, 'extensions'));
  const logsDir = path.join(base, 'logs');
  for (const dir of [userDataDir, extensionsDir, logsDir]) fs.mkdirSync(dir, { recursive: true });
  // Our own (empty) config file: otherwise code-server creates
  // ~/.config/code-server/config.yaml with a generated password.
  const configFile = path.join(base, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  // No extension gallery: code-server would otherwise query open-vsx.org
  // (unreachable here) for recommendations and updates. Override via options.env.
  const env: NodeJS.ProcessEnv = childEnv({ EXTENSIONS_GALLERY: '{}', ...options.env });
  delete env.VSCODE_IPC_HOOK_CLI; // never talk to an editor we happen to run inside
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  const common = ['--config', configFile, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
  /** Throw, dropping this call's temp dir first (the message carries the output). */
  const fail = (message: string): never => {
    fs.rmSync(base, { recursive: true, force: true });
    throw new Error(message);
  };

  // 1. Extensions.
  const vsixList = options.vsix === undefined ? [] : Array.isArray(options.vsix) ? options.vsix : [options.vsix];
  for (const vsix of vsixList) {
    const file = path.resolve(vsix);
    if (!fs.existsSync(file)) fail(`vsix not found: ${file}`);
    log(`installing ${path.basename(file)}`);
    const res = await runCli(editor, [...common, '--install-extension', file, '--force'], env);
    const out = res.stdout + res.stderr;
    if (res.code !== 0 || !/successfully installed/i.test(out) || /Failed Installing Extensions/i.test(out)) {
      fail(`code-server --install-extension ${file} failed (exit ${res.code}):\n${out}`);
    }
  }
  const listed = await runCli(editor, [...common, '--list-extensions', '--show-versions'], env);
  if (listed.code !== 0) fail(`code-server --list-extensions failed:\n${listed.stdout}${listed.stderr}`);
  const installedExtensions = listed.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[\w.-]+\.[\w.-]+@/.test(l));
  if (installedExtensions.length < vsixList.length) {
    fail(`expected ${vsixList.length} installed extension(s), code-server lists:\n${listed.stdout}${listed.stderr}`);
  }

  // 2. User settings.
  const trust = options.workspaceTrust ?? false;
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  const existing = fs.existsSync(settingsFile) ? (JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>) : {};
  const settings = {
    ...HARNESS_DEFAULT_SETTINGS,
    ...existing,
    'security.workspace.trust.enabled': trust,
    ...options.settings,
  };
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');

  // 3. Launch.
  const port = options.port ?? (await freePort());
  const disableTrustFlag = options.disableWorkspaceTrustFlag ?? !trust;
  const args = [
    editor.codeServerBin,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(disableTrustFlag ? ['--disable-workspace-trust'] : []),
    ...common,
    workspace,
  ];
  const serverLog = path.join(logsDir, 'code-server.log');
  const logFd = fs.openSync(serverLog, 'a');
  log(`starting on 127.0.0.1:${port} (log: ${serverLog})`);
  const child = spawn(editor.nodeBin, args, {
    cwd: workspace,
    env,
    detached: true, // own process group, so stop() ends the server and everything it forked
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.on('error', (error) => log(`spawn error: ${error.message}`));
  // If the test process dies without stop(), do not leave the server behind.
  const onExit = (): void => killGroup(child, 'SIGKILL');
  if (options.keepRunning) child.unref();
  else {
    process.once('exit', onExit);
    void exitPromise.then(() => process.removeListener('exit', onExit));
  }

  const serverOutput = (): string => (fs.existsSync(serverLog) ? fs.readFileSync(serverLog, 'utf8') : '');
  const stop = async (stopOptions: { removeFiles?: boolean } = {}): Promise<void> => {
    await stopProcess();
    if (stopOptions.removeFiles) fs.rmSync(base, { recursive: true, force: true });
  };
  const stopProcess = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    killGroup(child, 'SIGTERM');
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
    if ((await Promise.race([exitPromise, timeout])) === 'timeout') {
      killGroup(child, 'SIGKILL');
      await exitPromise;
    }
    // The group may still hold children (extension host, pty host) for a moment.
    killGroup(child, 'SIGKILL');
  };

  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForHttp(`${url}healthz`, options.startTimeoutMs ?? 60_000, () => exited);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n(logs kept in ${base})\n--- code-server output ---\n${serverOutput()}`);
  }
  log(`ready: ${url}`);

  return {
    url,
    workbenchUrl: `${url}?folder=${encodeURIComponent(workspace)}`,
    port,
    pid: child.pid,
    workspace,
    userDataDir,
    extensionsDir,
    logsDir,
    editor,
    installedExtensions,
    extensionHostLogs: () => readExtensionHostLogs(path.join(userDataDir, 'logs')),
    serverOutput,
    stop,
  };
}

/** All files under `logsRoot` whose path has an `exthost` segment, oldest session first. */
export function readExtensionHostLogs(logsRoot: string): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /exthost/i.test(path.relative(logsRoot, p)) && e.name.endsWith('.log')) files.push(p);
    }
  };
  walk(logsRoot);
  return files.map((f) => `===== ${path.relative(logsRoot, f)} =====\n${fs.readFileSync(f, 'utf8')}`).join('\n');
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function runCli(editor: EditorInstall, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(editor.nodeBin, [editor.codeServerBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, exited: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const status = exited();
    if (status) throw new Error(`code-server exited before it was ready: ${JSON.stringify(status)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server not ready at ${url} after ${timeoutMs} ms (last: ${last})`);
}
