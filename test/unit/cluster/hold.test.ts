/**
 * The hold's records and decisions on hand-made objects: what a pause sends
 * and records, that resume puts back exactly that, the verdict over a
 * window, the tree's summary line, and which image automations overlap a
 * Kustomization. The real-controller tests (test/integration/cluster/flux-controllers.test.ts)
 * run the same code against Flux.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../src/cluster/client';
import { HOLD_ANNOTATION, PAUSED_ANNOTATION, flowDurations, healthFailures, holdOf, holdSummary, pausePatch, pausedOf, restorePatch, verdictOf, type HealthObservation, type HoldRecord } from '../../../src/cluster/hold';
import { pathsOverlap } from '../../../src/cluster/loops';
import { revisionCommit } from '../../../src/git/liveMatch';

const record = { v: 1 as const, flow: 'f1', object: 'Deployment shop/web', since: '2026-12-07T12:03:00.000Z', by: 'alice' };

function obj(spec: Record<string, unknown>, annotations: Record<string, string> = {}): KubeObject {
  return { metadata: { name: 'x', namespace: 'flux-system', resourceVersion: '42', annotations }, spec };
}

/** A JSON merge patch applied as the API server applies it (RFC 7386). */
function merge(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

describe('pause and restore', () => {
  it('a Flux Kustomization is suspended with the reason flux shows, and resume puts spec.suspend back as it was (unset)', () => {
    const ks = obj({ interval: '1m', path: './apps' });
    const { patch, restore } = pausePatch('Kustomization', ks, record, 'held by Rollback Guard');
    assert.deepEqual(restore, { field: 'spec.suspend', value: null, reason: null });
    assert.deepEqual((patch as { spec: unknown }).spec, { suspend: true });
    const paused = merge(ks, patch) as KubeObject;
    assert.equal(paused.metadata.annotations?.['suspend.toolkit.fluxcd.io/reason'], 'held by Rollback Guard');
    assert.equal(pausedOf(paused)?.flow, 'f1');
    const back = merge(paused, restorePatch(paused, pausedOf(paused)!)) as KubeObject;
    assert.deepEqual(back.spec, ks.spec, 'spec.suspend removed again, not set to false');
    assert.deepEqual(back.metadata.annotations, {}, 'the paused record and the reason are gone');
    assert.equal((restorePatch(paused, pausedOf(paused)!) as { metadata: { resourceVersion: string } }).metadata.resourceVersion, '42', 'guarded by the resourceVersion read');
  });

  it('an explicit suspend: false and an earlier reason come back exactly', () => {
    const ks = obj({ suspend: false }, { 'suspend.toolkit.fluxcd.io/reason': 'was paused for maintenance' });
    const { patch } = pausePatch('Kustomization', ks, record, 'held');
    const paused = merge(ks, patch) as KubeObject;
    const back = merge(paused, restorePatch(paused, pausedOf(paused)!)) as KubeObject;
    assert.deepEqual(back.spec, { suspend: false });
    assert.deepEqual(back.metadata.annotations, { 'suspend.toolkit.fluxcd.io/reason': 'was paused for maintenance' });
  });

  it("an Application's automated sync is removed and put back with every field it had", () => {
    const automated = { prune: true, selfHeal: true, allowEmpty: false };
    const app = obj({ project: 'default', syncPolicy: { automated, syncOptions: ['CreateNamespace=true'] } });
    const { patch, restore } = pausePatch('Application', app, record, 'held');
    assert.deepEqual(restore, { field: 'spec.syncPolicy.automated', value: automated });
    const paused = merge(app, patch) as KubeObject;
    assert.deepEqual((paused.spec as { syncPolicy: unknown }).syncPolicy, { syncOptions: ['CreateNamespace=true'] });
    const back = merge(paused, restorePatch(paused, pausedOf(paused)!)) as KubeObject;
    assert.deepEqual(back.spec, app.spec);
    assert.equal(back.metadata.annotations?.[PAUSED_ANNOTATION], undefined);
  });

  it('records that do not parse are ignored, not trusted', () => {
    assert.equal(pausedOf(obj({}, { [PAUSED_ANNOTATION]: '{not json' })), undefined);
    assert.equal(pausedOf(obj({}, { [PAUSED_ANNOTATION]: '{"v":2,"flow":"x"}' })), undefined);
    assert.equal(holdOf(obj({}, { [HOLD_ANNOTATION]: '[]' })), undefined);
  });
});

function hold(over: Partial<HoldRecord> = {}): HoldRecord {
  return {
    v: 1,
    flow: 'f1',
    since: '2026-12-07T12:03:00.000Z',
    by: 'alice',
    paused: [{ kind: 'Kustomization', namespace: 'flux-system', name: 'apps' }],
    from: { revision: 3, images: 'web=web:1.9.1' },
    to: { revision: 2, images: 'web=web:1.9' },
    step: 'rolled-back',
    window: 300,
    verify: { from: '2026-12-07T12:04:00.000Z', restarts: { 'web-1': 0 } },
    timings: { openedAt: '2026-12-07T12:02:30.000Z', confirmedAt: '2026-12-07T12:02:50.000Z', rolloutCompleteAt: '2026-12-07T12:04:00.000Z' },
    ...over,
  };
}

const healthy: HealthObservation = { at: '', rollout: { done: true, message: 'deployment "web" successfully rolled out' }, pods: { total: 2, ready: 2, notReady: [] }, restarts: [], warnings: [] };

describe('verification', () => {
  it('healthy within the window is verifying; after it, verified; the summary line says so', () => {
    const h = hold();
    const v = verdictOf(h, healthy, new Date('2026-12-07T12:08:10.000Z'));
    assert.equal(v.verdict, 'verifying');
    assert.equal(Math.floor(v.healthySeconds), 250);
    assert.match(holdSummary(h, v, { matches: false, detail: '' }), /^held by Rollback Guard since \d\d:\d\d · healthy 4\/5 min · Git matches live: no$/);
    const done = verdictOf(h, healthy, new Date('2026-12-07T12:09:00.000Z'));
    assert.equal(done.verdict, 'verified');
    assert.match(holdSummary(h, done, { matches: true, detail: '' }), /verified \(healthy 5 min\) · Git matches live: yes$/);
  });

  it('any failing observation fails the validation and says what failed', () => {
    const sick: HealthObservation = { ...healthy, pods: { total: 2, ready: 1, notReady: ['web-2'] }, restarts: [{ pod: 'web-1', from: 0, to: 3 }], warnings: [{ object: 'pod/web-1', reason: 'BackOff', message: 'Back-off restarting failed container', at: '', count: 4 }] };
    const v = verdictOf(hold(), sick, new Date('2026-12-07T12:05:00.000Z'));
    assert.equal(v.verdict, 'failed');
    assert.deepEqual(v.failures, ['1 of 2 pods not ready (web-2)', 'pod web-1 restarted (0 → 3 restarts)', 'Warning BackOff on pod/web-1: Back-off restarting failed container (×4)']);
    assert.deepEqual(healthFailures(healthy), []);
  });

  it('a recorded verdict wins over what is seen now, and without an observation nothing passes', () => {
    assert.equal(verdictOf(hold({ verify: { ...hold().verify, failedAt: '2026-12-07T12:05:00.000Z', failures: ['x'] } }), healthy, new Date('2026-12-07T13:00:00.000Z')).verdict, 'failed');
    assert.equal(verdictOf(hold({ verify: { ...hold().verify, passedAt: '2026-12-07T12:09:00.000Z' } }), undefined, new Date()).verdict, 'verified');
    assert.equal(verdictOf(hold(), undefined, new Date('2026-12-07T13:00:00.000Z')).verdict, 'verifying', 'the window passing unobserved is not a pass');
  });

  it('a window of seconds is counted in seconds', () => {
    const h = hold({ window: 30 });
    assert.match(holdSummary(h, verdictOf(h, healthy, new Date('2026-12-07T12:04:12.000Z')), undefined), /healthy 12\/30 s · Git matches live: unknown$/);
  });

  it('the durations are decide, execute and verify', () => {
    assert.deepEqual(flowDurations(hold({ verify: { ...hold().verify, passedAt: '2026-12-07T12:09:00.000Z' } })), { decideMs: 20_000, executeMs: 70_000, verifyMs: 300_000 });
  });
});

describe('sources', () => {
  it('an image automation overlaps a Kustomization when one path contains the other', () => {
    assert.ok(pathsOverlap('./', './apps/web'));
    assert.ok(pathsOverlap('./apps', 'apps/web'));
    assert.ok(pathsOverlap('apps/web/', './apps'));
    assert.equal(pathsOverlap('./apps/api', './apps/web'), false);
    assert.equal(pathsOverlap('./apps-old', './apps'), false);
  });

  it("Flux's revision strings name their commit", () => {
    const sha = '3f2a9c1d0e4b5a6978877665544332211aabbccd';
    assert.equal(revisionCommit(`main@sha1:${sha}`), sha);
    assert.equal(revisionCommit(`main/${sha}`), sha);
    assert.equal(revisionCommit(sha), sha);
    assert.equal(revisionCommit('v1.2.0@sha256:abc'), undefined);
  });
});
