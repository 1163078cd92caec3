/**
 * The one-command demo (started by `npm run demo` once dependencies are in):
 *
 *   1. build and package the extension (.vsix);
 *   2. create the bookstore demo repository on its risky branch;
 *   3. show what `rollback-guard check` and `report` say about it;
 *   4. start the local control plane (built from Go modules on first use) and
 *      seed it with workloads that have revision history;
 *   5. start code-server with the extension on the demo workspace.
 *
 *   6. start Flux's controllers reconciling shop/recommendations from a Git
 *      repository on loopback (scripts/demo/gitops.ts).
 *
 * `npm run demo -- --stop` stops everything it started. `--no-cluster`,
 * `--no-editor` and `--no-gitops` skip steps 4 (and 6), 5 and 6.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { childEnv } from '../childEnv.mjs';
import { createDemoRepo } from '../demo-repo.mjs';
import { ensureBuilt } from '../cluster/build';
import { attachPlane, readState, startPlane, stopPlane, isOurProcess, COMPONENTS } from '../cluster/plane';
import { seedBookstore } from '../cluster/seed';
import { seedGitOps, stopGitOps } from './gitops';
import { cacheRoot } from '../editor/install';
import { startCodeServer, freePort } from '../../test/e2e/harness/codeServer';

const ROOT = path.join(__dirname, '..', '..');
const DEMO_DIR = path.join(cacheRoot(), 'demo');
const STATE_FILE = path.join(DEMO_DIR, 'state.json');
const PLANE_DIR = path.join(DEMO_DIR, 'plane');
const FLUX_DIR = path.join(DEMO_DIR, 'flux');

interface DemoState {
  codeServerPid?: number;
  url?: string;
  planeStateDir?: string;
  workspace: string;
}

function step(title: string): void {
  console.log(`\n== ${title}`);
}

function run(argv: string[], options: { capture?: boolean; allowFailure?: boolean; cwd?: string } = {}): string {
  const result = spawnSync(argv[0]!, argv.slice(1), {
    cwd: options.cwd ?? ROOT,
    stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env: childEnv(),
  });
  if (result.status !== 0 && !options.allowFailure) throw new Error(`\`${argv.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
  return result.stdout ?? '';
}

function readDemoState(): DemoState | undefined {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as DemoState;
  } catch {
    return undefined;
  }
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

async function stop(): Promise<void> {
  const state = readDemoState();
  if (state?.codeServerPid && alive(state.codeServerPid)) {
    // code-server runs in its own process group: end it and everything it forked.
    try {
      process.kill(-state.codeServerPid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    console.log(`stopped code-server (pid ${state.codeServerPid})`);
  }
  if (await stopGitOps(FLUX_DIR)) console.log('stopped the Flux controllers and the Git server');
  if (await stopPlane(PLANE_DIR, { log: () => undefined })) console.log('stopped the control plane');
  fs.rmSync(STATE_FILE, { force: true });
  console.log('demo stopped');
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--stop')) return stop();
  const withCluster = !argv.includes('--no-cluster');
  const withEditor = !argv.includes('--no-editor');
  fs.mkdirSync(DEMO_DIR, { recursive: true });

  step('Building and packaging the extension');
  const vsix = run([process.execPath, 'scripts/package.mjs'], { capture: true }).trim().split('\n').at(-1)!;

  step('Creating the demo repository (bookstore, branch feature/drop-legacy-total)');
  const repo = createDemoRepo({ log: (m) => console.log(m) });
  console.log(repo.dir);

  step('rollback-guard check examples/ (every file, as in CI)');
  run([process.execPath, 'dist/cli.js', 'check', 'examples', '--fail-on', 'never']);

  step('rollback-guard check --base main, in the demo repository (the pull request)');
  run([process.execPath, path.join(ROOT, 'dist', 'cli.js'), 'check', '--base', 'main', '--fail-on', 'never'], { cwd: repo.dir });

  const state: DemoState = { workspace: repo.dir };
  let kubeconfig: string | undefined;
  if (withCluster) {
    step('Local control plane (etcd, kube-apiserver, controllers, scheduler, kwok)');
    const build = await ensureBuilt({ log: (m) => console.log(`  ${m}`) });
    console.log(`binaries: ${build.binDir}`);
    const recorded = readState(PLANE_DIR);
    let plane = recorded && COMPONENTS.every((c) => isOurProcess(recorded.components[c])) ? attachPlane(PLANE_DIR) : undefined;
    if (!plane) {
      await stopPlane(PLANE_DIR, { log: () => undefined });
      plane = await startPlane({ stateDir: PLANE_DIR, detached: true, log: (m) => console.log(`  ${m}`) });
    }
    console.log(`control plane: ${plane.server}`);
    await seedBookstore(plane, { chartDir: path.join(repo.dir, 'charts', 'storefront'), log: (m) => console.log(`  ${m}`) });
    kubeconfig = plane.kubeconfigPath;
    state.planeStateDir = PLANE_DIR;
  }

  if (withEditor) {
    step('code-server with Rollback Guard on the demo workspace');
    const previous = readDemoState();
    if (previous?.codeServerPid && alive(previous.codeServerPid)) process.kill(-previous.codeServerPid, 'SIGTERM');
    const port = await freePort();
    const server = await startCodeServer({
      workspace: repo.dir,
      vsix,
      keepRunning: true,
      port,
      userDataDir: path.join(DEMO_DIR, 'user-data'),
      extensionsDir: path.join(DEMO_DIR, 'extensions'),
      env: kubeconfig ? { KUBECONFIG: kubeconfig } : {},
      settings: { 'workbench.colorTheme': 'Default Light Modern' },
      log: (m) => console.log(`  ${m}`),
    });
    state.codeServerPid = server.pid;
    state.url = server.workbenchUrl;
  }
  fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));

  // Last, with the editor already open: Flux's controllers (built from their Go modules on first use) and a workload they manage.
  let gitops: { repoUrl: string; clone: string } | undefined;
  if (withCluster && !argv.includes('--no-gitops')) {
    step('Flux reconciling shop/recommendations from a Git repository on loopback');
    gitops = await seedGitOps(attachPlane(PLANE_DIR)!, { dir: FLUX_DIR, workspace: repo.dir, log: (m) => console.log(`  ${m}`) });
  }

  console.log('\n────────────────────────────────────────────────────────');
  if (state.url) console.log(`Open ${state.url}`);
  console.log(`Demo workspace: ${repo.dir} (on ${repo.branch})`);
  if (kubeconfig) console.log(`Cluster: KUBECONFIG=${kubeconfig} (namespace bookstore)`);
  if (gitops) console.log(`GitOps: shop/recommendations is reconciled by Flux from ${gitops.repoUrl} (clone in the workspace: gitops/); roll it back from the tree to try the held rollback`);
  console.log(`Packaged extension: ${vsix}`);
  console.log('Stop everything with: npm run demo -- --stop');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`demo: ${(error as Error).message}`);
  process.exit(1);
});
