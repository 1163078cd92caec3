#!/usr/bin/env node
// Builds Helm's template engine (the Go module in helm-engine/) to
// WebAssembly and puts it in dist/wasm/ with Go's wasm_exec.js, which loads
// it. The build is cached outside the repository by a hash of its inputs
// (the module's files, the Go version, this script), so only a change to
// them builds again; a lock keeps two builds of the same inputs from
// running at once.
//
// Two files of Helm's module are replaced at build time (in a copy of the
// module, used through a replace directive of a temporary go.mod given to
// -modfile; Go refuses overlays of files in its module cache). Both link
// every Kubernetes API type into the module for something rendering without
// a cluster never does:
// - pkg/chartutil/capabilities.go computes the default API versions from
//   client-go's type registry; the replacement returns the same list, printed
//   at build time by helm-engine/versions (natively, against that registry);
// - pkg/engine/lookup_func.go queries a cluster for `lookup`; the engine
//   only installs that function when given a cluster, which this one never
//   is (so `lookup` returns an empty map, as with `helm template`), and the
//   replacement keeps the same declarations without the discovery client.
//
// Without Go, nothing is built and the extension reads charts by masking.
//   node scripts/helm-engine.mjs            build if needed, copy to dist/wasm
//   node scripts/helm-engine.mjs --print    print the cached module's path (build if needed)
//   node scripts/helm-engine.mjs --none     remove it from dist/wasm (a build without the engine)
//   node scripts/helm-engine.mjs --cached   print the cached module's path if it is built; never builds
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { childEnv } from './childEnv.mjs';

const root = join(import.meta.dirname, '..');
const moduleDir = join(root, 'helm-engine');
const outDir = join(root, 'dist', 'wasm');
const WASM = 'helm-engine.wasm';
const GLUE = 'wasm_exec.js';
/** The Kubernetes version `helm template` assumes offline, as Helm's release builds set it. */
const KUBE = { major: '1', minor: '34' };

function log(message) {
  process.stderr.write(`helm-engine: ${message}\n`);
}

function goEnv() {
  try {
    const [version, goroot] = execFileSync('go', ['env', 'GOVERSION', 'GOROOT'], { encoding: 'utf8', env: childEnv() }).trim().split('\n');
    return { version, goroot };
  } catch {
    return undefined;
  }
}

/** Files that decide the build's output. */
function inputs() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(go|mod|sum)$/.test(name)) files.push(path);
    }
  };
  walk(moduleDir);
  files.push(import.meta.filename);
  return files;
}

function cacheRoot() {
  const base = process.env.ROLLBACK_GUARD_CACHE ?? (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'rollback-guard') : join(homedir(), '.cache', 'rollback-guard'));
  return join(base, 'helm-engine');
}

function run(argv, env) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: moduleDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (exit ${result.status ?? result.signal}):\n${result.stderr}`);
  return result.stdout;
}

/** Helm's capabilities.go with the default version list given as data. */
function capabilitiesOverlay(helmDir, versions) {
  const original = readFileSync(join(helmDir, 'pkg', 'chartutil', 'capabilities.go'), 'utf8');
  let text = original
    .replace(/\n\s*"k8s\.io\/client-go\/kubernetes\/scheme"\n/, '\n')
    .replace(/\n\s*apiextensionsv1 "k8s\.io\/apiextensions-apiserver\/pkg\/apis\/apiextensions\/v1"\n/, '\n')
    .replace(/\n\s*apiextensionsv1beta1 "k8s\.io\/apiextensions-apiserver\/pkg\/apis\/apiextensions\/v1beta1"\n/, '\n');
  const start = text.indexOf('func allKnownVersions() VersionSet {');
  if (start === -1 || text.includes('scheme.') === false) throw new Error('pkg/chartutil/capabilities.go has changed; review the overlay');
  const end = text.indexOf('\n}\n', start);
  text = `${text.slice(0, start)}func allKnownVersions() VersionSet {\n\t// Printed at build time from client-go's registry (see helm-engine/versions).\n\treturn VersionSet{\n${versions.map((v) => `\t\t${JSON.stringify(v)},`).join('\n')}\n\t}\n}\n${text.slice(end + 3)}`;
  if (/\bscheme\.|apiextensionsv1/.test(text)) throw new Error('pkg/chartutil/capabilities.go still uses the type registry after the overlay');
  return text;
}

/** Helm's lookup_func.go without the cluster client (the same declarations; never called without a cluster). */
function lookupOverlay(helmDir) {
  const original = readFileSync(join(helmDir, 'pkg', 'engine', 'lookup_func.go'), 'utf8');
  for (const declaration of ['type lookupFunc = func(apiversion string, resource string, namespace string, name string) (map[string]interface{}, error)', 'func NewLookupFunction(config *rest.Config) lookupFunc', 'type ClientProvider interface', 'GetClientFor(apiVersion, kind string) (dynamic.NamespaceableResourceInterface, bool, error)', 'type clientProviderFromConfig struct', 'func newLookupFunction(clientProvider ClientProvider) lookupFunc']) {
    if (!original.includes(declaration)) throw new Error(`pkg/engine/lookup_func.go has changed (${declaration}); review the replacement`);
  }
  return `${original.slice(0, original.indexOf('/*') === 0 ? original.indexOf('*/') + 2 : 0)}

package engine

// Replaced when Rollback Guard builds the engine: rendering never reaches a cluster.

import (
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

type lookupFunc = func(apiversion string, resource string, namespace string, name string) (map[string]interface{}, error)

func NewLookupFunction(config *rest.Config) lookupFunc {
	return newLookupFunction(clientProviderFromConfig{config: config})
}

type ClientProvider interface {
	GetClientFor(apiVersion, kind string) (dynamic.NamespaceableResourceInterface, bool, error)
}

type clientProviderFromConfig struct {
	config *rest.Config
}

func (c clientProviderFromConfig) GetClientFor(apiVersion, kind string) (dynamic.NamespaceableResourceInterface, bool, error) {
	return nil, false, nil
}

// newLookupFunction returns what lookup returns without a cluster: nothing.
func newLookupFunction(clientProvider ClientProvider) lookupFunc {
	return func(apiversion string, kind string, namespace string, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
}
`;
}

/**
 * GOPROXY as configured, without `direct` (a module is fetched from a module
 * proxy, never from its version-control host); the public proxy when no
 * proxy is left. Every module is checked against helm-engine/go.sum.
 */
function moduleProxy() {
  const configured = execFileSync('go', ['env', 'GOPROXY'], { encoding: 'utf8', env: childEnv() }).trim();
  if (configured === 'off') return 'off'; // no network: the module cache must hold everything
  const proxies = configured.split(/[,|]/).filter((p) => p && p !== 'direct' && p !== 'off');
  return proxies.length > 0 ? proxies.join(',') : 'https://proxy.golang.org';
}

function build(go, dir) {
  const env = childEnv({ GOFLAGS: '-mod=readonly', GOWORK: 'off', GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOPROXY: moduleProxy() });
  // Downloaded from the Go module proxy (GOPROXY) into the module cache and checked against go.sum;
  // `go list -m` alone names no directory for a module not downloaded yet.
  const { Version: helmVersion, Dir: helmDir } = JSON.parse(run(['go', 'mod', 'download', '-json', 'helm.sh/helm/v3'], env));
  if (!helmVersion || !helmDir || !existsSync(join(helmDir, 'pkg', 'engine'))) throw new Error(`go mod download did not provide helm.sh/helm/v3 (version ${helmVersion}, directory ${helmDir})`);
  log(`building Helm ${helmVersion}'s engine with ${go.version} (once; cached in ${dir})`);
  const ldflags = [
    '-s',
    '-w',
    `-X helm.sh/helm/v3/internal/version.version=${helmVersion}`,
    '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${KUBE.major}`,
    `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${KUBE.minor}`,
  ].join(' ');
  const versions = run(['go', 'run', '-trimpath', '-buildvcs=false', '-ldflags', ldflags, './versions'], env).trim().split('\n').filter(Boolean);
  if (versions.length < 10) throw new Error(`unexpected API version list: ${versions.join(', ')}`);
  removeAbandoned(join(dir, '..'));
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const helmCopy = join(work, 'helm');
  cpSync(helmDir, helmCopy, { recursive: true });
  // The module cache is read-only; the copy must be writable (and removable).
  makeWritable(helmCopy);
  const capabilities = join(helmCopy, 'pkg', 'chartutil', 'capabilities.go');
  writeFileSync(capabilities, capabilitiesOverlay(helmDir, versions));
  const lookup = join(helmCopy, 'pkg', 'engine', 'lookup_func.go');
  writeFileSync(lookup, lookupOverlay(helmDir));
  writeFileSync(join(work, 'go.mod'), `${readFileSync(join(moduleDir, 'go.mod'), 'utf8')}\nreplace helm.sh/helm/v3 => ${helmCopy}\n`);
  copyFileSync(join(moduleDir, 'go.sum'), join(work, 'go.sum'));
  run(['go', 'build', '-trimpath', '-buildvcs=false', `-modfile=${join(work, 'go.mod')}`, '-ldflags', ldflags, '-o', join(work, WASM), '.'], { ...env, GOOS: 'js', GOARCH: 'wasm' });
  rmSync(helmCopy, { recursive: true, force: true });
  const glue = [join(go.goroot, 'lib', 'wasm', GLUE), join(go.goroot, 'misc', 'wasm', GLUE)].find(existsSync);
  if (!glue) throw new Error(`${GLUE} not found under ${go.goroot}`);
  copyFileSync(glue, join(work, GLUE));
  writeFileSync(join(work, 'versions.txt'), `${versions.join('\n')}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes what builds that were stopped midway left in the cache (their process is gone). */
function removeAbandoned(cache) {
  for (const name of readdirSync(cache)) {
    const match = /\.partial-(\d+)$/.exec(name);
    if (match && !alive(Number(match[1]))) rmSync(join(cache, name), { recursive: true, force: true });
  }
}

function makeWritable(dir) {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) makeWritable(path);
    else chmodSync(path, 0o644);
  }
}

/** Waits while another process builds the same inputs (its lock names its pid). */
function withLock(dir, fn) {
  const lock = `${dir}.lock`;
  mkdirSync(join(dir, '..'), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      let pid;
      try {
        pid = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      if (!alive(pid)) rmSync(lock, { force: true });
      else {
        log(`waiting for the build of process ${pid}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
      }
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The cache directory of the engine this Go and these inputs build. */
function engineDir(go) {
  const hash = createHash('sha256');
  hash.update(`${go.version}\n`);
  for (const file of inputs()) hash.update(`${file.slice(root.length)}\n`).update(readFileSync(file));
  return join(cacheRoot(), hash.digest('hex').slice(0, 16));
}

/** The cached engine's directory when it is built already (undefined without Go or before its first build). */
export function cachedEngine() {
  const go = goEnv();
  if (!go) return undefined;
  const dir = engineDir(go);
  return existsSync(join(dir, WASM)) ? dir : undefined;
}

export function ensureEngine() {
  const go = goEnv();
  if (!go) {
    log('no Go toolchain: Helm charts are read without rendering');
    return undefined;
  }
  const dir = engineDir(go);
  if (!existsSync(join(dir, WASM))) withLock(dir, () => existsSync(join(dir, WASM)) || build(go, dir));
  return dir;
}

/** Removes an engine an earlier build left in dist/wasm: what is there is what this build made. */
function removeStale() {
  rmSync(join(outDir, WASM), { force: true });
}

if (import.meta.filename === process.argv[1]) {
  try {
    if (process.argv.includes('--cached')) {
      const dir = cachedEngine();
      if (dir) console.log(join(dir, WASM));
      process.exit(0);
    }
    if (process.argv.includes('--none')) log('not built (ROLLBACK_GUARD_HELM_ENGINE=0): Helm charts are read without rendering');
    const dir = process.argv.includes('--none') ? undefined : ensureEngine();
    if (process.argv.includes('--print')) {
      if (dir) console.log(join(dir, WASM));
    } else if (dir) {
      mkdirSync(outDir, { recursive: true });
      for (const name of [WASM, GLUE]) copyFileSync(join(dir, name), join(outDir, name));
    } else removeStale();
  } catch (error) {
    log(error.message);
    removeStale();
    process.exit(1);
  }
}
