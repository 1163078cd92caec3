/**
 * Which rows of the Cluster History view are redrawn when the cluster
 * changes (src/extension/cluster/refreshPlan.ts): only rows whose text, icon
 * or menu changed, and parents whose children changed — redrawing a row
 * makes the editor forget the rows below it for a moment, and a command
 * chosen from one of their menus then would arrive without its row.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argumentText } from '../../src/extension/cluster/model';
import { planRefresh, ROOT_KEY, type Served, type ServedRow } from '../../src/extension/cluster/refreshPlan';

const rows = (...r: [string, string][]): ServedRow[] => r.map(([key, sig]) => ({ key, sig }));

/** The view as served: context → namespace shop → workload web → hold + two revisions. */
function served(): Served {
  return {
    children: new Map([
      [ROOT_KEY, ['context:c']],
      ['context:c', ['namespace:c/shop']],
      ['namespace:c/shop', ['workload:web', 'flux:apps']],
      ['workload:web', ['hold:web', 'revision:web/2', 'revision:web/1']],
    ]),
    sigs: new Map([
      ['context:c', 'c watching'],
      ['namespace:c/shop', 'shop 1 workload'],
      ['workload:web', 'web held'],
      ['flux:apps', 'apps paused'],
      ['hold:web', 'healthy 4/20 s'],
      ['revision:web/2', 'revision 2'],
      ['revision:web/1', 'revision 1'],
    ]),
  };
}

function fresh(changes: { hold?: string; workload?: string; revisions?: [string, string][]; top?: [string, string][] } = {}): Map<string, ServedRow[]> {
  return new Map([
    [ROOT_KEY, rows(...(changes.top ?? [['context:c', 'c watching']]))],
    ['context:c', rows(['namespace:c/shop', 'shop 1 workload'])],
    ['namespace:c/shop', rows(['workload:web', changes.workload ?? 'web held'], ['flux:apps', 'apps paused'])],
    ['workload:web', rows(['hold:web', changes.hold ?? 'healthy 4/20 s'], ...(changes.revisions ?? [['revision:web/2', 'revision 2'], ['revision:web/1', 'revision 1']] as [string, string][]))],
  ]);
}

describe('redrawing the Cluster History view', () => {
  it('redraws nothing when nothing shown changed (a watch event on something not shown, a hold check with the same text)', () => {
    assert.deepEqual(planRefresh(served(), fresh()), { full: false, keys: [] });
  });

  it('redraws only the hold row when its text changes: its parent and siblings keep their rows', () => {
    assert.deepEqual(planRefresh(served(), fresh({ hold: 'healthy 14/20 s' })), { full: false, keys: ['hold:web'] });
  });

  it('redraws the workload (with its rows) when a revision appears, and nothing under it again', () => {
    const plan = planRefresh(served(), fresh({ hold: 'verified', revisions: [['revision:web/3', 'revision 3'], ['revision:web/2', 'revision 2'], ['revision:web/1', 'revision 1']] }));
    assert.deepEqual(plan, { full: false, keys: ['workload:web'] });
  });

  it('redraws the workload when its own text changes', () => {
    assert.deepEqual(planRefresh(served(), fresh({ workload: 'web GitOps' })), { full: false, keys: ['workload:web'] });
  });

  it('redraws the whole view when the top level changed or was never served', () => {
    assert.deepEqual(planRefresh(served(), fresh({ top: [['message:Connecting…', 'Connecting…']] })), { full: true });
    assert.deepEqual(planRefresh({ children: new Map(), sigs: new Map() }, fresh()), { full: true });
  });

  it('a row removed from a parent redraws the parent', () => {
    const f = fresh();
    f.set('workload:web', rows(['revision:web/2', 'revision 2'], ['revision:web/1', 'revision 1']));
    assert.deepEqual(planRefresh(served(), f), { full: false, keys: ['workload:web'] });
  });
});

describe('what a cluster command was given, in the log', () => {
  it('names the row and its object, or says there was none', () => {
    assert.equal(argumentText({ kind: 'hold', context: 'c', ref: { kind: 'Deployment', namespace: 'shop', name: 'web' } }), 'the hold row of deployment/web in shop');
    assert.equal(argumentText({ kind: 'revision', context: 'c', ref: { kind: 'Deployment', namespace: 'shop', name: 'web' }, revision: { revision: 1 } }), 'the revision row of deployment/web in shop (revision 1)');
    assert.equal(argumentText({ context: 'c', ref: { kind: 'Deployment', namespace: 'shop', name: 'web' } }), 'deployment/web in shop');
    assert.match(argumentText(undefined), /^no row given/);
  });
});
