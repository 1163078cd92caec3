/**
 * The pure parts of the cluster layer: production globs, GitOps detection,
 * template diffs, history building and rollback planning on hand-made objects
 * (the real-plane tests in test/integration/cluster check them against
 * kubectl), rollout status wording, workload names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/cluster/client';
import { diffTemplates } from '../../../src/cluster/diff';
import { detectGitOps } from '../../../src/cluster/gitops';
import { fixesFor } from '../../../src/cluster/review';
import { deploymentHistory, controllerRevisionHistory, selectorMatches, selectorString, buildHistories } from '../../../src/cluster/history';
import { parseWorkload } from '../../../src/cluster/kinds';
import { contextConfirmed, matchProductionContext } from '../../../src/cluster/production';
import { planRollback } from '../../../src/cluster/rollback';
import { rolloutState } from '../../../src/cluster/rollout';
import { semanticEqual } from '../../../src/cluster/template';
import { DEFAULT_CONFIG } from '../../../src/core/config';

const DEFAULTS = DEFAULT_CONFIG.production.contexts;

describe('production contexts', () => {
  it('the default globs match the usual production names and nothing else', () => {
    for (const name of ['prod', 'prod-eu', 'shop-prod', 'eu-production', 'my-production-cluster', 'PROD-us', 'arn:aws:eks:eu-west-1:123456789012:cluster/production-eu']) {
      assert.ok(matchProductionContext(name, DEFAULTS).production, name);
    }
    for (const name of ['staging', 'dev', 'kind-kind', 'rg-admin', 'pre-x', 'reproduce']) {
      assert.equal(matchProductionContext(name, DEFAULTS).production, false, name);
    }
  });

  it('* crosses "/" and ":" in context names; ? and [classes] work; the matching pattern is reported', () => {
    assert.deepEqual(matchProductionContext('gke_acme_europe-west1_live', ['gke_*_live']), { production: true, pattern: 'gke_*_live' });
    assert.ok(matchProductionContext('arn:aws:eks:us-east-1:1:cluster/live', ['*cluster/live']).production);
    assert.ok(matchProductionContext('live-1', ['live-?']).production);
    assert.ok(matchProductionContext('live-b', ['live-[ab]']).production);
    assert.equal(matchProductionContext('live-c', ['live-[!c]']).production, false);
    assert.equal(matchProductionContext('a.b', ['a?b']).production, true);
    assert.equal(matchProductionContext('axb', ['a.b']).production, false, '"." is literal');
  });

  it('confirmation needs the exact name', () => {
    assert.ok(contextConfirmed('prod-eu', 'prod-eu'));
    assert.ok(contextConfirmed('prod-eu', ' prod-eu\n'));
    assert.equal(contextConfirmed('prod-eu', 'PROD-EU'), false);
    assert.equal(contextConfirmed('prod-eu', undefined), false);
    assert.equal(contextConfirmed('prod-eu', 'prod'), false);
  });
});

describe('GitOps ownership', () => {
  it('Argo CD annotation tracking, custom instance key, label tracking (possible only), Flux labels', () => {
    assert.deepEqual(detectGitOps({ annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web' } }), [
      { controller: 'argocd', name: 'shop', certainty: 'certain', evidence: 'annotation argocd.argoproj.io/tracking-id=shop:apps/Deployment:shop/web' },
    ]);
    assert.equal(detectGitOps({ annotations: { 'argocd.argoproj.io/tracking-id': 'team_shop:apps/Deployment:shop/web' } })[0]!.namespace, 'team');
    assert.equal(detectGitOps({ labels: { 'argocd.argoproj.io/instance': 'shop' } })[0]!.certainty, 'certain');
    assert.equal(detectGitOps({ labels: { 'app.kubernetes.io/instance': 'shop' } })[0]!.certainty, 'possible');
    assert.equal(detectGitOps({ labels: { 'app.kubernetes.io/instance': 'shop' }, annotations: { 'argocd.argoproj.io/tracking-id': 'shop:x' } }).length, 1);
    assert.deepEqual(
      detectGitOps({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system', 'helm.toolkit.fluxcd.io/name': 'web' } }).map((o) => `${o.controller}:${o.namespace ?? ''}/${o.name}`),
      ['flux-kustomization:flux-system/apps', 'flux-helmrelease:/web'],
    );
    assert.deepEqual(detectGitOps({ labels: { app: 'web' } }), []);
  });
});

describe('template diff', () => {
  const a = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'web:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, { name: 'side', image: 'side:1' }] },
  };
  it('matches named list items by name: a reorder is no change, a value change names the item', () => {
    const reordered = { ...a, spec: { containers: [a.spec.containers[1]!, a.spec.containers[0]!] } };
    assert.equal(diffTemplates(a, reordered).equal, true);
    const b = { ...a, spec: { containers: [{ ...a.spec.containers[0]!, image: 'web:2', env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }] }, a.spec.containers[1]!] } };
    const d = diffTemplates(a, b, { from: 'now', to: 'rev 1' });
    assert.deepEqual(d.changes.map((c) => `${c.change} ${c.path}`), ['changed spec.containers[web].env[B].value', 'changed spec.containers[web].image']);
    assert.deepEqual(d.images, [{ container: 'web', from: 'web:1', to: 'web:2' }]);
    assert.match(d.unified, /^--- now\n\+\+\+ rev 1\n@@ /);
    assert.match(d.unified, /\n-\s+image: web:1\n/);
    assert.match(d.unified, /\n\+\s+image: web:2\n/);
  });
  it('added and removed fields, containers added; empty and missing are equal', () => {
    const b = { metadata: { labels: { app: 'web', tier: 'front' }, annotations: {} }, spec: { containers: [...a.spec.containers, { name: 'new', image: 'n:1' }] } };
    const d = diffTemplates(a, b);
    assert.deepEqual(d.changes.map((c) => `${c.change} ${c.path}`), ['added metadata.labels.tier', 'added spec.containers[new]']);
    assert.deepEqual(d.images, [{ container: 'new', to: 'n:1' }]);
    assert.ok(semanticEqual({ a: [], b: {}, c: null }, {}));
    assert.equal(semanticEqual({ a: [1] }, {}), false);
  });
});

// ------------------------------------------------------------ objects

const template = (image: string, extra: Record<string, unknown> = {}) => ({ metadata: { labels: { app: 'web', ...extra } }, spec: { containers: [{ name: 'web', image }] } });

function deployment(image: string, over: { annotations?: Record<string, string>; paused?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', uid: 'd-1', resourceVersion: '100', generation: 4, annotations: over.annotations ?? { 'deployment.kubernetes.io/revision': '3', 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}', note: 'deployment-only' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template(image), ...(over.paused ? { paused: true } : {}) },
    status: { observedGeneration: 4, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
  };
}

function rs(name: string, revision: string, image: string, created: string, over: { owner?: string; annotations?: Record<string, string>; labels?: Record<string, string> } = {}): KubeObject {
  return {
    metadata: {
      name,
      namespace: 'shop',
      uid: `rs-${name}`,
      creationTimestamp: created,
      labels: over.labels ?? { app: 'web', 'pod-template-hash': name },
      annotations: over.annotations ?? { 'deployment.kubernetes.io/revision': revision, 'deployment.kubernetes.io/desired-replicas': '2', 'deployment.kubernetes.io/max-replicas': '3', 'kubernetes.io/change-cause': `deploy ${image}` },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: over.owner ?? 'd-1', controller: true }],
    },
    spec: { replicas: image === 'web:3' ? 2 : 0, selector: { matchLabels: { app: 'web', 'pod-template-hash': name } }, template: template(image, { 'pod-template-hash': name }) },
    status: { readyReplicas: image === 'web:3' ? 2 : 0, availableReplicas: image === 'web:3' ? 2 : 0 },
  };
}

const replicaSets = [
  rs('web-a', '1', 'web:1', '2025-01-01T00:00:00Z'),
  rs('web-b', '2', 'web:2', '2025-01-02T00:00:00Z'),
  rs('web-c', '3', 'web:3', '2025-01-03T00:00:00Z'),
  rs('other', '7', 'web:7', '2025-01-03T00:00:00Z', { owner: 'd-other' }),
  rs('stray', '8', 'web:8', '2025-01-03T00:00:00Z', { labels: { app: 'nope' } }),
];

describe('Deployment history', () => {
  it('owned ReplicaSets that match the selector, revision, change-cause, images, live, replicas; hash label removed', () => {
    const h = deploymentHistory(deployment('web:3'), replicaSets);
    assert.deepEqual(h.revisions.map((r) => [r.revision, r.images[0]!.image, r.live, r.changeCause, r.replicas?.ready]), [
      [1, 'web:1', false, 'deploy web:1', 0],
      [2, 'web:2', false, 'deploy web:2', 0],
      [3, 'web:3', true, 'deploy web:3', 2],
    ]);
    assert.equal(h.liveRevision, 3);
    assert.deepEqual(h.revisions[0]!.template.metadata!.labels, { app: 'web' });
    assert.equal(h.rollout.done, true);
  });

  it('builds every workload of a namespace from flat lists, grouped by owner', () => {
    const all = buildHistories({ deployments: [deployment('web:3')], replicaSets });
    assert.equal(all.length, 1);
    assert.equal(all[0]!.revisions.length, 3);
  });

  it('selectors: matchLabels and matchExpressions, and their LIST form', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['b', 'a'] }, { key: 'legacy', operator: 'DoesNotExist' as const }] };
    assert.ok(selectorMatches(sel, { app: 'web', tier: 'a' }));
    assert.equal(selectorMatches(sel, { app: 'web', tier: 'c' }), false);
    assert.equal(selectorMatches(sel, { app: 'web', tier: 'a', legacy: '1' }), false);
    assert.equal(selectorString(sel), '!legacy,app=web,tier in (a,b)');
  });
});

describe('Deployment rollback plan (kubectl rollout undo)', () => {
  const ref = { kind: 'Deployment' as const, namespace: 'shop', name: 'web' };

  it('to revision N: JSON patch guarded by resourceVersion, template without pod-template-hash, kubectl annotations', () => {
    const plan = planRollback(ref, deployment('web:3'), replicaSets, 1);
    assert.ok(plan.ok);
    assert.equal(plan.value.action, 'patch');
    assert.equal(plan.value.fromRevision, 3);
    assert.equal(plan.value.toRevision, 1);
    assert.equal(plan.value.patch!.contentType, 'application/json-patch+json');
    assert.deepEqual(plan.value.patch!.body, [
      { op: 'replace', path: '/metadata/resourceVersion', value: '100' },
      { op: 'replace', path: '/spec/template', value: template('web:1') },
      {
        op: 'replace',
        path: '/metadata/annotations',
        // Kept from the Deployment: last-applied and revision; copied from the ReplicaSet: the rest except desired/max-replicas; dropped: Deployment-only annotations.
        value: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}', 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'deploy web:1' },
      },
    ]);
  });

  it('no revision: the second-newest; unknown revision: not found; nothing older: no history', () => {
    const plan = planRollback(ref, deployment('web:3'), replicaSets, 0);
    assert.ok(plan.ok && plan.value.toRevision === 2);
    const missing = planRollback(ref, deployment('web:3'), replicaSets, 9);
    assert.ok(!missing.ok && missing.error.kind === 'revision-not-found');
    const none = planRollback(ref, deployment('web:3'), [replicaSets[2]!], 0);
    assert.ok(!none.ok && none.error.kind === 'no-history');
  });

  it('a paused Deployment is refused (after the revision lookup, as kubectl orders it)', () => {
    const paused = planRollback(ref, deployment('web:3', { paused: true }), replicaSets, 1);
    assert.ok(!paused.ok && paused.error.kind === 'paused');
    assert.match(paused.error.hint, /kubectl rollout resume deployment\/web -n shop/);
    // The panel's buttons for it: the resume command to copy, then Check Again.
    assert.deepEqual(
      fixesFor(paused.error).map((f) => [f.id, f.label, f.command]),
      [['copy-command', 'Copy the Resume Command', 'kubectl rollout resume deployment/web -n shop'], ['check-again', 'Check Again', undefined]],
    );
    const missing = planRollback(ref, deployment('web:3', { paused: true }), replicaSets, 9);
    assert.ok(!missing.ok && missing.error.kind === 'revision-not-found');
  });

  it('already at that template (ignoring pod-template-hash): skipped, no patch', () => {
    const plan = planRollback(ref, deployment('web:3'), replicaSets, 3);
    assert.ok(plan.ok);
    assert.equal(plan.value.action, 'skip');
    assert.equal(plan.value.skipMessage, 'skipped rollback (current template already matches revision 3)');
    assert.equal(plan.value.patch, undefined);
  });
});

describe('StatefulSet/DaemonSet rollback plan', () => {
  const ref = { kind: 'StatefulSet' as const, namespace: 'shop', name: 'db' };
  const sts = (image: string): KubeObject => ({
    metadata: { name: 'db', namespace: 'shop', uid: 's-1', resourceVersion: '55', generation: 2 },
    spec: { replicas: 1, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } } },
    status: { observedGeneration: 2, readyReplicas: 1, updateRevision: 'db-2', currentRevision: 'db-2' },
  });
  const cr = (name: string, revision: number, image: string): KubeObject => ({
    metadata: { name, namespace: 'shop', uid: `cr-${name}`, labels: { app: 'db', 'controller.kubernetes.io/hash': name }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 's-1', controller: true }] },
    revision,
    data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'db' } }, spec: { containers: [{ image, name: 'db' }] } } } },
  });
  const revisions = [cr('db-1', 1, 'pg:15'), cr('db-2', 2, 'pg:16')];

  it('history: revision field, live by stored patch equality', () => {
    const h = controllerRevisionHistory('StatefulSet', sts('pg:16'), revisions);
    assert.deepEqual(h.revisions.map((r) => [r.revision, r.images[0]!.image, r.live]), [[1, 'pg:15', false], [2, 'pg:16', true]]);
    assert.equal(h.revisions[0]!.template.$patch, undefined);
  });

  it('the stored strategic merge patch plus the resourceVersion guard; skip when it already matches; no-history with one revision', () => {
    const plan = planRollback(ref, sts('pg:16'), revisions, 0);
    assert.ok(plan.ok);
    assert.equal(plan.value.toRevision, 1);
    assert.equal(plan.value.patch!.contentType, 'application/strategic-merge-patch+json');
    assert.deepEqual(plan.value.patch!.body, { ...revisions[0]!.data as object, metadata: { resourceVersion: '55' } });
    const skip = planRollback(ref, sts('pg:16'), revisions, 2);
    assert.ok(skip.ok && skip.value.action === 'skip');
    const none = planRollback(ref, sts('pg:16'), [revisions[1]!], 0);
    assert.ok(!none.ok && none.error.kind === 'no-history');
    assert.equal(none.error.message, 'no last revision to roll back to for statefulset/db');
  });
});

describe('rollout status (kubectl wording)', () => {
  it('Deployment: observed, updated, old pending, available, deadline', () => {
    const d = (status: Record<string, unknown>, generation = 2): KubeObject => ({ metadata: { name: 'web', generation }, spec: { replicas: 3 }, status: { observedGeneration: 2, ...status } });
    assert.equal(rolloutState('Deployment', d({}, 3)).message, 'Waiting for deployment spec update to be observed...');
    assert.equal(rolloutState('Deployment', d({ updatedReplicas: 1 })).message, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
    assert.equal(rolloutState('Deployment', d({ updatedReplicas: 3, replicas: 4 })).message, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...');
    assert.equal(rolloutState('Deployment', d({ updatedReplicas: 3, replicas: 3, availableReplicas: 2 })).message, 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...');
    assert.deepEqual(rolloutState('Deployment', d({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 })), { done: true, message: 'deployment "web" successfully rolled out' });
    assert.equal(rolloutState('Deployment', d({ conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] })).failed, true);
  });

  it('StatefulSet/DaemonSet with OnDelete: nothing to follow (not a failure)', () => {
    for (const kind of ['StatefulSet', 'DaemonSet'] as const) {
      const st = rolloutState(kind, { metadata: { name: 'x', generation: 1 }, spec: { updateStrategy: { type: 'OnDelete' } }, status: {} });
      assert.deepEqual(st, { done: true, unfollowable: true, message: 'rollout status is only available for RollingUpdate strategy type' });
    }
  });
});

describe('workload names', () => {
  it("accepts kubectl's spellings and rejects the rest with a hint", () => {
    assert.deepEqual(parseWorkload('deploy/web'), { ok: true, value: { kind: 'Deployment', name: 'web' } });
    assert.deepEqual(parseWorkload('statefulsets.apps/db-0'), { ok: true, value: { kind: 'StatefulSet', name: 'db-0' } });
    assert.deepEqual(parseWorkload('DS/agent'), { ok: true, value: { kind: 'DaemonSet', name: 'agent' } });
    for (const bad of ['web', 'pod/web', 'deployment/', 'deployment/a/b', 'deployment/Web']) assert.equal(parseWorkload(bad).ok, false, bad);
  });
});
