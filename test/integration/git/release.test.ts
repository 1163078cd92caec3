/**
 * Every branch rule through a real repository: the git layer lists and reads
 * the change, the core judges it. One branch per rule, each against `main`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyzeRelease, type ReleaseAnalysis } from '../../../src/core/release';
import { GitRepo, releaseInput, resolveBase } from '../../../src/git';
import { deployment, DIGEST2, makeRepo, type Files, type TestRepo } from './helpers';

const MIGRATIONS = 'db/migrations';
const BASE_FILES: Files = {
  'apps/web.yaml': deployment(),
  'apps/uploads.yaml': 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: uploads}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 5Gi}}\n',
  'apps/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: first-password\n',
  'crds/widgets.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.acme.io}
spec:
  group: acme.io
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object}}
`,
  [`${MIGRATIONS}/000001_orders.up.sql`]: 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n',
  [`${MIGRATIONS}/000001_orders.down.sql`]: 'DROP TABLE orders;\n',
};

let repo: TestRepo;

/** Creates `name` from main with `files` committed, analyses it against main, and goes back to main. */
async function branch(name: string, files: Files): Promise<ReleaseAnalysis> {
  await repo.run('switch', '--quiet', '--create', name, 'main');
  await repo.commit(name, files);
  const git = (await GitRepo.open(repo.dir))!;
  const base = await resolveBase(git);
  assert.ok(base.ok, base.ok ? '' : base.error.message);
  const analysis = await analyzeRelease(await releaseInput(git, base.value));
  await repo.run('switch', '--quiet', 'main');
  return analysis;
}

const ids = (a: ReleaseAnalysis, id: string) => a.findings.filter((f) => f.ruleId === id).map((f) => `${f.file}:${f.range.start.line + 1}`);

describe('branch rules on a real repository', () => {
  before(async () => {
    repo = await makeRepo();
    await repo.commit('main', BASE_FILES);
  });

  it('RG106: a selector change on the branch', async () => {
    const a = await branch('selector', { 'apps/web.yaml': deployment({ selector: 'web-v2' }) });
    assert.deepEqual(ids(a, 'RG106'), ['apps/web.yaml:7']);
    assert.equal(a.base.ref, 'main');
    assert.equal(a.head.ref, 'selector');
  });

  it('RG108: a served CRD version removed', async () => {
    const a = await branch('crd', { 'crds/widgets.yaml': (BASE_FILES['crds/widgets.yaml'] as string).replace('name: v1alpha1', 'name: v1') });
    assert.deepEqual(ids(a, 'RG108'), ['crds/widgets.yaml:8']);
  });

  it('RG112: a claim deleted with its file, reported at its line on the base', async () => {
    const a = await branch('drop-pvc', { 'apps/uploads.yaml': null });
    assert.deepEqual(ids(a, 'RG112'), ['apps/uploads.yaml:2']);
    assert.equal(a.summary.rollbackClass, 'restore-required');
    assert.equal(a.files.find((f) => f.path === 'apps/uploads.yaml')?.status, 'deleted');
  });

  it('RG112 is not fooled by a rename: the object is still there', async () => {
    const a = await branch('move-pvc', { 'apps/uploads.yaml': null, 'storage/uploads.yaml': BASE_FILES['apps/uploads.yaml']! });
    assert.deepEqual(ids(a, 'RG112'), []);
    const moved = a.files.find((f) => f.path === 'storage/uploads.yaml');
    assert.deepEqual([moved?.status, moved?.oldPath], ['renamed', 'apps/uploads.yaml']);
  });

  it('RG113: a committed secret value changes', async () => {
    const a = await branch('rotate', { 'apps/secret.yaml': (BASE_FILES['apps/secret.yaml'] as string).replace('first-password', 'second-password') });
    // The literal-value finding on `stringData` was on main already and its line did not change: only the change is reported.
    assert.deepEqual(ids(a, 'RG113'), ['apps/secret.yaml:5']);
  });

  it('RG211: add and drop on one table across two migrations of the branch', async () => {
    const a = await branch('expand-contract', {
      [`${MIGRATIONS}/000002_add_cents.up.sql`]: 'ALTER TABLE orders ADD COLUMN total_cents bigint;\n',
      [`${MIGRATIONS}/000002_add_cents.down.sql`]: 'ALTER TABLE orders DROP COLUMN total_cents;\n',
      [`${MIGRATIONS}/000003_drop_total.up.sql`]: 'ALTER TABLE orders DROP COLUMN total;\n',
      [`${MIGRATIONS}/000003_drop_total.down.sql`]: 'ALTER TABLE orders ADD COLUMN total numeric;\n',
    });
    assert.deepEqual(ids(a, 'RG211'), [`${MIGRATIONS}/000003_drop_total.up.sql:1`]);
  });

  it('RG301, RG302, RG303: image bump with a column drop and no plan; RG115 once a too-optimistic plan is added', async () => {
    const files: Files = {
      'apps/web.yaml': deployment({ image: `ghcr.io/acme/web:1.1.0${DIGEST2}` }),
      [`${MIGRATIONS}/000002_drop_total.up.sql`]: 'ALTER TABLE orders DROP COLUMN total;\n',
      [`${MIGRATIONS}/000002_drop_total.down.sql`]: 'ALTER TABLE orders ADD COLUMN total numeric;\n',
    };
    const a = await branch('risky', files);
    assert.deepEqual(ids(a, 'RG301'), ['apps/web.yaml:17', `${MIGRATIONS}/000002_drop_total.up.sql:1`]);
    assert.deepEqual(ids(a, 'RG302'), ['apps/web.yaml:17']);
    assert.deepEqual(ids(a, 'RG303'), ['apps/web.yaml:17']);
    assert.equal(a.summary.action, 'data-first');

    const planned = await branch('risky-planned', { ...files, 'rollback-plan.yaml': 'class: forward-only\nmethod: roll forward\n' });
    assert.deepEqual(ids(planned, 'RG303'), []);
    assert.deepEqual(ids(planned, 'RG115'), ['rollback-plan.yaml:1']);
  });
});
