/**
 * Builds Flux's source-controller and kustomize-controller from their Go
 * modules, pinned in test/cluster/flux/go.mod (its own module, so Flux's
 * dependency graph cannot move the control plane's versions): one `go build`
 * of both main packages, so the packages they share compile once. Built on
 * demand by the suites that run the controllers, into
 * ${ROLLBACK_GUARD_CACHE:-~/.cache/rollback-guard}/cluster/flux-<key>/bin,
 * where <key> hashes the go.mod, go.sum, the Go version and RECIPE (an
 * unchanged pin never rebuilds). The binaries are never committed.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot, goEnv, MODULE_DIR, pinnedVersions } from './build';

const RECIPE = 1;
export const FLUX_MODULE_DIR = path.join(MODULE_DIR, 'flux');

export interface FluxModule {
  binary: 'source-controller' | 'kustomize-controller';
  module: string;
  version: string;
}

function required(module: string): string {
  const text = fs.readFileSync(path.join(FLUX_MODULE_DIR, 'go.mod'), 'utf8');
  const m = new RegExp(`^\\s*${module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+(v\\S+)`, 'm').exec(text);
  if (!m?.[1]) throw new Error(`test/cluster/flux/go.mod does not require ${module}`);
  return m[1];
}

export const FLUX_MODULES: readonly FluxModule[] = (['source-controller', 'kustomize-controller'] as const).map((binary) => ({
  binary,
  module: `github.com/fluxcd/${binary}`,
  version: required(`github.com/fluxcd/${binary}`),
}));

export interface FluxBuild {
  binDir: string;
  bin: Record<FluxModule['binary'], string>;
  versions: Record<FluxModule['binary'], string>;
  key: string;
  built: boolean;
}

function fluxKey(goVersion: string): string {
  const h = crypto.createHash('sha256');
  h.update(`flux recipe ${RECIPE}\n${goVersion}\n`);
  for (const f of ['go.mod', 'go.sum']) h.update(fs.readFileSync(path.join(FLUX_MODULE_DIR, f)));
  return `flux-${h.digest('hex').slice(0, 16)}`;
}

function complete(binDir: string): FluxBuild['bin'] | undefined {
  const bin = {} as FluxBuild['bin'];
  for (const m of FLUX_MODULES) {
    const p = path.join(binDir, m.binary);
    if (!fs.existsSync(p)) return undefined;
    bin[m.binary] = p;
  }
  return fs.existsSync(path.join(binDir, 'build.json')) ? bin : undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function locked<T>(dir: string, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'build.lock');
  let waited = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.existsSync(path.join(lock, 'pid')) ? fs.readFileSync(path.join(lock, 'pid'), 'utf8') : NaN);
      if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!waited) log(`another process (pid ${pid || '?'}) is building the Flux controllers; waiting`);
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

/** The Flux controller binaries for the current pins, building them first when needed. */
export async function ensureFluxBuilt(opts: { log?: (line: string) => void } = {}): Promise<FluxBuild> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[cluster] ${l}\n`));
  const go = pinnedVersions().go;
  const key = fluxKey(go);
  const keyDir = path.join(cacheRoot(), key);
  const binDir = path.join(keyDir, 'bin');
  const versions = Object.fromEntries(FLUX_MODULES.map((m) => [m.binary, m.version])) as FluxBuild['versions'];
  const ready = complete(binDir);
  if (ready) return { binDir, bin: ready, versions, key, built: false };
  fs.mkdirSync(keyDir, { recursive: true });
  return locked(keyDir, log, async () => {
    const again = complete(binDir);
    if (again) return { binDir, bin: again, versions, key, built: false };
    const partial = path.join(keyDir, 'bin.partial');
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    const t0 = Date.now();
    log(`building ${FLUX_MODULES.map((m) => `${m.binary} ${m.version}`).join(', ')} with ${go} into ${binDir} (one go build; several minutes cold)`);
    await new Promise<void>((resolve, reject) => {
      const args = ['build', '-trimpath', '-buildvcs=false', '-ldflags', '-s -w', '-o', `${partial}${path.sep}`, ...FLUX_MODULES.map((m) => m.module)];
      const child = spawn('go', args, { cwd: FLUX_MODULE_DIR, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let tail = '';
      const onData = (b: Buffer): void => {
        tail = (tail + b.toString()).slice(-8000);
        for (const line of b.toString().split('\n')) if (line.trim()) log(`  ${line}`);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`go ${args.join(' ')} failed (${code}) in ${FLUX_MODULE_DIR}:\n${tail}`))));
    });
    const seconds = Math.round((Date.now() - t0) / 1000);
    fs.writeFileSync(path.join(partial, 'build.json'), `${JSON.stringify({ key, versions, go, recipe: RECIPE, builtAt: new Date().toISOString(), seconds }, null, 2)}\n`);
    fs.rmSync(binDir, { recursive: true, force: true });
    fs.renameSync(partial, binDir);
    log(`Flux controllers built in ${seconds}s: ${binDir}`);
    const bin = complete(binDir);
    if (!bin) throw new Error(`build finished but ${binDir} is incomplete`);
    return { binDir, bin, versions, key, built: true };
  });
}

// `node --import tsx scripts/cluster/fluxBuild.ts`: build (or find) the Flux controllers, as the cluster suite's prepare step does.
if (require.main === module) {
  ensureFluxBuilt().then(
    (b) => console.log(`${b.built ? 'built' : 'already built'}: ${b.binDir} (${Object.entries(b.versions).map(([k, v]) => `${k} ${v}`).join(', ')})`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
