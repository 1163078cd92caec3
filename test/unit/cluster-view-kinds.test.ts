/**
 * The cluster view's model for the kinds beyond kubectl's — Helm releases
 * and their revisions, Argo CD Applications and their history entries, Argo
 * Rollouts' state, Flux objects' suspend state — and the confirmation their
 * writes show: plain data, no VS Code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplicationHistory, ReleaseHistory } from '../../src/cluster';
import {
  appEntryNodes,
  errorActions,
  groupAll,
  namespaceChildren,
  operationConfirmation,
  parseRevisionPath,
  refText,
  releaseRevisionNodes,
  revisionPath,
  summarizeApplication,
  summarizeFlux,
  summarizeRelease,
  treeItem,
  type WorkloadSummary,
} from '../../src/extension/cluster/model';
import { refText as cliRefText } from '../../src/cluster/kinds';

const NOW = Date.parse('2025-05-10T12:00:00Z');

function storefront(): ReleaseHistory {
  const rev = (revision: number, status: string, tag: string, description: string, day: number) => ({
    revision,
    status,
    chart: 'storefront-0.3.0',
    chartName: 'storefront',
    chartVersion: '0.3.0',
    appVersion: '3.2.1',
    description,
    updated: `2025-05-0${day}T10:00:00.123456789Z`,
    secret: { name: `sh.helm.release.v1.storefront.v${revision}`, uid: `u${revision}`, resourceVersion: `${revision}` },
    live: status === 'deployed',
    images: [{ container: 'storefront', image: `ghcr.io/bookstore/storefront:${tag}` }],
    manifest: '',
    values: { image: { tag } },
    hooks: [],
    objects: [],
    chartCrds: [],
  });
  return {
    ref: { kind: 'HelmRelease', namespace: 'bookstore', name: 'storefront' },
    revisions: [rev(1, 'superseded', '3.1.0', 'storefront 3.1.0', 1), rev(2, 'superseded', '3.2.0', 'storefront 3.2.0', 2), rev(3, 'deployed', '3.2.1', 'storefront 3.2.1', 3)],
    currentRevision: 3,
    liveRevision: 3,
    status: 'deployed',
    chart: 'storefront-0.3.0',
    appVersion: '3.2.1',
    images: [{ container: 'storefront', image: 'ghcr.io/bookstore/storefront:3.2.1' }],
    gitops: [],
    undecodable: [],
    signature: 'x',
  };
}

function shop(autoSync: boolean): ApplicationHistory {
  return {
    ref: { kind: 'Application', namespace: 'argocd', name: 'shop' },
    uid: 'u',
    resourceVersion: '9',
    project: 'default',
    autoSync,
    syncStatus: 'Synced',
    health: 'Healthy',
    operationInProgress: false,
    deleting: false,
    entries: [0, 1].map((id) => ({ id, revision: `${id}`.repeat(40), source: { repoURL: 'https://git.example/shop.git', path: 'deploy' }, deployedAt: `2025-05-0${id + 1}T10:00:00Z`, live: id === 1, ...(id === 1 ? { initiatedBy: { username: 'alice' } } : { initiatedBy: { automated: true } }) })),
    liveId: 1,
  };
}

const revText = (e: { revision?: string; revisions?: string[] }) => e.revisions?.join(', ') ?? e.revision ?? '';
const srcText = (e: { source?: { repoURL?: string; path?: string } }) => `${e.source?.repoURL ?? ''} ${e.source?.path ?? ''}`.trim();

describe('cluster view: Helm releases, Applications, Rollouts, Flux', () => {
  it('a Helm release row: kind, revisions, live, chart; its revisions newest first, the current one +current', () => {
    const release = summarizeRelease(storefront(), (g) => g.name);
    const item = treeItem({ kind: 'release', context: 'rg-admin', release }, NOW);
    assert.equal(item.label, 'storefront');
    assert.equal(item.description, 'Helm release · 3 revisions · live 3 · storefront-0.3.0');
    assert.equal(item.contextValue, 'rollbackGuard:release+history');
    assert.equal(item.icon?.id, 'package');
    assert.equal(item.accessibilityLabel, 'Helm release storefront, 3 revisions · live 3 · storefront-0.3.0');
    const items = releaseRevisionNodes('rg-admin', release).map((n) => treeItem(n, NOW));
    assert.deepEqual(items.map((i) => [i.label, i.contextValue]), [
      ['revision 3', 'rollbackGuard:releaseRevision+current'],
      ['revision 2', 'rollbackGuard:releaseRevision'],
      ['revision 1', 'rollbackGuard:releaseRevision'],
    ]);
    assert.equal(items[0]!.description, 'live · storefront:3.2.1 · storefront 3.2.1 · 7d');
    assert.equal(items[1]!.description, 'superseded · storefront:3.2.0 · storefront 3.2.0 · 8d');
    assert.match(items[1]!.tooltip!, /Stored in Secret sh\\\.helm\\\.release\\\.v1\\\.storefront\\\.v2/);
    assert.equal(items[0]!.icon?.id, 'pass-filled');
    // Read aloud once: the kind and "live" are not repeated.
    assert.equal(items[0]!.accessibilityLabel, 'revision 3, live, storefront:3.2.1 · storefront 3.2.1 · 7d');
    assert.equal(items[1]!.accessibilityLabel, 'revision 2, superseded, storefront:3.2.0 · storefront 3.2.0 · 8d');
  });

  it('an Argo CD Application and its history entries; auto-sync shown and in the contextValue', () => {
    const app = summarizeApplication(shop(true), revText, srcText);
    const item = treeItem({ kind: 'application', context: 'c', application: app }, NOW);
    assert.equal(item.description, 'Argo CD · 2 deployments · live 1 · Synced · Healthy · auto-sync');
    assert.equal(item.contextValue, 'rollbackGuard:application+history+autosync');
    assert.match(item.tooltip!, /refuses a rollback until it is paused/);
    const entries = appEntryNodes('c', app).map((n) => treeItem(n, NOW));
    assert.deepEqual(entries.map((e) => [e.label, e.contextValue]), [['history 1', 'rollbackGuard:appRevision+current'], ['history 0', 'rollbackGuard:appRevision']]);
    assert.equal(entries[0]!.description, 'live · 1111111 · by alice · 8d');
    assert.equal(entries[1]!.description, '0000000 · by auto-sync · 9d');
    assert.equal(treeItem({ kind: 'application', context: 'c', application: summarizeApplication(shop(false), revText, srcText) }, NOW).contextValue, 'rollbackGuard:application+history');
  });

  it('a Rollout says where it is: step, paused, aborted', () => {
    const rollout: WorkloadSummary = {
      ref: { kind: 'Rollout', namespace: 'shop', name: 'orders' },
      uid: 'u',
      liveRevision: 3,
      paused: false,
      images: [],
      rollout: { done: false, message: 'Paused - CanaryPauseStep' },
      gitops: [],
      revisions: [1, 2, 3].map((revision) => ({ revision, live: revision === 3, images: [], source: `ReplicaSet/orders-${revision}` })),
      argo: { aborted: false, paused: true, pauseReasons: ['CanaryPauseStep'], step: { index: 1, count: 4 }, strategy: 'canary' },
    };
    const item = treeItem({ kind: 'workload', context: 'c', workload: rollout }, NOW);
    assert.equal(item.description, 'Rollout · 3 revisions · live 3 · step 1/4 · paused');
    assert.equal(item.contextValue, 'rollbackGuard:workload+history+rollout');
    assert.equal(item.icon?.id, 'rocket');
    const aborted = treeItem({ kind: 'workload', context: 'c', workload: { ...rollout, argo: { ...rollout.argo!, aborted: true, paused: false } } }, NOW);
    assert.equal(aborted.contextValue, 'rollbackGuard:workload+history+rollout+aborted');
    assert.match(aborted.description!, /aborted/);
    const stable = treeItem({ kind: 'revision', context: 'c', ref: rollout.ref, revision: { revision: 2, live: false, stable: true, images: [{ container: 'orders', image: 'ghcr.io/bookstore/orders:2.6.0' }], source: 'ReplicaSet/orders-2' } }, NOW);
    assert.equal(stable.description, 'stable · orders:2.6.0');
  });

  it('a Flux object shows whether it reconciles', () => {
    const f = summarizeFlux({ ref: { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' }, uid: 'u', resourceVersion: '1', suspended: true, suspendReason: 'incident 42', ready: { status: 'True' }, lastAppliedRevision: 'main@sha1:abc' });
    const item = treeItem({ kind: 'flux', context: 'c', flux: f }, NOW);
    assert.equal(item.description, 'Flux Kustomization · suspended · Ready True · main@sha1:abc');
    assert.equal(item.contextValue, 'rollbackGuard:flux+suspended');
    assert.match(item.tooltip!, /incident 42/);
    assert.equal(treeItem({ kind: 'flux', context: 'c', flux: { ...f, suspended: false } }, NOW).contextValue, 'rollbackGuard:flux+reconciling');
  });

  it('namespaces group everything; a namespace row counts each kind; children in the view\'s order', () => {
    const groups = groupAll({
      workloads: [],
      releases: [summarizeRelease(storefront(), (g) => g.name)],
      applications: [summarizeApplication(shop(false), revText, srcText)],
      flux: [summarizeFlux({ ref: { kind: 'HelmRelease', namespace: 'bookstore', name: 'storefront' }, uid: 'u', resourceVersion: '1', suspended: false })],
    });
    assert.deepEqual(groups.map((g) => [g.namespace, g.releases.length, g.applications.length, g.flux.length]), [['argocd', 0, 1, 0], ['bookstore', 1, 0, 1]]);
    const ns = treeItem({ kind: 'namespace', context: 'c', namespace: 'bookstore', workloads: 4, counts: { releases: 1, applications: 0, flux: 1 } }, NOW);
    assert.equal(ns.description, '4 workloads · 1 Helm release · 1 Flux object');
    assert.equal(treeItem({ kind: 'namespace', context: 'c', namespace: 'argocd', workloads: 0, counts: { releases: 0, applications: 2, flux: 0 } }, NOW).description, '2 Applications');
    assert.deepEqual(namespaceChildren('c', groups[1]!).map((n) => n.kind), ['release', 'flux']);
  });

  it('names every kind as the CLI prints it: a Helm release as helm-release/NAME', () => {
    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout', 'HelmRelease', 'Application']) assert.equal(refText({ kind, name: 'shop' }), cliRefText({ kind, name: 'shop' }), kind);
    assert.equal(refText({ kind: 'HelmRelease', name: 'storefront' }), 'helm-release/storefront');
  });

  it('revision documents of a Helm release round-trip their path', () => {
    const ref = { kind: 'HelmRelease' as const, namespace: 'bookstore', name: 'storefront' };
    assert.deepEqual(parseRevisionPath(revisionPath('rg-admin', ref, 2)), { context: 'rg-admin', ref, which: 2 });
    assert.deepEqual(parseRevisionPath(revisionPath('rg-admin', { kind: 'Rollout', namespace: 'shop', name: 'orders' }, 'live'))?.ref.kind, 'Rollout');
  });

  it('the confirmation of an operation lists every check; refused, nothing to do, production and GitOps as for a rollback', () => {
    const checks = [
      { id: 'context' as const, status: 'pass' as const, title: 'context "dev", namespace "bookstore"', evidence: ['server https://x'] },
      { id: 'tool' as const, status: 'pass' as const, title: 'helm v3.19.5 at /usr/bin/helm', evidence: [] },
    ];
    const pre = { checks, blocking: [], production: { production: false }, context: { name: 'dev' } };
    const c = operationConfirmation(pre, { question: 'Roll back Helm release storefront?', refused: 'No', images: [{ container: 'storefront', from: 'a:2', to: 'a:1' }], extra: ['Runs: helm rollback storefront 1'] });
    assert.equal(c.needs, 'confirm');
    assert.equal(c.message, 'Roll back Helm release storefront?');
    assert.match(c.detail, /✔ tool: helm v3\.19\.5/);
    assert.match(c.detail, /storefront: a:2 → a:1/);
    assert.match(c.detail, /Runs: helm rollback storefront 1/);
    const missing = { kind: 'tool-missing' as const, message: 'helm rollback needs the helm binary, and there is no helm on PATH', hint: 'Install Helm 3' };
    const refused = operationConfirmation({ ...pre, blocking: [missing], checks: [...checks, { id: 'tool' as const, status: 'fail' as const, title: missing.message, evidence: [], error: missing }] }, { question: 'q', refused: 'Rollback Guard will not roll back Helm release storefront' });
    assert.equal(refused.needs, 'refused');
    assert.equal(refused.message, 'Rollback Guard will not roll back Helm release storefront: helm rollback needs the helm binary, and there is no helm on PATH');
    assert.deepEqual(errorActions('tool-missing'), ['installHelm', 'openSettings']);
    assert.equal(operationConfirmation(pre, { question: 'q', refused: 'r', nothingToDo: 'already suspended' }).needs, 'skip');
    const prod = operationConfirmation({ ...pre, production: { production: true, pattern: 'prod*' }, context: { name: 'prod-eu' } }, { question: 'q', refused: 'r' });
    assert.equal(prod.needs, 'typed-context');
    const owned = operationConfirmation({ ...pre, checks: [...checks, { id: 'gitops' as const, status: 'fail' as const, title: 'managed by Flux HelmRelease flux-system/storefront', evidence: [], error: { kind: 'gitops-owned' as const, message: 'm', hint: 'Suspend it first' } }] }, { question: 'q', refused: 'r' });
    assert.equal(owned.gitops, 'managed by Flux HelmRelease flux-system/storefront');
    assert.match(owned.detail, /GitOps: Suspend it first/);
  });
});
