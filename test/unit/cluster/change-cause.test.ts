/** The reason of a rollback in kubernetes.io/change-cause, for each kind of patch kubectl sends. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeCauseText, withChangeCause, type RollbackPlan } from '../../../src/cluster/rollback';

function plan(patch: RollbackPlan['patch'], hasAnnotations?: boolean): RollbackPlan {
  return { toRevision: 2, patch, ...(hasAnnotations !== undefined ? { hasAnnotations } : {}) } as RollbackPlan;
}

describe('the reason as kubernetes.io/change-cause', () => {
  it('a Deployment: inside the annotations kubectl replaces', () => {
    const body = [
      { op: 'replace', path: '/metadata/resourceVersion', value: '7' },
      { op: 'replace', path: '/spec/template', value: {} },
      { op: 'replace', path: '/metadata/annotations', value: { 'kubernetes.io/change-cause': 'release 2', 'deployment.kubernetes.io/revision': '3' } },
    ];
    const out = withChangeCause(plan({ type: 'json', contentType: 'application/json-patch+json', body }), '  INC-4211:\n checkout times out ');
    assert.deepEqual((out!.body as typeof body)[2]!.value, { 'kubernetes.io/change-cause': 'rolled back to revision 2: INC-4211: checkout times out', 'deployment.kubernetes.io/revision': '3' });
    assert.equal((body[2]!.value as Record<string, string>)['kubernetes.io/change-cause'], 'release 2', 'the plan is not changed');
  });

  it('a Rollout: one more operation, adding the key or the whole map', () => {
    const body = [{ op: 'replace', path: '/spec/template', value: {} }];
    const withMap = withChangeCause(plan({ type: 'json', contentType: 'application/json-patch+json', body }, true), 'bad canary');
    assert.deepEqual((withMap!.body as unknown[])[1], { op: 'add', path: '/metadata/annotations/kubernetes.io~1change-cause', value: 'rolled back to revision 2: bad canary' });
    const without = withChangeCause(plan({ type: 'json', contentType: 'application/json-patch+json', body }, false), 'bad canary');
    assert.deepEqual((without!.body as unknown[])[1], { op: 'add', path: '/metadata/annotations', value: { 'kubernetes.io/change-cause': 'rolled back to revision 2: bad canary' } });
  });

  it('a StatefulSet or DaemonSet: metadata.annotations in the strategic merge patch', () => {
    const body = { spec: { template: { $patch: 'replace' } }, metadata: { resourceVersion: '9' } };
    const out = withChangeCause(plan({ type: 'strategic', contentType: 'application/strategic-merge-patch+json', body }), 'disk full');
    assert.deepEqual(out!.body, { spec: { template: { $patch: 'replace' } }, metadata: { resourceVersion: '9', annotations: { 'kubernetes.io/change-cause': 'rolled back to revision 2: disk full' } } });
  });

  it('no reason, no change', () => {
    const patch = { type: 'strategic' as const, contentType: 'application/strategic-merge-patch+json' as const, body: {} };
    assert.equal(withChangeCause(plan(patch), '  '), patch);
    assert.equal(changeCauseText(4, 'x'), 'rolled back to revision 4: x');
  });
});
