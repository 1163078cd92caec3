/**
 * Flux's own controllers on the test plane: source-controller and
 * kustomize-controller built from their Go modules (test/cluster/flux/go.mod)
 * and run out of cluster against the plane, each with its own
 * ServiceAccount token (as in a cluster: source-controller with the
 * ClusterRole its module ships, kustomize-controller bound to cluster-admin
 * as Flux's installation binds it), metrics and health on loopback, leader
 * election off, and source-controller's artifact storage in the plane's
 * state directory, served on loopback. A Git server on loopback
 * (gitServer.ts) holds the repositories GitRepository objects point at.
 *
 *   const flux = await startFlux(plane);
 *   const url = flux.git.createRepo('fleet');
 *   ...push manifests, apply a GitRepository and a Kustomization...
 *   await flux.reconcile('Kustomization', 'flux-system', 'apps');
 *   await flux.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { childEnv } from '../childEnv.mjs';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureFluxBuilt, FLUX_MODULES, type FluxBuild } from './fluxBuild';
import { moduleDir } from './crds';
import { startGitServer, type GitServer } from './gitServer';
import { freePort, isOurProcess, type Plane } from './plane';

export const FLUX_NAMESPACE = 'flux-system';

export type FluxController = 'source-controller' | 'kustomize-controller';
export const FLUX_CONTROLLERS: readonly FluxController[] = ['source-controller', 'kustomize-controller'];

export interface FluxControllers {
  namespace: string;
  git: GitServer;
  build: FluxBuild;
  /** The CRDs installed for the controllers (source.toolkit.fluxcd.io and the Kustomization). */
  crds: string[];
  /** The controllers' pids. */
  pids(): Record<FluxController, number | undefined>;
  logFile(controller: FluxController): string;
  /** Asks a Flux object to reconcile now, as `flux reconcile` does (the requestedAt annotation). */
  reconcile(kind: 'Kustomization' | 'GitRepository', namespace: string, name: string): Promise<string>;
  /** Stops one controller (SIGTERM), e.g. to simulate it being down. */
  stopController(controller: FluxController): Promise<void>;
  /** Starts a stopped controller again with the same flags. */
  startController(controller: FluxController): Promise<void>;
  stop(): Promise<void>;
}

export interface FluxOptions {
  log?: (line: string) => void;
  /** Where the Git repositories, artifacts and logs go (default: `<plane state>/flux`). */
  dir?: string;
  /**
   * Let the controllers and the Git server outlive this process (the demo):
   * the Git server runs as a process of its own, and `<dir>/flux.json`
   * records every pid for `stopFlux(dir)`. Default false: they are killed
   * when this process exits.
   */
  detached?: boolean;
}

/** What `<dir>/flux.json` records of a detached Flux. */
export interface FluxState {
  format: 1;
  gitUrl: string;
  components: Record<FluxController | 'git-server', { pid: number; argv: string[]; env: Record<string, string>; logFile: string }>;
}

export function readFluxState(dir: string): FluxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'flux.json'), 'utf8')) as FluxState;
  } catch {
    return undefined;
  }
}

/** Whether every process a detached Flux recorded in `dir` still runs. */
export function fluxRunning(dir: string): boolean {
  const st = readFluxState(dir);
  return !!st && Object.values(st.components).every((c) => isOurProcess(c));
}

/** Stops exactly the processes a detached Flux recorded in `dir` (checked against /proc first); false when none was recorded. */
export async function stopFlux(dir: string): Promise<boolean> {
  const st = readFluxState(dir);
  if (!st) return false;
  for (const c of Object.values(st.components)) {
    if (!isOurProcess(c)) continue;
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      try {
        process.kill(c.pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    const deadline = Date.now() + 10_000;
    while (isOurProcess(c) && Date.now() < deadline) await sleep(100);
    if (isOurProcess(c)) process.kill(c.pid, 'SIGKILL');
  }
  fs.rmSync(path.join(dir, 'flux.json'), { force: true });
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** The CRD files the controllers need, read from their modules in the module cache. */
function fluxCrdFiles(): { path: string; names: string[] }[] {
  const out: { path: string; names: string[] }[] = [];
  for (const m of FLUX_MODULES) {
    const dir = path.join(moduleDir(m.module, m.version), 'config', 'crd', 'bases');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
      const p = path.join(dir, f);
      const names = parseAllDocuments(fs.readFileSync(p, 'utf8'))
        .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null)
        .filter((o) => o?.kind === 'CustomResourceDefinition' && o.metadata?.name)
        .map((o) => o!.metadata!.name!);
      out.push({ path: p, names });
    }
  }
  return out;
}

/** source-controller's ClusterRole as its module ships it (config/rbac/role.yaml), renamed so it cannot clash. */
function sourceControllerRole(): string {
  const m = FLUX_MODULES.find((x) => x.binary === 'source-controller')!;
  const text = fs.readFileSync(path.join(moduleDir(m.module, m.version), 'config', 'rbac', 'role.yaml'), 'utf8');
  const role = parseAllDocuments(text)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .find((o) => o?.kind === 'ClusterRole') as { metadata: { name: string } } | undefined;
  if (!role) throw new Error('source-controller module has no ClusterRole in config/rbac/role.yaml');
  role.metadata.name = 'rg-flux-source-controller';
  return stringify(role);
}

function rbac(ns: string): string {
  return `
apiVersion: v1
kind: Namespace
metadata: {name: ${ns}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: source-controller, namespace: ${ns}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: kustomize-controller, namespace: ${ns}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: rg-flux-source-controller}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rg-flux-source-controller}
subjects: [{kind: ServiceAccount, name: source-controller, namespace: ${ns}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: rg-flux-cluster-reconciler}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: kustomize-controller, namespace: ${ns}}]
`;
}

function kubeconfigFor(plane: Plane, user: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'rg', cluster: { server: plane.server, 'certificate-authority-data': Buffer.from(plane.caData).toString('base64') } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'rg', user, namespace: FLUX_NAMESPACE } }],
    'current-context': user,
  });
}

interface Running {
  child?: ChildProcess;
  argv: string[];
  env: Record<string, string>;
  log: string;
  health: string;
}

export async function startFlux(plane: Plane, opts: FluxOptions = {}): Promise<FluxControllers> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[flux] ${l}\n`));
  const build = await ensureFluxBuilt({ log });
  const dir = opts.dir ?? path.join(plane.stateDir, 'flux');
  fs.mkdirSync(dir, { recursive: true });
  const ns = FLUX_NAMESPACE;

  const crdFiles = fluxCrdFiles();
  const crds = crdFiles.flatMap((f) => f.names);
  await plane.kubectl(['apply', '--server-side', '--force-conflicts', ...crdFiles.flatMap((f) => ['-f', f.path])]);
  await plane.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crds.map((n) => `crd/${n}`)], { timeoutSeconds: 70 });
  await plane.kubectl(['apply', '-f', '-'], { input: `${sourceControllerRole()}---\n${rbac(ns)}` });

  const gitRoot = path.join(dir, 'git');
  let gitProcess: ChildProcess | undefined;
  let git: GitServer;
  if (opts.detached) {
    // A process of its own, so the repositories stay served after this one exits.
    const port = await freePort();
    const argv = [process.execPath, '--import', 'tsx', path.join(__dirname, 'gitServer.ts'), gitRoot, String(port)];
    const fd = fs.openSync(path.join(dir, 'git-server.log'), 'a');
    gitProcess = spawn(argv[0]!, argv.slice(1), { env: childEnv(), stdio: ['ignore', fd, fd], detached: true, cwd: path.join(__dirname, '..', '..') });
    fs.closeSync(fd);
    gitProcess.unref();
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while ((await httpStatus(`${url}/`)) === 0) {
      if (Date.now() > deadline) throw new Error(`the Git server did not start; see ${path.join(dir, 'git-server.log')}`);
      await sleep(200);
    }
    fs.mkdirSync(gitRoot, { recursive: true });
    git = {
      url,
      port,
      root: gitRoot,
      repoUrl: (name) => `${url}/${name}.git`,
      createRepo(name) {
        const r = spawnSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', path.join(gitRoot, `${name}.git`)], { encoding: 'utf8', env: childEnv({ GIT_CONFIG_NOSYSTEM: '1' }) });
        if (r.status !== 0) throw new Error(`git init --bare failed: ${r.stderr}`);
        return `${url}/${name}.git`;
      },
      requests: () => [],
      stop: async () => {
        try {
          process.kill(-gitProcess!.pid!, 'SIGTERM');
        } catch {
          // gone
        }
      },
    };
  } else git = await startGitServer(gitRoot, { log });
  const running = new Map<FluxController, Running>();
  try {
    const [storagePort, srcMetrics, srcHealth, ksMetrics, ksHealth] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const storage = `127.0.0.1:${storagePort}`;
    const common = ['--log-encoding=console', '--log-level=debug', '--watch-all-namespaces=true', '--enable-leader-election=false'];
    const spec: Record<FluxController, { args: string[]; metrics: number; health: number }> = {
      'source-controller': {
        args: [`--storage-path=${path.join(dir, 'artifacts')}`, `--storage-addr=${storage}`, `--storage-adv-addr=${storage}`, '--artifact-retention-ttl=5m'],
        metrics: srcMetrics,
        health: srcHealth,
      },
      'kustomize-controller': { args: ['--no-remote-bases=true'], metrics: ksMetrics, health: ksHealth },
    };
    for (const name of FLUX_CONTROLLERS) {
      const token = (await plane.kubectl(['-n', ns, 'create', 'token', name, '--duration=48h'])).stdout.trim();
      const kubeconfig = path.join(dir, `${name}.kubeconfig`);
      fs.writeFileSync(kubeconfig, kubeconfigFor(plane, `system:serviceaccount:${ns}:${name}`, token), { mode: 0o600 });
      const s = spec[name];
      running.set(name, {
        argv: [build.bin[name], `--metrics-addr=127.0.0.1:${s.metrics}`, `--health-addr=127.0.0.1:${s.health}`, ...common, ...s.args],
        env: { KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: ns, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: path.join(dir, 'tmp') },
        log: path.join(dir, `${name}.log`),
        health: `http://127.0.0.1:${s.health}/readyz`,
      });
    }
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });

    const start = async (name: FluxController): Promise<void> => {
      const r = running.get(name)!;
      const fd = fs.openSync(r.log, 'a');
      fs.writeSync(fd, `\n==== ${new Date().toISOString()} starting ${name}: ${JSON.stringify(r.argv)}\n`);
      const child = spawn(r.argv[0]!, r.argv.slice(1), { env: r.env, stdio: ['ignore', fd, fd], cwd: dir, detached: opts.detached === true });
      fs.closeSync(fd);
      if (opts.detached) child.unref();
      r.child = child;
      log(`${name} started (pid ${child.pid})`);
      const deadline = Date.now() + 60_000;
      while ((await httpStatus(r.health)) !== 200) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}); see ${r.log}:\n${fs.readFileSync(r.log, 'utf8').slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`${name} not ready after 60 s; see ${r.log}`);
        await sleep(250);
      }
    };
    const stopOne = async (name: FluxController): Promise<void> => {
      const child = running.get(name)?.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    };
    const exitHook = (): void => {
      for (const r of running.values()) r.child?.kill('SIGKILL');
    };
    if (!opts.detached) process.once('exit', exitHook);

    for (const name of FLUX_CONTROLLERS) await start(name);
    if (opts.detached) {
      const record = (c: ChildProcess, argv: string[], env: Record<string, string>, logFile: string) => ({ pid: c.pid!, argv, env, logFile });
      const state: FluxState = {
        format: 1,
        gitUrl: git.url,
        components: {
          'source-controller': record(running.get('source-controller')!.child!, running.get('source-controller')!.argv, running.get('source-controller')!.env, running.get('source-controller')!.log),
          'kustomize-controller': record(running.get('kustomize-controller')!.child!, running.get('kustomize-controller')!.argv, running.get('kustomize-controller')!.env, running.get('kustomize-controller')!.log),
          'git-server': { pid: gitProcess!.pid!, argv: [process.execPath], env: {}, logFile: path.join(dir, 'git-server.log') },
        },
      };
      fs.writeFileSync(path.join(dir, 'flux.json'), `${JSON.stringify(state, null, 2)}\n`);
    }

    return {
      namespace: ns,
      git,
      build,
      crds,
      pids: () => Object.fromEntries(FLUX_CONTROLLERS.map((n) => [n, running.get(n)?.child?.exitCode === null ? running.get(n)?.child?.pid : undefined])) as Record<FluxController, number | undefined>,
      logFile: (name) => running.get(name)!.log,
      async reconcile(kind, namespace, name) {
        const at = new Date().toISOString();
        const resource = kind === 'Kustomization' ? 'kustomizations.kustomize.toolkit.fluxcd.io' : 'gitrepositories.source.toolkit.fluxcd.io';
        await plane.kubectl(['-n', namespace, 'annotate', '--overwrite', resource, name, `reconcile.fluxcd.io/requestedAt=${at}`]);
        return at;
      },
      stopController: stopOne,
      startController: start,
      async stop() {
        for (const name of [...FLUX_CONTROLLERS].reverse()) await stopOne(name);
        process.removeListener('exit', exitHook);
        await git.stop();
      },
    };
  } catch (e) {
    for (const r of running.values()) r.child?.kill('SIGKILL');
    await git.stop();
    throw e;
  }
}
