/**
 * The one-command demo (started by `npm run demo` once dependencies are in):
 *
 *   1. build and package the extension (.vsix; with Helm's engine once it is built);
 *   2. create the bookstore demo repository on its risky branch;
 *   3. show what `rollback-guard check` says about examples/ and the branch;
 *   4. start preparing the local cluster in the background (scripts/demo/cluster.ts:
 *      build the control plane from Go modules on first use, start it, seed it),
 *      at a lower priority while
 *   5. the editor installs (code-server; cached after the first run);
 *   6. start code-server with the extension on the demo workspace, wired to
 *      the cluster: its kubeconfig, the helm it built, and the status file the
 *      Cluster History view shows while the cluster is not up yet;
 *   7. follow the cluster until it is ready;
 *   8. start Flux's controllers reconciling shop/recommendations from a Git
 *      repository on loopback (scripts/demo/gitops.ts), then print what to try.
 *
 * Diagnostics, the release class and the report work as soon as the editor
 * opens; the Cluster History view fills itself when the cluster is up.
 *
 *   npm run demo -- --stop         stop everything the demo started
 *   npm run demo -- --no-cluster   no local cluster
 *   npm run demo -- --no-editor    no editor (the cluster only)
 *   npm run demo -- --no-gitops    no Flux controllers
 *   npm run demo -- --repo DIR     the demo repository in DIR (default examples/bookstore/.demo/repo)
 *
 * A failure after something started stops all of it again; Ctrl+C while
 * following leaves the editor and the cluster build running (`--stop` ends them).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { childEnv } from '../childEnv.mjs';
import { createDemoRepo } from '../demo-repo.mjs';
import { formatDuration, planeBinDir } from '../cluster/build';
import { attachPlane, stopPlane } from '../cluster/plane';
import { cacheRoot, editorInstalled, ensureEditor } from '../editor/install';
import { startCodeServer, freePort } from '../../test/e2e/harness/codeServer';
import { readStatus, type LocalClusterStatusFile } from './cluster';
import { seedGitOps, stopGitOps } from './gitops';

const ROOT = path.join(__dirname, '..', '..');
const DEMO_DIR = path.join(cacheRoot(), 'demo');
const STATE_FILE = path.join(DEMO_DIR, 'state.json');
const PLANE_DIR = path.join(DEMO_DIR, 'plane');
const FLUX_DIR = path.join(DEMO_DIR, 'flux');
const STATUS_FILE = path.join(DEMO_DIR, 'cluster-status.json');
const CLUSTER_LOG = path.join(DEMO_DIR, 'cluster.log');
const KUBECONFIG = path.join(PLANE_DIR, 'kubeconfig');
const STOP_COMMAND = 'npm run demo -- --stop';

interface DemoState {
  codeServerPid?: number;
  url?: string;
  /** The background job preparing the cluster (scripts/demo/cluster.ts); its process group. */
  clusterJobPid?: number;
  planeStateDir?: string;
  workspace?: string;
}

const demoStarted = Date.now();

function elapsed(since: number): string {
  return formatDuration((Date.now() - since) / 1000);
}

/** Runs a titled step and prints how long it took. */
async function step<T>(title: string, fn: () => T | Promise<T>): Promise<T> {
  console.log(`\n== ${title}`);
  const t0 = Date.now();
  const value = await fn();
  console.log(`   (${elapsed(t0)}; ${elapsed(demoStarted)} since the start)`);
  return value;
}

function run(argv: string[], options: { capture?: boolean; cwd?: string; env?: Record<string, string> } = {}): string {
  const result = spawnSync(argv[0]!, argv.slice(1), {
    cwd: options.cwd ?? ROOT,
    stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env: childEnv(options.env),
  });
  if (result.status !== 0) throw new Error(`\`${argv.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
  return result.stdout ?? '';
}

function readDemoState(): DemoState {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as DemoState;
  } catch {
    return {};
  }
}

function writeDemoState(state: DemoState): void {
  fs.mkdirSync(DEMO_DIR, { recursive: true });
  fs.writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` still runs the program recorded for it (a recycled pid is someone else's). */
function runs(pid: number | undefined, needle: string): boolean {
  if (!alive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
  } catch {
    return false;
  }
}

/** Ends a process group (SIGTERM, then SIGKILL after `graceMs`); resolves when its leader is gone. */
async function stopGroup(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (alive(pid)) signal('SIGKILL');
  // Children of the group (a go build's compilers) may outlive the leader by a moment.
  signal('SIGKILL');
}

/** Stops everything the demo started: code-server, the cluster job, Flux's controllers, the control plane. */
async function stopAll(state: DemoState, log: (line: string) => void = console.log): Promise<void> {
  if (runs(state.clusterJobPid, 'scripts/demo/cluster.ts')) {
    await stopGroup(state.clusterJobPid!);
    log(`stopped the cluster job (pid ${state.clusterJobPid})`);
  }
  if (runs(state.codeServerPid, 'code-server')) {
    await stopGroup(state.codeServerPid!);
    log(`stopped code-server (pid ${state.codeServerPid})`);
  }
  if (await stopGitOps(FLUX_DIR)) log('stopped the Flux controllers and the Git server');
  if (await stopPlane(PLANE_DIR, { log: () => undefined })) log('stopped the control plane');
  fs.rmSync(STATE_FILE, { force: true });
  fs.rmSync(STATUS_FILE, { force: true });
}

async function stop(): Promise<void> {
  await stopAll(readDemoState());
  console.log('demo stopped');
}

/**
 * Starts the background job that builds, starts and seeds the cluster (or
 * finds it running). `nice`: a lower priority, so that the editor, installed
 * meanwhile, goes first; the job uses whatever CPU the install leaves.
 */
function startClusterJob(chartDir: string, nice: number): number {
  fs.rmSync(STATUS_FILE, { force: true });
  const logFd = fs.openSync(CLUSTER_LOG, 'w');
  const job = [process.execPath, '--import', 'tsx', path.join(ROOT, 'scripts', 'demo', 'cluster.ts'), STATUS_FILE, PLANE_DIR, chartDir, CLUSTER_LOG];
  // `nice` execs the job, so the pid stays the job's.
  const argv = nice > 0 ? ['nice', '-n', String(nice), ...job] : job;
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: ROOT,
    env: childEnv(),
    detached: true, // its own process group: --stop ends it and the go build it runs
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  if (!child.pid) throw new Error('could not start the cluster job');
  child.unref();
  return child.pid;
}

/** Follows the cluster job until the cluster is ready; throws when it fails or dies. */
async function followCluster(jobPid: number): Promise<LocalClusterStatusFile> {
  let lastState = '';
  let lastPrint = 0;
  for (;;) {
    const status = readStatus(STATUS_FILE);
    if (status?.state === 'ready') return status;
    if (status?.state === 'failed') throw new Error(`the local cluster failed: ${status.text.replace(/^failed: /, '')}\n${tail(CLUSTER_LOG)}`);
    if (!runs(jobPid, 'scripts/demo/cluster.ts')) {
      const again = readStatus(STATUS_FILE);
      if (again?.state === 'ready') return again;
      throw new Error(`the cluster job (pid ${jobPid}) ended without a ready cluster\n${tail(CLUSTER_LOG)}`);
    }
    // A line when the step changes, else every 30 s: long steps show they move.
    if ((status?.state ?? '') !== lastState || Date.now() - lastPrint >= 30_000) {
      console.log(`   ${elapsed(demoStarted).padStart(7)}  local cluster: ${status?.text ?? 'starting'}${status?.detail ? ` (${status.detail})` : ''}`);
      lastState = status?.state ?? '';
      lastPrint = Date.now();
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Sets `values` in code-server's Remote (Machine) settings under `userDataDir`, removing the keys the demo set before. */
function writeMachineSettings(userDataDir: string, values: Record<string, string>): void {
  const file = path.join(userDataDir, 'Machine', 'settings.json');
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    /* none yet */
  }
  delete settings['rollbackGuard.cluster.helmPath'];
  delete settings['rollbackGuard.cluster.kubeconfig'];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...settings, ...values }, null, 2)}\n`);
}

function tail(file: string, lines = 15): string {
  try {
    const all = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return `--- last lines of ${file} ---\n${all.slice(-lines).join('\n')}`;
  } catch {
    return '';
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--stop')) return stop();
  const withCluster = !argv.includes('--no-cluster');
  const withEditor = !argv.includes('--no-editor');
  fs.mkdirSync(DEMO_DIR, { recursive: true });
  const state: DemoState = readDemoState();
  /** What this run started, to stop again if it fails. */
  const startedHere: DemoState = {};
  let fluxStarting = false;
  try {
    const vsix = await step('Building and packaging the extension', () => {
      // Helm's engine goes in when it is built already; its first build (many
      // minutes, needs Go) is not worth the wait for the editor: the demo
      // packages without it and says how to add it.
      const engine = run([process.execPath, 'scripts/helm-engine.mjs', '--cached'], { capture: true }).trim();
      if (engine) return run([process.execPath, 'scripts/package.mjs'], { capture: true }).trim().split('\n').at(-1)!;
      console.log("   Helm's template engine is not built yet: this demo reads Helm charts without rendering them.");
      console.log('   `node scripts/helm-engine.mjs` builds it (Go, about 15–30 min the first time); the next `npm run demo` packages it.');
      return run([process.execPath, 'scripts/package.mjs', '--allow-no-engine'], { capture: true, env: { ROLLBACK_GUARD_HELM_ENGINE: '0' } }).trim().split('\n').at(-1)!;
    });

    const repoAt = argv.indexOf('--repo');
    const target = repoAt >= 0 ? argv[repoAt + 1] : undefined;
    const repo = await step('Creating the demo repository (bookstore, branch feature/drop-legacy-total)', () => {
      const r = createDemoRepo({ ...(target ? { target } : {}), log: (m) => console.log(m) });
      console.log(r.dir);
      return r;
    });
    state.workspace = repo.dir;

    await step('rollback-guard check examples/ (every file, as in CI)', () => {
      run([process.execPath, 'dist/cli.js', 'check', 'examples', '--fail-on', 'never']);
    });

    await step('rollback-guard check --base main, in the demo repository (the pull request)', () => {
      run([process.execPath, path.join(ROOT, 'dist', 'cli.js'), 'check', '--base', 'main', '--fail-on', 'never'], { cwd: repo.dir });
    });

    // The editor is installed first; the cluster job starts now at a lower
    // priority and takes what CPU the install leaves, then runs at full speed.
    const installing = withEditor && !editorInstalled();
    let jobPid: number | undefined;
    if (withCluster) {
      await step('Local cluster (etcd, kube-apiserver, controllers, scheduler, kwok), prepared in the background', () => {
        if (runs(state.clusterJobPid, 'scripts/demo/cluster.ts')) {
          jobPid = state.clusterJobPid!;
          console.log(`   already being prepared (pid ${jobPid}); log: ${CLUSTER_LOG}`);
        } else {
          jobPid = startClusterJob(path.join(repo.dir, 'charts', 'storefront'), installing ? 10 : 0);
          startedHere.clusterJobPid = jobPid;
          console.log(`   pid ${jobPid}${installing ? ', at a lower priority while the editor installs' : ''}; log: ${CLUSTER_LOG}`);
        }
        state.clusterJobPid = jobPid;
        state.planeStateDir = PLANE_DIR;
        writeDemoState(state);
      });
    }

    if (withEditor) {
      await step('Installing the editor (code-server on Node 24; cached after the first run)', () => ensureEditor({ log: (m) => console.log(`   ${m}`) }));
      // Back to normal priority (lowering a nice value needs root; elsewhere the job just keeps its lower one).
      if (installing && jobPid && spawnSync('renice', ['-n', '0', '-g', String(jobPid)], { stdio: 'ignore', env: childEnv() }).status === 0) console.log('   the cluster job continues at normal priority');
    }

    if (withEditor) {
      await step('code-server with Rollback Guard on the demo workspace', async () => {
        if (runs(state.codeServerPid, 'code-server')) await stopGroup(state.codeServerPid!);
        // Where the plane's helm will be (its cache key needs go; without go the editor still opens).
        let binDir: string | undefined;
        try {
          binDir = withCluster ? planeBinDir() : undefined;
        } catch {
          binDir = undefined;
        }
        const userDataDir = path.join(DEMO_DIR, 'user-data');
        // The helm and kubeconfig settings are machine settings: code-server reads them from its
        // Remote (Machine) settings, not the User ones. PATH is no way in: the extension host takes
        // the login shell's PATH.
        writeMachineSettings(userDataDir, withCluster ? { ...(binDir ? { 'rollbackGuard.cluster.helmPath': path.join(binDir, 'helm') } : {}), 'rollbackGuard.cluster.kubeconfig': KUBECONFIG } : {});
        const server = await startCodeServer({
          workspace: repo.dir,
          vsix,
          keepRunning: true,
          port: await freePort(),
          userDataDir,
          extensionsDir: path.join(DEMO_DIR, 'extensions'),
          // The cluster's kubeconfig and binaries exist once it is up; the view shows the status file meanwhile.
          env: withCluster ? { KUBECONFIG, ROLLBACK_GUARD_LOCAL_CLUSTER: STATUS_FILE } : {},
          settings: { 'workbench.colorTheme': 'Default Light Modern' },
          log: (m) => console.log(`   ${m}`),
        });
        state.codeServerPid = server.pid;
        startedHere.codeServerPid = server.pid;
        state.url = server.workbenchUrl;
        writeDemoState(state);
        console.log(`\n   Open ${server.workbenchUrl}`);
        console.log('   Diagnostics, the release class (status bar) and the report (Rollback Guard: Show Release Rollback Report) work now;');
        if (withCluster) console.log('   the Cluster History view shows the local cluster\'s progress and fills itself when it is up.');
      });
    }

    let cluster: LocalClusterStatusFile | undefined;
    if (withCluster && jobPid) {
      cluster = await step('Waiting for the local cluster (Ctrl+C leaves it building; it keeps going in the background)', () => followCluster(jobPid!));
    }

    // Last, with the editor open and the cluster up: Flux's controllers (built from their Go modules on first use) and a workload they manage.
    let gitops: { repoUrl: string; clone: string } | undefined;
    if (cluster && !argv.includes('--no-gitops')) {
      fluxStarting = true;
      gitops = await step('Flux reconciling shop/recommendations from a Git repository on loopback', () =>
        seedGitOps(attachPlane(PLANE_DIR)!, { dir: FLUX_DIR, workspace: repo.dir, log: (m) => console.log(`   ${m}`) }),
      );
    }

    console.log('\n────────────────────────────────────────────────────────');
    if (state.url) console.log(`Editor:    ${state.url}`);
    console.log(`Workspace: ${repo.dir} (on ${repo.branch})`);
    if (cluster) {
      console.log(`Cluster:   KUBECONFIG=${cluster.kubeconfig ?? KUBECONFIG} (namespace bookstore); kubectl and helm in ${planeBinDir()}`);
    }
    if (gitops) console.log(`GitOps:    shop/recommendations is reconciled by Flux from ${gitops.repoUrl} (clone in the workspace: gitops/)`);
    console.log(`Extension: ${vsix}`);
    if (state.url) {
      console.log('\nTry:');
      console.log('  - the Problems panel: the branch\'s findings (a dropped column, an immutable selector, an image bump); a quick fix on each');
      console.log('  - the status bar: the release class (restore-required); click it for the report, then "Create rollback-plan.yaml"');
      if (cluster) {
        console.log('  - Cluster History: Deployment catalog (3 revisions) → Roll Back to This Revision… on revision 1 (preflight, evidence)');
        console.log('  - the Helm release storefront (3 revisions): roll back to revision 2, with the helm the demo built');
        console.log('  - apps/catalog/deployment.yaml: the CodeLens with the live revision; Make the Manifest Match the Cluster…');
      }
      if (gitops) console.log('  - Cluster History: shop/recommendations → Roll Back to This Revision… on revision 1: a held rollback under GitOps');
    }
    console.log(`\nReady after ${elapsed(demoStarted)}. Stop everything with: ${STOP_COMMAND}`);
  } catch (error) {
    console.error(`\ndemo: ${(error as Error).message}`);
    if (startedHere.codeServerPid || startedHere.clusterJobPid || fluxStarting) {
      console.error('demo: stopping what it started');
      await stopAll(state, (l) => console.error(`demo: ${l}`));
    }
    console.error('demo: the next `npm run demo` picks up from the caches');
    process.exitCode = 1;
  }
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  const state = readDemoState();
  console.log(`\ndemo: interrupted. ${state.codeServerPid ? `The editor stays up (${state.url}); ` : ''}${state.clusterJobPid ? 'the local cluster keeps being prepared in the background; ' : ''}stop everything with: ${STOP_COMMAND}`);
  process.exit(130);
});

void main(process.argv.slice(2));
