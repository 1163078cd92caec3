/**
 * On the real plane: histories read correctly, and our undo leaves a
 * Deployment, a StatefulSet and a DaemonSet exactly as the built
 * `kubectl rollout undo` leaves an identical twin. Each kind gets two
 * namespaces with identical objects and histories; the same sequence of undos
 * runs on both (ours on one, kubectl on the other) and after every step the
 * objects and histories are compared field by field.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/undo-differential.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import type { ClusterSession } from '../../../src/cluster';
import { comparable, getJson, namespace, parseKubectlHistory, revisionsOf, rolloutStatus, session, withHistory, type Kind } from './helpers';

const KIND = { deployment: 'Deployment', statefulset: 'StatefulSet', daemonset: 'DaemonSet' } as const;

describe('history and undo on a real control plane', { timeout: 30 * 60 * 1000 }, () => {
  let plane: Plane;
  let s: ClusterSession;

  before(async () => {
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`), crds: false });
    s = session(plane);
  });

  after(async () => {
    s?.dispose();
    await plane?.stop();
  });

  test('histories: revisions, images, change-cause, created time and the live one, matching kubectl rollout history', { timeout: 300_000 }, async () => {
    const ns = 'hist';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'web', 3);
    await withHistory(plane, 'statefulset', ns, 'db', 3);
    await withHistory(plane, 'daemonset', ns, 'agent', 2);

    const first = s.client.calls.length;
    const tree = await s.history({ namespace: ns });
    assert.ok(tree.ok, tree.ok ? '' : tree.error.message);
    // One LIST per resource for the whole namespace, never one call per workload; the Argo and Flux CRDs
    // are not installed on this plane (404), which leaves their kinds out without a problem.
    assert.deepEqual(s.client.countCalls(first), {
      'list deployments.apps': 1,
      'list replicasets.apps': 1,
      'list statefulsets.apps': 1,
      'list daemonsets.apps': 1,
      'list controllerrevisions.apps': 1,
      'list rollouts.argoproj.io': 1,
      'list secrets': 1,
      'list applications.argoproj.io': 1,
      'list kustomizations.kustomize.toolkit.fluxcd.io': 1,
      'list helmreleases.helm.toolkit.fluxcd.io': 1,
    });
    assert.deepEqual(tree.value.problems, []);
    assert.deepEqual(tree.value.workloads.map((w) => `${w.ref.kind}/${w.ref.name}`), ['Deployment/web', 'StatefulSet/db', 'DaemonSet/agent']);
    for (const w of tree.value.workloads) {
      const kubectlKind = w.ref.kind.toLowerCase();
      const kubectl = parseKubectlHistory((await plane.kubectl(['-n', ns, 'rollout', 'history', `${kubectlKind}/${w.ref.name}`])).stdout);
      assert.deepEqual(
        w.revisions.map((r) => [r.revision, r.changeCause ?? '<none>']),
        kubectl,
        `${kubectlKind}/${w.ref.name}: same revisions and change-causes as kubectl rollout history`,
      );
      const versions = w.ref.kind === 'DaemonSet' ? 2 : 3;
      assert.deepEqual(w.revisions.map((r) => r.images.find((i) => i.container === 'main')?.image), Array.from({ length: versions }, (_, i) => `registry.example/${w.ref.name}:${i + 1}.0`));
      assert.equal(w.liveRevision, versions);
      assert.deepEqual(w.revisions.map((r) => r.live), Array.from({ length: versions }, (_, i) => i === versions - 1));
      assert.ok(w.revisions.every((r) => r.createdAt && !Number.isNaN(Date.parse(r.createdAt))));
      assert.equal(w.rollout.done, true, w.rollout.message);
      // Pod templates of revisions carry no controller hash label.
      assert.ok(w.revisions.every((r) => !('pod-template-hash' in (r.template.metadata?.labels ?? {}))));
    }
    const web = tree.value.workloads[0]!;
    assert.deepEqual(web.revisions[1]!.images, [
      { container: 'main', image: 'registry.example/web:2.0' },
      { container: 'sidecar', image: 'registry.example/sidecar:2' },
    ]);
    assert.equal(web.revisions[1]!.replicas?.desired, 0);
    assert.equal(web.revisions[2]!.replicas?.ready, 2);

    // One workload: GET + one LIST with its selector.
    const before = s.client.calls.length;
    const one = await s.workloadHistory({ kind: 'StatefulSet', namespace: ns, name: 'db' });
    assert.ok(one.ok);
    assert.deepEqual(s.client.countCalls(before), { 'get statefulsets.apps': 1, 'list controllerrevisions.apps': 1 });

    // All namespaces: still one LIST per resource.
    const all = await s.history();
    assert.ok(all.ok);
    assert.ok(all.value.workloads.some((w) => w.ref.namespace === ns && w.ref.name === 'web'));
    assert.equal(all.value.calls, 10);

    // A diff between any two revisions.
    const d = s.diff(web, 1, 2);
    assert.ok(d.ok);
    assert.deepEqual(d.value.images, [
      { container: 'main', from: 'registry.example/web:1.0', to: 'registry.example/web:2.0' },
      { container: 'sidecar', to: 'registry.example/sidecar:2' },
    ]);
    assert.ok(d.value.changes.some((c) => c.path === 'metadata.labels.version' && c.from === 'v1' && c.to === 'v2'));
    const none = s.diff(web, 3, 'live');
    assert.ok(none.ok && none.value.equal);
  });

  for (const kind of ['deployment', 'statefulset', 'daemonset'] as const satisfies readonly Kind[]) {
    test(`${kind}: our undo equals kubectl rollout undo, step by step`, { timeout: 600_000 }, async () => {
      const name = 'app';
      const ours = `diff-${kind}-ours`;
      const theirs = `diff-${kind}-kubectl`;
      const ref = `${kind}/${name}`;
      for (const ns of [ours, theirs]) {
        await namespace(plane, ns);
        await withHistory(plane, kind, ns, name, 4);
      }
      const compare = async (step: string): Promise<void> => {
        const a = await getJson(plane, ours, ref);
        const b = await getJson(plane, theirs, ref);
        assert.deepEqual(comparable(a, ours), comparable(b, theirs), `${step}: objects differ`);
        assert.deepEqual(await revisionsOf(s, KIND[kind], ours, name), await revisionsOf(s, KIND[kind], theirs, name), `${step}: histories differ`);
      };
      await compare('before');

      // --to-revision 1, then 3, then the default (previous), then the revision it already has (skipped).
      const steps: { toRevision?: number; label: string }[] = [{ toRevision: 1, label: 'to 1' }, { toRevision: 3, label: 'to 3' }, { label: 'previous' }, { toRevision: -1, label: 'current (skip)' }];
      for (const step of steps) {
        let toRevision = step.toRevision ?? 0;
        if (toRevision === -1) {
          const h = await s.workloadHistory({ kind: KIND[kind], namespace: ours, name });
          assert.ok(h.ok);
          toRevision = h.value.liveRevision!;
        }
        const pre = await s.preflight({ ref: { kind: KIND[kind], namespace: ours, name }, toRevision });
        assert.ok(pre.ok, pre.ok ? '' : pre.error.message);
        assert.deepEqual(pre.value.blocking, []);
        // No reason: kubectl records none, and a reason would add kubernetes.io/change-cause.
        const done = await s.rollback(pre.value, { timeoutMs: 120_000 });
        assert.ok(done.ok, done.ok ? '' : `${done.error.kind}: ${done.error.message}`);

        const k = await plane.kubectl(['-n', theirs, 'rollout', 'undo', ref, ...(toRevision ? [`--to-revision=${toRevision}`] : [])]);
        if (step.toRevision === -1) {
          assert.equal(done.value.status, 'skipped');
          assert.match(k.stdout, new RegExp(`skipped rollback \\(current template already matches revision ${toRevision}\\)`));
          assert.equal(done.value.message, `skipped rollback (current template already matches revision ${toRevision})`);
        } else {
          assert.equal(done.value.status, 'rolled-back');
          assert.match(k.stdout, /rolled back/);
        }
        await rolloutStatus(plane, theirs, ref);
        await rolloutStatus(plane, ours, ref);
        await compare(step.label);
      }
    });
  }

  test('a workload with a single revision: nothing to undo, same as kubectl', { timeout: 120_000 }, async () => {
    const ns = 'single';
    await namespace(plane, ns);
    await withHistory(plane, 'deployment', ns, 'one', 1);
    await withHistory(plane, 'statefulset', ns, 'solo', 1);
    for (const [kind, name] of [['Deployment', 'one'], ['StatefulSet', 'solo']] as const) {
      const pre = await s.preflight({ ref: { kind, namespace: ns, name } });
      assert.ok(pre.ok);
      assert.equal(pre.value.blocking[0]?.kind, 'no-history');
      const k = await plane.kubectl(['-n', ns, 'rollout', 'undo', `${kind.toLowerCase()}/${name}`], { allowFailure: true });
      assert.notEqual(k.code, 0);
      assert.match(k.stderr, kind === 'Deployment' ? /no rollout history found/ : /no last revision to roll back to/);
      const missing = await s.preflight({ ref: { kind, namespace: ns, name }, toRevision: 7 });
      assert.ok(missing.ok && missing.value.blocking[0]?.kind === 'revision-not-found');
    }
  });
});
