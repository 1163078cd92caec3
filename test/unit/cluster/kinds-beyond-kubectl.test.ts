/**
 * The pure parts of Helm, Argo Rollouts, Argo CD and Flux support: release
 * Secret decoding and history building, redaction of values and manifests,
 * the Helm rollback plan, Argo CD's rollback operation and pause patch, the
 * Rollouts plugin's patches, Flux's suspend patch, DeepDerivative and the
 * command-line names. The real-plane tests (test/integration/cluster/helm
 * and gitops) check the same against helm and the CRDs.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/cluster/client';
import { applicationHistory, autoSyncEnabled, pauseAutoSyncPatch, planApplicationRollback, rollbackOperation } from '../../../src/cluster/argocd';
import { planRolloutAction } from '../../../src/cluster/argoRollouts';
import { fluxObject, suspendPatch } from '../../../src/cluster/flux';
import { buildReleaseHistories, decodeReleaseData, encodeReleaseData, manifestObjects, planHelmRollback, redactManifest, redactValues, releaseGitOps, type HelmReleaseRecord } from '../../../src/cluster/helm';
import { helmRollbackArgs } from '../../../src/cluster/helmRollback';
import { helmOwner } from '../../../src/cluster/gitops';
import { parseFluxRef, parseHistoryRef, parseWorkload, refText } from '../../../src/cluster/kinds';
import { evidenceMarkdown, operationEvidence, type OutcomeStatus } from '../../../src/cluster/evidence';
import type { PreflightBase } from '../../../src/cluster/operations';
import { rolloutHistory } from '../../../src/cluster/history';
import { planRollback } from '../../../src/cluster/rollback';
import { rolloutState } from '../../../src/cluster/rollout';
import { deepDerivative } from '../../../src/cluster/template';

const MANIFEST = `---
# Source: shop/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: shop-db
stringData:
  DB_PASSWORD: hunter2
data:
  token: c2VjcmV0
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  labels:
    app.kubernetes.io/instance: shop
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: registry.example/migrate:1
      containers:
        - name: web
          image: registry.example/web:1.2
          env:
            - name: API_TOKEN
              value: abc123
            - name: LOG_LEVEL
              value: debug
`;

function record(version: number, status: string, extra: Partial<HelmReleaseRecord> = {}): HelmReleaseRecord {
  return {
    name: 'shop',
    namespace: 'prod',
    version,
    info: { first_deployed: '2025-05-01T10:00:00.123456789Z', last_deployed: `2025-05-0${version}T10:00:00.5Z`, deleted: '', description: version === 1 ? 'Install complete' : 'Upgrade complete', status },
    chart: { metadata: { name: 'shop', version: `0.${version}.0`, appVersion: `1.${version}` } },
    config: { image: { tag: `1.${version}` }, db: { password: 'hunter2', host: 'db' }, apiKey: 'k-123', auth: { user: 'bob', pass: 'x' } },
    manifest: MANIFEST,
    hooks: [{ name: 'shop-migrate', kind: 'Job', events: ['pre-upgrade', 'pre-rollback'] }],
    ...extra,
  };
}

function secret(r: HelmReleaseRecord, data = encodeReleaseData(r)): KubeObject {
  return {
    metadata: { name: `sh.helm.release.v1.${r.name}.v${r.version}`, namespace: r.namespace!, uid: `uid-${r.version}`, resourceVersion: `${r.version}00`, labels: { owner: 'helm', name: r.name!, status: r.info!.status!, version: String(r.version) } },
    type: 'helm.sh/release.v1',
    data: { release: data },
  };
}

describe('Helm release Secrets', () => {
  it('decode base64(base64(gzip(json))) as the API returns it, and the uncompressed form older Helm wrote', () => {
    const r = record(1, 'deployed');
    const decoded = decodeReleaseData(encodeReleaseData(r));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, r);
    // Helm's own encoding by hand: gzip, base64 (Helm), base64 (the Secret's data).
    const helm = gzipSync(Buffer.from(JSON.stringify(r))).toString('base64');
    const byHand = decodeReleaseData(Buffer.from(helm).toString('base64'));
    assert.ok(byHand.ok);
    assert.equal(byHand.value.version, 1);
    const plain = decodeReleaseData(encodeReleaseData(r, false));
    assert.ok(plain.ok);
    assert.equal(plain.value.info?.status, 'deployed');
    const bad = decodeReleaseData(Buffer.from('not a release').toString('base64'));
    assert.ok(!bad.ok);
    assert.equal(bad.error.kind, 'invalid');
  });

  it('group by the name label as helm history does, with helm history\'s fields, the live revision and undecodable Secrets', () => {
    const secrets = [secret(record(2, 'deployed')), secret(record(1, 'superseded')), { ...secret(record(3, 'failed')), data: { release: 'garbage' } }, secret({ ...record(1, 'deployed'), name: 'other' }), { metadata: { name: 'unrelated', namespace: 'prod', labels: { owner: 'someone' } } }];
    const [other, shop] = buildReleaseHistories(secrets);
    assert.equal(other!.ref.name, 'other');
    assert.deepEqual(shop!.ref, { kind: 'HelmRelease', namespace: 'prod', name: 'shop' });
    assert.deepEqual(
      shop!.revisions.map((r) => [r.revision, r.updated, r.status, r.chart, r.appVersion, r.description]),
      [
        [1, '2025-05-01T10:00:00.5Z', 'superseded', 'shop-0.1.0', '1.1', 'Install complete'],
        [2, '2025-05-02T10:00:00.5Z', 'deployed', 'shop-0.2.0', '1.2', 'Upgrade complete'],
      ],
    );
    assert.equal(shop!.currentRevision, 2);
    assert.equal(shop!.liveRevision, 2);
    assert.deepEqual(shop!.undecodable, ['sh.helm.release.v1.shop.v3']);
    assert.deepEqual(shop!.images, [{ container: 'migrate', image: 'registry.example/migrate:1', init: true }, { container: 'web', image: 'registry.example/web:1.2' }]);
    assert.deepEqual(shop!.revisions[0]!.hooks, ['Job/shop-migrate (pre-upgrade, pre-rollback)']);
  });

  it('chart metadata missing: helm prints MISSING', () => {
    const [h] = buildReleaseHistories([secret({ ...record(1, 'deployed'), chart: null })]);
    assert.equal(h!.revisions[0]!.chart, 'MISSING');
    assert.equal(h!.revisions[0]!.appVersion, 'MISSING');
  });

  it('values: secret-looking keys masked (and everything under them), the rest kept', () => {
    assert.deepEqual(redactValues(record(1, 'deployed').config), { image: { tag: '1.1' }, db: { password: '«redacted»', host: 'db' }, apiKey: '«redacted»', auth: { user: '«redacted»', pass: '«redacted»' } });
    assert.deepEqual(redactValues({ list: [{ name: 'a', token: 't' }], empty: { apiKey: '' } }), { list: [{ name: 'a', token: '«redacted»' }], empty: { apiKey: '' } });
    assert.deepEqual(redactValues({ note: 'Authorization: Bearer abcdef' }), { note: 'Authorization: Bearer «redacted»' });
  });

  it('manifests: Secret data and stringData, every env value masked; comments and other values kept', () => {
    const out = redactManifest(MANIFEST);
    assert.doesNotMatch(out, /hunter2|c2VjcmV0|abc123/);
    assert.match(out, /DB_PASSWORD: «redacted»/);
    assert.match(out, /token: «redacted»/);
    assert.match(out, /- name: API_TOKEN\n\s+value: «redacted»/);
    assert.match(out, /- name: LOG_LEVEL\n\s+value: «redacted»/);
    assert.match(out, /# Source: shop\/templates\/deployment\.yaml/);
    assert.deepEqual(manifestObjects(out).map((o) => `${o.kind}/${o.name}`), ['Secret/shop-db', 'Deployment/shop']);
  });

  it('GitOps owners of what a release deploys: Flux helm-controller labels; app.kubernetes.io/instance=<release> is Helm\'s own', () => {
    const labelled = MANIFEST.replace('app.kubernetes.io/instance: shop', 'app.kubernetes.io/instance: shop\n    helm.toolkit.fluxcd.io/name: shop\n    helm.toolkit.fluxcd.io/namespace: flux-system');
    assert.deepEqual(releaseGitOps(manifestObjects(labelled), 'shop'), [{ controller: 'flux-helmrelease', name: 'shop', namespace: 'flux-system', certainty: 'certain', evidence: 'label helm.toolkit.fluxcd.io/name=shop on deployment/shop' }]);
    assert.deepEqual(releaseGitOps(manifestObjects(MANIFEST), 'shop'), []);
  });

  it('an object Helm installed names its release (a kubectl-style rollback of it is only a warning)', () => {
    assert.deepEqual(helmOwner({ annotations: { 'meta.helm.sh/release-name': 'storefront', 'meta.helm.sh/release-namespace': 'bookstore' } }), { name: 'storefront', namespace: 'bookstore' });
    assert.equal(helmOwner({ labels: { 'app.kubernetes.io/managed-by': 'Helm' } }), undefined);
  });

  it('the rollback plan follows helm rollback: 0 is the highest minus one, the new revision is the highest plus one', () => {
    const [h] = buildReleaseHistories([secret(record(1, 'superseded')), secret(record(2, 'superseded')), secret(record(3, 'deployed'))]);
    const prev = planHelmRollback(h!);
    assert.ok(prev.ok);
    assert.deepEqual([prev.value.fromRevision, prev.value.toRevision, prev.value.newRevision, prev.value.description], [3, 2, 4, 'Rollback to 2']);
    const one = planHelmRollback(h!, 1);
    assert.ok(one.ok);
    assert.equal(one.value.toRevision, 1);
    const same = planHelmRollback(h!, 3);
    assert.ok(same.ok, 'helm rolls back to the current revision too');
    const none = planHelmRollback(h!, 7);
    assert.ok(!none.ok);
    assert.match(none.error.message, /release has no 7 version: helm-release\/shop has revision\(s\) 1, 2, 3/);
    assert.match(none.error.hint, /rollback-guard history helm-release\/shop -n prod/);
    const [single] = buildReleaseHistories([secret(record(1, 'deployed'))]);
    const nothing = planHelmRollback(single!);
    assert.ok(!nothing.ok);
    assert.equal(nothing.error.kind, 'no-history');
    assert.deepEqual(helmRollbackArgs(one.value, 'prod-eu', { wait: true, timeoutSeconds: 120 }), ['rollback', '--namespace=prod', '--kube-context=prod-eu', '--wait', '--timeout=120s', '--', 'shop', '1']);
    // A name that looks like an option stays a name.
    assert.deepEqual(helmRollbackArgs({ ...one.value, ref: { ...one.value.ref, name: '--kubeconfig=/tmp/x', namespace: '-n' } }, '--debug').slice(1), ['--namespace=-n', '--kube-context=--debug', '--', '--kubeconfig=/tmp/x', '1']);
  });
});

// ---------------------------------------------------------------- Argo CD

const SOURCE = { repoURL: 'https://github.com/x/deploy.git', path: 'apps', targetRevision: 'main' };

function app(spec: Record<string, unknown>, history: unknown[], extra: Partial<KubeObject> = {}): KubeObject {
  return { metadata: { name: 'shop', namespace: 'argocd', uid: 'u', resourceVersion: '42' }, spec: { project: 'default', source: SOURCE, ...spec }, status: { history }, ...extra };
}

const HISTORY = [0, 1, 2].map((id) => ({ id, revision: `sha${id}`, source: SOURCE, deployedAt: `2025-01-0${id + 1}T00:00:00Z` }));

describe('Argo CD rollback', () => {
  it('history entries ascending by id, the newest live; automated sync as IsAutomatedSyncEnabled reads it', () => {
    const h = applicationHistory(app({}, [...HISTORY].reverse()));
    assert.deepEqual(h.entries.map((e) => [e.id, e.live]), [[0, false], [1, false], [2, true]]);
    assert.equal(autoSyncEnabled(app({ syncPolicy: { automated: {} } }, [])), true);
    assert.equal(autoSyncEnabled(app({ syncPolicy: { automated: { enabled: true } } }, [])), true);
    assert.equal(autoSyncEnabled(app({ syncPolicy: { automated: { enabled: false } } }, [])), false);
    assert.equal(autoSyncEnabled(app({ syncPolicy: { syncOptions: ['x'] } }, [])), false);
  });

  it('the operation is Go\'s JSON of Operation{Sync: {Revision(s), SyncOptions, SyncStrategy apply, &Source, Sources}, InitiatedBy, Retry}', () => {
    const a = app({ syncPolicy: { syncOptions: ['CreateNamespace=true'] } }, HISTORY);
    assert.deepEqual(rollbackOperation(a, HISTORY[0]!, 'alice'), { sync: { revision: 'sha0', syncOptions: ['CreateNamespace=true'], syncStrategy: { apply: {} }, source: SOURCE }, initiatedBy: { username: 'alice' }, retry: {} });
    const multi = { revisions: ['1.0', 'abc'], sources: [{ repoURL: 'a' }, { repoURL: 'b', ref: 'v' }] };
    assert.deepEqual(rollbackOperation(app({}, []), multi, ''), { sync: { revisions: ['1.0', 'abc'], syncStrategy: { apply: {} }, source: { repoURL: '' }, sources: multi.sources }, initiatedBy: {}, retry: {} });
  });

  it('the plan: refusals in Argo CD\'s order and words, the merge patch with the resourceVersion guard', () => {
    const ok = planApplicationRollback(app({}, HISTORY), 1, 'alice');
    assert.ok(ok.ok);
    assert.deepEqual(ok.value.patch, { metadata: { resourceVersion: '42' }, operation: ok.value.operation, status: { operationState: null } });
    assert.equal(ok.value.fromId, 2);
    const prev = planApplicationRollback(app({}, HISTORY), undefined, 'alice');
    assert.ok(prev.ok);
    assert.equal(prev.value.toId, 1, 'argocd app rollback without an id: the second-newest');
    const cases: [KubeObject, number | undefined, string, RegExp][] = [
      [app({}, HISTORY, { metadata: { name: 'shop', namespace: 'argocd', deletionTimestamp: '2025-01-01T00:00:00Z' } }), 0, 'invalid', /is deleting/],
      [app({ syncPolicy: { automated: {} } }, HISTORY), 0, 'auto-sync', /rollback cannot be initiated when auto-sync is enabled/],
      [app({}, HISTORY), 9, 'revision-not-found', /does not have deployment with id 9/],
      [app({}, [{ id: 0, revision: 'x', deployedAt: 'y' }, HISTORY[1]]), 0, 'unsupported', /deployed with Argo CD v0\.11 or lower/],
      [app({}, HISTORY, { operation: { sync: {} } }), 0, 'conflict', /another operation is already in progress/],
      [app({}, [HISTORY[0]]), undefined, 'no-history', /at least two successful deployments/],
    ];
    for (const [a, id, kind, message] of cases) {
      const r = planApplicationRollback(a, id, 'alice');
      assert.ok(!r.ok, kind);
      assert.equal(r.error.kind, kind);
      assert.match(r.error.message, message);
    }
  });

  it('pausing auto-sync is argocd app set --sync-policy none: automated removed, syncPolicy too when nothing is left', () => {
    assert.deepEqual(pauseAutoSyncPatch(app({ syncPolicy: { automated: { prune: true } } }, [])), { metadata: { resourceVersion: '42' }, spec: { syncPolicy: null } });
    assert.deepEqual(pauseAutoSyncPatch(app({ syncPolicy: { automated: {}, syncOptions: ['x'] } }, [])), { metadata: { resourceVersion: '42' }, spec: { syncPolicy: { automated: null } } });
    assert.deepEqual(pauseAutoSyncPatch(app({ syncPolicy: { automated: {}, retry: { limit: 2 } } }, []))?.spec, { syncPolicy: { automated: null } });
    assert.equal(pauseAutoSyncPatch(app({}, [])), undefined);
  });
});

// ---------------------------------------------------------------- Argo Rollouts

function rollout(spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return { metadata: { name: 'web', namespace: 'n', uid: 'ro-uid', resourceVersion: '7', generation: 2 }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i:3' }] } }, ...spec }, status };
}

const CANARY = { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }] } } };

describe('Argo Rollouts actions', () => {
  it('abort and retry: status.abort on the status subresource', () => {
    assert.deepEqual(planRolloutAction(rollout({}, {}), 'abort'), { action: 'abort', statusPatch: { status: { abort: true } }, unifiedPatch: { status: { abort: true } }, noop: false });
    assert.deepEqual(planRolloutAction(rollout({}, { abort: true }), 'retry').statusPatch, { status: { abort: false } });
  });

  it('promote: the plugin\'s getPatches for each state', () => {
    const p = (spec: Record<string, unknown>, status: Record<string, unknown>, action: 'promote' | 'promote-full' = 'promote') => {
      const { specPatch, statusPatch, unifiedPatch, noop } = planRolloutAction(rollout(spec, status), action);
      return { specPatch, statusPatch, unifiedPatch, noop };
    };
    // Pause conditions: clear them.
    assert.deepEqual(p(CANARY, { pauseConditions: [{ reason: 'CanaryPauseStep' }], currentStepIndex: 1 }), { specPatch: undefined, statusPatch: { status: { pauseConditions: null } }, unifiedPatch: { spec: { paused: false }, status: { pauseConditions: null } }, noop: false });
    // Mid-step canary without pauses: next step.
    assert.deepEqual(p(CANARY, { currentStepIndex: 1 }).statusPatch, { status: { pauseConditions: null, currentStepIndex: 2 } });
    assert.deepEqual(p(CANARY, { currentStepIndex: 1 }).unifiedPatch, { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: 2 } });
    // No index yet: step 0 → 1; past the last step: stays.
    assert.deepEqual(p(CANARY, {}).statusPatch, { status: { pauseConditions: null, currentStepIndex: 1 } });
    assert.deepEqual(p(CANARY, { currentStepIndex: 3 }).statusPatch, { status: { pauseConditions: null, currentStepIndex: 3 } });
    // Inconclusive analysis with a controller pause: unset it and move on.
    assert.deepEqual(p(CANARY, { currentStepIndex: 0, controllerPause: true, pauseConditions: [{ reason: 'InconclusiveAnalysisRun' }], canary: { currentStepAnalysisRunStatus: { status: 'Inconclusive' } } }).statusPatch, { status: { pauseConditions: null, controllerPause: false, currentStepIndex: 1 } });
    // spec.paused: unpause on the object.
    assert.deepEqual(p({ paused: true, strategy: { blueGreen: {} } }, {}), { specPatch: { spec: { paused: false } }, statusPatch: undefined, unifiedPatch: { spec: { paused: false }, status: { pauseConditions: null } }, noop: false });
    // Blue-green, nothing paused: nothing to send.
    assert.equal(p({ strategy: { blueGreen: {} } }, {}).noop, true);
    // --full.
    assert.deepEqual(p(CANARY, { currentPodHash: 'b', stableRS: 'a' }, 'promote-full').statusPatch, { status: { promoteFull: true } });
    assert.equal(p(CANARY, { currentPodHash: 'a', stableRS: 'a' }, 'promote-full').noop, true);
    assert.deepEqual(p({ ...CANARY, paused: true }, { currentPodHash: 'a', stableRS: 'a' }, 'promote-full').specPatch, { spec: { paused: false } });
  });

  it('status as kubectl argo rollouts status words it', () => {
    assert.deepEqual(rolloutState('Rollout', rollout({}, { observedGeneration: '2', phase: 'Healthy' })), { done: true, message: 'Healthy' });
    assert.deepEqual(rolloutState('Rollout', rollout({}, { observedGeneration: '1', phase: 'Healthy' })), { done: false, message: 'Progressing - waiting for rollout spec update to be observed' });
    assert.deepEqual(rolloutState('Rollout', rollout({}, { phase: 'Degraded', message: 'RolloutAborted' })), { done: false, failed: true, message: 'Degraded - RolloutAborted' });
    assert.deepEqual(rolloutState('Rollout', rollout({}, { phase: 'Paused', message: 'CanaryPauseStep', controllerPause: true, pauseConditions: [{}] })), { done: false, message: 'Paused - CanaryPauseStep' });
    assert.equal(rolloutState('Rollout', rollout({}, { controllerPause: true })).message, 'Progressing - waiting for rollout to unpause');
  });

  it('undo: the ReplicaSet template minus rollouts-pod-template-hash; skipped when the Rollout\'s template derives from it; workloadRef refused', () => {
    const rs = (v: number, hash: string): KubeObject => ({
      metadata: { name: `web-${hash}`, namespace: 'n', uid: `rs-${v}`, creationTimestamp: `2025-01-0${v}T00:00:00Z`, labels: { app: 'web', 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': String(v) }, ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: 'ro-uid', controller: true }] },
      spec: { template: { metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': hash }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: `i:${v}`, resources: {} }] } } },
    });
    const sets = [rs(1, 'h1'), rs(2, 'h2'), rs(3, 'h3')];
    const ro = rollout({}, { currentPodHash: 'h3', stableRS: 'h2' });
    const h = rolloutHistory(ro, sets);
    assert.deepEqual(h.revisions.map((r) => [r.revision, r.live, r.stable === true]), [[1, false, false], [2, false, true], [3, true, false]]);
    const plan = planRollback({ kind: 'Rollout', namespace: 'n', name: 'web' }, ro, sets, 0);
    assert.ok(plan.ok);
    assert.equal(plan.value.toRevision, 2);
    assert.deepEqual(plan.value.patch?.body, [
      { op: 'replace', path: '/metadata/resourceVersion', value: '7' },
      { op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'i:2', resources: {} }] } } },
    ]);
    // The Rollout's template (no creationTimestamp, no resources) derives from revision 3's: skip.
    const skip = planRollback({ kind: 'Rollout', namespace: 'n', name: 'web' }, rollout({}, {}), sets, 3);
    assert.ok(skip.ok);
    assert.equal(skip.value.action, 'skip');
    const ref = planRollback({ kind: 'Rollout', namespace: 'n', name: 'web' }, rollout({ workloadRef: { kind: 'Deployment', name: 'web' } }, {}), sets, 1);
    assert.ok(!ref.ok);
    assert.equal(ref.error.kind, 'unsupported');
    const none = planRollback({ kind: 'Rollout', namespace: 'n', name: 'web' }, ro, sets, 9);
    assert.ok(!none.ok);
    assert.match(none.error.message, /unable to find specified revision 9 in history/);
  });

  it('DeepDerivative: unset fields of the first are ignored; what it sets must match; the second\'s lists may be longer', () => {
    assert.ok(deepDerivative({ a: '', b: [], c: {}, d: null }, { a: 'x', b: [1], c: { k: 1 }, d: 5 }));
    assert.ok(deepDerivative({ l: [1] }, { l: [1, 2] }));
    assert.ok(!deepDerivative({ l: [1, 2] }, { l: [1] }));
    assert.ok(!deepDerivative({ a: 1 }, {}), 'a key of the first missing from the second');
    assert.ok(!deepDerivative({ a: null }, {}), 'even a null one');
    assert.ok(!deepDerivative({ a: 0 }, { a: 1 }), 'numbers are not "unset" at zero in unstructured data');
    assert.ok(!deepDerivative({ a: false }, { a: true }));
    assert.ok(!deepDerivative({ a: '' }, { a: 1 }), 'different types');
  });
});

// ---------------------------------------------------------------- Flux and names

describe('Flux and command-line names', () => {
  const ks = (spec: Record<string, unknown>, annotations: Record<string, string> = {}): KubeObject => ({ metadata: { name: 'apps', namespace: 'flux-system', annotations }, spec });

  it('suspend/resume: the merge patch MergeFrom makes of spec.suspend (omitempty) and the reason annotation', () => {
    assert.deepEqual(suspendPatch(ks({}), true), { spec: { suspend: true } });
    assert.deepEqual(suspendPatch(ks({}), true, 'incident'), { metadata: { annotations: { 'suspend.toolkit.fluxcd.io/reason': 'incident' } }, spec: { suspend: true } });
    assert.deepEqual(suspendPatch(ks({ suspend: true }), false), { spec: { suspend: null } });
    assert.equal(suspendPatch(ks({ suspend: true }), true), undefined);
    assert.equal(suspendPatch(ks({}), false), undefined);
    assert.deepEqual(suspendPatch(ks({ suspend: true }, { 'suspend.toolkit.fluxcd.io/reason': 'old' }), true, 'new'), { metadata: { annotations: { 'suspend.toolkit.fluxcd.io/reason': 'new' } } });
  });

  it('HelmRelease: the Helm release it manages (releaseName, else [targetNamespace-]name)', () => {
    assert.equal(fluxObject('HelmRelease', ks({ targetNamespace: 'shop' })).releaseName, 'shop-apps');
    assert.equal(fluxObject('HelmRelease', ks({ releaseName: 'x', targetNamespace: 'shop' })).releaseName, 'x');
    assert.equal(fluxObject('HelmRelease', ks({})).releaseName, 'apps');
    assert.equal(fluxObject('Kustomization', ks({ suspend: true }, { 'suspend.toolkit.fluxcd.io/reason': 'why' })).suspendReason, 'why');
  });

  it('KIND/NAME as the CLI takes them', () => {
    const kinds = (texts: string[]) => texts.map((t) => {
      const r = parseHistoryRef(t);
      return r.ok ? r.value.kind : r.error.kind;
    });
    assert.deepEqual(kinds(['deploy/a', 'ro/a', 'rollouts.argoproj.io/a', 'helm-release/a', 'helm-releases/a', 'helmrelease/a', 'release/a', 'hr/a', 'application/a', 'app/a', 'applications.argoproj.io/a', 'ks/a', 'pod/a', 'helmrelease/']), ['Deployment', 'Rollout', 'Rollout', 'HelmRelease', 'HelmRelease', 'HelmRelease', 'HelmRelease', 'HelmRelease', 'Application', 'Application', 'Application', 'unsupported', 'unsupported', 'unsupported']);
    assert.deepEqual(parseWorkload('rollout/web'), { ok: true, value: { kind: 'Rollout', name: 'web' } });
    assert.ok(!parseWorkload('helmrelease/web').ok);
    assert.deepEqual(parseFluxRef('ks/apps'), { ok: true, value: { kind: 'Kustomization', name: 'apps' } });
    assert.deepEqual(parseFluxRef('helmrelease/shop'), { ok: true, value: { kind: 'HelmRelease', name: 'shop' } });
    assert.ok(!parseFluxRef('deployment/shop').ok);
    // Flux's HelmRelease keeps its name; a Helm release is not printed as one.
    assert.ok(!parseFluxRef('helm-release/shop').ok);
    const bad = parseHistoryRef('pod/a');
    assert.ok(!bad.ok);
    assert.match(bad.error.hint, /helm-release \(release\) for a Helm release/);
  });

  it('a Helm release is printed as helm-release/NAME, never as Flux\'s helmrelease/NAME', () => {
    assert.equal(refText({ kind: 'HelmRelease', name: 'storefront' }), 'helm-release/storefront');
    assert.equal(refText({ kind: 'Deployment', name: 'web' }), 'deployment/web');
    assert.equal(refText({ kind: 'Application', name: 'shop' }), 'application/shop');
    const base = (kind: string, namespace: string): PreflightBase => ({
      ref: { kind, namespace, name: 'storefront' },
      context: { name: 'rg-admin', cluster: 'c', user: 'u', namespace: 'default', auth: 'token' },
      server: 'https://127.0.0.1:6443',
      production: { production: false },
      gitops: [],
      checks: [],
      blocking: [],
      at: '2026-01-02T03:04:05.000Z',
      calls: 0,
    });
    const common: { startedAt: string; nameTypedBack: boolean; gitopsAcknowledged: boolean; status: OutcomeStatus; message: string; from: { images: string } } = { startedAt: '2026-01-02T03:04:05.000Z', nameTypedBack: false, gitopsAcknowledged: false, status: 'rolled-back', message: 'done', from: { images: '' } };
    const helm = operationEvidence({ ...common, base: base('HelmRelease', 'bookstore'), object: { uid: '1', resourceVersionBefore: '1' } });
    assert.match(helm.id, /-bookstore-helm-release-storefront$/);
    const helmText = evidenceMarkdown(helm);
    assert.match(helmText, /^# Rollback of helm-release\/storefront in bookstore \(rg-admin\)/);
    assert.match(helmText, /\| Object \| Helm release `bookstore\/storefront`/);
    assert.doesNotMatch(helmText, /helmrelease/i);
    // Flux's HelmRelease carries its API group and keeps Flux's name.
    const flux = operationEvidence({ ...common, action: 'suspend', status: 'patched', base: base('HelmRelease', 'flux-system'), object: { uid: '2', apiGroup: 'helm.toolkit.fluxcd.io', resourceVersionBefore: '1' } });
    assert.match(flux.id, /-flux-system-helmrelease-storefront-suspend$/);
    const fluxText = evidenceMarkdown(flux);
    assert.match(fluxText, /^# Suspend of helmrelease\/storefront in flux-system/);
    assert.match(fluxText, /\| Object \| HelmRelease\.helm\.toolkit\.fluxcd\.io `flux-system\/storefront`/);
    assert.doesNotMatch(fluxText, /helm-release|Helm release/);
  });
});
