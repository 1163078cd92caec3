/**
 * Cluster history and undo on the real test control plane, against kubectl.
 *
 *   npm run bench -- cluster [--deployments 500] [--revisions 10] [--replicas 1]
 *                            [--sample 50] [--runs 5] [--undo-runs 10]
 *
 * Setup: N Deployments in one namespace, each rolled through R revisions
 * (created and patched through the API in parallel batches; kwok makes the
 * pods Ready; each round waits until every Deployment observed its new
 * generation, so every revision gets its ReplicaSet).
 *
 * Measured:
 * - the history tree of the namespace: in process (readHistoryTree, a fresh
 *   session each run) and as a process (`rollback-guard history -n NS
 *   --format json`), against a loop of `kubectl rollout history
 *   deployment/<name>` processes — a sample of --sample Deployments, timed
 *   and extrapolated to all N (said so in the output);
 * - API calls: ours counted by the client, cross-checked with the
 *   apiserver's apiserver_request_total; kubectl's counted from its -v=6
 *   request log;
 * - undo: `rollback-guard undo --yes` vs `kubectl rollout undo`, to the patch
 *   being accepted (--no-wait) and to rollout complete (ours waits;
 *   kubectl's is `rollout undo` then `rollout status`), whole processes,
 *   alternating, on Deployments with identical histories.
 *
 * Targets: tree ≥ 20× faster than the kubectl loop with ≤ 3 LIST calls per
 * namespace and kind; undo no slower than kubectl.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlane, type Plane } from '../../test/cluster/plane';
import { ClusterSession, readHistoryTree, type KubeClient } from '../../src/cluster';
import { buildHistories, listAll } from '../../src/cluster/history';
import { fmt, median } from '../stats';

const ROOT = join(__dirname, '..', '..');
const NS = 'bench';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

function log(line: string): void {
  process.stderr.write(`[bench cluster] ${line}\n`);
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function deployment(i: number, replicas: number): unknown {
  const name = `svc-${String(i).padStart(3, '0')}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name }, annotations: { 'kubernetes.io/change-cause': 'release 1' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: `registry.example/${name}:1`, resources: { requests: { cpu: '1m', memory: '1Mi' } } }] },
      },
    },
  };
}

async function must<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

interface Dep {
  metadata: { name: string; generation: number };
  spec: { replicas: number };
  status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number };
}

async function setup(client: KubeClient, n: number, revisions: number, replicas: number): Promise<{ seconds: number; replicaSets: number }> {
  const t0 = Date.now();
  await must(client.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } }));
  const indexes = Array.from({ length: n }, (_, i) => i);
  await pool(indexes, 32, async (i) => {
    await must(client.request({ method: 'POST', path: `/apis/apps/v1/namespaces/${NS}/deployments`, body: deployment(i, replicas) }));
  });
  const waitObserved = async (what: string): Promise<void> => {
    for (;;) {
      const list = await must(client.request<{ items: Dep[] }>({ path: `/apis/apps/v1/namespaces/${NS}/deployments`, timeoutMs: 120_000 }));
      const behind = list.items.filter((d) => (d.status?.observedGeneration ?? 0) < d.metadata.generation).length;
      if (behind === 0) return;
      await new Promise((r) => setTimeout(r, 500));
      if (Date.now() - t0 > 60 * 60 * 1000) throw new Error(`setup stuck at ${what}: ${behind} not observed`);
    }
  };
  await waitObserved('revision 1');
  log(`created ${n} Deployments in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (let rev = 2; rev <= revisions; rev++) {
    await pool(indexes, 32, async (i) => {
      const name = `svc-${String(i).padStart(3, '0')}`;
      await must(
        client.request({
          method: 'PATCH',
          path: `/apis/apps/v1/namespaces/${NS}/deployments/${name}`,
          contentType: 'application/strategic-merge-patch+json',
          body: { metadata: { annotations: { 'kubernetes.io/change-cause': `release ${rev}` } }, spec: { template: { spec: { containers: [{ name: 'app', image: `registry.example/${name}:${rev}` }] } } } },
        }),
      );
    });
    await waitObserved(`revision ${rev}`);
    log(`revision ${rev} of ${revisions} observed by all (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  // Every rollout finished: kwok made the pods Ready.
  for (;;) {
    const list = await must(client.request<{ items: Dep[] }>({ path: `/apis/apps/v1/namespaces/${NS}/deployments`, timeoutMs: 120_000 }));
    const pending = list.items.filter((d) => (d.status?.updatedReplicas ?? 0) < d.spec.replicas || (d.status?.availableReplicas ?? 0) < d.spec.replicas || (d.status?.replicas ?? 0) > d.spec.replicas).length;
    if (pending === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const rs = await must(client.request<{ items: unknown[] }>({ path: `/apis/apps/v1/namespaces/${NS}/replicasets`, timeoutMs: 120_000 }));
  return { seconds: (Date.now() - t0) / 1000, replicaSets: rs.items.length };
}

/** apiserver_request_total as `VERB resource.group` → count (everything the apiserver served, all clients). */
function metrics(plane: Plane): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL('/metrics', plane.server), { ca: plane.caData, headers: { Authorization: `Bearer ${plane.tokens.admin}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = new Map<string, number>();
        for (const line of Buffer.concat(chunks).toString().split('\n')) {
          if (!line.startsWith('apiserver_request_total{')) continue;
          const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
          const key = `${labels.verb} ${labels.resource || '(discovery)'}${labels.subresource ? `/${labels.subresource}` : ''}${labels.group ? `.${labels.group}` : ''}`;
          out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
        }
        resolve(out);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function delta(before: Map<string, number>, after: Map<string, number>, keep: (k: string) => boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0 && keep(k)) out[k] = d;
  }
  return out;
}

function exec(argv: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

async function must0(p: Promise<{ ms: number; code: number; stdout: string; stderr: string }>, what: string): Promise<number> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r.ms;
}

function builtCli(): string {
  const cli = join(ROOT, 'dist', 'cli.js');
  const newest = (dir: string): number => readdirSync(dir).reduce((m, e) => Math.max(m, statSync(join(dir, e)).isDirectory() ? newest(join(dir, e)) : statSync(join(dir, e)).mtimeMs), 0);
  if (!existsSync(cli) || statSync(cli).mtimeMs < Math.max(newest(join(ROOT, 'src', 'cli')), newest(join(ROOT, 'src', 'cluster')))) {
    const r = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  }
  return cli;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×`;

export async function run(args: string[]): Promise<void> {
  const n = option(args, 'deployments', 500);
  const revisions = option(args, 'revisions', 10);
  const replicas = option(args, 'replicas', 1);
  const sample = Math.min(n, option(args, 'sample', 50));
  const runs = option(args, 'runs', 5);
  const undoRuns = option(args, 'undo-runs', 10);
  const cli = builtCli();
  const plane = await startPlane({ log, crds: false });
  try {
    const env = { ...plane.env, NO_COLOR: '1' };
    const opened = ClusterSession.open({ kubeconfig: { files: [plane.kubeconfigPath] }, context: plane.contexts.admin, productionContexts: [] });
    if (!opened.ok) throw new Error(opened.error.message);
    const setupResult = await setup(opened.value.client, n, revisions, replicas);
    opened.value.dispose();
    log(`setup: ${n} Deployments × ${revisions} revisions (${replicas} replica(s) each), ${setupResult.replicaSets} ReplicaSets, in ${setupResult.seconds.toFixed(0)} s`);

    // ------------------------------------------------------------ history tree
    const inProcess: number[] = [];
    let ourCalls: Record<string, number> = {};
    let workloads = 0;
    let revisionsSeen = 0;
    const m0 = await metrics(plane);
    for (let i = 0; i < runs; i++) {
      const s = ClusterSession.open({ kubeconfig: { files: [plane.kubeconfigPath] }, context: plane.contexts.admin, productionContexts: [] });
      if (!s.ok) throw new Error(s.error.message);
      const t0 = process.hrtime.bigint();
      const tree = await must(readHistoryTree(s.value.client, { namespace: NS }));
      inProcess.push(Number(process.hrtime.bigint() - t0) / 1e6);
      ourCalls = s.value.client.countCalls();
      workloads = tree.workloads.length;
      revisionsSeen = tree.workloads.reduce((a, w) => a + w.revisions.length, 0);
      s.value.dispose();
    }
    const m1 = await metrics(plane);
    // Where the in-process time goes: the five apps/v1 LISTs (server, transfer, JSON.parse) vs grouping them into histories.
    const listMs: number[] = [];
    const buildMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const s = ClusterSession.open({ kubeconfig: { files: [plane.kubeconfigPath] }, context: plane.contexts.admin, productionContexts: [] });
      if (!s.ok) throw new Error(s.error.message);
      const t0 = process.hrtime.bigint();
      const [deployments, replicaSets, statefulSets, daemonSets, controllerRevisions] = await Promise.all(
        ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'controllerrevisions'].map((r) => must(listAll(s.value.client, `/apis/apps/v1/namespaces/${NS}/${r}`))),
      );
      const t1 = process.hrtime.bigint();
      buildHistories({ deployments: deployments!.items, replicaSets: replicaSets!.items, statefulSets: statefulSets!.items, daemonSets: daemonSets!.items, controllerRevisions: controllerRevisions!.items });
      const t2 = process.hrtime.bigint();
      listMs.push(Number(t1 - t0) / 1e6);
      buildMs.push(Number(t2 - t1) / 1e6);
      bytes = JSON.stringify(replicaSets!.items).length;
      s.value.dispose();
    }
    const serverSaw = delta(m0, m1, (k) => k.startsWith('LIST ') && k.endsWith('.apps'));

    const ourProcess: number[] = [];
    for (let i = 0; i < runs; i++) ourProcess.push(await must0(exec([process.execPath, cli, 'history', '-n', NS, '--context', plane.contexts.admin, '--format', 'json'], env), 'rollback-guard history'));

    const names = Array.from({ length: sample }, (_, i) => `svc-${String(Math.floor((i * n) / sample)).padStart(3, '0')}`);
    // One warm-up so kubectl's discovery cache exists, as on a workstation.
    await must0(exec([plane.bin.kubectl, '--context', plane.contexts.admin, '-n', NS, 'rollout', 'history', `deployment/${names[0]}`], env), 'kubectl');
    const loopTimes: number[] = [];
    const perDeployment: number[] = [];
    for (let r = 0; r < Math.max(1, Math.min(runs, 3)); r++) {
      const t0 = Date.now();
      for (const name of names) perDeployment.push(await must0(exec([plane.bin.kubectl, '--context', plane.contexts.admin, '-n', NS, 'rollout', 'history', `deployment/${name}`], env), 'kubectl rollout history'));
      loopTimes.push(Date.now() - t0);
    }
    const sampleLoop = median(loopTimes);
    const extrapolated = (sampleLoop / sample) * n;
    // kubectl's requests, from its own request log (-v=6), for a few Deployments.
    const kubectlCalls: Record<string, number> = {};
    const counted = names.slice(0, 5);
    for (const name of counted) {
      const r = await exec([plane.bin.kubectl, '--context', plane.contexts.admin, '-n', NS, 'rollout', 'history', `deployment/${name}`, '-v=6'], env);
      for (const m of r.stderr.matchAll(/"Response" verb="(\w+)" url="([^"]+)"/g)) {
        const url = new URL(m[2]!);
        const parts = url.pathname.split('/').filter(Boolean);
        const isList = m[1] === 'GET' && !/\/deployments\/[^/]+$/.test(url.pathname) && parts.includes('namespaces');
        const key = parts.includes('namespaces') ? `${isList ? 'LIST' : m[1]} ${parts[parts.indexOf('namespaces') + 2]}` : `${m[1]} ${url.pathname} (discovery)`;
        kubectlCalls[key] = (kubectlCalls[key] ?? 0) + 1;
      }
    }
    const kubectlPerDeployment = Object.values(kubectlCalls).reduce((a, b) => a + b, 0) / counted.length;
    const ourTotal = Object.values(ourCalls).reduce((a, b) => a + b, 0);

    console.log(`\nSetup: ${n} Deployments × ${revisions} revisions, ${replicas} replica(s) each, one namespace; ${setupResult.replicaSets} ReplicaSets; ${setupResult.seconds.toFixed(0)} s to build.`);
    console.log(`Tree: ${workloads} workloads, ${revisionsSeen} revisions.\n`);
    console.log('| history of the whole namespace | median | vs kubectl loop | API calls |');
    console.log('| --- | ---: | ---: | --- |');
    console.log(`| rollback-guard, in process (readHistoryTree, fresh session) | ${fmt(median(inProcess))} | ${ratio(extrapolated, median(inProcess))} faster | ${ourTotal}: ${Object.entries(ourCalls).map(([k, v]) => `${v} ${k}`).join(', ')} |`);
    console.log(`| rollback-guard history -n ${NS} --format json (process) | ${fmt(median(ourProcess))} | ${ratio(extrapolated, median(ourProcess))} faster | same |`);
    console.log(`| kubectl rollout history × ${n} (${sample} timed, ×${(n / sample).toFixed(0)}) | ${fmt(extrapolated)} | 1× | ≈ ${(kubectlPerDeployment * n).toFixed(0)} (${kubectlPerDeployment.toFixed(1)} per Deployment: ${Object.entries(kubectlCalls).map(([k, v]) => `${(v / counted.length).toFixed(1)} ${k}`).join(', ')}) |`);
    console.log(`\nIn process, split: the five apps/v1 LISTs ${fmt(median(listMs))} (the ReplicaSet list is ${(bytes / 1e6).toFixed(1)} MB of JSON), grouping into histories ${fmt(median(buildMs))}.`);
    console.log(`kubectl per Deployment: median ${fmt(median(perDeployment))} per process; ${sample}-Deployment loop median ${fmt(sampleLoop)} over ${loopTimes.length} loop(s).`);
    console.log(`apiserver_request_total over the ${runs} in-process reads: ${Object.entries(serverSaw).map(([k, v]) => `${k} ${v}`).join(', ')} (= ${runs} × one LIST per resource; all clients count here, the controllers only watch).`);

    // ------------------------------------------------------------ undo
    const evidenceDir = mkdtempSync(join(tmpdir(), 'rg-bench-evidence-'));
    const target = Math.max(1, revisions - 3);
    const oursPatch: number[] = [];
    const theirsPatch: number[] = [];
    const oursDone: number[] = [];
    const theirsDone: number[] = [];
    const libPatch: number[] = [];
    const libDone: number[] = [];
    const pick = (k: number): string => `svc-${String(n - 1 - k).padStart(3, '0')}`;
    // In process, as the editor runs it: a fresh session (TLS handshake included), preflight, patch (and follow).
    const library = async (name: string, wait: boolean): Promise<number> => {
      const s = ClusterSession.open({ kubeconfig: { files: [plane.kubeconfigPath] }, context: plane.contexts.admin, productionContexts: [] });
      if (!s.ok) throw new Error(s.error.message);
      const t0 = process.hrtime.bigint();
      const pre = await must(s.value.preflight({ ref: { kind: 'Deployment', namespace: NS, name }, toRevision: target }));
      const done = await s.value.rollback(pre, { wait, timeoutMs: 120_000 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      s.value.dispose();
      if (!done.ok) throw new Error(done.error.message);
      return ms;
    };
    const waitSettled = async (name: string): Promise<void> => {
      await must0(exec([plane.bin.kubectl, '--context', plane.contexts.admin, '-n', NS, 'rollout', 'status', `deployment/${name}`, '--timeout=120s'], env), 'kubectl rollout status');
    };
    for (let k = 0; k < undoRuns; k++) {
      // Four Deployments with identical histories per round: ours/kubectl × patch-only/complete, order alternating.
      const [a, b, c, d, e, f] = [pick(6 * k), pick(6 * k + 1), pick(6 * k + 2), pick(6 * k + 3), pick(6 * k + 4), pick(6 * k + 5)];
      libPatch.push(await library(e!, false));
      libDone.push(await library(f!, true));
      const ours = async (name: string, wait: boolean): Promise<number> =>
        must0(exec([process.execPath, cli, 'undo', `deployment/${name}`, '-n', NS, '--context', plane.contexts.admin, '--to-revision', String(target), '--yes', '--evidence-dir', evidenceDir, ...(wait ? [] : ['--no-wait'])], env), 'rollback-guard undo');
      const theirs = async (name: string, wait: boolean): Promise<number> => {
        const t = await must0(exec([plane.bin.kubectl, '--context', plane.contexts.admin, '-n', NS, 'rollout', 'undo', `deployment/${name}`, `--to-revision=${target}`], env), 'kubectl rollout undo');
        return wait ? t + (await must0(exec([plane.bin.kubectl, '--context', plane.contexts.admin, '-n', NS, 'rollout', 'status', `deployment/${name}`, '--timeout=120s'], env), 'kubectl rollout status')) : t;
      };
      if (k % 2 === 0) {
        oursPatch.push(await ours(a!, false));
        theirsPatch.push(await theirs(b!, false));
      } else {
        theirsPatch.push(await theirs(b!, false));
        oursPatch.push(await ours(a!, false));
      }
      await waitSettled(a!);
      await waitSettled(b!);
      if (k % 2 === 0) {
        oursDone.push(await ours(c!, true));
        theirsDone.push(await theirs(d!, true));
      } else {
        theirsDone.push(await theirs(d!, true));
        oursDone.push(await ours(c!, true));
      }
    }
    console.log(`\n| undo --to-revision ${target} (whole processes, ${undoRuns} runs each) | rollback-guard undo --yes | kubectl | kubectl / ours |`);
    console.log('| --- | ---: | ---: | ---: |');
    console.log(`| to the patch accepted (ours: preflight incl. RBAC + server dry run, then patch; --no-wait) | ${fmt(median(oursPatch))} | ${fmt(median(theirsPatch))} (rollout undo) | ${ratio(median(theirsPatch), median(oursPatch))} |`);
    console.log(`| to rollout complete (ours follows it; kubectl: rollout undo + rollout status) | ${fmt(median(oursDone))} | ${fmt(median(theirsDone))} | ${ratio(median(theirsDone), median(oursDone))} |`);
    console.log(`| in process, as the editor runs it (fresh session, preflight, patch): to the patch accepted | ${fmt(median(libPatch))} | ${fmt(median(theirsPatch))} | ${ratio(median(theirsPatch), median(libPatch))} |`);
    console.log(`| in process: to rollout complete | ${fmt(median(libDone))} | ${fmt(median(theirsDone))} | ${ratio(median(theirsDone), median(libDone))} |`);
    const startup: number[] = [];
    const kubectlStartup: number[] = [];
    const nodeStartup: number[] = [];
    for (let i = 0; i < runs; i++) {
      nodeStartup.push(await must0(exec([process.execPath, '-e', '0'], env), 'node -e 0'));
      startup.push(await must0(exec([process.execPath, cli, 'undo', '--help'], env), 'rollback-guard undo --help'));
      kubectlStartup.push(await must0(exec([plane.bin.kubectl, 'rollout', 'undo', '--help'], env), 'kubectl rollout undo --help'));
    }
    console.log(`\nProcess start alone (\`undo --help\`, no request): rollback-guard ${fmt(median(startup))}, kubectl ${fmt(median(kubectlStartup))}; \`node -e 0\` ${fmt(median(nodeStartup))}.`);
    console.log(`\nEvidence records written to ${evidenceDir}.`);
  } finally {
    await plane.stop();
  }
}
