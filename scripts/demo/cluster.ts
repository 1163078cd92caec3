/**
 * The demo's local cluster, prepared in the background while the editor is
 * already open: build the control plane (or find it in the cache), start it
 * (or attach to the one running from an earlier demo) and seed it with the
 * bookstore's history. Its progress goes to a status file that the demo and
 * the extension's Cluster History view read:
 *
 *   { "state": "building" | "starting" | "seeding" | "ready" | "failed",
 *     "text": "building (kube-apiserver 2/7, ~9 min left)", "detail"?: "…",
 *     "pid", "log", "kubeconfig", "updatedAt", "elapsedSeconds" }
 *
 *   node --import tsx scripts/demo/cluster.ts <status.json> <plane state dir> <chart dir>
 *
 * Started detached by `npm run demo`; `npm run demo -- --stop` ends it (its
 * process group, so a running `go build` too) and the plane.
 */
import * as fs from 'node:fs';
import { describeProgress, ensureBuilt, formatDuration } from '../cluster/build';
import { attachPlane, COMPONENTS, isOurProcess, readState, startPlane, stopPlane } from '../cluster/plane';
import { seedBookstore } from '../cluster/seed';

export type LocalClusterState = 'building' | 'starting' | 'seeding' | 'ready' | 'failed';

export interface LocalClusterStatusFile {
  state: LocalClusterState;
  text: string;
  detail?: string;
  pid: number;
  log?: string;
  kubeconfig?: string;
  updatedAt: string;
  elapsedSeconds: number;
}

export function readStatus(file: string): LocalClusterStatusFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LocalClusterStatusFile;
  } catch {
    return undefined;
  }
}

async function main(statusFile: string, planeDir: string, chartDir: string, logFile: string | undefined): Promise<void> {
  const started = Date.now();
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  };
  const write = (state: LocalClusterState, text: string, extra: { detail?: string; kubeconfig?: string } = {}): void => {
    const status: LocalClusterStatusFile = {
      state,
      text,
      ...extra,
      pid: process.pid,
      ...(logFile ? { log: logFile } : {}),
      updatedAt: new Date().toISOString(),
      elapsedSeconds: Math.round((Date.now() - started) / 1000),
    };
    fs.writeFileSync(`${statusFile}.tmp`, `${JSON.stringify(status, null, 2)}\n`);
    fs.renameSync(`${statusFile}.tmp`, statusFile);
  };
  try {
    write('building', 'checking the control-plane binaries');
    const build = await ensureBuilt({
      log,
      onProgress: (p) => write('building', `building (${describeProgress(p)})`, { detail: `${formatDuration(p.elapsedSeconds)} so far, ${p.packagesDone}/${p.packagesTotal} packages compiled` }),
    });
    log(`binaries: ${build.binDir}`);
    const recorded = readState(planeDir);
    let plane = recorded && COMPONENTS.every((c) => isOurProcess(recorded.components[c])) ? attachPlane(planeDir) : undefined;
    if (!plane) {
      write('starting', 'starting (etcd, kube-apiserver, controllers, scheduler, kwok)');
      await stopPlane(planeDir, { log: () => undefined });
      plane = await startPlane({ stateDir: planeDir, detached: true, build, log });
    }
    write('seeding', 'seeding the bookstore namespace with revision history', { kubeconfig: plane.kubeconfigPath });
    await seedBookstore(plane, { chartDir, log });
    write('ready', `ready: ${plane.server}`, { kubeconfig: plane.kubeconfigPath });
    log(`ready after ${formatDuration((Date.now() - started) / 1000)}`);
  } catch (error) {
    const message = (error as Error).message;
    log(`failed: ${message}`);
    write('failed', `failed: ${message.split('\n')[0]}`, { detail: logFile ? `see ${logFile}` : message });
    process.exitCode = 1;
  }
}

if (process.argv[1] && /[\\/]scripts[\\/]demo[\\/]cluster\.ts$/.test(process.argv[1])) {
  const [statusFile, planeDir, chartDir, logFile] = process.argv.slice(2);
  if (!statusFile || !planeDir || !chartDir) {
    process.stderr.write('usage: node --import tsx scripts/demo/cluster.ts <status.json> <plane state dir> <chart dir> [log file]\n');
    process.exit(2);
  }
  void main(statusFile, planeDir, chartDir, logFile);
}
