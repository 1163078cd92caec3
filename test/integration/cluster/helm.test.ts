/**
 * Helm releases on the real plane: releases installed and upgraded three
 * times by the built `helm` (hooks skipped: the chart's migration Job would
 * wait for a database the fake node does not run); our history, read from
 * the release Secrets, equals `helm history -o json` field by field; our
 * rollback (the helm binary, after the preflight) leaves the same release
 * state as `helm rollback` on an identical twin release; refusals (no helm,
 * missing revision, a revision added after the preflight, a read-only user,
 * a production context) leave the release untouched; and the CLI.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/helm.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import type { ClusterSession, EvidenceRecord, ReleaseRef } from '../../../src/cluster';
import { builtCli, comparable, getJson, namespace, ROOT, runCli, session } from './helpers';

const CHART = join(ROOT, 'examples', 'bookstore', 'charts', 'storefront');
const TAGS = ['3.1.0', '3.2.0', '3.2.1'];

interface HelmHistoryRow {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

describe('Helm releases on a real control plane', { timeout: 30 * 60 * 1000 }, () => {
  let plane: Plane;
  let s: ClusterSession;
  let cli: string;
  const evidenceDir = mkdtempSync(join(tmpdir(), 'rg-helm-evidence-'));

  before(async () => {
    cli = builtCli();
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`), crds: false });
    s = session(plane);
  });

  after(async () => {
    s?.dispose();
    await plane?.stop();
  });

  /** install + upgrade + upgrade, each a revision: image tags 3.1.0, 3.2.0 (with a password value), 3.2.1. */
  async function threeRevisions(ns: string, name = 'storefront'): Promise<void> {
    for (const [i, tag] of TAGS.entries()) {
      await plane.helm([
        i === 0 ? 'install' : 'upgrade',
        name,
        CHART,
        '-n',
        ns,
        '--no-hooks',
        '--set',
        `image.tag=${tag}`,
        ...(i === 1 ? ['--set', 'db.password=hunter2'] : ['--description', `storefront ${tag}`]),
      ]);
    }
  }

  async function helmHistory(ns: string, name = 'storefront'): Promise<HelmHistoryRow[]> {
    return JSON.parse((await plane.helm(['history', name, '-n', ns, '-o', 'json'])).stdout) as HelmHistoryRow[];
  }

  const ours = (rows: { revision: number; updated: string; status: string; chart: string; appVersion: string; description: string }[]): HelmHistoryRow[] =>
    rows.map((r) => ({ revision: r.revision, updated: r.updated, status: r.status, chart: r.chart, app_version: r.appVersion, description: r.description }));
  const withoutTimes = (rows: HelmHistoryRow[]) => rows.map(({ updated: _u, ...rest }) => rest);

  test('history read from the release Secrets equals helm history field by field, with one LIST of Secrets per namespace', { timeout: 300_000 }, async () => {
    const ns = 'helm-hist';
    await namespace(plane, ns);
    await threeRevisions(ns);
    await plane.helm(['install', 'other', CHART, '-n', ns, '--no-hooks', '--set', 'image.tag=9.9.9']);

    const first = s.client.calls.length;
    const tree = await s.history({ namespace: ns, kinds: ['HelmRelease'] });
    assert.ok(tree.ok, tree.ok ? '' : tree.error.message);
    assert.deepEqual(s.client.countCalls(first), { 'list secrets': 1 }, 'one LIST of Secrets labelled owner=helm for the namespace');
    assert.deepEqual(tree.value.releases!.map((r) => r.ref.name), ['other', 'storefront']);

    for (const release of tree.value.releases!) {
      assert.deepEqual(ours(release.revisions), await helmHistory(ns, release.ref.name), `${release.ref.name}: the same rows as helm history -o json`);
    }
    const sf = tree.value.releases!.find((r) => r.ref.name === 'storefront')!;
    assert.equal(sf.currentRevision, 3);
    assert.equal(sf.liveRevision, 3);
    assert.deepEqual(sf.revisions.map((r) => r.live), [false, false, true]);
    assert.deepEqual(sf.revisions.map((r) => r.images.map((i) => i.image)), TAGS.map((t) => [`ghcr.io/bookstore/storefront:${t}`]));
    assert.deepEqual(sf.revisions.map((r) => r.secret.name), [1, 2, 3].map((n) => `sh.helm.release.v1.storefront.v${n}`));

    // Values as `helm get values`, with the password redacted.
    const values2 = JSON.parse((await plane.helm(['get', 'values', 'storefront', '-n', ns, '--revision', '2', '-o', 'json'])).stdout) as { db: { password: string } };
    assert.equal(values2.db.password, 'hunter2');
    assert.deepEqual(sf.revisions[1]!.values, { ...values2, db: { password: '«redacted»' } });
    assert.ok(!JSON.stringify(sf).includes('hunter2'), 'the password appears nowhere in the history');
    // The manifest is helm's (re-serialised, secrets masked): the same objects and images.
    const manifest2 = (await plane.helm(['get', 'manifest', 'storefront', '-n', ns, '--revision', '2'])).stdout;
    assert.match(manifest2, /image: "ghcr\.io\/bookstore\/storefront:3\.2\.0"/);
    assert.match(sf.revisions[1]!.manifest, /image: "ghcr\.io\/bookstore\/storefront:3\.2\.0"/);
    assert.match(sf.revisions[1]!.manifest, /# Source: storefront\/templates\/deployment\.yaml/);

    // One release: one LIST with its name label, as helm history reads it.
    const before1 = s.client.calls.length;
    const one = await s.releaseHistory({ kind: 'HelmRelease', namespace: ns, name: 'storefront' });
    assert.ok(one.ok);
    assert.deepEqual(s.client.countCalls(before1), { 'list secrets': 1 });
    assert.deepEqual(ours(one.value.revisions), ours(sf.revisions));
    // Undoing the release's Deployment the kubectl way is allowed, with a warning naming the release.
    const dep = await s.preflight({ ref: { kind: 'Deployment', namespace: ns, name: 'storefront-storefront' }, toRevision: 1 });
    assert.ok(dep.ok);
    const gitops = dep.value.checks.find((c) => c.id === 'gitops')!;
    assert.equal(gitops.status, 'warn');
    assert.match(gitops.title, /part of Helm release helm-hist\/storefront/);
    assert.deepEqual(dep.value.blocking, []);
    const missing = await s.releaseHistory({ kind: 'HelmRelease', namespace: ns, name: 'nope' });
    assert.ok(!missing.ok);
    assert.equal(missing.error.kind, 'not-found');
  });

  test('our rollback (the helm binary, after the preflight) leaves the same release state as helm rollback on an identical twin', { timeout: 600_000 }, async () => {
    const a = 'helm-ours';
    const b = 'helm-twin';
    for (const ns of [a, b]) {
      await namespace(plane, ns);
      await threeRevisions(ns);
    }
    const ref: ReleaseRef = { kind: 'HelmRelease', namespace: a, name: 'storefront' };
    const compare = async (step: string) => {
      assert.deepEqual(withoutTimes(await helmHistory(a)), withoutTimes(await helmHistory(b)), `${step}: same history (revision, status, chart, app version, description)`);
      for (const what of ['values', 'manifest']) {
        const get = async (ns: string) => (await plane.helm(['get', what, 'storefront', '-n', ns, ...(what === 'values' ? ['-o', 'json'] : [])])).stdout;
        assert.equal(await get(a), await get(b), `${step}: same ${what}`);
      }
      const da = await getJson(plane, a, 'deployment/storefront-storefront');
      const db = await getJson(plane, b, 'deployment/storefront-storefront');
      assert.deepEqual(comparable(da, a), comparable(db, b), `${step}: same Deployment`);
    };
    await compare('before');

    const pre = await s.helmPreflight({ ref, toRevision: 1 }, { helmPath: plane.bin.helm });
    assert.ok(pre.ok, pre.ok ? '' : pre.error.message);
    assert.deepEqual(pre.value.blocking, [], JSON.stringify(pre.value.checks, null, 2));
    const status = Object.fromEntries(pre.value.checks.map((c) => [c.id, c.status]));
    assert.deepEqual(status, { context: 'pass', object: 'pass', revision: 'pass', gitops: 'pass', rbac: 'pass', tool: 'pass', 'dry-run': 'pass', diff: 'info' });
    assert.deepEqual(pre.value.argv, ['rollback', `--namespace=${a}`, `--kube-context=${plane.contexts.admin}`, '--', 'storefront', '1']);
    const rbac = pre.value.checks.find((c) => c.id === 'rbac')!;
    assert.ok(rbac.evidence.some((e) => /patch deployments\.apps "storefront-storefront" in namespace "helm-ours"/.test(e)), rbac.evidence.join('\n'));
    assert.ok(rbac.evidence.some((e) => /create secrets in namespace "helm-ours"/.test(e)));
    assert.deepEqual(pre.value.diff!.images, [{ container: 'storefront', from: 'ghcr.io/bookstore/storefront:3.2.1', to: 'ghcr.io/bookstore/storefront:3.1.0' }]);
    assert.match(pre.value.diff!.unified, /-    "tag": "3\.2\.1"\n\+    "tag": "3\.1\.0"/);

    const done = await s.helmRollback(pre.value, { wait: true, timeoutMs: 180_000, evidenceDir, reason: 'differential' });
    assert.ok(done.ok, done.ok ? '' : `${done.error.message}\n${done.error.hint}`);
    assert.equal(done.value.revisionAfter, 4);
    assert.equal(done.value.statusAfter, 'deployed');
    assert.deepEqual(done.value.argv, ['rollback', `--namespace=${a}`, `--kube-context=${plane.contexts.admin}`, '--wait', '--timeout=180s', '--', 'storefront', '1']);
    await plane.helm(['rollback', 'storefront', '1', '-n', b, '--wait', '--timeout', '180s']);
    await compare('after rolling back to 1');
    const h = await helmHistory(a);
    assert.equal(h[3]!.description, 'Rollback to 1');

    const record = JSON.parse(readFileSync(done.value.files!.json, 'utf8')) as EvidenceRecord;
    assert.equal(record.object.kind, 'HelmRelease');
    assert.equal(record.to?.revision, 1);
    assert.equal(record.to?.revisionAfter, 4);
    assert.equal(record.from.revision, 3);
    assert.equal(record.outcome.status, 'rolled-back');
    assert.deepEqual((record.patch!.body as string[]).slice(-3), ['--', 'storefront', '1']);
    assert.equal(record.reason, 'differential');

    // Without a revision: helm takes the highest minus one (3), on both.
    const pre2 = await s.helmPreflight({ ref }, { helmPath: plane.bin.helm });
    assert.ok(pre2.ok);
    assert.equal(pre2.value.plan?.toRevision, 3);
    const done2 = await s.helmRollback(pre2.value, { wait: false });
    assert.ok(done2.ok, done2.ok ? '' : done2.error.message);
    assert.equal(done2.value.revisionAfter, 5);
    await plane.helm(['rollback', 'storefront', '-n', b]);
    await compare('after rolling back to the previous revision');

    // And our history still equals helm's.
    const read = await s.releaseHistory(ref);
    assert.ok(read.ok);
    assert.deepEqual(ours(read.value.revisions), await helmHistory(a));
  });

  test('refused before helm runs: no helm binary, a missing revision, a revision added after the preflight, a read-only user, an unconfirmed production context', { timeout: 600_000 }, async () => {
    const ns = 'helm-refuse';
    await namespace(plane, ns);
    await threeRevisions(ns);
    const ref: ReleaseRef = { kind: 'HelmRelease', namespace: ns, name: 'storefront' };

    // No helm anywhere: says how to get it.
    const noHelm = await s.helmPreflight({ ref, toRevision: 1 }, { env: { PATH: dirname(process.execPath) } });
    assert.ok(noHelm.ok);
    const tool = noHelm.value.checks.find((c) => c.id === 'tool')!;
    assert.equal(tool.status, 'fail');
    assert.equal(noHelm.value.blocking[0]?.kind, 'tool-missing');
    assert.match(tool.title, /no helm on PATH/);
    assert.match(noHelm.value.blocking[0]!.hint, /https:\/\/helm\.sh\/docs\/intro\/install/);
    assert.match(noHelm.value.blocking[0]!.hint, /rollbackGuard\.cluster\.helmPath/);
    const refused = await s.helmRollback(noHelm.value, { evidenceDir });
    assert.ok(!refused.ok);
    assert.equal(refused.error.kind, 'tool-missing');
    assert.equal(refused.error.outcome, 'refused');
    const wrongPath = await s.helmPreflight({ ref, toRevision: 1 }, { helmPath: '/nonexistent/helm' });
    assert.ok(wrongPath.ok);
    assert.match(wrongPath.value.blocking[0]!.message, /helm was not found at \/nonexistent\/helm/);

    // A revision that does not exist: helm's own words.
    const nine = await s.helmPreflight({ ref, toRevision: 9 }, { helmPath: plane.bin.helm });
    assert.ok(nine.ok);
    assert.equal(nine.value.blocking[0]?.kind, 'revision-not-found');
    assert.match(nine.value.blocking[0]!.message, /release has no 9 version/);

    // A deploy between preflight and rollback: nothing runs.
    const pre = await s.helmPreflight({ ref, toRevision: 1 }, { helmPath: plane.bin.helm });
    assert.ok(pre.ok);
    await plane.helm(['upgrade', 'storefront', CHART, '-n', ns, '--no-hooks', '--set', 'image.tag=4.0.0']);
    const conflict = await s.helmRollback(pre.value, { evidenceDir });
    assert.ok(!conflict.ok);
    assert.equal(conflict.error.kind, 'conflict');
    assert.match(conflict.error.message, /changed after the preflight \(it was at revision 3, now 4\); helm rollback was not run/);
    assert.deepEqual((await helmHistory(ns)).map((r) => r.revision), [1, 2, 3, 4]);
    await plane.helm(['rollback', 'storefront', '3', '-n', ns]);

    // A read-only user: the preflight names what is missing.
    const ro = session(plane, plane.contexts.readonly);
    try {
      const p = await ro.helmPreflight({ ref, toRevision: 1 }, { helmPath: plane.bin.helm });
      assert.ok(p.ok);
      const rbac = p.value.checks.find((c) => c.id === 'rbac')!;
      assert.equal(rbac.status, 'fail');
      assert.match(rbac.title, /may not create secrets in namespace "helm-refuse"/);
      const r = await ro.helmRollback(p.value, {});
      assert.ok(!r.ok);
      assert.equal(r.error.kind, 'forbidden');
    } finally {
      ro.dispose();
    }

    // Production: the context name must be typed back.
    const prod = session(plane, plane.contexts.admin, { productionContexts: ['rg-*'] });
    try {
      const p = await prod.helmPreflight({ ref, toRevision: 1 }, { helmPath: plane.bin.helm });
      assert.ok(p.ok);
      assert.equal(p.value.checks[0]!.status, 'warn');
      const r = await prod.helmRollback(p.value, { confirmContext: 'rg-wrong' });
      assert.ok(!r.ok);
      assert.equal(r.error.kind, 'production-unconfirmed');
    } finally {
      prod.dispose();
    }
    assert.deepEqual((await helmHistory(ns)).map((r) => r.revision), [1, 2, 3, 4, 5]);
  });

  test('CLI: history helm-release/NAME (and the earlier helmrelease/NAME), undo release/NAME with --helm, and a clear error without helm', { timeout: 600_000 }, async () => {
    const ns = 'helm-cli';
    await namespace(plane, ns);
    await threeRevisions(ns);
    const work = mkdtempSync(join(tmpdir(), 'rg-helm-cli-'));
    const env = { ...process.env, KUBECONFIG: plane.kubeconfigPath, PATH: dirname(process.execPath) };

    const hist = runCli(cli, ['history', 'helm-release/storefront', '-n', ns, '--format', 'json'], { cwd: work, env });
    assert.equal(hist.code, 0, hist.stderr);
    const json = JSON.parse(hist.stdout) as { revisions: HelmHistoryRow[] };
    assert.deepEqual(json.revisions.map((r) => ({ revision: r.revision, updated: r.updated, status: r.status, chart: r.chart, app_version: r.app_version, description: r.description })), await helmHistory(ns));
    const text = runCli(cli, ['history', 'release/storefront', '-n', ns], { cwd: work, env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /REVISION\s+UPDATED\s+STATUS\s+CHART\s+APP VERSION\s+DESCRIPTION/);
    assert.match(text.stdout, /^helm-release\/storefront in namespace helm-cli \(context rg-admin\)\n/);
    assert.match(text.stdout, /3 \(live\)\s+\S+ \S+\s+deployed\s+storefront-0\.3\.0\s+3\.2\.1\s+storefront 3\.2\.1/);
    const values = runCli(cli, ['history', 'helmrelease/storefront', '-n', ns, '--revision', '2'], { cwd: work, env });
    assert.match(values.stdout, /password: «redacted»/);
    assert.doesNotMatch(values.stdout, /hunter2/);
    const tree = runCli(cli, ['history', '-n', ns], { cwd: work, env });
    // Printed as what it is: never as Flux's helmrelease/NAME.
    assert.match(tree.stdout, /^helm-release\/storefront$/m);
    assert.doesNotMatch(tree.stdout, /helmrelease/);

    // No helm on PATH: exit 1, and how to get it.
    const missing = runCli(cli, ['undo', 'helmrelease/storefront', '-n', ns, '--yes'], { cwd: work, env });
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /✖ tool\s+helm rollback needs the helm binary, and there is no helm on PATH/);
    assert.match(missing.stderr, /hint: Install Helm 3/);

    const dry = runCli(cli, ['undo', 'helmrelease/storefront', '-n', ns, '--to-revision', '1', '--helm', plane.bin.helm, '--dry-run'], { cwd: work, env });
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /Will run: helm rollback --namespace=helm-cli --kube-context=rg-admin --wait --timeout=300s -- storefront 1/);
    assert.match(dry.stdout, /Dry run: the rollback would proceed/);

    const undo = runCli(cli, ['undo', 'release/storefront', '-n', ns, '--to-revision', '1', '--helm', plane.bin.helm, '--yes', '--no-wait', '--format', 'json'], { cwd: work, env });
    assert.equal(undo.code, 0, undo.stdout + undo.stderr);
    const result = JSON.parse(undo.stdout) as { ok: boolean; status: string; revisionAfter: number; evidence: { markdown: string } | null };
    assert.deepEqual([result.ok, result.status, result.revisionAfter], [true, 'rolled-back', 4]);
    assert.equal((await helmHistory(ns))[3]!.description, 'Rollback to 1');
    // The evidence names it the same way.
    assert.ok(result.evidence, undo.stdout);
    assert.match(result.evidence.markdown, /-helm-cli-helm-release-storefront\.md$/);
    const note = readFileSync(result.evidence.markdown, 'utf8');
    assert.match(note, /^# Rollback of helm-release\/storefront in helm-cli \(rg-admin\): rolled-back/);
    assert.match(note, /\| Object \| Helm release `helm-cli\/storefront`/);
    assert.doesNotMatch(note, /helmrelease/i);

    const usage = runCli(cli, ['undo', 'deployment/x', '--helm', '/bin/helm', '--yes'], { cwd: work, env });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--helm applies to helm-release\/NAME only/);
  });
});
