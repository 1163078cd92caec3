/**
 * The cluster view's contributions in package.json: declared once, every
 * command that talks to a cluster or writes hidden in untrusted workspaces,
 * menus driven by the tree's contextValues, settings documented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_IDS } from '../../src/extension/generated/commands';
import { treeItem } from '../../src/extension/cluster/model';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const CLUSTER = COMMAND_IDS.filter((id) => id.startsWith('rollbackGuard.cluster.'));
type Menu = { command: string; when?: string; group?: string };

describe('cluster view contributions', () => {
  it('declares the view, its commands and the palette entries', () => {
    assert.ok(manifest.contributes.views.rollbackGuard.some((v: { id: string }) => v.id === 'rollbackGuard.cluster'));
    assert.deepEqual([...CLUSTER].sort(), [
      'rollbackGuard.cluster.abortRollout',
      'rollbackGuard.cluster.alignManifest',
      'rollbackGuard.cluster.compareWithLive',
      'rollbackGuard.cluster.copyImage',
      'rollbackGuard.cluster.openKubeconfigSetting',
      'rollbackGuard.cluster.promoteRollout',
      'rollbackGuard.cluster.promoteRolloutFully',
      'rollbackGuard.cluster.refresh',
      'rollbackGuard.cluster.resumeFlux',
      'rollbackGuard.cluster.resumeHold',
      'rollbackGuard.cluster.retryRollout',
      'rollbackGuard.cluster.rollBackToRevision',
      'rollbackGuard.cluster.rollBackWorkload',
      'rollbackGuard.cluster.selectContext',
      'rollbackGuard.cluster.showHistory',
      'rollbackGuard.cluster.suspendFlux',
    ]);
    const titles = Object.fromEntries(manifest.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
    assert.equal(titles['rollbackGuard.cluster.rollBackWorkload'], 'Roll Back Workload…');
    assert.equal(titles['rollbackGuard.cluster.showHistory'], 'Show Revision History…');
  });

  it('every menu entry of a command that reaches a cluster or writes requires a trusted workspace', () => {
    const menus = manifest.contributes.menus as Record<string, Menu[]>;
    for (const [where, entries] of Object.entries(menus)) {
      for (const m of entries) {
        if (!m.command.startsWith('rollbackGuard.cluster.') || m.command === 'rollbackGuard.cluster.copyImage') continue;
        if (where === 'commandPalette' && m.when === 'false') continue;
        assert.match(m.when ?? '', /isWorkspaceTrusted/, `${where}: ${m.command}`);
      }
    }
  });

  it('menus follow the contextValues the tree items carry', () => {
    const items = manifest.contributes.menus['view/item/context'] as Menu[];
    const matches = (when: string, value: string) =>
      when.split('&&').every((part) => {
        const p = part.trim();
        const eq = /^viewItem == (.+)$/.exec(p);
        if (eq) return eq[1] === value;
        const re = /^viewItem =~ \/(.+)\/$/.exec(p);
        if (re) return new RegExp(re[1]!).test(value);
        return true;
      });
    const offered = (value: string) => items.filter((m) => matches(m.when ?? '', value) && m.group !== 'inline@1').map((m) => m.command);
    const rev = (live: boolean) =>
      treeItem({ kind: 'revision', context: 'c', ref: { kind: 'Deployment', namespace: 'n', name: 'w' }, revision: { revision: 1, live, images: [], source: 'ReplicaSet/w-1' } }, 0).contextValue;
    assert.deepEqual(offered(rev(false)), ['rollbackGuard.cluster.rollBackToRevision', 'rollbackGuard.cluster.compareWithLive', 'rollbackGuard.cluster.copyImage']);
    assert.deepEqual(offered(rev(true)), ['rollbackGuard.cluster.copyImage'], 'the live revision cannot be rolled back to');
    assert.ok(offered('rollbackGuard:workload+history').includes('rollbackGuard.cluster.rollBackWorkload'));
    assert.ok(!offered('rollbackGuard:workload').includes('rollbackGuard.cluster.rollBackWorkload'), 'nothing to go back to');

    // Argo Rollouts: the workload menu plus abort / promote / promote fully, and retry once aborted.
    const ro = (aborted: boolean) =>
      treeItem({ kind: 'workload', context: 'c', workload: { ref: { kind: 'Rollout', namespace: 'n', name: 'r' }, uid: 'u', paused: false, images: [], rollout: { done: false, message: 'Paused' }, gitops: [], revisions: [1, 2].map((revision) => ({ revision, live: revision === 2, images: [], source: 'ReplicaSet/x' })), argo: { aborted, paused: true, pauseReasons: [], strategy: 'canary' } } }, 0).contextValue;
    const rolloutActions = ['rollbackGuard.cluster.abortRollout', 'rollbackGuard.cluster.promoteRollout', 'rollbackGuard.cluster.promoteRolloutFully'];
    assert.deepEqual(offered(ro(false)).filter((c) => /Rollout$|Fully$/.test(c) || c.endsWith('retryRollout')), rolloutActions);
    assert.deepEqual(offered(ro(true)).filter((c) => /Rollout$|Fully$/.test(c) || c.endsWith('retryRollout')), [...rolloutActions, 'rollbackGuard.cluster.retryRollout']);
    assert.ok(offered(ro(false)).includes('rollbackGuard.cluster.rollBackWorkload'));

    // Helm release revisions: roll back, compare, copy; the current one only copy.
    const hrev = (current: boolean) => treeItem({ kind: 'releaseRevision', context: 'c', ref: { kind: 'HelmRelease', namespace: 'n', name: 's' }, revision: { revision: 1, status: 'superseded', chart: 'c-1', appVersion: '1', description: '', updated: '', live: current, current, images: [], secret: 's' } }, 0).contextValue;
    assert.deepEqual(offered(hrev(false)), ['rollbackGuard.cluster.rollBackToRevision', 'rollbackGuard.cluster.compareWithLive', 'rollbackGuard.cluster.copyImage']);
    assert.deepEqual(offered(hrev(true)), ['rollbackGuard.cluster.copyImage']);
    // Argo CD history entries: roll back only (no pod template to compare).
    const entry = (live: boolean) => treeItem({ kind: 'appEntry', context: 'c', ref: { kind: 'Application', namespace: 'n', name: 'a' }, autoSync: false, entry: { id: 1, revision: 'abc', source: '', deployedAt: '', live } }, 0).contextValue;
    assert.deepEqual(offered(entry(false)), ['rollbackGuard.cluster.rollBackToRevision']);
    assert.deepEqual(offered(entry(true)), []);
    assert.ok(offered('rollbackGuard:release+history').includes('rollbackGuard.cluster.rollBackWorkload'));
    assert.ok(offered('rollbackGuard:application+history+autosync').includes('rollbackGuard.cluster.rollBackWorkload'));
    // Flux: suspend when reconciling, resume when suspended.
    const flux = (suspended: boolean) => treeItem({ kind: 'flux', context: 'c', flux: { ref: { kind: 'Kustomization', namespace: 'n', name: 'k' }, suspended } }, 0).contextValue;
    assert.deepEqual(offered(flux(false)), ['rollbackGuard.cluster.suspendFlux']);
    assert.deepEqual(offered(flux(true)), ['rollbackGuard.cluster.resumeFlux']);
  });

  it('the welcome content offers "Select Kube Context" when no context is usable, and says why when untrusted', () => {
    const welcome = (manifest.contributes.viewsWelcome as { view: string; contents: string; when?: string }[]).filter((w) => w.view === 'rollbackGuard.cluster');
    assert.ok(welcome.some((w) => /command:rollbackGuard\.cluster\.selectContext/.test(w.contents) && /rollbackGuard\.cluster\.state == noContext/.test(w.when ?? '')));
    assert.ok(welcome.some((w) => /trusted workspace/.test(w.contents) && /!isWorkspaceTrusted/.test(w.when ?? '')));
  });

  it('the kubeconfig override is a machine setting; every cluster setting is documented', () => {
    const props = manifest.contributes.configuration.properties as Record<string, { scope?: string; default?: unknown }>;
    assert.equal(props['rollbackGuard.cluster.kubeconfig']?.scope, 'machine');
    assert.equal(props['rollbackGuard.cluster.evidenceDirectory']?.default, '.rollback-guard/evidence');
    for (const key of ['productionContexts', 'rolloutTimeoutSeconds', 'namespaces', 'showWelcome', 'codeLens', 'helmPath']) assert.ok(props[`rollbackGuard.cluster.${key}`], key);
    assert.equal(props['rollbackGuard.cluster.helmPath']?.scope, 'machine', 'a workspace must not choose the binary that runs');
  });
});
