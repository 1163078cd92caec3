/**
 * Builds the real binaries the integration tests run, from Go modules pinned
 * under test/cluster/ (no container engine, no binary downloads), in groups:
 *
 *   plane   test/cluster/go.mod: kube-apiserver, kube-controller-manager,
 *           kube-scheduler, kubectl (k8s.io/kubernetes), etcd
 *           (go.etcd.io/etcd/server/v3), helm (helm.sh/helm/v3) and kwok
 *           (sigs.k8s.io/kwok), all on one k8s.io minor so the packages they
 *           share compile once, in one `go build` invocation.
 *   others  each in its own module directory, built only when a suite asks
 *           for it (`ensureGroup(group)`), so they never slow the plane.
 *
 * A group is a value (see `BuildGroup`): a module directory, binaries (name
 * and main package) and the -X flags. One `go build -o <dir>/ pkg…` builds all
 * of a group's binaries, so the compiler runs over the union of their
 * packages with every core busy and the links overlap the compiles.
 *
 * Layout: ${ROLLBACK_GUARD_CACHE:-$HOME/.cache/rollback-guard}/cluster/<key>/
 *   bin/            the finished binaries and build.json (renamed into place last)
 *   build.lock/     held (mkdir) while one process builds; stale locks are taken over
 *   progress.json   the running build's progress (for other processes to show)
 * <key> hashes the group's go.mod/go.sum, its binaries and flags, the Go
 * version and RECIPE, so a version bump builds into a new directory and an
 * unchanged pin never rebuilds. GOPATH and GOCACHE stay at Go's defaults (or
 * whatever the environment says) so an interrupted or re-keyed build reuses
 * every package already compiled.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childEnv } from '../childEnv.mjs';

/** Bump when the build steps change in a way that needs new binaries. */
const RECIPE = 2;

/**
 * `go build` flags of every group. -trimpath: no local paths in the binaries.
 * -gcflags=all=-dwarf=false: the compiler writes no debug information, which
 * `-ldflags -s -w` would strip anyway (stack traces still work); less to
 * compile and link.
 */
const BUILD_FLAGS = ['-trimpath', '-buildvcs=false', '-gcflags=all=-dwarf=false'];

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const MODULE_DIR = path.join(REPO_ROOT, 'test', 'cluster');

// ------------------------------------------------------------------ groups

/** What a group's flags and versions may read: its own go.mod. */
export interface GroupContext {
  /** The version the group's go.mod (or that of `module`, one of its binaries' modules) requires of `modulePath` (throws if it does not). */
  require(modulePath: string, module?: string): string;
  /** Release time of module@version (from the module proxy's .info), RFC 3339. */
  moduleTime(modulePath: string, version: string): string;
}

/**
 * A set of binaries built together from one Go module. Define one in its own
 * file and pass it to `ensureGroup`; see test/cluster/README.md.
 */
export interface BuildGroup<N extends string = string> {
  /** Short name: the cache key's prefix and `npm run cluster -- build <name>`. */
  name: string;
  /** Directory holding the group's go.mod and go.sum, relative to test/cluster. */
  module: string;
  /**
   * The binaries: file name, main package (listed in the go.mod's `tool`
   * block) and, for a binary whose module cannot share the group's
   * dependency versions, its own module directory (built by a second
   * `go build` alongside the first).
   */
  binaries: readonly { name: N; pkg: string; module?: string }[];
  /** Linker -X flags (one list for the whole group; a flag naming a package a binary lacks is ignored). */
  ldflags?: (ctx: GroupContext) => string[];
  /** Versions to record in build.json and print. */
  versions?: (ctx: GroupContext) => Record<string, string>;
  /** Prefix of the cache key (default: the name). */
  keyPrefix?: (ctx: GroupContext) => string;
}

export interface GroupBuild<N extends string = string> {
  group: string;
  /** Directory holding every binary. */
  binDir: string;
  /** Absolute path of each binary. */
  bin: Record<N, string>;
  /** The group's versions plus `go`. */
  versions: Record<string, string>;
  key: string;
  /** True when this call compiled something; false when the cache was warm. */
  built: boolean;
}

/** Where a running build is; `binariesDone` of `binariesTotal` finished. */
export interface BuildProgress {
  group: string;
  phase: 'preparing' | 'compiling' | 'linking' | 'done';
  elapsedSeconds: number;
  /** Packages compiled so far (cached packages are not counted) of those the binaries need. */
  packagesDone: number;
  packagesTotal: number;
  binariesDone: string[];
  binariesTotal: number;
  /** The unfinished binary whose packages are furthest along. */
  current?: string;
  /** Estimated seconds left; absent until there is enough to go by. */
  etaSeconds?: number;
}

export interface BuildOptions {
  log?: (line: string) => void;
  /** Rebuild even when the cache has this key already. */
  force?: boolean;
  /** Called about every two seconds while compiling, and once when done. */
  onProgress?: (p: BuildProgress) => void;
  /** How often progress goes to `log` (default 30 s; 0: never). */
  logEverySeconds?: number;
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

let goVersionMemo: string | undefined;
function goVersion(): string {
  if (goVersionMemo) return goVersionMemo;
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: goEnv() });
  if (r.error) throw new Error(`cannot run go (needed to build the test control plane): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go env GOVERSION failed: ${r.stderr}`);
  goVersionMemo = r.stdout.trim();
  return goVersionMemo;
}

/** Release time of a module version, from the module cache's .info file (after download). */
function moduleTime(modulePath: string, version: string, cwd: string): string {
  const r = spawnSync('go', ['mod', 'download', '-json', `${modulePath}@${version}`], { cwd, encoding: 'utf8', env: goEnv() });
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

function moduleDirOf(group: BuildGroup): string {
  return path.join(MODULE_DIR, group.module);
}

/** The group's module directories (relative to test/cluster), the group's own first. */
function modulesOf(group: BuildGroup): string[] {
  return [...new Set([group.module, ...group.binaries.map((b) => b.module ?? group.module)])];
}

/**
 * The context a group's functions see. For the cache key, module times are
 * symbolic (no download, no process), so computing a key stays cheap; the
 * build itself gets the real times.
 */
function groupContext(group: BuildGroup, symbolic: boolean): GroupContext {
  const dir = moduleDirOf(group);
  return {
    require: (modulePath, module) => readModuleRequire(path.join(module === undefined ? dir : path.join(MODULE_DIR, module), 'go.mod'), modulePath),
    moduleTime: (modulePath, version) => (symbolic ? `<time of ${modulePath}@${version}>` : moduleTime(modulePath, version, dir)),
  };
}

export function groupKey(group: BuildGroup): string {
  const ctx = groupContext(group, true);
  const h = crypto.createHash('sha256');
  h.update(`recipe ${RECIPE}\n${goVersion()}\ngroup ${group.name}\n`);
  h.update(`flags ${BUILD_FLAGS.join(' ')}\n`);
  for (const b of group.binaries) h.update(`bin ${b.name} ${b.pkg} ${b.module ?? group.module}\n`);
  for (const f of group.ldflags?.(ctx) ?? []) h.update(`ldflag ${f}\n`);
  for (const m of modulesOf(group)) {
    for (const f of ['go.mod', 'go.sum']) {
      h.update(`${m}/${f}\n`);
      h.update(fs.readFileSync(path.join(MODULE_DIR, m, f)));
    }
  }
  const prefix = group.keyPrefix?.(ctx) ?? group.name;
  return `${prefix}-${h.digest('hex').slice(0, 16)}`;
}

function groupVersions(group: BuildGroup): Record<string, string> {
  return { ...(group.versions?.(groupContext(group, true)) ?? {}), go: goVersion() };
}

// ------------------------------------------------------------------ the plane

export type BinaryName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubectl' | 'helm' | 'kwok';

export type Binaries = Record<BinaryName, string>;

export interface PinnedVersions {
  kubernetes: string;
  etcd: string;
  helm: string;
  kwok: string;
  go: string;
}

export interface BuildResult {
  binDir: string;
  bin: Binaries;
  versions: PinnedVersions;
  key: string;
  built: boolean;
}

function majorMinor(version: string): { major: string; minor: string } {
  const m = /^v(\d+)\.(\d+)\./.exec(version);
  if (!m || !m[1] || !m[2]) throw new Error(`not a semantic version: ${version}`);
  return { major: m[1], minor: m[2] };
}

/** The control plane and the tools the tests drive it with. */
export const PLANE: BuildGroup<BinaryName> = {
  name: 'plane',
  module: '.',
  binaries: [
    { name: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
    { name: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
    { name: 'kube-scheduler', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler' },
    { name: 'kubectl', pkg: 'k8s.io/kubernetes/cmd/kubectl' },
    // etcd's version is a constant in go.etcd.io/etcd/api/v3/version.
    { name: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' },
    { name: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm' },
    // kwok v0.7.0 is built on k8s.io v0.33 and does not compile against v0.34: its own module.
    { name: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok', module: 'kwok' },
  ],
  versions: (ctx) => ({
    kubernetes: ctx.require('k8s.io/kubernetes'),
    etcd: ctx.require('go.etcd.io/etcd/server/v3'),
    helm: ctx.require('helm.sh/helm/v3'),
    kwok: ctx.require('sigs.k8s.io/kwok', 'kwok'),
  }),
  keyPrefix: (ctx) => `k8s-${ctx.require('k8s.io/kubernetes')}`,
  ldflags: (ctx) => {
    const kubernetes = ctx.require('k8s.io/kubernetes');
    const { major, minor } = majorMinor(kubernetes);
    const buildDate = ctx.moduleTime('k8s.io/kubernetes', kubernetes);
    const flags: string[] = [];
    // component-base carries the server/component version; client-go's copy is
    // what kubectl reports as its client version.
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      flags.push(`-X ${pkg}.gitVersion=${kubernetes}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`, `-X ${pkg}.gitTreeState=clean`, `-X ${pkg}.buildDate=${buildDate}`);
    }
    flags.push(
      `-X helm.sh/helm/v3/internal/version.version=${ctx.require('helm.sh/helm/v3')}`,
      `-X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
      // The Kubernetes version helm assumes offline (helm template, lint).
      `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=${major}`,
      `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}`,
      `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${major}`,
      `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}`,
      `-X sigs.k8s.io/kwok/pkg/consts.Version=${ctx.require('sigs.k8s.io/kwok', 'kwok').replace(/^v/, '')}`,
    );
    return flags;
  },
};

export const BINARY_NAMES: readonly BinaryName[] = PLANE.binaries.map((b) => b.name);

export function pinnedVersions(): PinnedVersions {
  return groupVersions(PLANE) as unknown as PinnedVersions;
}

export function buildKey(): string {
  return groupKey(PLANE);
}

function asBuildResult(r: GroupBuild<BinaryName>): BuildResult {
  return { binDir: r.binDir, bin: r.bin, versions: r.versions as unknown as PinnedVersions, key: r.key, built: r.built };
}

/**
 * Returns the paths of the control-plane binaries, building whatever is
 * missing first. Safe to call from several processes at once (one builds, the
 * others wait) and quick to resume after an interruption (Go's build cache
 * keeps every package compiled so far).
 */
export async function ensureBuilt(opts: BuildOptions = {}): Promise<BuildResult> {
  return asBuildResult(await ensureGroup(PLANE, opts));
}

/** The finished binaries for the current pins, or undefined when not built yet. */
export function builtBinaries(): BuildResult | undefined {
  const r = builtGroup(PLANE);
  return r ? asBuildResult(r) : undefined;
}

/** Where the plane's binaries are (or will be, once built): known before building. */
export function planeBinDir(): string {
  return path.join(cacheRoot(), buildKey(), 'bin');
}

/**
 * A group by name: `plane`, or the default export of scripts/cluster/groups/<name>.ts
 * (what `npm run cluster -- build <name>` builds).
 */
export async function groupByName(name: string): Promise<BuildGroup> {
  if (name === PLANE.name) return PLANE;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`not a group name: ${name}`);
  const file = path.join(__dirname, 'groups', `${name}.ts`);
  if (!fs.existsSync(file)) {
    const known = fs.existsSync(path.dirname(file)) ? fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)) : [];
    throw new Error(`no build group ${name} (groups: ${[PLANE.name, ...known].join(', ')})`);
  }
  const mod = (await import(file)) as { default?: BuildGroup };
  if (!mod.default?.binaries) throw new Error(`${file} has no default export of a build group`);
  return mod.default;
}

// ------------------------------------------------------------------ building

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function withLock<T>(dir: string, log: (l: string) => void, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
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
      onWait?.();
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function complete<N extends string>(group: BuildGroup<N>, binDir: string): Record<N, string> | undefined {
  if (!fs.existsSync(path.join(binDir, 'build.json'))) return undefined;
  const bin = {} as Record<N, string>;
  for (const { name } of group.binaries) {
    const p = path.join(binDir, name);
    if (!fs.existsSync(p)) return undefined;
    bin[name] = p;
  }
  return bin;
}

/** The finished binaries of a group, or undefined when not built yet (never builds). */
export function builtGroup<N extends string>(group: BuildGroup<N>): GroupBuild<N> | undefined {
  const key = groupKey(group);
  const binDir = path.join(cacheRoot(), key, 'bin');
  const bin = complete(group, binDir);
  return bin ? { group: group.name, binDir, bin, versions: groupVersions(group), key, built: false } : undefined;
}

/** The file name `go build -o dir/` gives a main package: its last path element, or the one before a /vN suffix. */
export function defaultBinaryName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.at(-1) ?? pkg;
  return /^v\d+$/.test(last) && parts.length > 1 ? parts.at(-2)! : last;
}

/** Reads the progress file a running build writes (for another process to show). */
export function readProgress(group: BuildGroup = PLANE): BuildProgress | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(cacheRoot(), groupKey(group), 'progress.json'), 'utf8')) as BuildProgress;
  } catch {
    return undefined;
  }
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** "kube-apiserver 2/7, ~9 min left": what a build is on, for one line. */
export function describeProgress(p: BuildProgress): string {
  if (p.phase === 'done') return `built ${p.binariesTotal}/${p.binariesTotal}`;
  if (p.phase === 'preparing') return 'preparing';
  const step = `${p.current ?? 'linking'} ${Math.min(p.binariesDone.length + 1, p.binariesTotal)}/${p.binariesTotal}`;
  if (p.etaSeconds === undefined) return step;
  const minutes = Math.max(1, Math.round(p.etaSeconds / 60));
  return `${step}, ~${minutes} min left`;
}

interface PackageInfo {
  /** Bytes of Go source, the weight of its compile. */
  size: number;
}

interface BuildPlan {
  packages: Map<string, PackageInfo>;
  /** Import paths of the standard library's packages. */
  standard: Set<string>;
  /** Each binary's packages (its main package and every dependency). */
  closures: Map<string, Set<string>>;
}

/**
 * The packages the binaries of one module need, with their source sizes, from
 * `go list`. Packages are keyed by module and import path: two modules may
 * hold different versions of one package.
 */
async function planBuild(binaries: readonly { name: string; pkg: string }[], module: string, plan: BuildPlan): Promise<BuildPlan> {
  const dir = path.join(MODULE_DIR, module);
  const out = await capture('go', ['list', '-deps', '-f', '{{.ImportPath}}\t{{.Standard}}\t{{.Dir}}\t{{join .GoFiles ","}}\t{{if eq .Name "main"}}{{join .Deps ","}}{{end}}', ...binaries.map((b) => b.pkg)], dir);
  const { packages, closures, standard } = plan;
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [importPath = '', isStandard = '', pkgDir = '', files = '', deps = ''] = line.split('\t');
    // The standard library is one for every module: compiled once, by whichever go build comes first.
    if (isStandard === 'true') standard.add(importPath);
    let size = 0;
    for (const f of files ? files.split(',') : []) {
      try {
        size += fs.statSync(path.join(pkgDir, f)).size;
      } catch {
        // a generated or vanished file: weight 0
      }
    }
    packages.set(packageKey(plan, module, importPath), { size: Math.max(size, 1) });
    const binary = binaries.find((b) => b.pkg === importPath);
    if (binary) closures.set(binary.name, new Set([importPath, ...(deps ? deps.split(',') : [])].map((p) => packageKey(plan, module, p))));
  }
  return plan;
}

/** A package of the plan: the standard library's by import path, every other by module and import path. */
function packageKey(plan: BuildPlan, module: string, importPath: string): string {
  return plan.standard.has(importPath) ? `std ${importPath}` : `${module} ${importPath}`;
}

class ProgressTracker {
  private readonly started = Date.now();
  private readonly compiled = new Set<string>();
  private compiledBytes = 0;
  private readonly totalBytes: number;
  private firstCompileAt: number | undefined;

  constructor(
    private readonly group: BuildGroup,
    private readonly plan: BuildPlan,
    private readonly outDir: string,
  ) {
    let total = 0;
    for (const p of plan.packages.values()) total += p.size;
    this.totalBytes = total;
  }

  /** A line of `go build -v` in `module`: the import path of a package it compiles now. Returns false for any other line. */
  compiling(module: string, importPath: string): boolean {
    const key = packageKey(this.plan, module, importPath);
    const info = this.plan.packages.get(key);
    if (!info) return false;
    if (this.compiled.has(key)) return true;
    this.firstCompileAt ??= Date.now();
    this.compiled.add(key);
    this.compiledBytes += info.size;
    return true;
  }

  snapshot(): BuildProgress {
    const elapsedSeconds = (Date.now() - this.started) / 1000;
    const binariesDone = this.group.binaries.map((b) => b.name).filter((n) => fs.existsSync(path.join(this.outDir, n)));
    const allCompiled = this.compiled.size >= this.plan.packages.size;
    let current: string | undefined;
    let best = -1;
    for (const b of this.group.binaries) {
      if (binariesDone.includes(b.name)) continue;
      const closure = this.plan.closures.get(b.name);
      if (!closure || closure.size === 0) continue;
      let done = 0;
      for (const p of closure) if (this.compiled.has(p)) done++;
      const fraction = done / closure.size;
      if (fraction > best) {
        best = fraction;
        current = b.name;
      }
    }
    let etaSeconds: number | undefined;
    const since = this.firstCompileAt ? (Date.now() - this.firstCompileAt) / 1000 : 0;
    const fraction = this.totalBytes > 0 ? this.compiledBytes / this.totalBytes : 0;
    // Sources compile at a roughly even rate; the links after the last compile take about a minute.
    if (since >= 20 && fraction > 0.02) etaSeconds = (since * (1 - fraction)) / fraction + 60;
    else if (allCompiled) etaSeconds = 60;
    return {
      group: this.group.name,
      phase: allCompiled ? 'linking' : 'compiling',
      elapsedSeconds: Math.round(elapsedSeconds),
      packagesDone: this.compiled.size,
      packagesTotal: this.plan.packages.size,
      binariesDone,
      binariesTotal: this.group.binaries.length,
      ...(current ? { current } : {}),
      ...(etaSeconds !== undefined ? { etaSeconds: Math.round(etaSeconds) } : {}),
    };
  }
}

/**
 * Returns a group's binaries, building them first when the cache lacks them.
 * One process builds (others wait for its lock and then reuse the result).
 */
export async function ensureGroup<N extends string>(group: BuildGroup<N>, opts: BuildOptions = {}): Promise<GroupBuild<N>> {
  const log = opts.log ?? defaultLog;
  const key = groupKey(group);
  const versions = groupVersions(group);
  const keyDir = path.join(cacheRoot(), key);
  const binDir = path.join(keyDir, 'bin');
  const result = (bin: Record<N, string>, built: boolean): GroupBuild<N> => ({ group: group.name, binDir, bin, versions, key, built });
  const ready = opts.force ? undefined : complete(group, binDir);
  if (ready) return result(ready, false);

  fs.mkdirSync(keyDir, { recursive: true });
  const progressFile = path.join(keyDir, 'progress.json');
  // While another process builds, pass its progress on.
  const relay = (): void => {
    if (!opts.onProgress) return;
    try {
      opts.onProgress(JSON.parse(fs.readFileSync(progressFile, 'utf8')) as BuildProgress);
    } catch {
      // not written yet
    }
  };
  return withLock(
    keyDir,
    log,
    async () => {
      const again = opts.force ? undefined : complete(group, binDir);
      if (again) return result(again, false);
      const bin = await buildGroup(group, key, keyDir, versions, opts, log);
      return result(bin, true);
    },
    relay,
  );
}

/** Builds into `<keyDir>/bin.partial-<pid>/`, renamed to `bin/` when complete; a failure leaves neither it nor a progress file behind. */
async function buildGroup<N extends string>(group: BuildGroup<N>, key: string, keyDir: string, versions: Record<string, string>, opts: BuildOptions, log: (l: string) => void): Promise<Record<N, string>> {
  // Leftovers of an interrupted build (the older layout kept a bin.partial/).
  for (const f of fs.readdirSync(keyDir)) if (f.startsWith('bin.partial')) fs.rmSync(path.join(keyDir, f), { recursive: true, force: true });
  const out = path.join(keyDir, `bin.partial-${process.pid}`);
  fs.mkdirSync(out, { recursive: true });
  try {
    return await buildInto(out, group, key, keyDir, versions, opts, log);
  } catch (error) {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(path.join(keyDir, 'progress.json'), { force: true });
    throw error;
  }
}

async function buildInto<N extends string>(out: string, group: BuildGroup<N>, key: string, keyDir: string, versions: Record<string, string>, opts: BuildOptions, log: (l: string) => void): Promise<Record<N, string>> {
  const binDir = path.join(keyDir, 'bin');
  const progressFile = path.join(keyDir, 'progress.json');
  const started = Date.now();

  const shown = Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ');
  log(`building ${group.name} (${shown}) into ${binDir}`);
  const emit = (p: BuildProgress): void => {
    try {
      fs.writeFileSync(`${progressFile}.tmp`, JSON.stringify(p));
      fs.renameSync(`${progressFile}.tmp`, progressFile);
    } catch {
      // progress is best effort
    }
    opts.onProgress?.(p);
  };
  emit({ group: group.name, phase: 'preparing', elapsedSeconds: 0, packagesDone: 0, packagesTotal: 0, binariesDone: [], binariesTotal: group.binaries.length });

  const modules = modulesOf(group).map((module) => ({ module, binaries: group.binaries.filter((b) => (b.module ?? group.module) === module) })).filter((m) => m.binaries.length > 0);
  const plan: BuildPlan = { packages: new Map(), closures: new Map(), standard: new Set() };
  for (const m of modules) await planBuild(m.binaries, m.module, plan);
  const ldflags = ['-s', '-w', ...(group.ldflags?.(groupContext(group, false)) ?? [])].join(' ');
  const tracker = new ProgressTracker(group, plan, out);
  // `go build -o dir/` names each binary after its package; rename the ones whose name differs.
  const rename = group.binaries.filter((b) => defaultBinaryName(b.pkg) !== b.name);
  const names = new Set(group.binaries.map((b) => defaultBinaryName(b.pkg)));
  if (names.size !== group.binaries.length) throw new Error(`${group.name}: two binaries would get the same file name`);
  const observe = (): void => {
    for (const b of rename) {
      const from = path.join(out, defaultBinaryName(b.pkg));
      if (fs.existsSync(from) && !fs.existsSync(path.join(out, b.name))) fs.renameSync(from, path.join(out, b.name));
    }
  };
  for (const m of modules) log(`${group.name}: go build ${m.binaries.map((b) => b.name).join(', ')} (${m.module === '.' ? 'test/cluster' : `test/cluster/${m.module}`})`);
  log(`${group.name}: ${plan.packages.size} packages to compile at most`);
  const everyMs = (opts.logEverySeconds ?? 30) * 1000;
  let lastLog = Date.now();
  const timer = setInterval(() => {
    observe();
    const p = tracker.snapshot();
    emit(p);
    if (everyMs > 0 && Date.now() - lastLog >= everyMs) {
      lastLog = Date.now();
      log(`${group.name}: ${formatDuration(p.elapsedSeconds)}: ${p.binariesDone.length}/${p.binariesTotal} binaries${p.binariesDone.length ? ` (${p.binariesDone.join(', ')})` : ''}, ${p.packagesDone}/${p.packagesTotal} packages compiled${p.current ? `, next ${p.current}` : ''}${p.etaSeconds !== undefined ? `, ~${Math.max(1, Math.round(p.etaSeconds / 60))} min left` : ''}`);
    }
  }, 2000);
  try {
    // One `go build` per module, side by side: each fills the cores the other leaves idle (links, long compiles).
    // The first to fail stops the others.
    const abort = new AbortController();
    await Promise.all(
      modules.map((m) =>
        run(
          'go',
          // -v: each package as it compiles (progress). -s -w: no symbol table or DWARF (stack traces still work); a third smaller.
          ['build', '-v', ...BUILD_FLAGS, '-ldflags', ldflags, '-o', `${out}${path.sep}`, ...m.binaries.map((b) => b.pkg)],
          path.join(MODULE_DIR, m.module),
          (line) => {
            const t = line.trim();
            if (t && !tracker.compiling(m.module, t)) log(`  ${t}`);
          },
          abort.signal,
        ).catch((error: unknown) => {
          abort.abort();
          throw error;
        }),
      ),
    );
  } finally {
    clearInterval(timer);
  }
  observe();
  const seconds = Math.round((Date.now() - started) / 1000);
  const manifest = { key, group: group.name, versions, recipe: RECIPE, builtAt: new Date().toISOString(), seconds, packages: plan.packages.size, compiled: tracker.snapshot().packagesDone };
  fs.writeFileSync(path.join(out, 'build.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const bin = complete(group, out);
  if (!bin) throw new Error(`go build finished but ${out} lacks some of ${group.binaries.map((b) => b.name).join(', ')}`);
  fs.rmSync(binDir, { recursive: true, force: true });
  fs.renameSync(out, binDir);
  emit({ ...tracker.snapshot(), phase: 'done', binariesDone: group.binaries.map((b) => b.name), etaSeconds: 0 });
  log(`built ${group.name} in ${formatDuration(seconds)}: ${binDir}`);
  const final = complete(group, binDir);
  if (!final) throw new Error(`build finished but ${binDir} is incomplete`);
  return final;
}

function run(cmd: string, args: string[], cwd: string, onLine: (l: string) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal, killSignal: 'SIGTERM' as const } : {}) });
    let tail = '';
    let partial = '';
    const onData = (buf: Buffer): void => {
      const text = partial + buf.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail = (tail + line + '\n').slice(-8000);
        onLine(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      if (error.name !== 'AbortError') reject(error);
    });
    child.on('close', (code, sig) => {
      if (partial) onLine(partial);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} ${signal?.aborted ? 'stopped' : 'failed'} (${sig ?? code}) in ${cwd}:\n${tail}${partial}`));
    });
  });
}

function capture(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-8000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString());
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code}) in ${cwd}:\n${err}`));
    });
  });
}
