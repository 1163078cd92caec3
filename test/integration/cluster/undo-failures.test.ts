/**
 * Refusals and failures on the real plane: a change between preflight and
 * patch, a read-only user, a paused Deployment, the apiserver going away
 * mid-operation (and a retry after it is back), production contexts and
 * GitOps-owned objects. Each case checks the object is untouched.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/undo-failures.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import type { ClusterSession, WorkloadRef } from '../../../src/cluster';
import { getJson, namespace, rolloutStatus, session, withHistory } from './helpers';

interface Deployment {
  metadata: { resourceVersion: string; annotations: Record<string, string>; generation: number };
  spec: { template: unknown; paused?: boolean };
}

describe('undo refusals and failures on a real control plane', { timeout: 30 * 60 * 1000 }, () => {
  let plane: Plane;
  let admin: ClusterSession;
  const evidenceDir = mkdtempSync(join(tmpdir(), 'rg-evidence-'));

  before(async () => {
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`), crds: false });
    admin = session(plane);
  });

  after(async () => {
    admin?.dispose();
    await plane?.stop();
  });

  const ref = (ns: string, name = 'web'): WorkloadRef => ({ kind: 'Deployment', namespace: ns, name });

  test('a change between preflight and patch: refused with a conflict, object untouched', { timeout: 180_000 }, async () => {
    const ns = 'conflict';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 3);
    const pre = await admin.preflight({ ref: ref(ns), toRevision: 1 });
    assert.ok(pre.ok);
    assert.deepEqual(pre.value.blocking, []);
    assert.equal(pre.value.checks.find((c) => c.id === 'dry-run')?.status, 'pass');

    // Someone scales and annotates it after our preflight.
    await plane.kubectl(['-n', ns, 'annotate', 'deployment/web', 'touched-by=someone-else']);
    const between = await getJson<Deployment>(plane, ns, 'deployment/web');
    const rsBefore = (await plane.kubectl(['-n', ns, 'get', 'rs', '-o', 'name'])).stdout;

    const done = await admin.rollback(pre.value, { reason: 'conflict test', evidenceDir });
    assert.ok(!done.ok);
    assert.equal(done.error.kind, 'conflict');
    assert.equal(done.error.outcome, 'failed');
    assert.equal(done.error.status, 409);
    assert.match(done.error.message, /deployment\/web in namespace "conflict" changed after the preflight \(it was at resourceVersion \d+\); the rollback was not applied/);
    assert.match(done.error.hint, /Re-run/);

    const after = await getJson<Deployment>(plane, ns, 'deployment/web');
    assert.equal(after.metadata.resourceVersion, between.metadata.resourceVersion, 'object untouched');
    assert.deepEqual(after.spec.template, between.spec.template);
    assert.equal((await plane.kubectl(['-n', ns, 'get', 'rs', '-o', 'name'])).stdout, rsBefore);

    // The attempt is on record.
    const record = JSON.parse(readFileSync(done.error.files!.json, 'utf8')) as { outcome: { status: string; error: { kind: string } }; reason: string };
    assert.equal(record.outcome.status, 'failed');
    assert.equal(record.outcome.error.kind, 'conflict');
    assert.equal(record.reason, 'conflict test');

    // A fresh preflight sees the new state and succeeds.
    const again = await admin.preflight({ ref: ref(ns), toRevision: 1 });
    assert.ok(again.ok);
    const ok = await admin.rollback(again.value, { timeoutMs: 120_000 });
    assert.ok(ok.ok, ok.ok ? '' : ok.error.message);
  });

  test('a read-only user: refused, naming the missing permission and the user', { timeout: 180_000 }, async () => {
    const ns = 'readonly';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 2);
    const before = await getJson<Deployment>(plane, ns, 'deployment/web');
    const ro = session(plane, plane.contexts.readonly);
    try {
      const pre = await ro.preflight({ ref: ref(ns), toRevision: 1 });
      assert.ok(pre.ok, 'the read-only user can read the object and its history');
      const rbac = pre.value.checks.find((c) => c.id === 'rbac')!;
      assert.equal(rbac.status, 'fail');
      assert.equal(rbac.error?.kind, 'forbidden');
      assert.deepEqual(rbac.error?.permission, { verb: 'patch', group: 'apps', resource: 'deployments', namespace: ns, name: 'web', user: 'rg-readonly' });
      assert.match(rbac.title, /user "rg-readonly" may not patch deployments\.apps "web" in namespace "readonly"/);
      const done = await ro.rollback(pre.value, { evidenceDir });
      assert.ok(!done.ok);
      assert.equal(done.error.kind, 'forbidden');
      assert.equal(done.error.outcome, 'refused');
      assert.match(done.error.message, /user "rg-readonly" may not patch deployments\.apps "web" in namespace "readonly"/);

      // The same user patching directly gets the server's 403, mapped to the same kind of message.
      const direct = await ro.client.request({ method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/web`, body: { metadata: { labels: { x: 'y' } } }, contentType: 'application/merge-patch+json' });
      assert.ok(!direct.ok);
      assert.equal(direct.error.kind, 'forbidden');
      assert.match(direct.error.message, /forbidden: user "rg-readonly" may not patch deployments\.apps in namespace "readonly"/);
    } finally {
      ro.dispose();
    }
    const after = await getJson<Deployment>(plane, ns, 'deployment/web');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  test('a paused Deployment: refused, as kubectl refuses it', { timeout: 180_000 }, async () => {
    const ns = 'paused';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 2);
    await plane.kubectl(['-n', ns, 'rollout', 'pause', 'deployment/web']);
    const before = await getJson<Deployment>(plane, ns, 'deployment/web');
    const pre = await admin.preflight({ ref: ref(ns), toRevision: 1 });
    assert.ok(pre.ok);
    assert.equal(pre.value.blocking[0]?.kind, 'paused');
    assert.equal(pre.value.checks.find((c) => c.id === 'paused')?.status, 'fail');
    const done = await admin.rollback(pre.value, {});
    assert.ok(!done.ok && done.error.kind === 'paused');
    assert.match(done.error.hint, /kubectl rollout resume deployment\/web -n paused/);
    const k = await plane.kubectl(['-n', ns, 'rollout', 'undo', 'deployment/web', '--to-revision=1'], { allowFailure: true });
    assert.match(k.stderr, /you cannot rollback a paused deployment/);
    const after = await getJson<Deployment>(plane, ns, 'deployment/web');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  test('production context: refused until the name is typed back exactly', { timeout: 180_000 }, async () => {
    const ns = 'production';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 2);
    const prod = session(plane, plane.contexts.admin, { productionContexts: ['rg-adm*'] });
    try {
      const pre = await prod.preflight({ ref: ref(ns), toRevision: 1 });
      assert.ok(pre.ok);
      assert.deepEqual(pre.value.production, { production: true, pattern: 'rg-adm*' });
      assert.equal(pre.value.checks[0]!.status, 'warn');
      for (const typed of [undefined, 'rg-readonly', 'RG-ADMIN']) {
        const r = await prod.rollback(pre.value, typed === undefined ? {} : { confirmContext: typed });
        assert.ok(!r.ok && r.error.kind === 'production-unconfirmed', String(typed));
      }
      const done = await prod.rollback(pre.value, { confirmContext: 'rg-admin', evidenceDir, timeoutMs: 120_000 });
      assert.ok(done.ok, done.ok ? '' : done.error.message);
      assert.equal(done.value.evidence.context.nameTypedBack, true);
      assert.equal(done.value.evidence.context.production, true);
    } finally {
      prod.dispose();
    }
  });

  test('GitOps-owned objects: refused unless acknowledged; Flux and Argo CD labels both count', { timeout: 180_000 }, async () => {
    const ns = 'gitops';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'argo', 2, { labels: { 'argocd.argoproj.io/instance': 'shop' } });
    await withHistory(plane, 'deployment', ns, 'flux', 2, { labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } });
    for (const [name, owner] of [['argo', /Argo CD Application shop/], ['flux', /Flux Kustomization flux-system\/apps/]] as const) {
      const pre = await admin.preflight({ ref: ref(ns, name), toRevision: 1 });
      assert.ok(pre.ok);
      const check = pre.value.checks.find((c) => c.id === 'gitops')!;
      assert.equal(check.status, 'fail');
      assert.match(check.title, owner);
      const refused = await admin.rollback(pre.value, {});
      assert.ok(!refused.ok && refused.error.kind === 'gitops-owned');
      assert.match(refused.error.hint, /Git/);
      const done = await admin.rollback(pre.value, { acknowledgeGitOps: true, timeoutMs: 120_000 });
      assert.ok(done.ok, done.ok ? '' : done.error.message);
      assert.equal(done.value.evidence.gitops[0]?.acknowledged, true);
    }
  });

  test('evidence: JSON and Markdown with who, when, context, object, revisions, images, reason, preflight, outcome; no secrets', { timeout: 180_000 }, async () => {
    const ns = 'evidence';
    await namespace(plane, ns);
    await withHistory(plane, 'statefulset', ns, 'db', 2);
    // The controller records the StatefulSet's update revision shortly after its pods are ready: wait until revision 2 reads as live.
    const ref = { kind: 'StatefulSet' as const, namespace: ns, name: 'db' };
    let live: number | undefined;
    for (let i = 0; i < 60 && live !== 2; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 250));
      const h = await admin.workloadHistory(ref);
      live = h.ok ? h.value.liveRevision : undefined;
    }
    if (live !== 2) {
      const sts = await getJson<{ metadata: { generation: number }; status: unknown }>(plane, ns, 'statefulset/db');
      const crs = (await plane.kubectl(['-n', ns, 'get', 'controllerrevisions', '-o', 'custom-columns=NAME:.metadata.name,REVISION:.revision,OWNER:.metadata.ownerReferences[0].uid'])).stdout;
      assert.fail(`revision 2 never read as live (last: ${live}); generation ${sts.metadata.generation}, status ${JSON.stringify(sts.status)}\n${crs}`);
    }
    const pre = await admin.preflight({ ref, toRevision: 1 });
    assert.ok(pre.ok);
    if (pre.value.history.liveRevision !== 2) {
      const sts = await getJson<{ status: unknown }>(plane, ns, 'statefulset/db');
      assert.fail(`the preflight read revision ${pre.value.history.liveRevision} as live: ${JSON.stringify(pre.value.history.revisions.map((r) => [r.revision, r.live, r.source.name]))}; status now ${JSON.stringify(sts.status)}`);
    }
    const done = await admin.rollback(pre.value, { reason: 'release 2 corrupts sessions', evidenceDir, toolVersion: '0.1.0', timeoutMs: 120_000 });
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    assert.ok(existsSync(done.value.files!.json) && existsSync(done.value.files!.markdown));
    const record = JSON.parse(readFileSync(done.value.files!.json, 'utf8')) as Record<string, any>;
    assert.equal(record.format, 'rollback-guard.evidence/v1');
    assert.equal(record.who.kubeconfigUser, 'rg-admin');
    assert.equal(record.who.username, 'rg-admin');
    assert.ok(record.who.osUser);
    assert.deepEqual(record.object.kind, 'StatefulSet');
    assert.equal(record.from.revision, 2);
    assert.equal(record.to.revision, 1);
    assert.equal(record.to.revisionAfter, 3);
    assert.equal(record.from.images, 'main=registry.example/db:2.0, sidecar=registry.example/sidecar:2');
    assert.equal(record.to.images, 'main=registry.example/db:1.0');
    assert.equal(record.reason, 'release 2 corrupts sessions');
    assert.equal(record.outcome.status, 'rolled-back');
    assert.deepEqual(record.preflight.map((c: { id: string; status: string }) => `${c.id}:${c.status}`), ['context:pass', 'object:pass', 'revision:pass', 'gitops:pass', 'rbac:pass', 'dry-run:pass', 'diff:info']);
    assert.ok(Date.parse(record.when.patchedAt) >= Date.parse(record.when.startedAt));
    const md = readFileSync(done.value.files!.markdown, 'utf8');
    assert.match(md, /^# Rollback of statefulset\/db in evidence \(rg-admin\): rolled-back/);
    assert.match(md, /\| Reason \| release 2 corrupts sessions \|/);
    assert.match(md, /```diff\n--- statefulset\/db now \(revision 2\)/);
    for (const text of [JSON.stringify(record), md]) {
      assert.doesNotMatch(text, /hunter\d/, 'env secrets are masked');
      assert.ok(!text.includes(plane.tokens.admin), 'the bearer token never appears');
    }
  });

  // The apiserver restarts come last: after one, the controller-manager's informers return with a backoff, and a
  // StatefulSet updated meanwhile can get a ControllerRevision numbered as if it were its first.
  test('apiserver stopped mid-operation: a clear error, nothing changed; after a restart a retry works', { timeout: 300_000 }, async () => {
    const ns = 'outage';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 3);
    const pre = await admin.preflight({ ref: ref(ns), toRevision: 1 });
    assert.ok(pre.ok);

    await plane.stopApiserver();
    try {
      const done = await admin.rollback(pre.value, { evidenceDir });
      assert.ok(!done.ok);
      assert.equal(done.error.kind, 'unreachable');
      assert.equal(done.error.server, plane.server);
      assert.match(done.error.message, new RegExp(`cannot reach the API server ${plane.server.replace(/[.]/g, '\\.')} of context "rg-admin": (connection refused \\(ECONNREFUSED\\)|connection reset \\(ECONNRESET\\))`));
      assert.match(done.error.hint, /Check that the cluster is running and that context "rg-admin" points at it/);
      assert.match(done.error.hint, /re-run the command once the server answers/);
      const read = await admin.history({ namespace: ns });
      assert.ok(!read.ok && read.error.kind === 'unreachable');
      assert.match(read.error.message, /ECONNREFUSED/);
    } finally {
      await plane.startApiserver();
    }
    // Nothing was applied while it was down.
    const h = await admin.workloadHistory(ref(ns));
    assert.ok(h.ok);
    assert.equal(h.value.liveRevision, 3);

    // The stale plan still carries the old resourceVersion, which is still current: a retry with a fresh preflight works.
    const again = await admin.preflight({ ref: ref(ns), toRevision: 1 });
    assert.ok(again.ok);
    const done = await admin.rollback(again.value, { timeoutMs: 120_000 });
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    assert.equal(done.value.revisionAfter, 4);
  });

  test('apiserver stopped while following the rollout: the follow resumes when it is back', { timeout: 300_000 }, async () => {
    const ns = 'outage-follow';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 2);
    const pre = await admin.preflight({ ref: ref(ns), toRevision: 1 });
    assert.ok(pre.ok);
    let outage: Promise<void> | undefined;
    const progress: string[] = [];
    let callsAtPatch = 0;
    const done = await admin.rollback(pre.value, {
      timeoutMs: 180_000,
      onProgress: (p) => {
        progress.push(`${p.phase}: ${p.message}`);
        if (p.phase === 'patched' && !outage) {
          callsAtPatch = admin.client.calls.length;
          outage = (async () => {
            await plane.stopApiserver({ signal: 'SIGKILL' });
            await new Promise((r) => setTimeout(r, 1500));
            await plane.startApiserver();
          })();
        }
      },
    });
    await outage;
    assert.ok(done.ok, done.ok ? '' : `${done.error.kind}: ${done.error.message}\n${progress.join('\n')}`);
    assert.equal(done.value.status, 'rolled-back');
    assert.equal(done.value.revisionAfter, 3);
    // The follow really met the outage: some of its calls got no answer, and it carried on.
    const unanswered = admin.client.calls.slice(callsAtPatch).filter((c) => c.status === 0);
    assert.ok(unanswered.length > 0, `no failed call during the follow: ${JSON.stringify(admin.client.calls.slice(callsAtPatch))}`);
    await rolloutStatus(plane, ns, 'deployment/web');
  });
});
