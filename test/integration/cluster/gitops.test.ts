/**
 * Argo Rollouts, Argo CD Applications and Flux objects on the real plane,
 * through their real CRDs. No Argo Rollouts, Argo CD or Flux controller runs
 * here, and none is faked: the tests create what those controllers would have
 * created — a Rollout's ReplicaSets (with the revision annotation, the
 * rollouts-pod-template-hash label and a controller owner reference to the
 * Rollout), an Application's status.history, a Kustomization's Ready
 * condition — and then check, through the API, that reading them is right
 * and that every write is exactly the object or patch the reference tool
 * (kubectl argo rollouts, argocd, flux) would produce.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/gitops.test.ts
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPlane, type Plane } from '../../cluster/plane';
import type { ClusterSession, EvidenceRecord, HistoryChange, WorkloadRef } from '../../../src/cluster';
import { builtCli, comparable, getJson, namespace, runCli, session } from './helpers';

type Obj = { metadata: { uid: string; resourceVersion: string; generation?: number; annotations?: Record<string, string>; labels?: Record<string, string> }; spec: Record<string, unknown>; status?: Record<string, unknown>; operation?: unknown };

/** Version `v` of the Rollout's pod template. */
function template(name: string, v: number, hash?: string): Record<string, unknown> {
  return {
    metadata: { labels: { app: name, version: `v${v}`, ...(hash ? { 'rollouts-pod-template-hash': hash } : {}) }, annotations: { build: `b${v}` } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'main', image: `registry.example/${name}:${v}.0`, env: [{ name: 'RELEASE', value: String(v) }, { name: 'DB_PASSWORD', value: `hunter${v}` }], resources: { requests: { cpu: '10m' } } },
        ...(v % 2 === 0 ? [{ name: 'sidecar', image: `registry.example/sidecar:${v}` }] : []),
      ],
    },
  };
}

function hashOf(name: string, v: number): string {
  return createHash('sha256').update(`${name}-${v}`).digest('hex').slice(0, 10);
}

describe('Argo Rollouts, Argo CD and Flux through their CRDs', { timeout: 30 * 60 * 1000 }, () => {
  let plane: Plane;
  let s: ClusterSession;
  let cli: string;
  const evidenceDir = mkdtempSync(join(tmpdir(), 'rg-gitops-evidence-'));
  const work = mkdtempSync(join(tmpdir(), 'rg-gitops-cli-'));
  let env: NodeJS.ProcessEnv;

  before(async () => {
    cli = builtCli();
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`) });
    assert.ok(plane.crds.includes('rollouts.argoproj.io') && plane.crds.includes('applications.argoproj.io'), plane.crds.join(', '));
    s = session(plane);
    env = { ...process.env, KUBECONFIG: plane.kubeconfigPath };
  });

  after(async () => {
    s?.dispose();
    await plane?.stop();
  });

  const apply = (manifest: unknown) => plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  const patchStatus = (ns: string, ref: string, status: unknown) => plane.kubectl(['-n', ns, 'patch', ref, '--subresource=status', '--type', 'merge', '-p', JSON.stringify({ status })]);

  /**
   * A canary Rollout at version 3 and the three ReplicaSets the Rollouts
   * controller would have made for versions 1..3 (created here, by the test:
   * no controller runs), owned by the Rollout; status says revision 3 is the
   * canary, paused at step 1 of 4, and revision 2 is stable.
   */
  async function rolloutWithHistory(ns: string, name: string): Promise<Obj> {
    await apply({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name, namespace: ns, annotations: { team: 'payments' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: template(name, 3),
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '10s' } }] } },
      },
    });
    const ro = await getJson<Obj>(plane, ns, `rollout/${name}`);
    for (const v of [1, 2, 3]) {
      const hash = hashOf(name, v);
      await apply({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${hash}`,
          namespace: ns,
          labels: { app: name, 'rollouts-pod-template-hash': hash },
          annotations: { 'rollout.argoproj.io/revision': String(v), 'kubernetes.io/change-cause': `release ${v}` },
          ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name, uid: ro.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { replicas: v === 1 ? 0 : 1, selector: { matchLabels: { app: name, 'rollouts-pod-template-hash': hash } }, template: template(name, v, hash) },
      });
    }
    await patchStatus(ns, `rollout/${name}`, {
      observedGeneration: String(ro.metadata.generation ?? 1),
      phase: 'Paused',
      message: 'CanaryPauseStep',
      currentPodHash: hashOf(name, 3),
      stableRS: hashOf(name, 2),
      currentStepIndex: 1,
      controllerPause: true,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2025-05-01T10:00:00Z' }],
    });
    return getJson<Obj>(plane, ns, `rollout/${name}`);
  }

  test('Rollouts: history from the ReplicaSets the controller made, one LIST each of Rollouts and ReplicaSets', { timeout: 180_000 }, async () => {
    const ns = 'ro-hist';
    await namespace(plane, ns);
    await rolloutWithHistory(ns, 'web');
    const first = s.client.calls.length;
    const tree = await s.history({ namespace: ns, kinds: ['Rollout'] });
    assert.ok(tree.ok, tree.ok ? '' : tree.error.message);
    assert.deepEqual(s.client.countCalls(first), { 'list replicasets.apps': 1, 'list rollouts.argoproj.io': 1 });
    const [w] = tree.value.workloads;
    assert.ok(w);
    assert.deepEqual(w.ref, { kind: 'Rollout', namespace: ns, name: 'web' });
    assert.deepEqual(w.revisions.map((r) => [r.revision, r.live, r.stable === true, r.changeCause]), [
      [1, false, false, 'release 1'],
      [2, false, true, 'release 2'],
      [3, true, false, 'release 3'],
    ]);
    assert.equal(w.liveRevision, 3);
    assert.deepEqual(w.revisions[1]!.images, [
      { container: 'main', image: 'registry.example/web:2.0' },
      { container: 'sidecar', image: 'registry.example/sidecar:2' },
    ]);
    assert.ok(w.revisions.every((r) => !('rollouts-pod-template-hash' in (r.template.metadata?.labels ?? {}))), 'templates without the hash label');
    assert.deepEqual(w.argo, { strategy: 'canary', phase: 'Paused', message: 'CanaryPauseStep', aborted: false, paused: true, pauseReasons: ['CanaryPauseStep'], step: { index: 1, count: 4 }, stableHash: hashOf('web', 2), currentHash: hashOf('web', 3) });
    assert.equal(w.rollout.message, 'Paused - CanaryPauseStep');
    assert.equal(w.rollout.done, false);

    // One Rollout: GET + one LIST of ReplicaSets with its selector.
    const before1 = s.client.calls.length;
    const one = await s.workloadHistory({ kind: 'Rollout', namespace: ns, name: 'web' });
    assert.ok(one.ok);
    assert.deepEqual(s.client.countCalls(before1), { 'get rollouts.argoproj.io': 1, 'list replicasets.apps': 1 });
    assert.deepEqual(one.value.revisions.map((r) => r.revision), [1, 2, 3]);
  });

  test('Rollouts: undo replaces spec.template with the ReplicaSet\'s minus rollouts-pod-template-hash, exactly as the plugin\'s patch does on a twin', { timeout: 180_000 }, async () => {
    const ns = 'ro-undo';
    await namespace(plane, ns);
    await rolloutWithHistory(ns, 'web');
    await rolloutWithHistory(ns, 'twin');
    const ref: WorkloadRef = { kind: 'Rollout', namespace: ns, name: 'web' };
    const pre = await s.preflight({ ref, toRevision: 1 });
    assert.ok(pre.ok, pre.ok ? '' : pre.error.message);
    assert.deepEqual(pre.value.blocking, []);
    assert.deepEqual(Object.fromEntries(pre.value.checks.map((c) => [c.id, c.status])), { context: 'pass', object: 'pass', revision: 'pass', gitops: 'pass', rbac: 'pass', 'dry-run': 'pass', diff: 'info' });
    assert.match(pre.value.checks.find((c) => c.id === 'rbac')!.title, /may patch rollouts\.argoproj\.io "web" in namespace "ro-undo"/);
    const rs1 = await getJson<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(plane, ns, `rs/web-${hashOf('web', 1)}`);
    const expected = JSON.parse(JSON.stringify(rs1.spec.template)) as { metadata: { labels: Record<string, string> } };
    delete expected.metadata.labels['rollouts-pod-template-hash'];
    const body = pre.value.plan!.patch!.body as { op: string; path: string; value: unknown }[];
    assert.equal(pre.value.plan!.patch!.contentType, 'application/json-patch+json');
    assert.deepEqual(body[1], { op: 'replace', path: '/spec/template', value: expected }, 'the plugin\'s patch: replace /spec/template');
    assert.deepEqual(body[0], { op: 'replace', path: '/metadata/resourceVersion', value: pre.value.history.resourceVersion }, 'plus the resourceVersion guard');
    assert.equal(body.length, 2, 'annotations are not touched (unlike a Deployment undo)');

    const done = await s.rollback(pre.value, { wait: false, evidenceDir });
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    // The plugin's patch on the twin, as kubectl argo rollouts undo twin --to-revision=1 sends it.
    const twinRs1 = await getJson<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(plane, ns, `rs/twin-${hashOf('twin', 1)}`);
    delete twinRs1.spec.template.metadata.labels['rollouts-pod-template-hash'];
    await plane.kubectl(['-n', ns, 'patch', 'rollout/twin', '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template', value: twinRs1.spec.template }])]);
    const web = await getJson<Record<string, unknown>>(plane, ns, 'rollout/web');
    const twin = await getJson<Record<string, unknown>>(plane, ns, 'rollout/twin');
    const normal = (o: Record<string, unknown>, name: string) => JSON.parse(JSON.stringify(comparable(o, ns)).split(name).join('<name>'));
    assert.deepEqual(normal(web, 'web'), normal(twin, 'twin'), 'the same Rollout as the plugin leaves');
    assert.deepEqual((web.spec as { template: unknown }).template, expected);
    assert.equal((web.metadata as { annotations: Record<string, string> }).annotations.team, 'payments');

    // Undoing to it again changes nothing.
    const again = await s.preflight({ ref, toRevision: 1 });
    assert.ok(again.ok);
    assert.equal(again.value.plan?.action, 'skip');
    assert.match(again.value.plan!.skipMessage!, /skipped rollback \(current template already matches revision 1\)/);

    const record = JSON.parse(readFileSync(done.value.files!.json, 'utf8')) as EvidenceRecord;
    assert.equal(record.object.kind, 'Rollout');
    assert.equal(record.to?.revision, 1);
    assert.ok(!JSON.stringify(record).includes('hunter'), 'secret env values masked in the record');
  });

  test('Rollouts: abort, retry and promote send the plugin\'s merge patches to the status subresource (and spec when paused)', { timeout: 180_000 }, async () => {
    const ns = 'ro-act';
    await namespace(plane, ns);
    await rolloutWithHistory(ns, 'web');
    const ref = { kind: 'Rollout' as const, namespace: ns, name: 'web' };
    const act = async (action: 'abort' | 'retry' | 'promote' | 'promote-full') => {
      const pre = await s.rolloutActionPreflight(ref, action);
      assert.ok(pre.ok, pre.ok ? '' : pre.error.message);
      assert.deepEqual(pre.value.blocking, [], JSON.stringify(pre.value.checks));
      const done = await s.rolloutAction(pre.value, { evidenceDir });
      assert.ok(done.ok, done.ok ? '' : done.error.message);
      return { pre: pre.value, done: done.value, after: await getJson<Obj>(plane, ns, 'rollout/web') };
    };
    const before = await getJson<Obj>(plane, ns, 'rollout/web');

    const abort = await act('abort');
    assert.deepEqual(abort.done.sent, [{ target: 'status', body: { status: { abort: true } }, status: 200 }]);
    assert.equal(abort.done.message, "rollout 'web' aborted");
    assert.equal(abort.after.status?.abort, true);
    assert.deepEqual(abort.after.spec, before.spec, 'spec untouched');
    assert.equal(abort.after.metadata.generation, before.metadata.generation);
    assert.match(abort.pre.checks.find((c) => c.id === 'rbac')!.title, /may patch rollouts\/status\.argoproj\.io "web"/);
    const record = JSON.parse(readFileSync(abort.done.files!.json, 'utf8')) as EvidenceRecord;
    assert.equal(record.action, 'abort');
    assert.deepEqual(record.patch?.body, [{ target: 'status', body: { status: { abort: true } }, status: 200 }]);

    const retry = await act('retry');
    assert.deepEqual(retry.done.sent.map((x) => x.body), [{ status: { abort: false } }]);
    assert.equal(retry.after.status?.abort, false);

    // Paused at a pause step: promote clears the pause conditions.
    const promote = await act('promote');
    assert.deepEqual(promote.done.sent.map((x) => [x.target, x.body]), [['status', { status: { pauseConditions: null } }]]);
    assert.equal(promote.after.status?.pauseConditions, undefined);
    assert.equal(promote.after.status?.currentStepIndex, 1);

    // No pause conditions, canary at step 1: promote moves to step 2.
    const step = await act('promote');
    assert.deepEqual(step.done.sent.map((x) => x.body), [{ status: { pauseConditions: null, currentStepIndex: 2 } }]);
    assert.equal(step.after.status?.currentStepIndex, 2);

    // spec.paused: the unpause goes to the object, after the status patch.
    await plane.kubectl(['-n', ns, 'patch', 'rollout/web', '--type', 'merge', '-p', '{"spec":{"paused":true}}']);
    const unpause = await act('promote');
    assert.deepEqual(unpause.done.sent.map((x) => [x.target, x.body]), [
      ['status', { status: { pauseConditions: null, currentStepIndex: 3 } }],
      ['main', { spec: { paused: false } }],
    ]);
    assert.equal(unpause.after.spec.paused, false);

    const full = await act('promote-full');
    assert.deepEqual(full.done.sent.map((x) => [x.target, x.body]), [['status', { status: { promoteFull: true } }]]);
    assert.equal(full.after.status?.promoteFull, true);
    assert.equal(full.done.message, "rollout 'web' fully promoted");

    // A read-only user: refused with the exact subresource named.
    const ro = session(plane, plane.contexts.readonly);
    try {
      const pre = await ro.rolloutActionPreflight(ref, 'abort');
      assert.ok(pre.ok);
      assert.equal(pre.value.blocking[0]?.kind, 'forbidden');
      assert.match(pre.value.blocking[0]!.message, /may not patch rollouts\/status\.argoproj\.io "web" in namespace "ro-act"/);
    } finally {
      ro.dispose();
    }

    // The same refusal from the CLI as JSON names the permission, as undo's does.
    const roCli = runCli(cli, ['rollout', 'abort', 'rollout/web', '-n', ns, '--context', plane.contexts.readonly, '--yes', '--format', 'json', '--evidence-dir', evidenceDir], { cwd: work, env });
    assert.equal(roCli.code, 1, roCli.stdout + roCli.stderr);
    const roJson = JSON.parse(roCli.stdout) as { ok: boolean; status: string; error: { kind: string; permission?: Record<string, string> } };
    assert.equal(roJson.ok, false);
    assert.equal(roJson.status, 'refused');
    assert.equal(roJson.error.kind, 'forbidden');
    assert.deepEqual(roJson.error.permission, { verb: 'patch', group: 'argoproj.io', resource: 'rollouts/status', namespace: ns, name: 'web', user: 'rg-readonly' });

    // The CLI.
    const cliAbort = runCli(cli, ['rollout', 'abort', 'rollout/web', '-n', ns, '--yes', '--evidence-dir', evidenceDir], { cwd: work, env });
    assert.equal(cliAbort.code, 0, cliAbort.stdout + cliAbort.stderr);
    assert.match(cliAbort.stdout, /rollout 'web' aborted/);
    assert.equal((await getJson<Obj>(plane, ns, 'rollout/web')).status?.abort, true);
    const noTty = runCli(cli, ['rollout', 'retry', 'ro/web', '-n', ns], { cwd: work, env });
    assert.equal(noTty.code, 2);
    assert.match(noTty.stderr, /pass --yes/);
    const wrong = runCli(cli, ['rollout', 'abort', 'deployment/web', '-n', ns, '--yes'], { cwd: work, env });
    assert.equal(wrong.code, 2);
    const hist = runCli(cli, ['history', 'rollout/web', '-n', ns], { cwd: work, env });
    assert.equal(hist.code, 0, hist.stderr);
    assert.match(hist.stdout, /3 \(live\)/);
    assert.match(hist.stdout, /2 \(stable\)/);
    const undo = runCli(cli, ['undo', 'rollout/web', '--to-revision', '2', '-n', ns, '--yes', '--no-wait'], { cwd: work, env });
    assert.equal(undo.code, 0, undo.stdout + undo.stderr);
    assert.match(undo.stdout, /rolled back rollout\/web to revision 2; not waiting for the rollout/);
  });

  // ---------------------------------------------------------------- Argo CD

  const SOURCE = { repoURL: 'https://github.com/bookstore/deploy.git', path: 'apps/shop', targetRevision: 'main' };
  const SHA = ['1111111111111111111111111111111111111111', '2222222222222222222222222222222222222222', '3333333333333333333333333333333333333333'];

  async function application(ns: string, name: string, syncPolicy: Record<string, unknown> | undefined, history: unknown[]): Promise<Obj> {
    await apply({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: { project: 'default', source: SOURCE, destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' }, ...(syncPolicy ? { syncPolicy } : {}) },
    });
    // Application has no status subresource: the controller writes status on the object itself.
    await plane.kubectl(['-n', ns, 'patch', `application/${name}`, '--type', 'merge', '-p', JSON.stringify({ status: { history, sync: { status: 'Synced', revision: SHA[2] }, health: { status: 'Healthy' }, operationState: { phase: 'Succeeded', message: 'successfully synced', startedAt: '2025-05-03T09:59:50Z', finishedAt: '2025-05-03T10:00:00Z', operation: { sync: { revision: SHA[2] }, initiatedBy: { automated: true } } } } })]);
    return getJson<Obj>(plane, ns, `application/${name}`);
  }

  const history3 = SHA.map((sha, id) => ({ id, revision: sha, source: SOURCE, deployedAt: `2025-05-0${id + 1}T10:00:00Z`, deployStartedAt: `2025-05-0${id + 1}T09:59:50Z`, initiatedBy: id === 1 ? { username: 'alice' } : { automated: true } }));

  test('Argo CD: history from status.history; rollback refused while auto-sync is on, then "pause auto-sync, then roll back" writes exactly argocd\'s objects', { timeout: 180_000 }, async () => {
    const ns = 'argocd';
    await namespace(plane, ns);
    await application(ns, 'shop', { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] }, history3);
    const first = s.client.calls.length;
    const tree = await s.history({ namespace: ns, kinds: ['Application'] });
    assert.ok(tree.ok);
    assert.deepEqual(s.client.countCalls(first), { 'list applications.argoproj.io': 1 });
    const [app] = tree.value.applications!;
    assert.ok(app);
    assert.deepEqual(app.entries.map((e) => [e.id, e.revision, e.live]), [[0, SHA[0], false], [1, SHA[1], false], [2, SHA[2], true]]);
    assert.equal(app.autoSync, true);
    assert.equal(app.liveId, 2);
    assert.deepEqual(app.entries[1]!.initiatedBy, { username: 'alice' });
    assert.deepEqual(app.entries[0]!.source, SOURCE);

    const ref = { kind: 'Application' as const, namespace: ns, name: 'shop' };
    const pre = await s.applicationPreflight({ ref, id: 0 });
    assert.ok(pre.ok, pre.ok ? '' : pre.error.message);
    assert.equal(pre.value.autoSync, true);
    assert.equal(pre.value.checks.find((c) => c.id === 'auto-sync')!.status, 'warn');
    assert.deepEqual(pre.value.blocking, []);
    assert.equal(pre.value.checks.find((c) => c.id === 'dry-run')!.status, 'pass');
    const before = await getJson<Obj>(plane, ns, 'application/shop');

    // Without the confirmation: refused as argocd refuses it, nothing written.
    const refused = await s.applicationRollback(pre.value, { evidenceDir });
    assert.ok(!refused.ok);
    assert.equal(refused.error.kind, 'auto-sync');
    assert.match(refused.error.message, /rollback cannot be initiated when auto-sync is enabled/);
    assert.equal((await getJson<Obj>(plane, ns, 'application/shop')).metadata.resourceVersion, before.metadata.resourceVersion);

    const done = await s.applicationRollback(pre.value, { pauseAutoSync: true, evidenceDir });
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    assert.equal(done.value.status, 'patched');
    assert.equal(done.value.pausedAutoSync, true);
    assert.deepEqual(done.value.sent.map((x) => x.what), ['pause-auto-sync', 'rollback']);
    assert.deepEqual(done.value.sent[0]!.body, { metadata: { resourceVersion: before.metadata.resourceVersion }, spec: { syncPolicy: { automated: null } } });
    const afterApp = await getJson<Obj>(plane, ns, 'application/shop');
    // argocd app set --sync-policy none: automated gone, syncOptions kept.
    assert.deepEqual(afterApp.spec.syncPolicy, { syncOptions: ['CreateNamespace=true'] });
    // The Operation Argo CD's Rollback sets, as Go's JSON of v1alpha1.Operation.
    assert.deepEqual(afterApp.operation, {
      sync: { revision: SHA[0], syncOptions: ['CreateNamespace=true'], syncStrategy: { apply: {} }, source: SOURCE },
      initiatedBy: { username: 'rg-admin' },
      retry: {},
    });
    assert.equal((afterApp.status as { operationState?: unknown }).operationState, undefined, 'status.operationState cleared');
    assert.deepEqual((afterApp.status as { history: unknown }).history, history3, 'history untouched (the controller appends to it)');

    // An operation is now set: another rollback is refused.
    const busy = await s.applicationPreflight({ ref, id: 1 });
    assert.ok(busy.ok);
    assert.equal(busy.value.blocking[0]?.kind, 'conflict');
    assert.match(busy.value.blocking[0]!.message, /another operation is already in progress/);

    const record = JSON.parse(readFileSync(done.value.files!.json, 'utf8')) as EvidenceRecord;
    assert.equal(record.object.kind, 'Application');
    assert.equal(record.to?.revision, 0);
    assert.equal(record.from.revision, 2);
  });

  test('Argo CD: multi-source entries, the default (previous) entry, a syncPolicy with only automated, and refusals', { timeout: 180_000 }, async () => {
    const ns = 'argocd-multi';
    await namespace(plane, ns);
    const sources = [
      { repoURL: 'https://charts.example.com', chart: 'shop', targetRevision: '1.2.3', helm: { valueFiles: ['$values/shop.yaml'] } },
      { repoURL: 'https://github.com/bookstore/values.git', targetRevision: 'main', ref: 'values' },
    ];
    const multi = [0, 1].map((id) => ({ id, revisions: [`1.2.${id}`, SHA[id]!], sources, deployedAt: `2025-06-0${id + 1}T10:00:00Z` }));
    await application(ns, 'multi', undefined, multi);
    const ref = { kind: 'Application' as const, namespace: ns, name: 'multi' };
    const pre = await s.applicationPreflight({ ref });
    assert.ok(pre.ok);
    assert.equal(pre.value.plan?.toId, 0, 'without an id: the second-newest entry, as argocd app rollback');
    const done = await s.applicationRollback(pre.value, {});
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    const afterApp = await getJson<Obj>(plane, ns, 'application/multi');
    // Source is &entry.Source even when empty: Go writes {"repoURL":""}.
    assert.deepEqual(afterApp.operation, { sync: { revisions: ['1.2.0', SHA[0]], syncStrategy: { apply: {} }, source: { repoURL: '' }, sources }, initiatedBy: { username: 'rg-admin' }, retry: {} });

    // Only automated in syncPolicy: pausing removes syncPolicy altogether.
    await application(ns, 'auto', { automated: {} }, history3);
    const autoPre = await s.applicationPreflight({ ref: { kind: 'Application', namespace: ns, name: 'auto' }, id: 1 });
    assert.ok(autoPre.ok);
    assert.deepEqual(autoPre.value.pausePatch?.spec, { syncPolicy: null });
    const autoDone = await s.applicationRollback(autoPre.value, { pauseAutoSync: true });
    assert.ok(autoDone.ok);
    const auto = await getJson<Obj>(plane, ns, 'application/auto');
    assert.equal(auto.spec.syncPolicy, undefined);
    assert.deepEqual((auto.operation as { sync: { revision: string } }).sync.revision, SHA[1]);

    // enabled: false is not automated.
    await application(ns, 'off', { automated: { enabled: false } }, history3);
    const off = await s.applicationPreflight({ ref: { kind: 'Application', namespace: ns, name: 'off' }, id: 0 });
    assert.ok(off.ok);
    assert.equal(off.value.autoSync, false);

    // A missing id, an entry without a source, one entry only.
    await application(ns, 'old', undefined, [{ id: 0, revision: SHA[0], deployedAt: '2019-01-01T00:00:00Z' }, { id: 1, revision: SHA[1], source: SOURCE, deployedAt: '2025-01-01T00:00:00Z' }]);
    const oldRef = { kind: 'Application' as const, namespace: ns, name: 'old' };
    const noSource = await s.applicationPreflight({ ref: oldRef, id: 0 });
    assert.ok(noSource.ok);
    assert.equal(noSource.value.blocking[0]?.kind, 'unsupported');
    assert.match(noSource.value.blocking[0]!.message, /cannot rollback to revision deployed with Argo CD v0\.11 or lower/);
    const noId = await s.applicationPreflight({ ref: oldRef, id: 7 });
    assert.ok(noId.ok);
    assert.match(noId.value.blocking[0]!.message, /does not have deployment with id 7/);
    await application(ns, 'single', undefined, [history3[0]]);
    const single = await s.applicationPreflight({ ref: { kind: 'Application', namespace: ns, name: 'single' } });
    assert.ok(single.ok);
    assert.match(single.value.blocking[0]!.message, /should have at least two successful deployments/);

    // The CLI: refused without --pause-auto-sync, done with it.
    await application(ns, 'cli', { automated: { prune: true } }, history3);
    const refusedCli = runCli(cli, ['undo', 'application/cli', '-n', ns, '--to-revision', '0', '--yes', '--no-wait'], { cwd: work, env });
    assert.equal(refusedCli.code, 1, refusedCli.stdout + refusedCli.stderr);
    assert.match(refusedCli.stderr, /auto-sync is enabled/);
    assert.match(refusedCli.stderr, /--pause-auto-sync/);
    const okCli = runCli(cli, ['undo', 'app/cli', '-n', ns, '--to-revision', '0', '--yes', '--no-wait', '--pause-auto-sync'], { cwd: work, env });
    assert.equal(okCli.code, 0, okCli.stdout + okCli.stderr);
    assert.match(okCli.stdout, /rolled back application\/cli to history id 0 .* after pausing auto-sync: operation\.sync is set/);
    const hist = runCli(cli, ['history', 'application/cli', '-n', ns], { cwd: work, env });
    assert.match(hist.stdout, /ID\s+DEPLOYED\s+REVISION\s+SOURCE\s+INITIATED BY/);
    assert.match(hist.stdout, /1\s+2025-05-02 10:00:00\s+2{40}\s+.*alice/);
  });

  // ---------------------------------------------------------------- Flux

  test('Flux: suspend state in the tree; suspend and resume send flux\'s spec.suspend merge patch', { timeout: 180_000 }, async () => {
    const ns = 'flux-system';
    await namespace(plane, ns);
    await apply({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: ns }, spec: { interval: '10m', path: './apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } } });
    await patchStatus(ns, 'kustomization/apps', { observedGeneration: 1, lastAppliedRevision: 'main@sha1:abc', conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:abc', lastTransitionTime: '2025-05-01T10:00:00Z' }] });
    await apply({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'storefront', namespace: ns }, spec: { interval: '5m', targetNamespace: 'bookstore', chart: { spec: { chart: 'storefront', version: '0.3.x', sourceRef: { kind: 'HelmRepository', name: 'bookstore' } } } } });

    const first = s.client.calls.length;
    const tree = await s.history({ namespace: ns, kinds: ['Flux'] });
    assert.ok(tree.ok);
    assert.deepEqual(s.client.countCalls(first), { 'list kustomizations.kustomize.toolkit.fluxcd.io': 1, 'list helmreleases.helm.toolkit.fluxcd.io': 1 });
    assert.deepEqual(tree.value.flux!.map((f) => [f.ref.kind, f.ref.name, f.suspended]), [['HelmRelease', 'storefront', false], ['Kustomization', 'apps', false]]);
    const hr = tree.value.flux!.find((f) => f.ref.kind === 'HelmRelease')!;
    assert.equal(hr.releaseName, 'bookstore-storefront');
    const ks = tree.value.flux!.find((f) => f.ref.kind === 'Kustomization')!;
    assert.deepEqual(ks.ready, { status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: main@sha1:abc' });
    assert.equal(ks.source, 'GitRepository/flux-system');

    const ref = { kind: 'Kustomization' as const, namespace: ns, name: 'apps' };
    const pre = await s.fluxPreflight(ref, true, { reason: 'incident 42' });
    assert.ok(pre.ok);
    assert.deepEqual(pre.value.patch, { metadata: { annotations: { 'suspend.toolkit.fluxcd.io/reason': 'incident 42' } }, spec: { suspend: true } });
    const done = await s.fluxSetSuspended(pre.value, { evidenceDir, reason: 'incident 42' });
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    let obj = await getJson<Obj>(plane, ns, 'kustomization/apps');
    assert.equal(obj.spec.suspend, true);
    assert.equal(obj.metadata.annotations?.['suspend.toolkit.fluxcd.io/reason'], 'incident 42');

    const again = await s.fluxPreflight(ref, true);
    assert.ok(again.ok);
    assert.equal(again.value.patch, undefined);
    const skipped = await s.fluxSetSuspended(again.value, {});
    assert.ok(skipped.ok);
    assert.equal(skipped.value.status, 'skipped');

    const resume = await s.fluxPreflight(ref, false);
    assert.ok(resume.ok);
    assert.deepEqual(resume.value.patch, { spec: { suspend: null } }, 'suspend is omitempty: MergeFrom removes it');
    const resumed = await s.fluxSetSuspended(resume.value, {});
    assert.ok(resumed.ok);
    obj = await getJson<Obj>(plane, ns, 'kustomization/apps');
    assert.equal(obj.spec.suspend, undefined);

    // The CLI, on the HelmRelease.
    const cliSuspend = runCli(cli, ['flux', 'suspend', 'hr/storefront', '-n', ns, '--yes'], { cwd: work, env });
    assert.equal(cliSuspend.code, 0, cliSuspend.stdout + cliSuspend.stderr);
    assert.match(cliSuspend.stdout, /HelmRelease flux-system\/storefront suspended/);
    assert.equal((await getJson<Obj>(plane, ns, 'helmrelease.helm.toolkit.fluxcd.io/storefront')).spec.suspend, true);
    const cliTree = runCli(cli, ['history', '-n', ns], { cwd: work, env });
    assert.match(cliTree.stdout, /helmrelease\/storefront \(Flux\): suspended/);
    const cliResume = runCli(cli, ['flux', 'resume', 'helmrelease/storefront', '-n', ns, '--yes', '--format', 'json'], { cwd: work, env });
    assert.equal(cliResume.code, 0, cliResume.stdout + cliResume.stderr);
    // Flux's HelmRelease keeps Flux's name in the evidence (a Helm release is helm-release/NAME).
    const resumedNote = (JSON.parse(cliResume.stdout) as { evidence: { markdown: string; json: string } }).evidence;
    assert.match(resumedNote.markdown, /-helmrelease-storefront-resume\.md$/);
    const resumedText = readFileSync(resumedNote.markdown, 'utf8');
    assert.match(resumedText, /^# Resume of helmrelease\/storefront in flux-system/);
    assert.match(resumedText, /\| Object \| HelmRelease\.helm\.toolkit\.fluxcd\.io `flux-system\/storefront`/);
    assert.equal((JSON.parse(readFileSync(resumedNote.json, 'utf8')) as { object: { apiGroup?: string } }).object.apiGroup, 'helm.toolkit.fluxcd.io');
    assert.equal((await getJson<Obj>(plane, ns, 'helmrelease.helm.toolkit.fluxcd.io/storefront')).spec.suspend, undefined);
    const bad = runCli(cli, ['flux', 'pause', 'ks/apps', '--yes'], { cwd: work, env });
    assert.equal(bad.code, 2);
  });

  test('the watch delivers Rollouts, Helm releases, Applications and Flux objects, and their changes', { timeout: 300_000 }, async () => {
    const ns = 'watch-all';
    await namespace(plane, ns);
    await rolloutWithHistory(ns, 'web');
    await application(ns, 'shop', undefined, history3);
    await apply({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps', namespace: ns }, spec: { interval: '10m', path: './apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } } });
    const watcher = s.watch({ namespace: ns, debounceMs: 50 });
    try {
      const snapshot = new Promise<import('../../../src/cluster').HistoryTree>((resolve) => watcher.onSnapshot(resolve));
      watcher.start();
      const tree = await snapshot;
      assert.deepEqual(tree.workloads.map((w) => `${w.ref.kind}/${w.ref.name}`), ['Rollout/web']);
      assert.deepEqual(tree.applications!.map((a) => a.ref.name), ['shop']);
      assert.deepEqual(tree.flux!.map((f) => f.ref.name), ['apps']);
      assert.deepEqual(tree.releases, []);
      const changes: HistoryChange[] = [];
      watcher.onChange((c) => changes.push(c));
      const waitFor = async (what: string, p: () => boolean) => {
        const deadline = Date.now() + 60_000;
        while (!p()) {
          if (Date.now() > deadline) throw new Error(`no change for ${what}: ${JSON.stringify(changes.map((c) => Object.keys(c)))}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await plane.kubectl(['-n', ns, 'patch', 'kustomization/apps', '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
      await waitFor('flux', () => changes.some((c) => c.flux?.[0]?.suspended === true));
      await plane.helm(['install', 'storefront', join(__dirname, '..', '..', '..', 'examples', 'bookstore', 'charts', 'storefront'), '-n', ns, '--no-hooks']);
      await waitFor('helm', () => changes.some((c) => c.releases?.some((r) => r.ref.name === 'storefront' && r.currentRevision === 1)));
      await patchStatus(ns, 'rollout/web', { abort: true });
      await waitFor('rollout', () => changes.some((c) => c.changed.some((w) => w.ref.kind === 'Rollout' && w.argo?.aborted)));
      await plane.kubectl(['-n', ns, 'delete', 'application/shop']);
      await waitFor('argocd', () => changes.some((c) => c.applications?.length === 0));
      assert.equal(watcher.status().state, 'live');
    } finally {
      watcher.dispose();
    }
  });
});
