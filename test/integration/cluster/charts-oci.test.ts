/**
 * The chart of an Argo CD rollback kept in an OCI registry, against a real
 * one: distribution's `registry` on loopback with TLS and a token service
 * that lets anonymous clients pull, as a public registry does (Argo CD's
 * repository credentials are not read: the lookup is anonymous). The
 * storefront chart is packaged as versions 0.2.0 and 0.3.0 and pushed with
 * `helm push` to oci://; then 0.2.0's manifest is deleted. Through the CLI
 * (the registry's CA trusted through NODE_EXTRA_CA_CERTS): the entry that
 * deployed 0.3.0 passes, in both forms of repoURL Argo CD takes; the entry
 * that deployed 0.2.0 is refused naming the chart and version; a registry
 * that asks every client for credentials is unknown, not a block. The
 * Applications are real (their CRD on the plane); no Argo CD controller
 * runs: the test writes the status.history it would have written.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/charts-oci.test.ts
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import { ensureRegistryBuilt, startRegistry, type Registry } from '../../cluster/registry';
import { builtCli, namespace, ROOT } from './helpers';

const NS = 'argocd-oci';

type Check = { id: string; status: string; title: string; evidence: string[]; error?: { kind: string; message: string } };

describe('the chart of an Argo CD rollback, in an OCI registry', { timeout: 20 * 60 * 1000 }, () => {
  let plane: Plane;
  let registry: Registry;
  let locked: Registry;
  let cli: string;
  let env: NodeJS.ProcessEnv;
  let gone: string;
  const work = mkdtempSync(join(tmpdir(), 'rg-charts-oci-'));

  before(async () => {
    cli = builtCli();
    const bin = await ensureRegistryBuilt({ log: (l) => console.error(`[registry] ${l}`) });
    registry = await startRegistry(bin, { auth: 'token', anonymousPull: true, log: (l) => console.error(`[registry] ${l}`) });
    // The same chart in a registry that lets no one pull without credentials.
    locked = await startRegistry(bin, { auth: 'token', log: (l) => console.error(`[registry, private] ${l}`) });
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`) });
    assert.ok(plane.crds.includes('applications.argoproj.io'), plane.crds.join(', '));
    const bundle = join(work, 'registries.pem');
    writeFileSync(bundle, Buffer.concat([readFileSync(registry.caFile), readFileSync(locked.caFile)]));
    env = { ...process.env, KUBECONFIG: plane.kubeconfigPath, NODE_EXTRA_CA_CERTS: bundle };

    // Two versions of the storefront chart, packaged and pushed by helm as a chart publisher does.
    const chart = join(work, 'storefront');
    cpSync(join(ROOT, 'examples', 'bookstore', 'charts', 'storefront'), chart, { recursive: true });
    const digests: Record<string, string> = {};
    // The password on stdin, never in an argument list.
    for (const r of [registry, locked]) await plane.helm(['registry', 'login', r.host, '--username', r.username, '--password-stdin', '--ca-file', r.caFile], { input: r.password });
    for (const version of ['0.2.0', '0.3.0']) {
      await plane.helm(['package', chart, '--version', version, '--destination', work]);
      for (const r of [registry, locked]) {
        const pushed = await plane.helm(['push', join(work, `storefront-${version}.tgz`), `oci://${r.host}/charts`, '--ca-file', r.caFile]);
        const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout + pushed.stderr)?.[1];
        assert.ok(digest, pushed.stdout + pushed.stderr);
        if (r === registry) digests[version] = digest;
      }
    }
    // 0.2.0 deleted from the public registry, as a retention policy would.
    gone = digests['0.2.0']!;
    await registry.remove('charts/storefront', gone);

    await namespace(plane, NS);
    // Entries 0 and 1 deployed chart versions 0.2.0 and 0.3.0; 2 (0.3.0) is live. Argo CD takes both forms of an OCI repoURL.
    const apps: [string, string][] = [
      ['storefront', `oci://${registry.host}/charts`],
      ['storefront-bare', `${registry.host}/charts`],
      ['storefront-private', `oci://${locked.host}/charts`],
    ];
    for (const [name, repoURL] of apps) {
      const source = { repoURL, chart: 'storefront', targetRevision: '0.*' };
      const history = ['0.2.0', '0.3.0', '0.3.0'].map((revision, id) => ({ id, revision, source, deployedAt: `2025-08-0${id + 1}T10:00:00Z`, deployStartedAt: `2025-08-0${id + 1}T09:59:50Z` }));
      await plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: NS }, spec: { project: 'default', source, destination: { server: 'https://kubernetes.default.svc', namespace: 'bookstore' } } }) });
      await plane.kubectl(['-n', NS, 'patch', `application/${name}`, '--type', 'merge', '-p', JSON.stringify({ status: { history, sync: { status: 'Synced', revision: '0.3.0' }, health: { status: 'Healthy' } } })]);
    }
  });

  after(async () => {
    await locked?.stop();
    await registry?.stop();
    await plane?.stop();
  });

  // Asynchronous: the token services run in this process and must answer while the CLI waits.
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { cwd: work, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const dry = async (app: string, id: number) => {
    const r = await run(['undo', `application/${app}`, '-n', NS, '--to-revision', String(id), '--dry-run', '--no-repo', '--format', 'json']);
    let json: { wouldProceed: boolean; preflight: { checks: Check[] } };
    try {
      json = JSON.parse(r.stdout) as typeof json;
    } catch {
      throw new Error(`no JSON from the CLI (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, stderr: r.stderr, wouldProceed: json.wouldProceed, artifacts: json.preflight.checks.find((c) => c.id === 'artifacts')! };
  };

  test('a chart version still in the registry passes, looked up anonymously through the token flow, in both forms of repoURL', { timeout: 180_000 }, async () => {
    for (const app of ['storefront', 'storefront-bare']) {
      const present = await dry(app, 1);
      assert.equal(present.code, 0, present.stderr);
      assert.equal(present.wouldProceed, true);
      assert.equal(present.artifacts.status, 'pass', JSON.stringify(present.artifacts));
      assert.equal(present.artifacts.title, `every chart of history 1 of Argo CD Application ${app} is still in its repository (1 checked)`);
      assert.match(present.artifacts.evidence[0]!, new RegExp(`^chart storefront 0\\.3\\.0 from (oci://)?${registry.host}/charts: still there \\(${registry.host}/charts/storefront:0\\.3\\.0 answers, checked with a token from https://127\\.0\\.0\\.1:\\d+\\)$`));
    }
  });

  test('a chart version deleted from the registry blocks, naming the chart and version; the text output says the same', { timeout: 180_000 }, async () => {
    const refused = await dry('storefront', 0);
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.wouldProceed, false);
    assert.equal(refused.artifacts.status, 'fail');
    assert.equal(refused.artifacts.error?.kind, 'artifact-missing');
    assert.equal(refused.artifacts.title, `history 0 of Argo CD Application storefront deploys chart storefront 0.2.0, which is no longer in oci://${registry.host}/charts: Argo CD could not fetch it to sync`);
    assert.deepEqual(refused.artifacts.evidence, [`chart storefront 0.2.0 from oci://${registry.host}/charts: gone (${registry.host}/charts/storefront:0.2.0 answers 404)`]);
    const text = await run(['undo', 'application/storefront', '-n', NS, '--to-revision', '0', '--dry-run', '--no-repo']);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /✖ artifacts\s+history 0 of Argo CD Application storefront deploys chart storefront 0\.2\.0, which is no longer in oci:\/\/127\.0\.0\.1:\d+\/charts: Argo CD could not fetch it to sync \(blocks the rollback\)/);
    // What was deleted is what helm pushed.
    assert.match(gone, /^sha256:[0-9a-f]{64}$/);
  });

  test('a registry that asks every client for credentials is unknown, not a block', { timeout: 180_000 }, async () => {
    const locked0 = await dry('storefront-private', 0);
    assert.equal(locked0.code, 0, locked0.stderr);
    assert.equal(locked0.wouldProceed, true);
    assert.equal(locked0.artifacts.status, 'skipped');
    assert.match(locked0.artifacts.title, /^1 of 1 chart of history 0 of Argo CD Application storefront-private could not be looked up: unknown, not a block$/);
    assert.match(locked0.artifacts.evidence[0]!, /^chart storefront 0\.2\.0 from oci:\/\/127\.0\.0\.1:\d+\/charts: unknown — the registry refused anonymous access \(HTTP 401\)$/);
  });
});
