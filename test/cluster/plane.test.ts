/**
 * The test control plane itself: real components, real scheduling, real RBAC.
 * The first run builds the binaries (minutes, cached afterwards).
 *
 *   node --import tsx --test test/cluster/plane.test.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { startPlane, type Plane } from './plane';

const NS = 'plane-test';

function deployment(image: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
`;
}

/** A raw API call with a bearer token, trusting only the plane's CA. */
function call(plane: Plane, method: string, path: string, token: string, body?: string, contentType?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, plane.server),
      {
        method,
        ca: plane.caData,
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(contentType ? { 'Content-Type': contentType } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('test control plane', { timeout: 60 * 60 * 1000 }, () => {
  let plane: Plane;

  before(async () => {
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`) });
  });

  after(async () => {
    await plane?.stop();
  });

  test('reports the pinned versions', async () => {
    const v = JSON.parse((await plane.kubectl(['version', '-o', 'json'])).stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    assert.equal(v.serverVersion.gitVersion, plane.versions.kubernetes);
    assert.equal(v.clientVersion.gitVersion, plane.versions.kubernetes);
  });

  test('a Deployment rolls out on the kwok node and keeps its history', { timeout: 180_000 }, async () => {
    await plane.kubectl(['create', 'namespace', NS]);
    await plane.kubectl(['apply', '-f', '-'], { input: deployment('registry.example/web:1') });
    await plane.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=90s']);
    await plane.kubectl(['-n', NS, 'set', 'image', 'deployment/web', 'web=registry.example/web:2']);
    await plane.kubectl(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=90s']);

    const d = JSON.parse((await plane.kubectl(['-n', NS, 'get', 'deployment', 'web', '-o', 'json'])).stdout) as {
      metadata: { annotations: Record<string, string> };
      status: { readyReplicas?: number; updatedReplicas?: number };
    };
    assert.equal(d.status.readyReplicas, 2);
    assert.equal(d.status.updatedReplicas, 2);
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '2');

    const pods = JSON.parse((await plane.kubectl(['-n', NS, 'get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout) as {
      items: { spec: { nodeName?: string }; status: { phase?: string } }[];
    };
    const running = pods.items.filter((p) => p.status.phase === 'Running');
    assert.ok(running.length >= 2, `expected 2 running pods, got ${JSON.stringify(pods.items.map((p) => p.status.phase))}`);
    for (const p of running) assert.equal(p.spec.nodeName, plane.nodeName);

    const rs = JSON.parse((await plane.kubectl(['-n', NS, 'get', 'replicasets', '-l', 'app=web', '-o', 'json'])).stdout) as {
      items: { metadata: { annotations: Record<string, string>; ownerReferences?: { kind: string }[] } }[];
    };
    assert.deepEqual(rs.items.map((r) => r.metadata.annotations['deployment.kubernetes.io/revision']).sort(), ['1', '2']);
    assert.ok(rs.items.every((r) => r.metadata.ownerReferences?.[0]?.kind === 'Deployment'));
  });

  test('the read-only user can read but gets 403 on patch', async () => {
    const get = await call(plane, 'GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`, plane.tokens.readonly);
    assert.equal(get.status, 200);

    const patch = await call(
      plane,
      'PATCH',
      `/apis/apps/v1/namespaces/${NS}/deployments/web`,
      plane.tokens.readonly,
      JSON.stringify({ spec: { replicas: 3 } }),
      'application/merge-patch+json',
    );
    assert.equal(patch.status, 403, patch.body);
    assert.equal((JSON.parse(patch.body) as { reason?: string }).reason, 'Forbidden');

    const viaKubectl = await plane.kubectl(['-n', NS, 'patch', 'deployment', 'web', '-p', '{"spec":{"replicas":3}}'], {
      context: plane.contexts.readonly,
      allowFailure: true,
    });
    assert.notEqual(viaKubectl.code, 0);
    assert.match(viaKubectl.stderr, /forbidden/i);
  });

  test('the Argo Rollouts CRD is established and takes a Rollout', async () => {
    assert.ok(plane.crds.includes('rollouts.argoproj.io'), plane.crds.join(','));
    await plane.kubectl(['apply', '-f', '-'], {
      input: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: rollout-web}}
  template:
    metadata: {labels: {app: rollout-web}}
    spec: {containers: [{name: web, image: registry.example/web:1}]}
  strategy: {canary: {steps: [{setWeight: 50}]}}
`,
    });
    const got = await plane.kubectl(['-n', NS, 'get', 'rollouts.argoproj.io', 'web', '-o', 'jsonpath={.spec.strategy.canary.steps[0].setWeight}']);
    assert.equal(got.stdout, '50');
  });

  test('the apiserver can be stopped and started again with the same data', { timeout: 180_000 }, async () => {
    await plane.stopApiserver();
    const down = await plane.kubectl(['get', 'ns', NS, '--request-timeout=3s'], { allowFailure: true });
    assert.notEqual(down.code, 0);
    await plane.startApiserver();
    const up = await plane.kubectl(['-n', NS, 'get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']);
    assert.equal(up.stdout, '2');
  });
});
