/**
 * `history --revision` and `history --diff` of a workload print pod
 * templates: every env value that is not a reference and every secret-looking
 * flag is masked in text and JSON, and a diff still says which of them
 * changed. The built CLI reads a Deployment and its ReplicaSets from a small
 * API server on loopback whose every secret is a marker.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, workspace } from './run';

const template = (v: number) => ({
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      {
        name: 'web',
        image: `web:${v}`,
        args: ['--api-key', `MARKERargkey${v}`, `--db-password=MARKERargeq${v}`],
        env: [
          { name: 'DB_PASSWORD', value: `MARKERenvpw${v}` },
          { name: 'PLAIN_SETTING', value: `MARKERplain${v}` },
          { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ],
      },
    ],
  },
});

const OBJECTS: Record<string, unknown> = {
  '/apis/apps/v1/namespaces/default/deployments/web': {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'dep', resourceVersion: '100', generation: 2, annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: template(2) },
    status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
  },
  '/apis/apps/v1/namespaces/default/replicasets': {
    kind: 'ReplicaSetList',
    metadata: {},
    items: [1, 2].map((v) => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `web-${v}`,
        namespace: 'default',
        uid: `rs-${v}`,
        labels: { app: 'web', 'pod-template-hash': `h${v}` },
        creationTimestamp: `2024-01-0${v}T00:00:00Z`,
        annotations: { 'deployment.kubernetes.io/revision': String(v) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep', controller: true }],
      },
      spec: { replicas: v === 2 ? 1 : 0, selector: { matchLabels: { app: 'web' } }, template: { ...template(v), metadata: { labels: { app: 'web', 'pod-template-hash': `h${v}` } } } },
      status: { replicas: v === 2 ? 1 : 0 },
    })),
  },
};

let server: Server;
let dir: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', KUBECONFIG: join(dir, 'kubeconfig.yaml') } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('history of a workload shows no secret', () => {
  before(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = OBJECTS[path];
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    dir = workspace({
      'kubeconfig.yaml': `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}\nusers:\n- name: tester\n  user: {token: "t"}\ncontexts:\n- name: fake-staging\n  context: {cluster: fake, user: tester, namespace: default}\ncurrent-context: fake-staging\n`,
    });
  });
  after(() => server.close());

  it('--revision, text and JSON', async () => {
    for (const format of ['text', 'json']) {
      const r = await run(['history', 'deployment/web', '--revision', '1', '--format', format]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /web:1/);
      assert.doesNotMatch(r.stdout + r.stderr, /MARKER/, r.stdout);
      assert.match(r.stdout, /secretKeyRef/, 'a reference stays visible');
    }
  });

  it('--diff, text and JSON: masked values, and the fields whose values changed are named', async () => {
    const text = await run(['history', 'deployment/web', '--diff', '1..2']);
    assert.equal(text.code, 0, text.stderr);
    assert.doesNotMatch(text.stdout + text.stderr, /MARKER/, text.stdout);
    assert.match(text.stdout, /^--- deployment\/web revision 1\n\+\+\+ deployment\/web revision 2\n/);
    assert.match(text.stdout, /-\s+image: web:1\n\+\s+image: web:2/);
    assert.match(text.stdout, /Also changed \(values redacted\):\n(?:.*\n)*\s+changed spec\.containers\[web\]\.env\[DB_PASSWORD\]\.value\n/);
    const json = await run(['history', 'deployment/web', '--diff', '1..2', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.doesNotMatch(json.stdout, /MARKER/, json.stdout);
    const parsed = JSON.parse(json.stdout) as { equal: boolean; changes: { path: string }[] };
    assert.equal(parsed.equal, false);
    assert.ok(parsed.changes.some((c) => c.path === 'spec.containers[web].env[PLAIN_SETTING].value'));
  });
});
