/**
 * Builds the real Kubernetes control-plane binaries the integration tests run,
 * from the Go modules pinned under test/cluster/ (no container engine, no
 * binary downloads):
 *
 *   test/cluster/go.mod       k8s.io/kubernetes (kube-apiserver,
 *                             kube-controller-manager, kube-scheduler, kubectl)
 *                             and go.etcd.io/etcd/server/v3 (etcd)
 *   test/cluster/helm/go.mod  helm.sh/helm/v3 (helm)
 *   test/cluster/kwok/go.mod  sigs.k8s.io/kwok (kwok)
 *
 * Layout: ${ROLLBACK_GUARD_CACHE:-$HOME/.cache/rollback-guard}/cluster/<key>/
 *   bin/            the finished binaries and build.json (renamed into place last)
 *   bin.partial/    binaries finished so far by an interrupted build (resumed)
 *   build.lock/     held (mkdir) while one process builds; stale locks are taken over
 * <key> hashes the go.mod/go.sum files, the Go version and RECIPE, so a version
 * bump builds into a new directory and an unchanged pin never rebuilds.
 * GOPATH and GOCACHE stay at Go's defaults (outside the repo) so a rebuild
 * after a pin change reuses every unchanged package.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childEnv } from '../childEnv.mjs';

/** Bump when the build steps or flags change in a way that needs new binaries. */
const RECIPE = 1;

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const MODULE_DIR = path.join(REPO_ROOT, 'test', 'cluster');

export type BinaryName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'helm'
  | 'kwok';

export const BINARY_NAMES: readonly BinaryName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'helm',
  'kwok',
];

export type Binaries = Record<BinaryName, string>;

export interface PinnedVersions {
  kubernetes: string;
  etcd: string;
  helm: string;
  kwok: string;
  go: string;
}

export interface BuildResult {
  /** Directory holding every binary. */
  binDir: string;
  /** Absolute path of each binary. */
  bin: Binaries;
  versions: PinnedVersions;
  key: string;
  /** True when this call compiled something; false when the cache was warm. */
  built: boolean;
}

export interface BuildOptions {
  log?: (line: string) => void;
  /** Rebuild even when the cache has this key already. */
  force?: boolean;
}

interface Target {
  name: BinaryName;
  /** Module directory (relative to test/cluster) holding the go.mod. */
  module: string;
  pkg: string;
  ldflags: (v: PinnedVersions, meta: VersionMeta) => string[];
}

interface VersionMeta {
  /** Release time of k8s.io/kubernetes@version (from the module proxy's .info). */
  kubernetesTime: string;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[cluster] ${line}\n`);
};

export function cacheRoot(): string {
  const base = process.env.ROLLBACK_GUARD_CACHE || path.join(os.homedir(), '.cache', 'rollback-guard');
  return path.join(base, 'cluster');
}

/** `go` with the environment every build and module query here uses. */
export function goEnv(): NodeJS.ProcessEnv {
  return childEnv({
    GOWORK: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    GOFLAGS: '-mod=readonly',
  });
}

function readModuleRequire(goModPath: string, modulePath: string): string {
  const text = fs.readFileSync(goModPath, 'utf8');
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(text);
  if (!m || !m[1]) throw new Error(`${goModPath} does not require ${modulePath}`);
  return m[1];
}

function goVersion(): string {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: goEnv() });
  if (r.error) throw new Error(`cannot run go (needed to build the test control plane): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go env GOVERSION failed: ${r.stderr}`);
  return r.stdout.trim();
}

export function pinnedVersions(): PinnedVersions {
  return {
    kubernetes: readModuleRequire(path.join(MODULE_DIR, 'go.mod'), 'k8s.io/kubernetes'),
    etcd: readModuleRequire(path.join(MODULE_DIR, 'go.mod'), 'go.etcd.io/etcd/server/v3'),
    helm: readModuleRequire(path.join(MODULE_DIR, 'helm', 'go.mod'), 'helm.sh/helm/v3'),
    kwok: readModuleRequire(path.join(MODULE_DIR, 'kwok', 'go.mod'), 'sigs.k8s.io/kwok'),
    go: goVersion(),
  };
}

const MODULE_FILES = ['go.mod', 'go.sum', 'helm/go.mod', 'helm/go.sum', 'kwok/go.mod', 'kwok/go.sum'];

export function buildKey(versions: PinnedVersions): string {
  const h = crypto.createHash('sha256');
  h.update(`recipe ${RECIPE}\n${versions.go}\n`);
  for (const f of MODULE_FILES) {
    h.update(`${f}\n`);
    h.update(fs.readFileSync(path.join(MODULE_DIR, f)));
  }
  return `k8s-${versions.kubernetes}-${h.digest('hex').slice(0, 16)}`;
}

function majorMinor(version: string): { major: string; minor: string } {
  const m = /^v(\d+)\.(\d+)\./.exec(version);
  if (!m || !m[1] || !m[2]) throw new Error(`not a semantic version: ${version}`);
  return { major: m[1], minor: m[2] };
}

function k8sLdflags(v: PinnedVersions, meta: VersionMeta): string[] {
  const { major, minor } = majorMinor(v.kubernetes);
  const flags: string[] = [];
  // component-base carries the server/component version; client-go's copy is
  // what kubectl reports as its client version.
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${v.kubernetes}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=${meta.kubernetesTime}`,
    );
  }
  return flags;
}

const TARGETS: Target[] = [
  { name: 'kube-apiserver', module: '.', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', ldflags: k8sLdflags },
  { name: 'kube-controller-manager', module: '.', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager', ldflags: k8sLdflags },
  { name: 'kube-scheduler', module: '.', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler', ldflags: k8sLdflags },
  { name: 'kubectl', module: '.', pkg: 'k8s.io/kubernetes/cmd/kubectl', ldflags: k8sLdflags },
  // etcd's version is a constant in go.etcd.io/etcd/api/v3/version.
  { name: 'etcd', module: '.', pkg: 'go.etcd.io/etcd/server/v3', ldflags: () => [] },
  {
    name: 'helm',
    module: 'helm',
    pkg: 'helm.sh/helm/v3/cmd/helm',
    ldflags: (v) => {
      const { major, minor } = majorMinor(v.kubernetes);
      return [
        `-X helm.sh/helm/v3/internal/version.version=${v.helm}`,
        `-X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
        // The Kubernetes version helm assumes offline (helm template, lint).
        `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${major}`,
        `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}`,
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${major}`,
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}`,
      ];
    },
  },
  {
    name: 'kwok',
    module: 'kwok',
    pkg: 'sigs.k8s.io/kwok/cmd/kwok',
    ldflags: (v) => [`-X sigs.k8s.io/kwok/pkg/consts.Version=${v.kwok.replace(/^v/, '')}`],
  },
];

/** Release time of a module version, from the module cache's .info file (after download). */
function moduleTime(modulePath: string, version: string, cwd: string): string {
  const r = spawnSync('go', ['mod', 'download', '-json', `${modulePath}@${version}`], {
    cwd,
    encoding: 'utf8',
    env: goEnv(),
  });
  if (r.status === 0) {
    try {
      const info = JSON.parse(r.stdout) as { Info?: string };
      if (info.Info) {
        const t = (JSON.parse(fs.readFileSync(info.Info, 'utf8')) as { Time?: string }).Time;
        if (t) return t.replace(/\.\d+Z$/, 'Z');
      }
    } catch {
      // fall through
    }
  }
  return '1970-01-01T00:00:00Z';
}

function run(cmd: string, args: string[], cwd: string, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (buf: Buffer): void => {
      const text = buf.toString();
      tail = (tail + text).slice(-8000);
      for (const line of text.split('\n')) if (line.trim()) log(`  ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? code}) in ${cwd}:\n${tail}`));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withLock<T>(dir: string, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'build.lock');
  const owner = path.join(lock, 'pid');
  let waited = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = NaN;
      try {
        pid = Number(fs.readFileSync(owner, 'utf8'));
      } catch {
        // owner not written yet, or gone
      }
      if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) {
        log(`taking over a stale build lock of pid ${pid}`);
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!waited) log(`another process (pid ${Number.isNaN(pid) ? '?' : pid}) is building; waiting`);
      waited = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function complete(binDir: string): Binaries | undefined {
  if (!fs.existsSync(path.join(binDir, 'build.json'))) return undefined;
  const bin = {} as Binaries;
  for (const name of BINARY_NAMES) {
    const p = path.join(binDir, name);
    if (!fs.existsSync(p)) return undefined;
    bin[name] = p;
  }
  return bin;
}

/**
 * Returns the paths of the control-plane binaries, building whatever is
 * missing first. Safe to call from several processes at once (one builds, the
 * others wait) and resumable after an interruption.
 */
export async function ensureBuilt(opts: BuildOptions = {}): Promise<BuildResult> {
  const log = opts.log ?? defaultLog;
  const versions = pinnedVersions();
  const key = buildKey(versions);
  const keyDir = path.join(cacheRoot(), key);
  const binDir = path.join(keyDir, 'bin');
  const ready = opts.force ? undefined : complete(binDir);
  if (ready) return { binDir, bin: ready, versions, key, built: false };

  fs.mkdirSync(keyDir, { recursive: true });
  return withLock(keyDir, log, async () => {
    const again = opts.force ? undefined : complete(binDir);
    if (again) return { binDir, bin: again, versions, key, built: false };
    if (opts.force) fs.rmSync(binDir, { recursive: true, force: true });

    const partial = path.join(keyDir, 'bin.partial');
    fs.mkdirSync(partial, { recursive: true });
    // Half-written outputs of an interrupted build.
    for (const f of fs.readdirSync(partial)) if (f.includes('.tmp-')) fs.rmSync(path.join(partial, f), { force: true });
    const started = Date.now();
    log(`building the control plane ${versions.kubernetes} (etcd ${versions.etcd}, helm ${versions.helm}, kwok ${versions.kwok}) with ${versions.go} into ${binDir}`);
    const meta: VersionMeta = {
      kubernetesTime: moduleTime('k8s.io/kubernetes', versions.kubernetes, MODULE_DIR),
    };
    const timings: Record<string, number> = {};
    for (const t of TARGETS) {
      const out = path.join(partial, t.name);
      if (fs.existsSync(out)) {
        log(`${t.name}: already built (resuming)`);
        continue;
      }
      const tmp = `${out}.tmp-${process.pid}`;
      const t0 = Date.now();
      log(`${t.name}: go build ${t.pkg}`);
      await run(
        'go',
        // -s -w: no symbol table or DWARF (stack traces still work); a third smaller.
        ['build', '-trimpath', '-buildvcs=false', '-ldflags', ['-s', '-w', ...t.ldflags(versions, meta)].join(' '), '-o', tmp, t.pkg],
        path.join(MODULE_DIR, t.module),
        log,
      );
      fs.renameSync(tmp, out);
      timings[t.name] = Math.round((Date.now() - t0) / 1000);
      log(`${t.name}: done in ${timings[t.name]}s`);
    }
    const manifest = {
      key,
      versions,
      recipe: RECIPE,
      builtAt: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      perBinarySeconds: timings,
    };
    fs.writeFileSync(path.join(partial, 'build.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.rmSync(binDir, { recursive: true, force: true });
    fs.renameSync(partial, binDir);
    log(`built in ${manifest.seconds}s: ${binDir}`);
    const bin = complete(binDir);
    if (!bin) throw new Error(`build finished but ${binDir} is incomplete`);
    return { binDir, bin, versions, key, built: true };
  });
}

/** The finished binaries for the current pins, or undefined when not built yet. */
export function builtBinaries(): BuildResult | undefined {
  const versions = pinnedVersions();
  const key = buildKey(versions);
  const binDir = path.join(cacheRoot(), key, 'bin');
  const bin = complete(binDir);
  return bin ? { binDir, bin, versions, key, built: false } : undefined;
}
