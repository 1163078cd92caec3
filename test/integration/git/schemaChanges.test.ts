/**
 * Image tag ↔ commit: which migrations changed in Git between the revision a
 * cluster rollback leaves and the one it goes back to, on the example
 * repository (main: catalog 1.2.0 → 1.3.0 → 1.4.2; the feature branch: 1.5.0
 * with a migration that drops orders.legacy_total).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createDemoRepo } from '../../../scripts/demo-repo.mjs';
import { Engine } from '../../../src/core/engine';
import { GitRepo } from '../../../src/git';
import { sameImage, schemaChangesBetween, workloadImages } from '../../../src/git/schemaChanges';
import { tempDir } from './helpers';

const CATALOG = { kind: 'Deployment', name: 'catalog', namespace: 'bookstore' };
const MANIFEST = 'apps/catalog/deployment.yaml';
let repo: GitRepo;
const engine = new Engine();

describe('schema changes between two images of a workload', () => {
  before(async () => {
    const demo = createDemoRepo({ target: join(tempDir('rg-schema-'), 'repo'), log: () => undefined });
    repo = (await GitRepo.open(demo.dir))!;
  });

  it('rolling the branch image back to 1.4.2 leaves the legacy_total drop behind', async () => {
    const live = workloadImages((await repo.readWorktree(MANIFEST))!.toString('utf8'), CATALOG)!;
    assert.match(live[0]!, /catalog:1\.5\.0@sha256:/);
    // The cluster runs tags without digests: the tag alone identifies the commit.
    const result = await schemaChangesBetween(repo, { manifestPath: MANIFEST, workload: CATALOG, liveImages: live, targetImages: ['ghcr.io/bookstore/catalog:1.4.2'], engine });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.value.worst, 'restore-required');
    assert.deepEqual(
      result.value.migrations.map((m) => [m.path, m.status, m.rollbackClass]),
      // Its down is not part of the schema a rollback leaves behind.
      [['db/migrations/000003_drop_legacy_total.up.sql', 'added', 'restore-required']],
    );
    assert.match(result.value.migrations[0]!.reason!, /drops orders\.legacy_total/);
    assert.notEqual(result.value.liveCommit, result.value.targetCommit);
  });

  it('on main, going back from 1.4.2 to 1.2.0 crosses the expand-only status migration and the ratings comment', async () => {
    const result = await schemaChangesBetween(repo, {
      manifestPath: MANIFEST,
      workload: CATALOG,
      liveImages: ['ghcr.io/bookstore/catalog:1.4.2'],
      targetImages: ['ghcr.io/bookstore/catalog:1.2.0'],
      engine,
      from: 'main',
    });
    assert.ok(result.ok, JSON.stringify(result));
    const paths = result.value.migrations.map((m) => m.path);
    assert.ok(paths.includes('db/migrations/000002_add_order_status.up.sql'), paths.join(', '));
    assert.ok(paths.some((p) => p.endsWith('_add_rating_comment.py')), paths.join(', '));
    // Both are additive: nothing a code rollback cannot read.
    assert.ok(result.value.migrations.every((m) => m.rollbackClass === 'reversible' || m.rollbackClass === undefined), JSON.stringify(result.value.migrations));
    assert.ok(!paths.some((p) => p.includes('000003')), 'the branch migration is not on main');
  });

  it('the same image on both sides crosses no migration', async () => {
    const result = await schemaChangesBetween(repo, { manifestPath: MANIFEST, workload: CATALOG, liveImages: ['ghcr.io/bookstore/catalog:1.4.2'], targetImages: ['ghcr.io/bookstore/catalog:1.4.2'], engine, from: 'main' });
    assert.ok(result.ok);
    assert.deepEqual(result.value.migrations, []);
  });

  it('says when an image never appears in the manifest history', async () => {
    const result = await schemaChangesBetween(repo, { manifestPath: MANIFEST, workload: CATALOG, liveImages: ['ghcr.io/bookstore/catalog:9.9.9'], targetImages: ['ghcr.io/bookstore/catalog:1.2.0'], engine });
    assert.ok(!result.ok);
    assert.equal(result.error.kind, 'image-not-found');
    assert.match(result.error.message, /catalog:9\.9\.9/);
    const missing = await schemaChangesBetween(repo, { manifestPath: 'apps/nope.yaml', workload: CATALOG, liveImages: [], targetImages: [], engine });
    assert.ok(!missing.ok);
    assert.equal(missing.error.kind, 'no-manifest-history');
  });
});

describe('sameImage', () => {
  it('compares names (Docker Hub shorthand included), tags and digests wherever both sides have them', () => {
    assert.ok(sameImage('nginx', 'docker.io/library/nginx:latest'));
    assert.ok(sameImage('app:1.0@sha256:aa', 'app:1.0'));
    assert.ok(sameImage('app@sha256:aa', 'app:1.0@sha256:aa'));
    assert.ok(!sameImage('app:1.0@sha256:aa', 'app:1.0@sha256:bb'));
    assert.ok(!sameImage('app:1.0', 'app:1.1'));
    assert.ok(!sameImage('team/app:1.0', 'other/app:1.0'));
    assert.ok(!sameImage('app@sha256:aa', 'app:1.0'));
  });
});
