/** The tree says where a revision went after a rollback renumbered it (src/extension/cluster/model.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RevisionEntry } from '../../src/cluster';
import { summarizeRevision, treeItem } from '../../src/extension/cluster/model';

const entry = (revision: number, uid: string, previousRevisions?: number[]): RevisionEntry => ({
  revision,
  source: { kind: 'ReplicaSet', name: `catalog-${uid}`, uid },
  images: [{ container: 'catalog', image: 'ghcr.io/bookstore/catalog:1.2.0' }],
  live: revision === 4,
  template: {},
  ...(previousRevisions ? { previousRevisions } : {}),
});

describe('where a revision went', () => {
  it('from the controller\'s revision-history annotation, or from the numbers the view saw the same object with', () => {
    assert.deepEqual(summarizeRevision(entry(4, 'a', [1])).previousRevisions, [1]);
    assert.deepEqual(summarizeRevision(entry(4, 'a'), [1, 4]).previousRevisions, [1]);
    assert.equal(summarizeRevision(entry(2, 'b'), [2]).previousRevisions, undefined);
  });

  it('the row reads "revision 1 → now 4", and its tooltip says why', () => {
    const item = treeItem({ kind: 'revision', context: 'rg-admin', ref: { kind: 'Deployment', namespace: 'bookstore', name: 'catalog' }, revision: summarizeRevision(entry(4, 'a', [1])) }, Date.now());
    assert.equal(item.label, 'revision 4');
    assert.match(item.description!, /^live · revision 1 → now 4 · catalog:1\.2\.0/);
    assert.match(item.tooltip!, /revision 1 → now 4: a rollback to revision 1 reused this ReplicaSet, and the controller numbered it as the newest revision\./);
  });
});

describe('a Helm revision the server can no longer apply', () => {
  it('is marked in the tree with the API versions and the fix', () => {
    const item = treeItem(
      {
        kind: 'releaseRevision',
        context: 'rg-admin',
        ref: { kind: 'HelmRelease', namespace: 'shop', name: 'legacy' },
        revision: { revision: 1, status: 'superseded', chart: 'legacy-0.1.0', appVersion: '1.0', description: 'Install complete', updated: '', live: false, current: false, images: [], secret: 'sh.helm.release.v1.legacy.v1', unservedApis: ['policy/v1beta1 PodDisruptionBudget'] },
      },
      Date.now(),
    );
    assert.match(item.description!, /^superseded · uses policy\/v1beta1, no longer served/);
    assert.deepEqual(item.icon, { id: 'warning', color: 'editorWarning.foreground' });
    assert.match(item.tooltip!, /Uses API versions this server no longer serves.*helm mapkubeapis legacy --namespace shop/);
  });
});
