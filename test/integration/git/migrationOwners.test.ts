/**
 * The schema check counts only the migrations that belong to the workload
 * being rolled back, and the config a revision ran with comes from the
 * commit that set its images — on a real repository with three services:
 * catalog (no migrations of its own), orders (a golang-migrate Job next to
 * its manifest) and recommendations (Alembic migrations under a directory
 * named like its image).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Engine } from '../../../src/core/engine';
import { configOfRevision, objectsOfRevision, schemaCheck } from '../../../src/git';
import { makeRepo, type TestRepo } from './helpers';

const engine = new Engine();

const deployment = (name: string, image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: ${name}
          image: ${image}
          envFrom:
            - configMapRef: {name: ${name}-config}
${extra}`;

const config = (name: string, data: Record<string, string>) => `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-config
  namespace: shop
data: ${JSON.stringify(data)}
`;

const ORDERS_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: orders-migrate
  namespace: shop
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: migrate/migrate:v4.17.1
          args: ["-path=/app/db/migrations", "-database=$(DATABASE_URL)", "up"]
`;

let repo: TestRepo;
let v1: string;
let v2: string;

describe('which migrations belong to the workload rolled back', () => {
  before(async () => {
    repo = await makeRepo();
    v1 = await repo.commit('1.0 everywhere', {
      'apps/catalog/deployment.yaml': deployment('catalog', 'ghcr.io/shop/catalog:1.0') + config('catalog', { PAGE_SIZE: '50' }),
      'apps/orders/deployment.yaml': deployment('orders', 'ghcr.io/shop/orders:1.0'),
      'apps/orders/migrate-job.yaml': ORDERS_JOB,
      'apps/recommendations/deployment.yaml': deployment('recommendations', 'ghcr.io/shop/recommendations:1.0'),
      'db/migrations/000001_create_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, legacy_total numeric);\n',
      'db/migrations/000001_create_orders.down.sql': 'DROP TABLE orders;\n',
      'services/recommendations/alembic/versions/1a2b3c4d5e6f_create_ratings.py': 'revision = "1a2b3c4d5e6f"\ndown_revision = None\n\nfrom alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    op.create_table("ratings", sa.Column("id", sa.Integer, primary_key=True))\n\ndef downgrade():\n    op.drop_table("ratings")\n',
    });
    v2 = await repo.commit('1.1 everywhere, a column drop in orders and a ratings column', {
      'apps/catalog/deployment.yaml': deployment('catalog', 'ghcr.io/shop/catalog:1.1') + config('catalog', { PAGE_SIZE: '100', SEARCH: 'postgres' }),
      'apps/orders/deployment.yaml': deployment('orders', 'ghcr.io/shop/orders:1.1'),
      'apps/recommendations/deployment.yaml': deployment('recommendations', 'ghcr.io/shop/recommendations:1.1'),
      'db/migrations/000002_drop_legacy_total.up.sql': 'ALTER TABLE orders DROP COLUMN legacy_total;\n',
      'db/migrations/000002_drop_legacy_total.down.sql': 'ALTER TABLE orders ADD COLUMN legacy_total numeric;\n',
      'services/recommendations/alembic/versions/7f8e9d0c1b2a_add_comment.py': 'revision = "7f8e9d0c1b2a"\ndown_revision = "1a2b3c4d5e6f"\n\nfrom alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    op.add_column("ratings", sa.Column("comment", sa.Text, nullable=True))\n\ndef downgrade():\n    op.drop_column("ratings", "comment")\n',
    });
  });

  const check = (name: string, owners?: { workload?: string; image?: string; paths: string[] }[]) =>
    schemaCheck({ dir: repo.dir, workload: { kind: 'Deployment', name, namespace: 'shop' }, liveImages: [`ghcr.io/shop/${name}:1.1`], targetImages: [`ghcr.io/shop/${name}:1.0`], fromRevision: 2, toRevision: 1, engine, ...(owners ? { owners } : {}) });

  it('catalog: no migration is known to be its own, so the orders migration is said and not counted', async () => {
    const c = await check('catalog');
    assert.equal(c.status, 'skipped');
    assert.match(c.title, /^unknown which migrations belong to Deployment catalog: 2 migrations changed in the repository between revision 2 and revision 1, not counted$/);
    assert.match(c.evidence[0]!, /no migration directory is known to belong to deployment\/catalog: the repository's are db\/migrations, services\/recommendations\/alembic\/versions; name deployment\/catalog's in \.rollbackguard\.yaml/);
    assert.ok(c.evidence.some((e) => e.startsWith('not counted: db/migrations/000002_drop_legacy_total.up.sql')));
  });

  it('orders: the golang-migrate Job next to its manifest names db/migrations, so only the column drop counts', async () => {
    const c = await check('orders');
    assert.equal(c.status, 'warn');
    assert.match(c.title, /^1 migration changed between revision 2 and revision 1 \(worst restore-required\)/);
    assert.match(c.evidence[0]!, /^Deployment orders's migrations: db\/migrations, from the golang-migrate Job migrate of Job orders-migrate in the same manifests \(\/app\/db\/migrations\); 1 other migration changed in the repository, not counted$/);
    assert.ok(c.evidence.some((e) => e.startsWith('db/migrations/000002_drop_legacy_total.up.sql (added, restore-required')));
    assert.ok(!c.evidence.some((e) => e.includes('alembic')));
  });

  it('recommendations: the image name matches services/recommendations, so only the Alembic revision counts', async () => {
    const c = await check('recommendations');
    assert.equal(c.status, 'info', JSON.stringify(c));
    assert.match(c.evidence[0]!, /from the image repository ghcr\.io\/shop\/recommendations \(directory services\/recommendations\)/);
    assert.ok(c.evidence.some((e) => e.includes('7f8e9d0c1b2a_add_comment.py')));
  });

  it('catalog with migrations.owners in .rollbackguard.yaml: the mapping decides', async () => {
    const c = await check('catalog', [{ workload: 'deployment/catalog', paths: ['db/migrations'] }]);
    assert.equal(c.status, 'warn');
    assert.match(c.evidence[0]!, /from \.rollbackguard\.yaml migrations\.owners \(deployment\/catalog\)/);
  });

  it('the config a revision ran with comes from the commit that set its images', async () => {
    const ran = await configOfRevision({ dir: repo.dir, workload: { kind: 'Deployment', name: 'catalog', namespace: 'shop' }, images: ['ghcr.io/shop/catalog:1.0'] });
    assert.ok('source' in ran, JSON.stringify(ran));
    assert.equal(ran.source, `Git commit ${v1.slice(0, 7)}, apps/catalog/deployment.yaml`);
    assert.deepEqual(Object.keys(ran.config.get('ConfigMap/catalog-config')!), ['PAGE_SIZE']);
    const now = await configOfRevision({ dir: repo.dir, workload: { kind: 'Deployment', name: 'catalog', namespace: 'shop' }, images: ['ghcr.io/shop/catalog:1.1'] });
    assert.ok('source' in now);
    assert.equal(now.source, `Git commit ${v2.slice(0, 7)}, apps/catalog/deployment.yaml`);
    const unknown = await configOfRevision({ dir: repo.dir, workload: { kind: 'Deployment', name: 'catalog', namespace: 'shop' }, images: ['ghcr.io/shop/catalog:0.9'] });
    assert.ok('unknown' in unknown);
    assert.match(unknown.unknown, /no commit of apps\/catalog\/deployment\.yaml gives Deployment catalog the image ghcr\.io\/shop\/catalog:0\.9/);
  });

  it('the objects of an Argo CD revision: a plain directory at a commit of this repository, or why not', async () => {
    const at = await objectsOfRevision({ dir: repo.dir, revision: v1, path: 'apps/orders' });
    assert.ok('objects' in at, JSON.stringify(at));
    assert.deepEqual(at.objects.map((o) => `${o.apiVersion} ${o.kind} ${o.name}`).sort(), ['apps/v1 Deployment orders', 'batch/v1 Job orders-migrate']);
    const elsewhere = await objectsOfRevision({ dir: repo.dir, revision: 'b'.repeat(40), path: 'apps' });
    assert.ok('objectsUnknown' in elsewhere);
    assert.match(elsewhere.objectsUnknown, /commit bbbbbbb is not in/);
  });
});
