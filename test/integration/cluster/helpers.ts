/** Shared by the cluster integration tests: sessions on the plane, workloads with a history, object comparison. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterSession, type SessionOptions } from '../../../src/cluster';
import type { Plane } from '../../cluster/plane';

export const ROOT = join(__dirname, '..', '..', '..');

export function session(plane: Plane, context: string = plane.contexts.admin, options: Partial<SessionOptions> = {}): ClusterSession {
  const s = ClusterSession.open({ kubeconfig: { files: [plane.kubeconfigPath] }, context, productionContexts: [], ...options });
  if (!s.ok) throw new Error(s.error.message);
  return s.value;
}

export type Kind = 'deployment' | 'statefulset' | 'daemonset';

/** Version `v` of a workload: its image, an env var and a change-cause differ per version. */
export function manifest(kind: Kind, ns: string, name: string, v: number, extra: { labels?: Record<string, string>; replicas?: number } = {}): string {
  const apiKind = kind === 'deployment' ? 'Deployment' : kind === 'statefulset' ? 'StatefulSet' : 'DaemonSet';
  const labels = { 'app.kubernetes.io/part-of': 'rg-test', ...extra.labels };
  return `
apiVersion: apps/v1
kind: ${apiKind}
metadata:
  name: ${name}
  namespace: ${ns}
  labels: ${JSON.stringify(labels)}
  annotations:
    kubernetes.io/change-cause: "release ${v}"
    team: "payments"
spec:
${kind === 'daemonset' ? '' : `  replicas: ${extra.replicas ?? 2}\n`}${kind === 'statefulset' ? `  serviceName: ${name}\n` : ''}  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}, version: "v${v}"}
      annotations: {build: "b${v}"}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: registry.example/${name}:${v}.0
        env:
        - {name: RELEASE, value: "${v}"}
        - {name: DB_PASSWORD, value: "hunter${v}"}
        resources: {requests: {cpu: 10m, memory: 16Mi}}
${v % 2 === 0 ? `      - name: sidecar\n        image: registry.example/sidecar:${v}\n` : ''}`;
}

export async function rolloutStatus(plane: Plane, ns: string, ref: string): Promise<void> {
  await plane.kubectl(['-n', ns, 'rollout', 'status', ref, '--timeout=120s'], { timeoutSeconds: 150 });
}

/** Applies versions 1..n in order, waiting for each rollout, so each version becomes one revision. */
export async function withHistory(plane: Plane, kind: Kind, ns: string, name: string, versions: number, extra: { labels?: Record<string, string>; replicas?: number } = {}): Promise<void> {
  for (let v = 1; v <= versions; v++) {
    await plane.kubectl(['apply', '-f', '-'], { input: manifest(kind, ns, name, v, extra) });
    await rolloutStatus(plane, ns, `${kind}/${name}`);
  }
}

export async function namespace(plane: Plane, ns: string): Promise<void> {
  await plane.kubectl(['create', 'namespace', ns]);
  // The namespace controller creates the default ServiceAccount; pods of workloads need none here (no admission plugin).
}

export async function getJson<T = Record<string, unknown>>(plane: Plane, ns: string, ref: string): Promise<T> {
  return JSON.parse((await plane.kubectl(['-n', ns, 'get', ref, '-o', 'json'])).stdout) as T;
}

/** Replaces every occurrence of `from` in string values (last-applied-configuration holds the namespace). */
function replaceStrings(v: unknown, from: string, to: string): unknown {
  if (typeof v === 'string') return v.split(from).join(to);
  if (Array.isArray(v)) return v.map((x) => replaceStrings(x, from, to));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceStrings(x, from, to)]));
  return v;
}

/**
 * What the differential test compares: spec (template included), labels,
 * annotations and generation. Only names, namespaces, uids, resourceVersions,
 * timestamps and managedFields are normalised away; status is the controller's.
 */
export function comparable(obj: Record<string, unknown>, ns: string): unknown {
  const meta = obj.metadata as Record<string, unknown>;
  return replaceStrings({ labels: meta.labels, annotations: meta.annotations, generation: meta.generation, spec: obj.spec }, ns, '<ns>');
}

/** Revision number → images, as `kubectl rollout history` sees them (read through the API here). */
export async function revisionsOf(s: ClusterSession, kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', ns: string, name: string): Promise<string[]> {
  const h = await s.workloadHistory({ kind, namespace: ns, name });
  assert.ok(h.ok, h.ok ? '' : h.error.message);
  return h.value.revisions.map((r) => `${r.revision}${r.live ? '*' : ''}:${r.images.map((i) => i.image).join('+')}:${r.changeCause ?? ''}`);
}

/** `kubectl rollout history` table → [revision, change-cause]. */
export function parseKubectlHistory(text: string): [number, string][] {
  return text
    .split('\n')
    .filter((l) => /^\d+\s/.test(l))
    .map((l) => {
      const m = /^(\d+)\s+(.*)$/.exec(l.trimEnd())!;
      return [Number(m[1]), m[2]!.trim()];
    });
}

/** The built CLI (dist/cli.js), rebuilt with the project's build when a source file is newer. */
export function builtCli(): string {
  const cli = join(ROOT, 'dist', 'cli.js');
  const newest = (dir: string): number =>
    readdirSync(dir).reduce((m, e) => {
      const p = join(dir, e);
      const st = statSync(p);
      return Math.max(m, st.isDirectory() ? newest(p) : st.mtimeMs);
    }, 0);
  const sources = Math.max(...['cli', 'cluster', 'core', 'git'].map((d) => newest(join(ROOT, 'src', d))));
  if (!existsSync(cli) || statSync(cli).mtimeMs < sources) {
    const r = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `build failed: ${r.stderr}`);
  }
  return cli;
}

export function runCli(cli: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: opts.cwd, env: { ...opts.env, NO_COLOR: '1' }, encoding: 'utf8', input: opts.input ?? '', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
