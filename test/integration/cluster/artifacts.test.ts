/**
 * "The artifact is still there", against a real registry (distribution's
 * `registry`, TLS and basic auth on loopback) and a real control plane,
 * through the CLI: an image pulled with the service account's pull secret is
 * found by digest; one pulled with the pod's own pull secret by tag; one in a
 * registry that sends clients to its token service is found with a token
 * fetched with the pull secret (the Bearer flow); without
 * credentials the answer is unknown, not a block; once the target's manifest
 * is deleted the rollback is refused naming the digest; with the registry
 * stopped, or its CA not trusted, the answer is unknown and the rollback
 * would proceed.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/artifacts.test.ts
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import { ensureRegistryBuilt, startRegistry, type Registry } from '../../cluster/registry';
import { builtCli, namespace, rolloutStatus } from './helpers';

const NS = 'art';

const deployment = (name: string, image: string, pod: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${pod}      containers:
        - name: main
          image: ${image}
`;

describe('the images of the target revision, in a real registry', { timeout: 20 * 60 * 1000 }, () => {
  let plane: Plane;
  let registry: Registry;
  let tokens: Registry;
  let cli: string;
  let env: NodeJS.ProcessEnv;
  let d1: string;
  const cwd = mkdtempSync(join(tmpdir(), 'rg-art-'));

  before(async () => {
    cli = builtCli();
    const bin = await ensureRegistryBuilt({ log: (l) => console.error(`[registry] ${l}`) });
    registry = await startRegistry(bin, { log: (l) => console.error(`[registry] ${l}`) });
    tokens = await startRegistry(bin, { auth: 'token', log: (l) => console.error(`[registry, token auth] ${l}`) });
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`), crds: false });
    // Both registries' certificates, as a private CA bundle is trusted.
    const bundle = join(cwd, 'registries.pem');
    writeFileSync(bundle, Buffer.concat([readFileSync(registry.caFile), readFileSync(tokens.caFile)]));
    env = { ...process.env, KUBECONFIG: plane.kubeconfigPath, NODE_EXTRA_CA_CERTS: bundle };
    await tokens.push('team/worker', '3.1');
    d1 = await registry.push('shop/web', '1.0');
    const d2 = await registry.push('shop/web', '2.0');
    await registry.push('shop/api', '1.0');
    await namespace(plane, NS);
    const dockerconfig = Buffer.from(JSON.stringify({ auths: { [registry.host]: { username: registry.username, password: registry.password }, [`https://${tokens.host}`]: { auth: Buffer.from(`${tokens.username}:${tokens.password}`).toString('base64') } } })).toString('base64');
    await plane.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: Secret\nmetadata: {name: regcred, namespace: ${NS}}\ntype: kubernetes.io/dockerconfigjson\ndata: {.dockerconfigjson: ${dockerconfig}}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: puller, namespace: ${NS}}\nimagePullSecrets: [{name: regcred}]\n`,
    });
    // web pulls with its service account's secret, by digest; api with its own pull secret, by tag; anon with nothing.
    const steps: [string, string, string][] = [
      ['web', `${registry.host}/shop/web:1.0@${d1}`, '      serviceAccountName: puller\n'],
      ['web', `${registry.host}/shop/web:2.0@${d2}`, '      serviceAccountName: puller\n'],
      ['api', `${registry.host}/shop/api:1.0`, '      imagePullSecrets: [{name: regcred}]\n'],
      ['api', `${registry.host}/shop/api:2.0`, '      imagePullSecrets: [{name: regcred}]\n'],
      ['worker', `${tokens.host}/team/worker:3.1`, '      serviceAccountName: puller\n'],
      ['worker', `${tokens.host}/team/worker:3.2`, '      serviceAccountName: puller\n'],
      ['anon', `${registry.host}/shop/web:1.0@${d1}`, ''],
      ['anon', `${registry.host}/shop/web:2.0@${d2}`, ''],
    ];
    for (const [name, image, pod] of steps) {
      await plane.kubectl(['apply', '-f', '-'], { input: deployment(name, image, pod) });
      await rolloutStatus(plane, NS, `deployment/${name}`);
    }
  });

  after(async () => {
    await tokens?.stop();
    await registry?.stop();
    await plane?.stop();
  });

  // Asynchronous: the token service runs in this process and must answer while the CLI waits.
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...env, ...extraEnv, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const dry = async (name: string, extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = await run(['undo', `deployment/${name}`, '-n', NS, '--to-revision', '1', '--dry-run', '--no-repo', '--format', 'json'], extraEnv);
    const json = JSON.parse(r.stdout) as { wouldProceed: boolean; preflight: { checks: { id: string; status: string; title: string; evidence: string[]; error?: { kind: string; message: string } }[] } };
    return { code: r.code, stderr: r.stderr, wouldProceed: json.wouldProceed, artifacts: json.preflight.checks.find((c) => c.id === 'artifacts')! };
  };

  test('found by digest with the service account\'s pull secret, and by tag with the pod\'s own', async () => {
    const web = await dry('web');
    assert.equal(web.code, 0, web.stderr);
    assert.equal(web.artifacts.status, 'pass');
    assert.equal(web.artifacts.title, 'every image of revision 1 is still in its registry (1 checked)');
    assert.deepEqual(web.artifacts.evidence, [`main: ${registry.host}/shop/web:1.0@${d1} is in ${registry.host}, checked with basic auth from Secret regcred`]);
    const api = await dry('api');
    assert.equal(api.artifacts.status, 'pass');
    assert.match(api.artifacts.evidence[0]!, new RegExp(`^main: ${registry.host}/shop/api:1\\.0 is in ${registry.host} \\(tag 1\\.0 → sha256:[0-9a-f]{12}…\\), checked with basic auth from Secret regcred$`));
  });

  test('a registry with a token service: the Bearer challenge is answered with a token fetched with the pull secret', async () => {
    const worker = await dry('worker');
    assert.equal(worker.code, 0, worker.stderr);
    assert.equal(worker.artifacts.status, 'pass', worker.artifacts.evidence.join('\n'));
    assert.match(worker.artifacts.evidence[0]!, new RegExp(`^main: ${tokens.host}/team/worker:3\\.1 is in ${tokens.host} \\(tag 3\\.1 → sha256:[0-9a-f]{12}…\\), checked with a token from https://127\\.0\\.0\\.1:\\d+ for Secret regcred$`));
  });

  test('without credentials the image is unknown, and that alone refuses nothing', async () => {
    const anon = await dry('anon');
    assert.equal(anon.code, 0, anon.stderr);
    assert.equal(anon.wouldProceed, true);
    assert.equal(anon.artifacts.status, 'skipped');
    assert.match(anon.artifacts.evidence[0]!, /unknown — the registry asks for a login, and no imagePullSecret has one for it$/);
  });

  test('a registry whose CA is not trusted is unknown too', async () => {
    const untrusted = await dry('web', { NODE_EXTRA_CA_CERTS: '' });
    assert.equal(untrusted.wouldProceed, true);
    assert.equal(untrusted.artifacts.status, 'skipped');
    assert.match(untrusted.artifacts.evidence[0]!, /could not be reached: self[- ]signed certificate/);
  });

  test('once the target\'s manifest is deleted, the rollback is refused, naming the digest', async () => {
    await registry.remove('shop/web', d1);
    const web = await dry('web');
    assert.equal(web.code, 1);
    assert.equal(web.wouldProceed, false);
    assert.equal(web.artifacts.status, 'fail');
    assert.equal(web.artifacts.error?.kind, 'artifact-missing');
    assert.equal(web.artifacts.title, `revision 1 runs shop/web@${d1.slice(0, 19)}…, which is no longer in ${registry.host}: its pods could not pull it`);
    assert.match(web.artifacts.evidence[0]!, /answers 404 \(checked with basic auth from Secret regcred\)$/);
    const text = await run(['undo', 'deployment/web', '-n', NS, '--to-revision', '1', '--dry-run', '--no-repo']);
    assert.match(text.stdout, /^deployment\/web in namespace art \(context rg-admin\) will not be rolled back to revision 1: revision 1 runs shop\/web@sha256:/);
    assert.match(text.stdout, /\n {2}✖ artifacts {2}revision 1 runs .* \(blocks the rollback\)\n/);
  });

  test('with the registry down the image is unknown, and the rollback would proceed', async () => {
    await registry.stop();
    const api = await dry('api');
    assert.equal(api.code, 0, api.stderr);
    assert.equal(api.wouldProceed, true);
    assert.equal(api.artifacts.status, 'skipped');
    assert.match(api.artifacts.title, /^1 of 1 image of revision 1 could not be checked in 127\.0\.0\.1:\d+: unknown, not a block$/);
    assert.match(api.artifacts.evidence[0]!, /could not be reached: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
  });
});
