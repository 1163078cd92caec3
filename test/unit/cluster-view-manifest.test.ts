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
      'rollbackGuard.cluster.alignManifest',
      'rollbackGuard.cluster.compareWithLive',
      'rollbackGuard.cluster.copyImage',
      'rollbackGuard.cluster.refresh',
      'rollbackGuard.cluster.rollBackToRevision',
      'rollbackGuard.cluster.rollBackWorkload',
      'rollbackGuard.cluster.selectContext',
      'rollbackGuard.cluster.showHistory',
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
    for (const key of ['productionContexts', 'rolloutTimeoutSeconds', 'namespaces', 'showWelcome', 'codeLens']) assert.ok(props[`rollbackGuard.cluster.${key}`], key);
  });
});
