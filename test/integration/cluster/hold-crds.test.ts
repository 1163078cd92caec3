/**
 * The held rollback's loops beyond a Flux Kustomization, through their real
 * CRDs on the real plane (no Argo CD or image-automation controller runs
 * here; where a test needs what such a controller writes — an Application's
 * comparison in status — it writes it, as the other GitOps tests do):
 *
 * - an Argo CD Application tracking the workload: its automated sync is
 *   paused and put back field for field; "Git matches" is read from the
 *   Application's own comparison;
 * - Flux ImageUpdateAutomations writing into the Kustomization's source and
 *   path are paused with it, one writing elsewhere is not;
 * - a loop held for another workload refuses a second flow;
 * - a Warning event on a held workload's pod fails the validation, and says so;
 * - a Kustomization whose controller wrote status after the preflight is
 *   paused all the same; one whose spec changed is not, and nothing is
 *   rolled back.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/hold-crds.test.ts
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { moduleDir } from '../../../scripts/cluster/crds';
import { startPlane, type Plane } from '../../cluster/plane';
import { holdGitMatch, holdPreflight, holdStatus, resumeHold, startHold, type ClusterSession, type WorkloadRef } from '../../../src/cluster';
import { getJson, namespace, session } from './helpers';

function deployment(ns: string, name: string, image: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels: ${JSON.stringify({ app: name, ...extra.labels })}
  annotations: ${JSON.stringify(extra.annotations ?? {})}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: "${image}", resources: {requests: {cpu: 10m}}}]
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('held rollbacks through the Argo CD and Flux image automation CRDs', { timeout: 20 * 60 * 1000 }, () => {
  let plane: Plane;
  let s: ClusterSession;

  async function twoReleases(ns: string, name: string, extra: Parameters<typeof deployment>[3] = {}): Promise<void> {
    for (const v of ['1.0.0', '1.1.0']) {
      await plane.kubectl(['apply', '-f', '-'], { input: deployment(ns, name, `registry.example/${name}:${v}`, extra) });
      await plane.kubectl(['-n', ns, 'rollout', 'status', `deployment/${name}`, '--timeout=120s'], { timeoutSeconds: 150 });
    }
  }

  before(async () => {
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`) });
    const iua = path.join(moduleDir('github.com/fluxcd/image-automation-controller', 'v1.2.0'), 'config', 'crd', 'bases', 'image.toolkit.fluxcd.io_imageupdateautomations.yaml');
    await plane.kubectl(['apply', '--server-side', '-f', iua]);
    await plane.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/imageupdateautomations.image.toolkit.fluxcd.io']);
    s = session(plane);
    for (const ns of ['argocd', 'flux-system', 'hold-argo', 'hold-flux', 'hold-plain']) await namespace(plane, ns);
  });

  after(async () => {
    s?.dispose();
    await plane?.stop();
  });

  test('Argo CD: the tracking Application loses its automated sync and gets it back field for field; Git matches is its own comparison', async () => {
    const ref: WorkloadRef = { kind: 'Deployment', namespace: 'hold-argo', name: 'api' };
    const policy = { automated: { prune: true, selfHeal: true, allowEmpty: false }, syncOptions: ['CreateNamespace=true'], retry: { limit: 2 } };
    await plane.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'shop', namespace: 'argocd' }, spec: { project: 'default', source: { repoURL: 'https://git.example/shop.git', path: 'apps', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'hold-argo' }, syncPolicy: policy } }),
    });
    await twoReleases('hold-argo', 'api', { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:hold-argo/api' } });

    const pre = await holdPreflight(s.client, { ref, toRevision: 1 }, { productionContexts: [], window: 2 });
    assert.ok(pre.ok && pre.value.blocking.length === 0, pre.ok ? JSON.stringify(pre.value.blocking) : pre.error.message);
    assert.match(pre.value.checks.find((c) => c.id === 'loops')!.title, /Argo CD Application argocd\/shop paused first/);
    const held = await startHold(s.client, pre.value, { window: 2 });
    assert.ok(held.ok, held.ok ? '' : held.error.message);
    const app = await getJson<{ metadata: { annotations?: Record<string, string> }; spec: { syncPolicy: Record<string, unknown> } }>(plane, 'argocd', 'application.argoproj.io/shop');
    assert.deepEqual(app.spec.syncPolicy, { syncOptions: ['CreateNamespace=true'], retry: { limit: 2 } }, 'only automated is gone');
    assert.ok(app.metadata.annotations?.['rollback-guard.io/paused']);

    // What the Argo CD controller writes after comparing Git with the cluster: the rolled-back Deployment is OutOfSync.
    const compare = async (status: 'Synced' | 'OutOfSync') =>
      plane.kubectl(['-n', 'argocd', 'patch', 'application.argoproj.io/shop', '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status: { sync: { status, revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' }, resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'hold-argo', name: 'api', status }] } })]).catch(async () =>
        // Applications have no status subresource in some CRD versions: status is part of the object.
        plane.kubectl(['-n', 'argocd', 'patch', 'application.argoproj.io/shop', '--type', 'merge', '-p', JSON.stringify({ status: { sync: { status, revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' }, resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'hold-argo', name: 'api', status }] } })]),
      );
    await compare('OutOfSync');
    let st = await holdStatus(s.client, ref);
    assert.ok(st.ok);
    let git = await holdGitMatch(st.value, undefined);
    assert.equal(git?.matches, false);
    assert.match(git?.detail ?? '', /Argo CD compares Git at a1b2c3d4e5f6 with the cluster: deployment\/api OutOfSync/);
    await sleep(2500);
    const refused = await resumeHold(s.client, ref, git ? { gitMatch: git } : {});
    assert.ok(!refused.ok && refused.error.kind === 'needs-confirmation', refused.ok ? '' : refused.error.message);

    await compare('Synced');
    st = await holdStatus(s.client, ref, { persist: true });
    assert.ok(st.ok && st.value.verdict?.verdict === 'verified');
    git = await holdGitMatch(st.value, undefined);
    assert.equal(git?.matches, true);
    const resumed = await resumeHold(s.client, ref, { gitMatch: git! });
    assert.ok(resumed.ok, resumed.ok ? '' : resumed.error.message);
    const back = await getJson<{ metadata: { annotations?: Record<string, string> }; spec: { syncPolicy: Record<string, unknown> } }>(plane, 'argocd', 'application.argoproj.io/shop');
    assert.deepEqual(back.spec.syncPolicy, policy, 'automated sync is back exactly as it was');
    assert.equal(back.metadata.annotations?.['rollback-guard.io/paused'], undefined);
  });

  test('Flux: image automations writing into the Kustomization\'s source and path are paused with it; one writing elsewhere is left alone', async () => {
    const ref: WorkloadRef = { kind: 'Deployment', namespace: 'hold-flux', name: 'web' };
    const iua = (name: string, p: string) => ({ apiVersion: 'image.toolkit.fluxcd.io/v1', kind: 'ImageUpdateAutomation', metadata: { name, namespace: 'flux-system' }, spec: { interval: '5m', sourceRef: { kind: 'GitRepository', name: 'fleet' }, git: { commit: { author: { name: 'fluxbot', email: 'flux@example.com' } }, push: { branch: 'main' } }, update: { path: p, strategy: 'Setters' } } });
    await plane.kubectl(['apply', '-f', '-'], {
      input: [
        { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: 'flux-system' }, spec: { interval: '1m', path: './apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } } },
        iua('apps-images', './apps'),
        iua('everything', './'),
        iua('tools-images', './tools'),
      ]
        .map((o) => JSON.stringify(o))
        .join('\n---\n'),
    });
    const labels = { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' };
    await twoReleases('hold-flux', 'web', { labels });
    await twoReleases('hold-flux', 'worker', { labels });

    const pre = await holdPreflight(s.client, { ref, toRevision: 1 }, { productionContexts: [], window: 2 });
    assert.ok(pre.ok && pre.value.blocking.length === 0, pre.ok ? JSON.stringify(pre.value.blocking) : pre.error.message);
    assert.deepEqual(pre.value.loops.map((l) => `${l.ref.kind}/${l.ref.name}`).sort(), ['ImageUpdateAutomation/apps-images', 'ImageUpdateAutomation/everything', 'Kustomization/apps']);
    assert.ok(pre.value.loops.find((l) => l.ref.name === 'apps-images')!.why.includes('writes images into GitRepository flux-system/fleet (path ./apps)'));
    const held = await startHold(s.client, pre.value, { window: 2 });
    assert.ok(held.ok, held.ok ? '' : held.error.message);
    for (const [kind, name, suspended] of [['kustomization.kustomize.toolkit.fluxcd.io', 'apps', true], ['imageupdateautomation.image.toolkit.fluxcd.io', 'apps-images', true], ['imageupdateautomation.image.toolkit.fluxcd.io', 'everything', true], ['imageupdateautomation.image.toolkit.fluxcd.io', 'tools-images', undefined]] as const) {
      assert.equal((await getJson<{ spec: { suspend?: boolean } }>(plane, 'flux-system', `${kind}/${name}`)).spec.suspend, suspended, `${name}`);
    }

    // A second workload of the same Kustomization cannot start a flow while this one holds it.
    const other = await holdPreflight(s.client, { ref: { ...ref, name: 'worker' }, toRevision: 1 }, { productionContexts: [], window: 2 });
    assert.ok(other.ok);
    assert.equal(other.value.blocking[0]?.kind, 'held');
    assert.match(other.value.blocking[0]!.message, /Flux Kustomization flux-system\/apps is paused by the rollback of Deployment hold-flux\/web/);

    await sleep(2500);
    const resumed = await resumeHold(s.client, ref, { confirmed: 'test: no Git here' });
    assert.ok(resumed.ok, resumed.ok ? '' : resumed.error.message);
    assert.equal(resumed.value.restored.length, 3);
    for (const [kind, name] of [['kustomization.kustomize.toolkit.fluxcd.io', 'apps'], ['imageupdateautomation.image.toolkit.fluxcd.io', 'apps-images'], ['imageupdateautomation.image.toolkit.fluxcd.io', 'everything']] as const) {
      const o = await getJson<{ metadata: { annotations?: Record<string, string> }; spec: { suspend?: boolean } }>(plane, 'flux-system', `${kind}/${name}`);
      assert.equal(o.spec.suspend, undefined, name);
      assert.equal(o.metadata.annotations?.['rollback-guard.io/paused'], undefined, name);
    }
  });

  test('a Warning event on a held workload\'s pod fails the validation, says what failed, and is recorded', async () => {
    const ref: WorkloadRef = { kind: 'Deployment', namespace: 'hold-plain', name: 'shop' };
    await twoReleases('hold-plain', 'shop');
    const pre = await holdPreflight(s.client, { ref, toRevision: 1 }, { productionContexts: [], window: 600 });
    assert.ok(pre.ok);
    assert.equal(pre.value.checks.find((c) => c.id === 'loops')?.status, 'warn', 'nothing to pause: the hold only verifies');
    // The checks every workload rollback gets are the held rollback's too.
    assert.match(pre.value.checks.find((c) => c.id === 'not-undone')?.title ?? '', /nothing outside the pod template|leaves|will not undo|as it ran with/);
    assert.ok(pre.value.checks.some((c) => c.id === 'artifacts'), 'the target revision\'s images are looked up');
    const held = await startHold(s.client, pre.value, { window: 600 });
    assert.ok(held.ok, held.ok ? '' : held.error.message);
    // An annotation change moves a Deployment's generation; until the controller observes it, that is no failure.
    await plane.kubectl(['-n', 'hold-plain', 'annotate', '--overwrite', 'deployment/shop', 'team=payments']);
    let st = await holdStatus(s.client, ref, { persist: true });
    assert.ok(st.ok && st.value.verdict?.verdict === 'verifying', st.ok ? JSON.stringify(st.value.verdict) : '');
    const pod = JSON.parse((await plane.kubectl(['-n', 'hold-plain', 'get', 'pods', '-l', 'app=shop', '-o', 'json'])).stdout).items[0].metadata.name as string;
    const now = new Date(Date.now() + 1000).toISOString();
    await plane.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name: `${pod}.backoff`, namespace: 'hold-plain' }, involvedObject: { kind: 'Pod', name: pod, namespace: 'hold-plain' }, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container main', count: 3, firstTimestamp: now, lastTimestamp: now, source: { component: 'kubelet' } }),
    });
    st = await holdStatus(s.client, ref, { persist: true });
    assert.ok(st.ok);
    assert.equal(st.value.verdict?.verdict, 'failed');
    assert.deepEqual(st.value.verdict?.failures, [`Warning BackOff on pod/${pod}: Back-off restarting failed container main (×3)`]);
    assert.equal(st.value.recorded, 'failed');
    assert.equal(st.value.hold?.step, 'failed');
    // Recorded: later looks say the same, even after the event is gone.
    await plane.kubectl(['-n', 'hold-plain', 'delete', 'event', `${pod}.backoff`]);
    const later = await holdStatus(s.client, ref);
    assert.ok(later.ok && later.value.verdict?.verdict === 'failed');
  });
  test('a Kustomization whose status moved on after the preflight is paused as reviewed; one whose spec changed is not, and nothing is rolled back', async () => {
    const ref: WorkloadRef = { kind: 'Deployment', namespace: 'hold-late', name: 'web' };
    await namespace(plane, 'hold-late');
    await plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'late', namespace: 'flux-system' }, spec: { interval: '1m', path: './late', prune: true, sourceRef: { kind: 'GitRepository', name: 'fleet' } } }) });
    await twoReleases('hold-late', 'web', { labels: { 'kustomize.toolkit.fluxcd.io/name': 'late', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } });
    const kustomization = () => getJson<{ metadata: { annotations?: Record<string, string> }; spec: { suspend?: boolean; interval: string } }>(plane, 'flux-system', 'kustomization.kustomize.toolkit.fluxcd.io/late');
    const image = async () => (await getJson<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(plane, 'hold-late', 'deployment/web')).spec.template.spec.containers[0]!.image;

    // Someone changes the Kustomization's spec while the confirmation is open: not paused, not rolled back.
    const stale = await holdPreflight(s.client, { ref, toRevision: 1 }, { productionContexts: [], window: 2 });
    assert.ok(stale.ok && stale.value.blocking.length === 0, stale.ok ? JSON.stringify(stale.value.blocking) : stale.error.message);
    await plane.kubectl(['-n', 'flux-system', 'patch', 'kustomization.kustomize.toolkit.fluxcd.io/late', '--type', 'merge', '-p', JSON.stringify({ spec: { interval: '2m' } })]);
    const refused = await startHold(s.client, stale.value, { window: 2 });
    assert.ok(!refused.ok);
    assert.match(refused.error.message, /Flux Kustomization flux-system\/late changed after the preflight; it was not paused/);
    assert.equal((await kustomization()).spec.suspend, undefined);
    assert.equal(await image(), 'registry.example/web:1.1.0');

    // Its controller writes status while the confirmation is open (as kustomize-controller does on every reconcile): paused as reviewed.
    const pre = await holdPreflight(s.client, { ref, toRevision: 1 }, { productionContexts: [], window: 2 });
    assert.ok(pre.ok && pre.value.blocking.length === 0);
    await plane.kubectl(['-n', 'flux-system', 'patch', 'kustomization.kustomize.toolkit.fluxcd.io/late', '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status: { lastHandledReconcileAt: new Date().toISOString() } })]);
    const held = await startHold(s.client, pre.value, { window: 2 });
    assert.ok(held.ok, held.ok ? '' : held.error.message);
    const paused = await kustomization();
    assert.equal(paused.spec.suspend, true);
    assert.equal(paused.spec.interval, '2m');
    assert.ok(paused.metadata.annotations?.['rollback-guard.io/paused']);
    assert.equal(await image(), 'registry.example/web:1.0.0');
    await sleep(2500);
    const resumed = await resumeHold(s.client, ref, { confirmed: 'test: no Git here' });
    assert.ok(resumed.ok, resumed.ok ? '' : resumed.error.message);
    assert.equal((await kustomization()).spec.suspend, undefined);
  });
});
