/**
 * A held rollback in the cluster view (src/extension/cluster/model.ts): the
 * workload says it is held and opens on the hold row; the hold row carries
 * the summary line, the verdict and Git in its contextValue (the menus read
 * them); a Flux object paused by the flow says for which workload and hides
 * the plain "Resume Reconciliation" (resume goes through the hold).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HoldRecord } from '../../src/cluster';
import { revisionNodes, summarizeFlux, summarizeHold, treeItem, type ClusterNode, type HoldSummary, type WorkloadSummary } from '../../src/extension/cluster/model';

const NOW = Date.parse('2026-12-07T12:10:00Z');

const record: HoldRecord = {
  v: 1,
  flow: 'f1',
  since: '2026-12-07T12:03:00.000Z',
  by: 'alice',
  paused: [{ kind: 'Kustomization', namespace: 'flux-system', name: 'apps' }],
  from: { revision: 2, images: 'web=registry.example/web:1.1.0' },
  to: { revision: 1, images: 'web=registry.example/web:1.0.0', revisionAfter: 3 },
  step: 'rolled-back',
  window: 300,
  verify: { from: '2026-12-07T12:04:00.000Z', restarts: {} },
  timings: { confirmedAt: '2026-12-07T12:02:59.000Z', rolloutCompleteAt: '2026-12-07T12:04:00.000Z' },
};

const workload = (hold?: HoldSummary): WorkloadSummary => ({
  ref: { kind: 'Deployment', namespace: 'shop', name: 'web' },
  uid: 'u',
  liveRevision: 3,
  paused: false,
  images: [{ container: 'web', image: 'registry.example/web:1.0.0' }],
  rollout: { done: true, message: 'deployment "web" successfully rolled out' },
  gitops: [{ certain: true, text: 'Flux Kustomization flux-system/apps (label kustomize.toolkit.fluxcd.io/name=apps)' }],
  revisions: [
    { revision: 2, live: false, images: [{ container: 'web', image: 'registry.example/web:1.1.0' }], source: 'ReplicaSet/web-2' },
    { revision: 3, live: true, images: [{ container: 'web', image: 'registry.example/web:1.0.0' }], source: 'ReplicaSet/web-1' },
  ],
  ...(hold ? { hold } : {}),
});

describe('a held rollback in the view', () => {
  it('the workload says "held", opens on the hold row, and offers resume from its menu', () => {
    const hold = summarizeHold(record);
    assert.deepEqual(hold.paused, ['Flux Kustomization flux-system/apps']);
    assert.equal(hold.to, 'revision 1 (web=registry.example/web:1.0.0)');
    const item = treeItem({ kind: 'workload', context: 'prod', workload: workload(hold) }, NOW);
    assert.match(item.description ?? '', /· held$/);
    assert.equal(item.collapsible, 'expanded');
    assert.equal(item.contextValue, 'rollbackGuard:workload+history+held');
    assert.equal(treeItem({ kind: 'workload', context: 'prod', workload: workload() }, NOW).contextValue, 'rollbackGuard:workload+history+gitops');
    const children = revisionNodes('prod', workload(hold));
    assert.deepEqual(children.map((c) => c.kind), ['hold', 'revision', 'revision']);
  });

  it('the hold row is the summary line; its contextValue carries the verdict and whether Git matches', () => {
    const checking = treeItem({ kind: 'hold', context: 'prod', ref: workload().ref, hold: summarizeHold(record) }, NOW);
    assert.match(checking.label, /^held by Rollback Guard since \d\d:\d\d · checking health…$/);
    assert.equal(checking.contextValue, 'rollbackGuard:hold+verifying+git-unknown');
    const view = { text: 'held by Rollback Guard since 12:03 · healthy 4/5 min · Git matches live: no', verdict: 'verifying' as const, failures: [], git: { matches: false, detail: 'main@sha1:3f2a9c1d0e4b… gives deployment/web web:1.1.0' }, health: '2/2 pods ready', checkedAt: '2026-12-07T12:09:50.000Z' };
    const item = treeItem({ kind: 'hold', context: 'prod', ref: workload().ref, hold: { ...summarizeHold(record), view } }, NOW);
    assert.equal(item.label, view.text);
    assert.equal(item.accessibilityLabel, `deployment/web ${view.text}`);
    assert.equal(item.contextValue, 'rollbackGuard:hold+verifying+git-no');
    assert.match(item.tooltip ?? '', /Paused until resumed: Flux Kustomization flux\\-system\/apps/);
    assert.match(item.tooltip ?? '', /Git matches live: \*\*no\*\*/);
    const failed = treeItem({ kind: 'hold', context: 'prod', ref: workload().ref, hold: { ...summarizeHold(record), view: { ...view, verdict: 'failed', failures: ['pod web-1 restarted (0 → 3 restarts)'] } } }, NOW);
    assert.equal(failed.icon?.id, 'error');
    assert.match(failed.tooltip ?? '', /Validation failed:.*\n- pod web\\-1 restarted/s);
  });

  it('a Flux Kustomization paused by the flow says for which workload and loses the plain Resume Reconciliation', () => {
    const flux: ClusterNode = {
      kind: 'flux',
      context: 'prod',
      flux: summarizeFlux({ ref: { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' }, uid: 'k', resourceVersion: '1', suspended: true, suspendReason: 'held by Rollback Guard', pausedBy: { v: 1, flow: 'f1', object: 'Deployment shop/web', since: record.since, by: 'alice', restore: { field: 'spec.suspend', value: null, reason: null } } }),
    };
    const item = treeItem(flux, NOW);
    assert.match(item.description ?? '', /^Flux Kustomization · paused by Rollback Guard for deployment\/web/);
    assert.equal(item.contextValue, 'rollbackGuard:flux+suspended+held');
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const menus = pkg.contributes.menus['view/item/context'] ?? [];
    const offered = (value: string) =>
      menus
        .filter((m) => {
          const w = m.when ?? '';
          const eq = /viewItem == ([^\s&]+)/.exec(w)?.[1];
          const re = /viewItem =~ \/(.+?)\/(?:\s|$)/.exec(w)?.[1];
          return eq ? eq === value : re ? new RegExp(re).test(value) : false;
        })
        .map((m) => m.command);
    assert.ok(!offered('rollbackGuard:flux+suspended+held').includes('rollbackGuard.cluster.resumeFlux'));
    assert.ok(offered('rollbackGuard:hold+verified+git-yes').includes('rollbackGuard.cluster.resumeHold'));
    assert.ok(offered('rollbackGuard:hold+verifying+git-no').includes('rollbackGuard.cluster.alignManifest'));
    assert.ok(offered('rollbackGuard:workload+history+held').includes('rollbackGuard.cluster.resumeHold'));
  });
});
