/**
 * The artifacts check of an Argo CD rollback whose history entry deploys a
 * Helm chart, against a real chart repository: the storefront chart packaged
 * by helm and indexed by `helm repo index`, served over HTTP on loopback.
 * One entry's version is in the index (passes), one is not (blocks, naming
 * the chart and version), and with the repository down the answer is
 * unknown, not a block. Then the same through the CLI. The Application is
 * real (its CRD on the plane); no Argo CD controller runs: the test writes
 * the status.history it would have written.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/charts.test.ts
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import type { ClusterSession } from '../../../src/cluster';
import { builtCli, namespace, ROOT, session } from './helpers';

/** The CLI, without blocking this process: the chart repository is served from here. */
function runCli(cli: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: opts.cwd, env: { ...opts.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the chart of an Argo CD rollback, looked up in its repository', { timeout: 15 * 60 * 1000 }, () => {
  let plane: Plane;
  let s: ClusterSession;
  let cli: string;
  let server: Server;
  let repoURL: string;
  let env: NodeJS.ProcessEnv;
  const requests: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'rg-charts-cli-'));
  const ns = 'argocd-charts';

  before(async () => {
    cli = builtCli();
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`) });
    assert.ok(plane.crds.includes('applications.argoproj.io'), plane.crds.join(', '));
    s = session(plane);
    env = { ...process.env, KUBECONFIG: plane.kubeconfigPath };
    // A chart repository as helm makes one: the packaged chart and its index.
    const repo = mkdtempSync(join(tmpdir(), 'rg-chart-repo-'));
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const file = req.url === '/charts/index.yaml' ? 'index.yaml' : req.url === '/charts/storefront-0.3.0.tgz' ? 'storefront-0.3.0.tgz' : undefined;
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': file.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' }).end(readFileSync(join(repo, file)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    repoURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
    await plane.helm(['package', join(ROOT, 'examples', 'bookstore', 'charts', 'storefront'), '--destination', repo]);
    await plane.helm(['repo', 'index', repo, '--url', repoURL]);
    assert.match(readFileSync(join(repo, 'index.yaml'), 'utf8'), /storefront:[\s\S]*version: 0\.3\.0/);

    await namespace(plane, ns);
    const source = { repoURL, chart: 'storefront', targetRevision: '0.*' };
    // Entries 0 and 1 deployed chart versions 0.2.0 (since deleted from the repository) and 0.3.0; 2 is live.
    const history = ['0.2.0', '0.3.0', '0.3.0'].map((revision, id) => ({ id, revision, source, deployedAt: `2025-07-0${id + 1}T10:00:00Z`, deployStartedAt: `2025-07-0${id + 1}T09:59:50Z` }));
    await plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'storefront', namespace: ns }, spec: { project: 'default', source, destination: { server: 'https://kubernetes.default.svc', namespace: 'bookstore' } } }) });
    await plane.kubectl(['-n', ns, 'patch', 'application/storefront', '--type', 'merge', '-p', JSON.stringify({ status: { history, sync: { status: 'Synced', revision: '0.3.0' }, health: { status: 'Healthy' } } })]);
  });

  after(async () => {
    s?.dispose();
    server?.close();
    await plane?.stop();
  });

  const ref = { kind: 'Application' as const, namespace: ns, name: 'storefront' };

  async function checked(id: number) {
    const pre = await s.applicationPreflight({ ref, id });
    assert.ok(pre.ok, pre.ok ? '' : pre.error.message);
    await s.applicationRollbackChecks(pre.value, { objectsUnknown: 'a chart source', registryTimeoutMs: 3000 });
    return { pre: pre.value, artifacts: pre.value.checks.find((c) => c.id === 'artifacts')! };
  }

  test('a chart version still in the index passes; one no longer there blocks, naming the chart and version', { timeout: 180_000 }, async () => {
    const present = await checked(1);
    assert.equal(present.artifacts.status, 'pass', JSON.stringify(present.artifacts));
    assert.equal(present.artifacts.title, 'every chart of history 1 of Argo CD Application storefront is still in its repository (1 checked)');
    assert.deepEqual(present.artifacts.evidence, [`chart storefront 0.3.0 from ${repoURL}: still there (listed in ${repoURL}/index.yaml)`]);
    assert.deepEqual(present.pre.blocking, []);
    assert.ok(requests.includes('GET /charts/index.yaml'), requests.join(', '));

    const gone = await checked(0);
    assert.equal(gone.artifacts.status, 'fail');
    assert.equal(gone.pre.blocking[0]?.kind, 'artifact-missing');
    assert.equal(gone.pre.blocking[0]!.message, `history 0 of Argo CD Application storefront deploys chart storefront 0.2.0, which is no longer in ${repoURL}: Argo CD could not fetch it to sync`);
    assert.deepEqual(gone.artifacts.evidence, [`chart storefront 0.2.0 from ${repoURL}: gone (${repoURL}/index.yaml lists storefront 0.3.0, not 0.2.0)`]);
  });

  test('the CLI prints the same check and refuses the entry whose chart is gone', { timeout: 180_000 }, async () => {
    const refused = await runCli(cli, ['undo', 'application/storefront', '-n', ns, '--to-revision', '0', '--dry-run', '--no-repo'], { cwd: work, env });
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /✖ artifacts\s+history 0 of Argo CD Application storefront deploys chart storefront 0\.2\.0, which is no longer in .* \(blocks the rollback\)/);
    const fine = await runCli(cli, ['undo', 'application/storefront', '-n', ns, '--to-revision', '1', '--dry-run', '--no-repo'], { cwd: work, env });
    assert.equal(fine.code, 0, fine.stdout + fine.stderr);
    assert.match(fine.stdout, /✔ artifacts\s+every chart of history 1 of Argo CD Application storefront is still in its repository \(1 checked\)/);
  });

  test('with the repository down the chart is unknown, never a block by itself', { timeout: 180_000 }, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = await checked(0);
    assert.equal(down.artifacts.status, 'skipped');
    assert.match(down.artifacts.title, /^1 of 1 chart of history 0 of Argo CD Application storefront could not be looked up: unknown, not a block$/);
    assert.match(down.artifacts.evidence[0]!, /^chart storefront 0\.2\.0 from http:\/\/127\.0\.0\.1:\d+\/charts: unknown — http:\/\/127\.0\.0\.1:\d+ could not be reached: .*ECONNREFUSED/);
    assert.deepEqual(down.pre.blocking, []);
  });
});
