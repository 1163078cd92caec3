/**
 * The rollback review (src/cluster/review.ts): one model for every kind of
 * rollback, rendered by the editor's panel and printed by the CLI.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplicationPreflight, HelmPreflight, Preflight, PreflightCheck } from '../../../src/cluster';
import { applicationReview, helmReview, reviewText, summaryText, workloadReview } from '../../../src/cluster/review';
import { workloadPreflight } from '../preflightFixture';

function preflight(overrides: { checks?: PreflightCheck[]; production?: boolean; blocking?: Preflight['blocking']; action?: 'patch' | 'skip'; gitops?: Preflight['gitops'] } = {}): Preflight {
  const checks: PreflightCheck[] = overrides.checks ?? [
    { id: 'context', status: 'pass', title: 'context "rg-admin", namespace "bookstore"', evidence: ['server https://127.0.0.1:6443'] },
    { id: 'object', status: 'pass', title: 'deployment/catalog found', evidence: [] },
    { id: 'revision', status: 'pass', title: 'revision 3 → 1 (ReplicaSet catalog-1)', evidence: [] },
    { id: 'paused', status: 'pass', title: 'not paused', evidence: [] },
    { id: 'gitops', status: 'pass', title: 'no Argo CD or Flux tracking labels or annotations', evidence: [] },
    { id: 'rbac', status: 'pass', title: 'admin may patch deployments.apps "catalog"', evidence: [] },
    { id: 'dry-run', status: 'pass', title: 'server-side dry run accepted the patch', evidence: [] },
    { id: 'diff', status: 'info', title: '1 field(s) of the pod template change', evidence: [] },
    { id: 'schema', status: 'warn', title: '1 migration changed between revision 3 and revision 1', evidence: ['db/migrations/000003_drop.up.sql'] },
  ];
  return workloadPreflight({
    checks,
    plan: { action: overrides.action ?? 'patch', fromRevision: 3, toRevision: 1, resourceVersion: '812', patch: { type: 'json', contentType: 'application/json-patch+json', body: [] }, from: { template: { spec: { containers: [{ name: 'catalog', image: 'ghcr.io/bookstore/catalog:1.4.2@sha256:5b0b' }] } }, images: [] }, to: { template: { spec: { containers: [{ name: 'catalog', image: 'ghcr.io/bookstore/catalog:1.2.0' }] } }, images: [] } } as unknown as Preflight['plan'],
    diff: { equal: false, changes: [], images: [{ container: 'catalog', from: 'ghcr.io/bookstore/catalog:1.4.2@sha256:5b0b', to: 'ghcr.io/bookstore/catalog:1.2.0' }], unified: '--- a\n+++ b\n' },
    production: overrides.production,
    blocking: overrides.blocking ?? [],
    gitops: overrides.gitops ?? [],
  });
}

describe('the rollback review', () => {
  it('says what will happen in one sentence, counts the checks, and puts what needs attention first', () => {
    const r = workloadReview(preflight());
    assert.equal(r.headline, 'Roll back deployment/catalog in namespace bookstore (context rg-admin) from revision 3 to revision 1: catalog:1.4.2 → catalog:1.2.0.');
    assert.equal(r.summary, '7 checks passed · 1 needs attention');
    assert.deepEqual(r.checks.map((c) => c.id), ['schema', 'diff', 'context', 'object', 'revision', 'paused', 'gitops', 'rbac', 'dry-run']);
    assert.equal(r.state, 'ready');
    assert.deepEqual(r.proceed, { label: 'Roll Back' });
    assert.match(r.reasonGoesTo.join(' '), /kubernetes\.io\/change-cause/);
  });

  it('a blocking failure refuses: it comes first, says it blocks, and carries the buttons that fix it', () => {
    const error = { kind: 'forbidden' as const, message: 'user "viewer" may not patch deployments.apps "catalog" in namespace "bookstore"', hint: 'Ask for a Role granting "patch".' };
    const base = preflight().checks.filter((c) => c.id !== 'rbac');
    const r = workloadReview(preflight({ checks: [...base, { id: 'rbac', status: 'fail', title: error.message, evidence: [], error }], blocking: [error] }));
    assert.equal(r.state, 'refused');
    assert.equal(r.checks[0]!.id, 'rbac');
    assert.equal(r.checks[0]!.blocking, true);
    assert.deepEqual(r.checks[0]!.fixes.map((f) => f.id), ['select-context']);
    assert.deepEqual(r.refusal?.fixes.map((f) => f.label), ['Select Kube Context']);
    assert.equal(r.summary, '6 checks passed · 1 needs attention · 1 blocks the rollback');
    assert.match(r.headline, /^deployment\/catalog in namespace bookstore \(context rg-admin\) will not be rolled back to revision 1: user "viewer" may not patch/);
  });

  it('a GitOps owner is not a refusal, but proceeding says it happens in the cluster anyway', () => {
    const error = { kind: 'gitops-owned' as const, message: 'managed', hint: 'Revert in Git.' };
    const checks = [...preflight().checks.filter((c) => c.id !== 'gitops'), { id: 'gitops' as const, status: 'fail' as const, title: 'managed by Argo CD Application shop', evidence: [], error }];
    const r = workloadReview(preflight({ checks, gitops: [{ controller: 'argocd', name: 'shop', certainty: 'certain', evidence: 'label argocd.argoproj.io/instance=shop' } as Preflight['gitops'][number]] }));
    assert.equal(r.state, 'ready');
    assert.equal(r.checks[0]!.id, 'gitops');
    assert.equal(r.checks[0]!.blocking, false);
    assert.equal(r.proceed.label, 'Roll Back in the Cluster Anyway');
    assert.match(r.proceed.gitops!, /shop/);
    assert.equal(r.summary, '6 checks passed · 2 need attention');
  });

  it('a production context asks for its name; a revision that already runs has nothing to do', () => {
    assert.equal(workloadReview(preflight({ production: true })).proceed.typeContext, 'prod-eu');
    const skip = workloadReview(preflight({ action: 'skip' }));
    assert.equal(skip.state, 'nothing-to-do');
    assert.match(skip.headline, /already runs revision 1: nothing to roll back\.$/);
  });

  it('the CLI prints the same checks in the same order', () => {
    const text = reviewText(workloadReview(preflight()));
    const lines = text.split('\n');
    assert.equal(lines[0], 'Roll back deployment/catalog in namespace bookstore (context rg-admin) from revision 3 to revision 1: catalog:1.4.2 → catalog:1.2.0.');
    assert.equal(lines[1], '7 checks passed · 1 needs attention');
    assert.match(lines[2]!, /^ {2}! schema {5}1 migration changed/);
    assert.match(lines[3]!, /^ {15}db\/migrations\/000003_drop\.up\.sql$/);
  });

  it('a Helm release: helm rollback and the revision it records, the manifest and values diff, the command sent', () => {
    const base = preflight();
    const pre = {
      ...base,
      ref: { kind: 'HelmRelease', namespace: 'bookstore', name: 'storefront' },
      request: { ref: { kind: 'HelmRelease', namespace: 'bookstore', name: 'storefront' }, toRevision: 2 },
      plan: { ref: { kind: 'HelmRelease', namespace: 'bookstore', name: 'storefront' }, fromRevision: 3, toRevision: 2, newRevision: 4 },
      argv: ['rollback', 'storefront', '2', '--namespace', 'bookstore'],
      diff: { equal: false, changes: [], images: [{ container: 'storefront', from: 'ghcr.io/bookstore/storefront:3.2.1', to: 'ghcr.io/bookstore/storefront:3.2.0' }], unified: '--- now\n+++ revision 2\n-  tag: 3.2.1\n+  tag: 3.2.0\n' },
    } as unknown as HelmPreflight;
    const r = helmReview(pre, 300);
    assert.equal(r.headline, 'Roll back Helm release storefront in namespace bookstore (context rg-admin) from revision 3 to revision 2 with helm rollback (recorded as revision 4): storefront:3.2.1 → storefront:3.2.0.');
    assert.equal(r.diff?.title, 'Manifest and values: revision 3 (now) → revision 2');
    assert.deepEqual(r.actions, ['helm rollback --namespace=bookstore --kube-context=rg-admin --wait --timeout=300s -- storefront 2']);
    assert.deepEqual(r.proceed, { label: 'Roll Back' });
    assert.equal(reviewText(r).split('\n')[0], r.headline);
  });

  it('an Argo CD Application under auto-sync: pausing comes first in the sentence, the label and what is sent', () => {
    const base = preflight();
    const to = { id: 1, revision: 'a'.repeat(40), source: { repoURL: 'https://git.example/shop.git', path: 'deploy' } };
    const live = { id: 2, revision: 'b'.repeat(40), live: true };
    const pre = {
      ...base,
      ref: { kind: 'Application', namespace: 'argocd', name: 'shop' },
      request: { ref: { kind: 'Application', namespace: 'argocd', name: 'shop' }, id: 1 },
      history: { entries: [live, to] },
      plan: { fromId: 2, toId: 1, to, resourceVersion: '77' },
      autoSync: true,
      pausePatch: { spec: { syncPolicy: { automated: null } } },
      username: 'admin',
      diff: { equal: false, changes: [], images: [], unified: '-revision: bbbbbbb\n+revision: aaaaaaa\n' },
    } as unknown as ApplicationPreflight;
    const r = applicationReview(pre);
    assert.equal(r.headline, 'Pause auto-sync of Argo CD Application shop in namespace argocd (context rg-admin), then roll it back from history 2 (bbbbbbb) to history 1 (aaaaaaa).');
    assert.equal(r.proceed.label, 'Pause Auto-Sync, Then Roll Back');
    assert.equal(r.diff?.title, 'Application sources: deployed now → target');
    assert.match(r.actions[0]!, /^merge patch pausing auto-sync: \{"spec":\{"syncPolicy":\{"automated":null\}\}\}$/);
    assert.match(r.actions[1]!, /operation\.sync to history 1, guarded by resourceVersion 77/);
    assert.match(r.reasonGoesTo.join(' '), /operation's info \(Reason\)/);
  });

  it('counts say what is unknown', () => {
    assert.equal(summaryText({ passed: 1, attention: 0, blocking: 0, unknown: 2, info: 3 }), '1 check passed · 2 could not be checked');
  });
});
