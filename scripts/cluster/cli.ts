/**
 * npm run cluster -- <command>
 *
 *   build [--force] [GROUP…] build (or find in the cache) the control-plane binaries, or other groups
 *   up [--no-crds]           start a plane in the background; returns when it is ready
 *   down                     stop exactly the processes `up` started
 *   status [--json]          what is recorded and running
 *   env                      shell exports (KUBECONFIG, PATH, HELM_*) for the running plane
 *   seed                     create the bookstore workloads with revision history (and the storefront Helm release)
 *   kubectl ARGS... / helm ARGS...   run the built tool against the running plane
 *
 * --state-dir DIR (or ROLLBACK_GUARD_CLUSTER_STATE) picks the plane; the default
 * is ${ROLLBACK_GUARD_CACHE:-~/.cache/rollback-guard}/cluster/state.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureGroup, formatDuration, groupByName, PLANE } from './build';
import { seedBookstore } from './seed';
import { attachPlane, defaultStateDir, planeStatus, readState, startPlane, stopPlane, isOurProcess, COMPONENTS } from './plane';

const USAGE = `usage: npm run cluster -- <build [--force] [GROUP...] | up [--no-crds] | down | status [--json] | env | seed | kubectl ARGS | helm ARGS> [--state-dir DIR]`;

function takeFlag(args: string[], flag: string): boolean {
  const i = args.indexOf(flag);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

function takeOption(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const a = args[i] ?? '';
  if (a.includes('=')) {
    args.splice(i, 1);
    return a.slice(name.length + 1);
  }
  const v = args[i + 1];
  if (v === undefined) throw new Error(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const passthrough = command === 'kubectl' || command === 'helm';
  const args = [...rest];
  const stateDir = passthrough ? defaultStateDir() : (takeOption(args, '--state-dir') ?? defaultStateDir());

  switch (command) {
    case 'build': {
      const force = takeFlag(args, '--force');
      for (const name of args.length > 0 ? args : [PLANE.name]) {
        const t0 = Date.now();
        const r = await ensureGroup(await groupByName(name), { force });
        const secs = Math.round((Date.now() - t0) / 1000);
        console.log(`${name}: ${r.built ? `built in ${formatDuration(secs)}` : 'already built'}: ${r.binDir}`);
        console.log(`${name}: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      }
      return 0;
    }
    case 'up': {
      const crds = !takeFlag(args, '--no-crds');
      const st = readState(stateDir);
      if (st && COMPONENTS.some((n) => isOurProcess(st.components[n]))) {
        console.log(`already up: ${st.server} (state ${stateDir}); KUBECONFIG=${st.kubeconfigPath}`);
        return 0;
      }
      const plane = await startPlane({ stateDir, detached: true, crds });
      console.log(`control plane up in ${plane.readySeconds}s: ${plane.server}`);
      console.log(`kubeconfig: ${plane.kubeconfigPath} (contexts ${plane.contexts.admin}, ${plane.contexts.readonly})`);
      console.log(`pids: ${JSON.stringify(plane.pids())}`);
      console.log(`export KUBECONFIG=${shellQuote(plane.kubeconfigPath)} PATH=${shellQuote(plane.binDir)}:"$PATH"`);
      return 0;
    }
    case 'seed': {
      const plane = attachPlane(stateDir);
      if (!plane) {
        console.error(`no running plane in ${stateDir}: run \`npm run cluster -- up\` first`);
        return 1;
      }
      await seedBookstore(plane, { chartDir: join(__dirname, '..', '..', 'examples', 'bookstore', 'charts', 'storefront') });
      return 0;
    }
    case 'down': {
      const stopped = await stopPlane(stateDir);
      console.log(stopped ? `stopped the plane of ${stateDir}` : `no plane recorded in ${stateDir}`);
      return 0;
    }
    case 'status': {
      const json = takeFlag(args, '--json');
      const s = await planeStatus(stateDir);
      if (json) {
        console.log(JSON.stringify(s, null, 2));
      } else if (!s.recorded) {
        console.log(`no plane recorded in ${stateDir}`);
      } else {
        console.log(`state:      ${s.stateDir}`);
        console.log(`server:     ${s.server} (apiserver ${s.apiserverReady ? 'ready' : 'NOT ready'}, node ${s.nodeReady ? 'Ready' : 'NOT Ready'})`);
        console.log(`kubeconfig: ${s.kubeconfigPath}`);
        if (s.versions) {
          console.log(`versions:   kubernetes ${s.versions.kubernetes}, etcd ${s.versions.etcd}, helm ${s.versions.helm}, kwok ${s.versions.kwok}`);
        }
        for (const c of s.components) {
          console.log(`  ${c.name.padEnd(24)} ${c.running ? `running  pid ${c.pid}` : 'stopped'}  ${c.logFile ?? ''}`);
        }
        console.log(`crds:       ${s.crds.join(', ') || '(none)'}`);
      }
      const allUp = s.recorded && s.apiserverReady && s.components.every((c) => c.running);
      return allUp ? 0 : 3;
    }
    case 'env': {
      const plane = attachPlane(stateDir);
      if (!plane) {
        console.error(`no plane recorded in ${stateDir}`);
        return 1;
      }
      for (const k of ['KUBECONFIG', 'PATH', 'HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME']) {
        console.log(`export ${k}=${shellQuote(plane.env[k] ?? '')}`);
      }
      return 0;
    }
    case 'kubectl':
    case 'helm': {
      const plane = attachPlane(stateDir);
      if (!plane) {
        console.error(`no plane recorded in ${stateDir}; run: npm run cluster -- up`);
        return 1;
      }
      const r = spawnSync(plane.bin[command], args, { stdio: 'inherit', env: plane.env });
      return r.status ?? 1;
    }
    default:
      console.error(USAGE);
      return command ? 2 : 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
