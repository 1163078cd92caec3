/**
 * The cluster view's pure mapping (src/extension/cluster/model.ts): tree
 * elements → TreeItem data, contextValues that drive the menus, ages, the
 * rollback confirmation, errors, and the matching of manifest documents to
 * live workloads for the CodeLens — all without VS Code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Preflight, PreflightCheck } from '../../src/cluster';
import { workloadPreflight } from './preflightFixture';
import { Engine } from '../../src/core/engine';
import {
  ageText,
  alignBranchName,
  alignCommitMessage,
  alignConfirmation,
  imageToWrite,
  confirmation,
  errorActions,
  errorText,
  groupByNamespace,
  lensTitle,
  manifestWorkloads,
  matchWorkload,
  namespaceScope,
  parseRevisionPath,
  productionPatterns,
  settingUnion,
  revisionNodes,
  revisionPath,
  scalarText,
  setImages,
  shortImage,
  treeItem,
  type ClusterNode,
  type WorkloadSummary,
} from '../../src/extension/cluster/model';

const root = join(__dirname, '..', '..');
const NOW = Date.parse('2025-03-01T12:00:00Z');

function catalog(live = 3): WorkloadSummary {
  const rev = (n: number, tag: string, cause: string, minutesAgo: number) => ({
    revision: n,
    live: n === live,
    images: [{ container: 'catalog', image: `ghcr.io/bookstore/catalog:${tag}` }],
    changeCause: cause,
    createdAt: new Date(NOW - minutesAgo * 60_000).toISOString(),
    replicas: { desired: n === live ? 3 : 0, ready: n === live ? 3 : 0 },
    source: `ReplicaSet/catalog-${n}`,
  });
  return {
    ref: { kind: 'Deployment', namespace: 'bookstore', name: 'catalog' },
    uid: 'u1',
    liveRevision: live,
    paused: false,
    images: [{ container: 'catalog', image: 'ghcr.io/bookstore/catalog:1.4.2' }],
    rollout: { done: true, message: 'deployment "catalog" successfully rolled out' },
    gitops: [],
    revisions: [rev(1, '1.2.0', 'catalog 1.2.0: first release', 300), rev(2, '1.3.0', 'catalog 1.3.0: faster search', 200), rev(3, '1.4.2', 'catalog 1.4.2: search by ISBN', 5)],
  };
}

describe('cluster view: tree items', () => {
  it('a context shows its name, production flag and watch state', () => {
    const item = treeItem({ kind: 'context', context: 'prod-eu', server: 'https://10.0.0.1', production: true, pattern: 'prod-*', state: 'live' }, NOW);
    assert.equal(item.label, 'prod-eu');
    assert.equal(item.description, 'production · watching');
    assert.equal(item.contextValue, 'rollbackGuard:context+production');
    assert.equal(item.collapsible, 'expanded');
    assert.match(item.tooltip!, /prod-\*/);
    assert.equal(treeItem({ kind: 'context', context: 'dev', production: false, state: 'reconnecting' }, NOW).icon?.id, 'debug-disconnect');
  });

  it('a namespace counts its workloads', () => {
    const item = treeItem({ kind: 'namespace', context: 'dev', namespace: 'bookstore', workloads: 4 }, NOW);
    assert.equal(item.label, 'bookstore');
    assert.equal(item.description, '4 workloads');
    assert.equal(item.contextValue, 'rollbackGuard:namespace');
  });

  it('a workload names its kind, revision count and live revision; +history when there is something to go back to', () => {
    const item = treeItem({ kind: 'workload', context: 'dev', workload: catalog() }, NOW);
    assert.equal(item.label, 'catalog');
    assert.equal(item.description, 'Deployment · 3 revisions · live 3');
    assert.equal(item.contextValue, 'rollbackGuard:workload+history');
    assert.equal(item.collapsible, 'collapsed');
    assert.equal(item.id, 'workload:dev/bookstore/Deployment/catalog');
    const single = { ...catalog(), revisions: catalog().revisions.slice(0, 1) };
    assert.equal(treeItem({ kind: 'workload', context: 'dev', workload: single }, NOW).contextValue, 'rollbackGuard:workload');
    const paused = treeItem({ kind: 'workload', context: 'dev', workload: { ...catalog(), paused: true, gitops: [{ certain: true, text: 'Argo CD Application shop' }] } }, NOW);
    assert.equal(paused.description, 'Deployment · 3 revisions · live 3 · paused · GitOps');
    // Read aloud, the kind is said once.
    assert.equal(item.accessibilityLabel, 'Deployment catalog, 3 revisions · live 3');
  });

  it('revisions: newest first, the live one marked +current, images, change-cause and age', () => {
    const nodes = revisionNodes('dev', catalog());
    assert.deepEqual(
      nodes.map((n) => (n.kind === 'revision' ? n.revision.revision : -1)),
      [3, 2, 1],
    );
    const items = nodes.map((n) => treeItem(n, NOW));
    assert.deepEqual(
      items.map((i) => [i.label, i.contextValue]),
      [
        ['revision 3', 'rollbackGuard:revision+current'],
        ['revision 2', 'rollbackGuard:revision'],
        ['revision 1', 'rollbackGuard:revision'],
      ],
    );
    assert.equal(items[0]!.description, 'live · catalog:1.4.2 · catalog 1.4.2: search by ISBN · 5m');
    assert.equal(items[2]!.description, 'catalog:1.2.0 · catalog 1.2.0: first release · 5h');
    assert.equal(items[0]!.icon?.id, 'pass-filled');
    assert.match(items[2]!.tooltip!, /ghcr\.io\/bookstore\/catalog:1\.2\.0/);
    assert.equal(items[1]!.id, 'revision:dev/bookstore/Deployment/catalog/2');
    // Read aloud, "live" is said once.
    assert.equal(items[0]!.accessibilityLabel, 'revision 3, live, catalog:1.4.2 · catalog 1.4.2: search by ISBN · 5m');
    assert.equal(items[2]!.accessibilityLabel, 'revision 1, catalog:1.2.0 · catalog 1.2.0: first release · 5h');
  });

  it('after a rollback the restored template is the new live revision', () => {
    const after = catalog(4);
    after.revisions = [...after.revisions.filter((r) => r.revision !== 1), { ...catalog().revisions[0]!, revision: 4, live: true }];
    const items = revisionNodes('dev', after).map((n) => treeItem(n, NOW));
    assert.deepEqual(items.map((i) => i.label), ['revision 4', 'revision 3', 'revision 2']);
    assert.equal(items[0]!.contextValue, 'rollbackGuard:revision+current');
    assert.match(items[0]!.description!, /^live · catalog:1\.2\.0/);
  });

  it('an error node carries the hint, the retry and whether the rest is stale', () => {
    const node: ClusterNode = { kind: 'error', context: 'dev', error: { kind: 'unreachable', message: 'cannot reach https://127.0.0.1:6443 (connection refused)', hint: 'Start the cluster or check the VPN.' }, retryInMs: 4000, attempt: 3, stale: true };
    const item = treeItem(node, NOW);
    assert.equal(item.contextValue, 'rollbackGuard:error');
    assert.equal(item.description, 'showing the last known history · retrying in 4 s (attempt 3)');
    assert.match(item.tooltip!, /What to do:\*\* Start the cluster/);
  });

  it('secrets are masked in labels and tooltips', () => {
    const token = 'abcdefghijklmnop0123456789';
    const node: ClusterNode = { kind: 'error', error: { kind: 'unauthorized', message: `token ${token} rejected`, hint: 'Log in again.' }, stale: false };
    const item = treeItem(node, NOW, [token]);
    assert.ok(!item.label.includes(token));
    assert.ok(!item.tooltip!.includes(token));
    const w = catalog();
    w.revisions[0]!.changeCause = 'deploy with password=hunter2hunter2';
    const rev = treeItem(revisionNodes('dev', w)[2]!, NOW);
    assert.ok(!rev.description!.includes('hunter2hunter2'), rev.description);
  });

  it('groups workloads by namespace, kinds in kubectl order', () => {
    const sts = { ...catalog(), ref: { kind: 'StatefulSet' as const, namespace: 'bookstore', name: 'postgres' } };
    const other = { ...catalog(), ref: { kind: 'Deployment' as const, namespace: 'a-team', name: 'web' } };
    const groups = groupByNamespace([sts, catalog(), other]);
    assert.deepEqual(
      groups.map((g) => [g.namespace, g.workloads.map((w) => w.ref.name)]),
      [
        ['a-team', ['web']],
        ['bookstore', ['catalog', 'postgres']],
      ],
    );
  });
});

describe('cluster view: ages and images', () => {
  it('ages read like kubectl', () => {
    const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
    assert.equal(ageText(ago(45), NOW), '45s');
    assert.equal(ageText(ago(12 * 60), NOW), '12m');
    assert.equal(ageText(ago(5 * 3600), NOW), '5h');
    assert.equal(ageText(ago(3 * 86400), NOW), '3d');
    assert.equal(ageText(ago(800 * 86400), NOW), '2y');
    assert.equal(ageText(undefined, NOW), '');
    assert.equal(ageText(new Date(NOW + 5000).toISOString(), NOW), '0s');
  });

  it('short images keep the name and tag', () => {
    assert.equal(shortImage('ghcr.io/bookstore/catalog:1.4.2@sha256:5b0b'), 'catalog:1.4.2');
    assert.equal(shortImage('nginx'), 'nginx');
  });
});

describe('cluster view: settings', () => {
  it('production patterns merge the setting with .rollbackguard.yaml', () => {
    assert.deepEqual(productionPatterns(['live-*', 'prod-*'], ['prod-*', '*-production']), ['live-*', 'prod-*', '*-production']);
    assert.deepEqual(productionPatterns(undefined, [' prod* ', '']), ['prod*']);
    // A workspace's own settings (they come with the repository) add to the user's patterns, never replace them.
    assert.deepEqual(productionPatterns(settingUnion({ globalValue: ['live-*'], workspaceValue: [], workspaceFolderValue: ['stage-*'] }), ['prod*']), ['live-*', 'stage-*', 'prod*']);
    assert.deepEqual(settingUnion(undefined), []);
  });

  it('namespaces: empty or * is every namespace, else the list', () => {
    assert.deepEqual(namespaceScope([]), { all: true });
    assert.deepEqual(namespaceScope(['*']), { all: true });
    assert.deepEqual(namespaceScope(['shop', ' shop', 'db']), { all: false, namespaces: ['shop', 'db'] });
  });
});

describe('cluster view: errors', () => {
  it('a 403 names the verb, resource and namespace, then what to do', () => {
    const text = errorText({
      kind: 'forbidden',
      message: 'user "dev" is forbidden',
      hint: 'Ask for a Role granting patch.',
      permission: { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'bookstore', name: 'catalog' },
    });
    assert.equal(text, 'User "dev" is forbidden (needs "patch" on deployments.apps in namespace "bookstore"). Ask for a Role granting patch.');
    assert.deepEqual(errorActions('forbidden'), ['selectContext', 'showLog']);
  });

  it('unreachable offers retry and another context; a conflict offers to check again', () => {
    assert.equal(errorText({ kind: 'unreachable', message: 'cannot reach https://x:6443: connection refused.', hint: 'Check the VPN.' }), 'Cannot reach https://x:6443: connection refused. Check the VPN.');
    assert.deepEqual(errorActions('unreachable'), ['retry', 'selectContext']);
    assert.deepEqual(errorActions('conflict'), ['rollBackAgain']);
    assert.deepEqual(errorActions('config'), ['selectContext', 'openSettings']);
  });
});

function preflight(overrides: { checks?: PreflightCheck[]; production?: boolean; blocking?: Preflight['blocking']; action?: 'patch' | 'skip' } = {}): Preflight {
  const checks: PreflightCheck[] = overrides.checks ?? [
    { id: 'context', status: 'pass', title: 'context "rg-admin", namespace "bookstore"', evidence: ['server https://127.0.0.1:6443'] },
    { id: 'object', status: 'pass', title: 'deployment/catalog found (resourceVersion 812, generation 3)', evidence: ['current revision 3: catalog=ghcr.io/bookstore/catalog:1.4.2'] },
    { id: 'revision', status: 'pass', title: 'revision 3 → 1 (ReplicaSet catalog-1)', evidence: ['target images: catalog=ghcr.io/bookstore/catalog:1.2.0'] },
    { id: 'paused', status: 'pass', title: 'not paused', evidence: [] },
    { id: 'gitops', status: 'pass', title: 'no Argo CD or Flux tracking labels or annotations', evidence: [] },
    { id: 'rbac', status: 'pass', title: 'admin may patch deployments.apps "catalog" in namespace "bookstore"', evidence: [] },
    { id: 'dry-run', status: 'pass', title: 'server-side dry run (dryRun=All) accepted the patch', evidence: [] },
    { id: 'diff', status: 'info', title: '1 field(s) of the pod template change', evidence: ['changed spec.containers[catalog].image'] },
  ];
  return workloadPreflight({
    checks,
    plan: { action: overrides.action ?? 'patch', fromRevision: 3, toRevision: 1 } as Preflight['plan'],
    diff: { equal: false, changes: [], images: [{ container: 'catalog', from: 'ghcr.io/bookstore/catalog:1.4.2', to: 'ghcr.io/bookstore/catalog:1.2.0' }], unified: '' },
    production: overrides.production,
    blocking: overrides.blocking ?? [],
    at: new Date(NOW).toISOString(),
  });
}

describe('cluster view: the rollback confirmation', () => {
  it('lists every preflight check with its evidence, and the image changes', () => {
    const c = confirmation(preflight());
    assert.equal(c.needs, 'confirm');
    assert.equal(c.message, 'Roll back deployment/catalog in namespace "bookstore" (context "rg-admin") from revision 3 to revision 1?');
    for (const id of ['context', 'object', 'revision', 'paused', 'gitops', 'rbac', 'dry-run', 'diff']) assert.match(c.detail, new RegExp(`^. ${id}: `, 'm'), id);
    assert.match(c.detail, /catalog: ghcr\.io\/bookstore\/catalog:1\.4\.2 → ghcr\.io\/bookstore\/catalog:1\.2\.0/);
    assert.match(c.detail, /server https:\/\/127\.0\.0\.1:6443/);
  });

  it('a production context needs its name typed back', () => {
    const c = confirmation(preflight({ production: true }));
    assert.equal(c.needs, 'typed-context');
    assert.match(c.detail, /"prod-eu" is a production context \(matches "prod-\*"\)/);
  });

  it('a blocking check refuses, with its hint', () => {
    const error = { kind: 'forbidden' as const, message: 'user "viewer" may not patch deployments.apps "catalog" in namespace "bookstore"', hint: 'Ask for a Role granting "patch".' };
    const checks: PreflightCheck[] = [{ id: 'rbac', status: 'fail', title: error.message, evidence: [], error }];
    const c = confirmation(preflight({ checks, blocking: [error] }));
    assert.equal(c.needs, 'refused');
    assert.match(c.message, /will not roll back deployment\/catalog/);
    assert.match(c.detail, /✖ rbac: user "viewer" may not patch/);
    assert.match(c.detail, /→ Ask for a Role/);
    assert.equal(c.refusal?.kind, 'forbidden');
  });

  it('a GitOps owner must be acknowledged', () => {
    const checks: PreflightCheck[] = [
      { id: 'gitops', status: 'fail', title: 'managed by Argo CD Application shop', evidence: [], error: { kind: 'gitops-owned', message: 'managed', hint: 'Revert the change in Git.' } },
    ];
    const c = confirmation(preflight({ checks }));
    assert.equal(c.needs, 'confirm');
    assert.equal(c.gitops, 'managed by Argo CD Application shop');
    assert.match(c.detail, /GitOps: Revert the change in Git\./);
  });

  it('nothing to do when the revision already runs', () => {
    assert.equal(confirmation(preflight({ action: 'skip' })).needs, 'skip');
  });
});

const CATALOG_MANIFEST = readFileSync(join(root, 'examples/bookstore/apps/catalog/deployment.yaml'), 'utf8');

describe('cluster view: manifests and workloads (CodeLens)', () => {
  it('finds each workload document of a file with its images, and ignores the rest', () => {
    const docs = manifestWorkloads(CATALOG_MANIFEST);
    assert.equal(docs.length, 1, 'the ConfigMap is not a workload');
    const [d] = docs;
    assert.equal(d!.kind, 'Deployment');
    assert.equal(d!.name, 'catalog');
    assert.equal(d!.namespace, 'bookstore');
    assert.equal(d!.offset, 0);
    assert.deepEqual(d!.containers.map((c) => [c.name, c.image]), [['catalog', 'ghcr.io/bookstore/catalog:1.4.2@sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270']]);
  });

  it('matches by kind, name and namespace; a document without a namespace uses the context namespace', () => {
    const live = [catalog(), { ...catalog(), ref: { kind: 'StatefulSet' as const, namespace: 'bookstore', name: 'catalog' } }, { ...catalog(), ref: { kind: 'Deployment' as const, namespace: 'default', name: 'orders' } }];
    assert.equal(matchWorkload({ kind: 'Deployment', name: 'catalog', namespace: 'bookstore' }, live, 'default'), live[0]);
    assert.equal(matchWorkload({ kind: 'StatefulSet', name: 'catalog', namespace: 'bookstore' }, live, 'default'), live[1]);
    assert.equal(matchWorkload({ kind: 'Deployment', name: 'catalog', namespace: 'staging' }, live, 'default'), undefined);
    assert.equal(matchWorkload({ kind: 'Deployment', name: 'orders' }, live, 'default'), live[2]);
    assert.equal(matchWorkload({ kind: 'Deployment', name: 'orders' }, live, 'bookstore'), undefined);
  });

  it('several documents in one file each get their own lens position', () => {
    const text = `# two workloads\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: a, image: a:1}]}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: ops\nspec:\n  template:\n    spec:\n      containers:\n        - name: agent\n          image: agent:2\n`;
    const docs = manifestWorkloads(text);
    assert.deepEqual(docs.map((d) => [d.kind, d.name, d.namespace, d.index]), [['Deployment', 'a', undefined, 0], ['DaemonSet', 'agent', 'ops', 2]]);
    assert.equal(text.slice(docs[0]!.offset).split('\n')[0], 'apiVersion: apps/v1');
    assert.equal(text.slice(docs[1]!.offset).split('\n')[0], 'apiVersion: apps/v1');
    assert.notEqual(docs[0]!.offset, docs[1]!.offset);
  });

  it('an Argo Rollout is a workload (argoproj.io); a Pod, or a Rollout of another group, is not', () => {
    const rollout = manifestWorkloads(readFileSync(join(root, 'examples/bookstore/apps/orders/rollout.yaml'), 'utf8'));
    assert.deepEqual(rollout.map((d) => [d.kind, d.name, d.containers.map((c) => c.image)]), [['Rollout', 'orders', ['ghcr.io/bookstore/orders:2.7.0']]]);
    assert.deepEqual(manifestWorkloads('apiVersion: example.com/v1\nkind: Rollout\nmetadata: {name: r}\n'), []);
    assert.deepEqual(manifestWorkloads('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n'), []);
  });

  it('the lens title counts revisions and names the live one', () => {
    assert.equal(lensTitle(catalog()), '$(history) 3 revisions · live 3 · roll back…');
    assert.equal(lensTitle({ ...catalog(), paused: true }), '$(history) 3 revisions · live 3 · paused · roll back…');
  });
});

describe('cluster view: make the manifest match the cluster', () => {
  it('edits only the image scalar: comments, layout and the other documents stay byte for byte', () => {
    const text = CATALOG_MANIFEST.replace('          image: ghcr', '          # pinned by digest\n          image: ghcr');
    const d = manifestWorkloads(text)[0]!;
    const r = setImages(text, d, [{ container: 'catalog', image: 'ghcr.io/bookstore/catalog:1.2.0' }]);
    assert.ok(r.ok);
    assert.equal(r.edits.length, 1);
    assert.equal(r.edits[0]!.from, 'ghcr.io/bookstore/catalog:1.4.2@sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270');
    const expected = text.replace(/image: ghcr\.io\/bookstore\/catalog:1\.4\.2@sha256:[0-9a-f]+/, 'image: ghcr.io/bookstore/catalog:1.2.0');
    assert.equal(r.text, expected);
    assert.match(r.text, /# pinned by digest/);
    assert.equal((parse(r.text.split('---')[0]!) as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image, 'ghcr.io/bookstore/catalog:1.2.0');
  });

  it('keeps the quoting style, and leaves unchanged images alone', () => {
    const text = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: init\n          image: 'busybox:1'\n      containers:\n        - name: web\n          image: "web:1"   # the app\n        - name: proxy\n          image: envoy:1\n`;
    const d = manifestWorkloads(text)[0]!;
    const r = setImages(text, d, [
      { container: 'init', image: "busy'box:2", init: true },
      { container: 'web', image: 'web:2' },
      { container: 'proxy', image: 'envoy:1' },
    ]);
    assert.ok(r.ok);
    assert.deepEqual(r.unchanged, ['proxy']);
    assert.match(r.text, /image: 'busy''box:2'\n/);
    assert.match(r.text, /image: "web:2" {3}# the app\n/);
    assert.match(r.text, /image: envoy:1\n/);
  });

  it('refuses a Helm template, a missing container and an image under an alias', () => {
    const helm = readFileSync(join(root, 'examples/bookstore/charts/storefront/templates/deployment.yaml'), 'utf8');
    const hd = manifestWorkloads(helm)[0];
    if (hd) {
      const r = setImages(helm, hd, [{ container: 'storefront', image: 'x:1' }]);
      assert.ok(!r.ok && /Helm template/.test(r.reason));
    }
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {template: {spec: {containers: [{name: web, image: web:1}]}}}\n';
    const d = manifestWorkloads(text)[0]!;
    const missing = setImages(text, d, [{ container: 'sidecar', image: 's:1' }]);
    assert.ok(!missing.ok && /no container named "sidecar"/.test(missing.reason));
    const flow = setImages(text, d, [{ container: 'web', image: 'web:2' }]);
    assert.ok(flow.ok);
    assert.match(flow.text, /image: web:2\}/);
    const aliased = 'x: &img web:1\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: *img\n';
    const ad = manifestWorkloads(aliased)[0]!;
    const ar = setImages(aliased, ad, [{ container: 'web', image: 'web:2' }]);
    assert.ok(!ar.ok && /alias/.test(ar.reason));
  });

  it('scalar text quotes only what needs quoting', () => {
    assert.equal(scalarText('ghcr.io/a/b:1.2@sha256:ab', 'PLAIN'), 'ghcr.io/a/b:1.2@sha256:ab');
    assert.equal(scalarText('a: b', 'PLAIN'), '"a: b"');
    assert.equal(scalarText('x', 'QUOTE_DOUBLE'), '"x"');
  });

  it('a manifest pinned by digest stays pinned: the same tag keeps its digest, another tag gets the one its history pinned', () => {
    const d = manifestWorkloads(CATALOG_MANIFEST)[0]!;
    const pinned = 'ghcr.io/bookstore/catalog:1.4.2@sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270';
    const older = `sha256:${'a'.repeat(64)}`;
    // The cluster runs the tag the manifest pins: nothing changes, the digest stays.
    const same = setImages(CATALOG_MANIFEST, d, [{ container: 'catalog', image: 'ghcr.io/bookstore/catalog:1.4.2' }]);
    assert.ok(same.ok);
    assert.deepEqual([same.edits, same.unchanged], [[], ['catalog']]);
    // Another tag: the digest the file's history pinned for it.
    const kept = setImages(CATALOG_MANIFEST, d, [{ container: 'catalog', image: 'ghcr.io/bookstore/catalog:1.2.0' }], { digestOf: (i) => (i === 'ghcr.io/bookstore/catalog:1.2.0' ? older : undefined) });
    assert.ok(kept.ok);
    assert.deepEqual(
      kept.edits.map((e) => [e.from, e.to, e.running, e.pin]),
      [[pinned, `ghcr.io/bookstore/catalog:1.2.0@${older}`, 'ghcr.io/bookstore/catalog:1.2.0', 'kept']],
    );
    assert.match(kept.text, new RegExp(`image: ghcr\\.io/bookstore/catalog:1\\.2\\.0@${older}\n`));
    // No digest known: the tag, and the edit says the pin is lost.
    const lost = setImages(CATALOG_MANIFEST, d, [{ container: 'catalog', image: 'ghcr.io/bookstore/catalog:1.2.0' }], { digestOf: () => undefined });
    assert.ok(lost.ok);
    assert.deepEqual(lost.edits.map((e) => [e.to, e.pin]), [['ghcr.io/bookstore/catalog:1.2.0', 'lost']]);
    // The cluster names a digest: it is written as it runs.
    const digest = `ghcr.io/bookstore/catalog:1.2.0@sha256:${'b'.repeat(64)}`;
    assert.equal(imageToWrite(pinned, digest).image, digest);
    // A manifest without a digest gets the reference the cluster names.
    assert.deepEqual(imageToWrite('web:1', 'web:2', { digestOf: () => older }), { image: 'web:2' });
  });

  it('branch names and commit messages say what changed, and mention a rollback only when one happened', () => {
    const ref = { kind: 'Deployment' as const, namespace: 'bookstore', name: 'catalog' };
    assert.equal(alignBranchName(ref, 4), 'rollback/deployment-catalog-revision-4');
    assert.equal(alignBranchName(ref, 3, false), 'match-cluster/deployment-catalog-revision-3');
    const edit = { container: 'catalog', from: 'c:1.4.2@sha256:1', to: `c:1.2.0@sha256:${'a'.repeat(64)}`, running: 'c:1.2.0', pin: 'kept' as const, start: 0, end: 0, newText: '' };
    const after = alignCommitMessage(ref, { context: 'rg-admin', liveRevision: 4, rollback: { toRevision: 1, evidence: '.rollback-guard/evidence/x.md' } }, [edit]);
    assert.match(after, /^deployment\/catalog: name the image the cluster runs \(c:1\.2\.0\)\n\n/);
    assert.match(after, /- catalog: c:1\.2\.0@sha256:a+ \(was c:1\.4\.2@sha256:1\)/);
    assert.match(after, /the digest is the one this file pinned for it before/);
    assert.match(after, /rolled the Deployment back to revision 1\./);
    assert.match(after, /Evidence: \.rollback-guard\/evidence\/x\.md/);
    // From the tree, with no rollback: the message says nothing of one.
    const plain = alignCommitMessage(ref, { context: 'rg-admin', liveRevision: 3 }, [{ ...edit, pin: 'lost', to: 'c:1.2.0' }]);
    assert.doesNotMatch(plain, /roll/i);
    assert.match(plain, /live revision 3/);
    assert.match(plain, /no digest for it is known here: pin it again/);
  });

  it('the confirmation shows digests shortened, while the commit message keeps them exact', () => {
    const ref = { kind: 'Deployment' as const, namespace: 'bookstore', name: 'catalog' };
    const was = `ghcr.io/bookstore/catalog:1.4.2@sha256:3d5d4763${'0'.repeat(56)}`;
    const now = `ghcr.io/bookstore/catalog:1.2.0@sha256:12121212${'12'.repeat(28)}`;
    const edit = { container: 'catalog', from: was, to: now, running: 'ghcr.io/bookstore/catalog:1.2.0', pin: 'kept' as const, start: 0, end: 0, newText: '' };
    const q = alignConfirmation(ref, 'apps/catalog/deployment.yaml', 'rollback/deployment-catalog-revision-4', [edit], { branch: 'main', sha: 'abcdef0123456789' });
    assert.equal(q.message, 'Commit the image deployment/catalog runs now to apps/catalog/deployment.yaml on a new branch rollback/deployment-catalog-revision-4?');
    assert.equal(q.detail.split('\n')[0], 'catalog: ghcr.io/bookstore/catalog:1.4.2@sha256:3d5d4763… → ghcr.io/bookstore/catalog:1.2.0@sha256:12121212…');
    assert.match(q.detail, /the digest is the one apps\/catalog\/deployment\.yaml pinned for it before/);
    assert.match(q.detail, /The commit's parent is main \(abcdef0\)/);
    assert.doesNotMatch(`${q.message}\n${q.detail}`, /[0-9a-f]{64}/);
    const message = alignCommitMessage(ref, { context: 'rg-admin', liveRevision: 4 }, [edit]);
    assert.ok(message.includes(`- catalog: ${now} (was ${was})`), message);
    // Without a branch (a detached HEAD) and with two images.
    const two = alignConfirmation(ref, 'm.yaml', 'b', [{ ...edit, pin: 'lost', to: 'ghcr.io/bookstore/catalog:1.2.0' }, { ...edit, container: 'sidecar' }], { sha: 'abcdef0123' });
    assert.match(two.message, /^Commit the images deployment\/catalog runs now/);
    assert.match(two.detail, /none is known for it: the manifest loses its pin \(RG101\)/);
    assert.match(two.detail, /Only the image values change; .*parent is the detached HEAD \(abcdef0\); the working tree and HEAD do not change/);
  });
});

describe('cluster view: revision documents and evidence', () => {
  it('revision document paths round-trip', () => {
    const ref = { kind: 'Deployment' as const, namespace: 'bookstore', name: 'catalog' };
    const path = revisionPath('arn:aws:eks:eu-west-1:1:cluster/prod', ref, 2);
    assert.deepEqual(parseRevisionPath(path), { context: 'arn:aws:eks:eu-west-1:1:cluster/prod', ref, which: 2 });
    assert.deepEqual(parseRevisionPath(revisionPath('dev', ref, 'live'))?.which, 'live');
    assert.equal(parseRevisionPath('/x/y'), undefined);
  });

  it('evidence records in the default directory are not analysed as manifests or migrations', () => {
    const engine = new Engine();
    for (const file of ['20250301T120000000Z-rg-admin-bookstore-deployment-catalog.json', '20250301T120000000Z-rg-admin-bookstore-deployment-catalog.md']) {
      assert.equal(engine.handles(`.rollback-guard/evidence/${file}`), false, file);
    }
  });
});
