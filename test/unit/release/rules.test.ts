/**
 * The branch rules on base/head pairs (no git: the change set is built from
 * two trees). Each rule fires on the change it is about, not on its absence,
 * and its finding sits on the line that causes it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/core/config';
import { splitFirstSentence } from '../../../src/core/text';
import { at, release, type Tree } from './helpers';

const DIGEST = '@sha256:' + 'a'.repeat(64);
const DIGEST2 = '@sha256:' + 'b'.repeat(64);

function deployment(o: { name?: string; selector?: string; image?: string; labels?: string; annotations?: string } = {}): string {
  const name = o.name ?? 'web';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${o.annotations ? `  annotations:\n${o.annotations}` : ''}spec:
  replicas: 2
  revisionHistoryLimit: 10
  selector:
    matchLabels:
${o.selector ?? `      app: ${name}\n`}  template:
    metadata:
      labels:
${o.labels ?? `        app: ${name}\n`}    spec:
      containers:
        - name: ${name}
          image: ${o.image ?? `ghcr.io/acme/${name}:1.0.0${DIGEST}`}
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
`;
}

const only = (id: string) => (a: { findings: { ruleId: string; message: string }[] }) => a.findings.filter((f) => f.ruleId === id);

describe('RG106 immutable-field-change', () => {
  it('a Deployment selector change is reported on the selector key, with both values', async () => {
    const a = await release({ 'web.yaml': deployment() }, { 'web.yaml': deployment({ selector: '      app: web\n      tier: front\n', labels: '        app: web\n        tier: front\n' }) });
    assert.deepEqual(at(a.findings, 'RG106'), ['RG106@web.yaml:8:3']);
    const f = only('RG106')(a)[0]!;
    assert.match(f.message, /`spec\.selector` from `\{matchLabels: \{app: web\}\}` on main to `\{matchLabels: \{app: web, tier: front\}\}`/);
    assert.equal(a.summary.rollbackClass, 'manual-repair');
  });

  it('formatting and key order are not a change', async () => {
    const head = deployment().replace('    matchLabels:\n      app: web\n', '    matchLabels: {app: web}\n');
    const a = await release({ 'web.yaml': deployment() }, { 'web.yaml': head.replace('replicas: 2', 'replicas: 3') });
    assert.deepEqual(at(a.findings, 'RG106'), []);
  });

  it('StatefulSet serviceName and volumeClaimTemplates, PVC storage class, Service clusterIP', async () => {
    const sts = (svc: string, size: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: ${svc}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:16${DIGEST}", readinessProbe: {exec: {command: [pg_isready]}}}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: ${size}}}}
`;
    const pvc = (cls: string) => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: uploads}\nspec:\n  storageClassName: ${cls}\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n`;
    const svc = (ip?: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n${ip ? `  clusterIP: ${ip}\n` : ''}  selector: {app: web}\n  ports: [{port: 80}]\n`;
    const a = await release(
      { 'db.yaml': sts('db', '10Gi'), 'pvc.yaml': pvc('standard'), 'svc.yaml': svc('10.0.0.10'), 'svc2.yaml': svc().replace('name: web', 'name: api') },
      { 'db.yaml': sts('db-headless', '20Gi'), 'pvc.yaml': pvc('fast'), 'svc.yaml': svc(), 'svc2.yaml': svc('None').replace('name: web', 'name: api') },
    );
    assert.deepEqual(at(a.findings, 'RG106'), ['RG106@db.yaml:5:3', 'RG106@db.yaml:11:3', 'RG106@pvc.yaml:5:3', 'RG106@svc2.yaml:5:3']);
  });

  it('an immutable ConfigMap may not change its data; a mutable one may', async () => {
    const cm = (immutable: boolean, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags}\n${immutable ? 'immutable: true\n' : ''}data:\n  MODE: ${value}\n`;
    const a = await release({ 'a.yaml': cm(true, 'old'), 'b.yaml': cm(false, 'old').replace('flags', 'other') }, { 'a.yaml': cm(true, 'new'), 'b.yaml': cm(false, 'new').replace('flags', 'other') });
    assert.deepEqual(at(a.findings, 'RG106'), ['RG106@a.yaml:5:1']);
    assert.match(a.findings.find((f) => f.ruleId === 'RG106')!.message, /it is `immutable: true`/);
  });

  it('a Helm hook Job (recreated on every deploy) may change its template', async () => {
    const job = (image: string, hook: boolean) => `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n${hook ? '  annotations:\n    helm.sh/hook: pre-upgrade\n' : ''}spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: "${image}"}]\n`;
    const hooked = await release({ 'j.yaml': job(`m:1${DIGEST}`, true) }, { 'j.yaml': job(`m:2${DIGEST}`, true) });
    assert.deepEqual(at(hooked.findings, 'RG106'), []);
    const plain = await release({ 'j.yaml': job(`m:1${DIGEST}`, false) }, { 'j.yaml': job(`m:2${DIGEST}`, false) });
    assert.deepEqual(at(plain.findings, 'RG106'), ['RG106@j.yaml:6:3']);
  });
});

describe('RG108 crd-version-removed', () => {
  const crd = (versions: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.acme.io}
spec:
  group: acme.io
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
${versions}`;
  const v = (name: string, served: boolean, storage: boolean) => `    - name: ${name}\n      served: ${served}\n      storage: ${storage}\n      schema: {openAPIV3Schema: {type: object}}\n`;

  it('a removed served version, a version no longer served, a storage move', async () => {
    const removed = await release({ 'c.yaml': crd(v('v1alpha1', true, true)) }, { 'c.yaml': crd(v('v1', true, true)) });
    assert.deepEqual(at(removed.findings, 'RG108'), ['RG108@c.yaml:8:3']);
    assert.match(removed.findings.find((f) => f.ruleId === 'RG108')!.message, /removes version `v1alpha1`/);

    const unserved = await release({ 'c.yaml': crd(v('v1alpha1', true, true) + v('v1', true, false)) }, { 'c.yaml': crd(v('v1alpha1', false, true) + v('v1', true, false)) });
    assert.deepEqual(at(unserved.findings, 'RG108'), ['RG108@c.yaml:10:7']);

    const moved = await release({ 'c.yaml': crd(v('v1alpha1', true, true) + v('v1', true, false)) }, { 'c.yaml': crd(v('v1alpha1', true, false) + v('v1', true, true)) });
    assert.deepEqual(at(moved.findings, 'RG108'), ['RG108@c.yaml:15:7']);
    assert.equal(moved.summary.rollbackClass, 'forward-only');
  });

  it('adding a served version is the safe first step', async () => {
    const a = await release({ 'c.yaml': crd(v('v1alpha1', true, true)) }, { 'c.yaml': crd(v('v1alpha1', true, true) + v('v1', true, false)) });
    assert.deepEqual(at(a.findings, 'RG108'), []);
  });
});

describe('RG112 resource-removed', () => {
  const pvc = (annotations = '') => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: uploads\n${annotations}spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 50Gi}}\n`;
  const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {A: "1"}\n`;

  it('a deleted stateful object is an error (restore-required) on its base lines; a stateless one a warning', async () => {
    const a = await release({ 'pvc.yaml': pvc(), 'cm.yaml': cm, 'keep.yaml': deployment() }, { 'keep.yaml': deployment() });
    assert.deepEqual(at(a.findings, 'RG112'), ['RG112@cm.yaml:2:1', 'RG112@pvc.yaml:2:1']);
    const [c, p] = a.findings.filter((f) => f.ruleId === 'RG112');
    assert.equal(p!.severity, 'error');
    assert.equal(p!.rollbackClass, 'restore-required');
    assert.equal(c!.severity, 'warning');
    assert.equal(c!.rollbackClass, 'reversible');
    assert.equal(a.summary.rollbackClass, 'restore-required');
  });

  it('an object moved to another file, or detached from pruning, is not removed', async () => {
    const moved = await release({ 'a.yaml': pvc() }, { 'b.yaml': pvc() });
    assert.deepEqual(at(moved.findings, 'RG112'), []);
    const kept = await release({ 'a.yaml': pvc('  annotations:\n    helm.sh/resource-policy: keep\n') }, {});
    assert.deepEqual(at(kept.findings, 'RG112'), []);
  });

  it('a document removed from a file that stays is reported at the top of that file', async () => {
    const a = await release({ 'all.yaml': `${deployment()}---\n${pvc()}` }, { 'all.yaml': deployment() });
    assert.deepEqual(at(a.findings, 'RG112'), ['RG112@all.yaml:1:1']);
    assert.match(a.findings.find((f) => f.ruleId === 'RG112')!.message, /\(all\.yaml:\d+ on main\)/);
  });

  it('a kustomization is not a cluster object', async () => {
    const a = await release({ 'kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {name: x}\nresources: [a.yaml]\n' }, {});
    assert.deepEqual(at(a.findings, 'RG112'), []);
  });
});

describe('RG113 secret-in-manifest (a value changes)', () => {
  const secret = (password: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  username: app\n  password: ${password}\n`;
  it('reports the changed keys on the first one, forward-only', async () => {
    const a = await release({ 's.yaml': secret('old-password') }, { 's.yaml': secret('new-password') });
    const branch = a.findings.filter((f) => f.ruleId === 'RG113' && /against main/.test(f.message));
    assert.deepEqual(at(branch), ['RG113@s.yaml:6:3']);
    assert.match(branch[0]!.message, /changes `password` in `stringData`/);
  });
  it('SOPS ciphertext (re-encrypted every time) is not a literal change', async () => {
    const a = await release({ 's.yaml': secret('ENC[AES256_GCM,data:a]') }, { 's.yaml': secret('ENC[AES256_GCM,data:b]') });
    assert.deepEqual(at(a.findings, 'RG113'), []);
  });
});

describe('RG211 expand-and-contract-together (branch scope)', () => {
  it('an addition and a drop on the same table in two migrations of one branch', async () => {
    const base: Tree = { 'db/migrations/000001_init.up.sql': 'CREATE TABLE orders (id bigint, total numeric);\n', 'db/migrations/000001_init.down.sql': 'DROP TABLE orders;\n' };
    const head: Tree = {
      ...base,
      'db/migrations/000002_add_cents.up.sql': 'ALTER TABLE orders ADD COLUMN total_cents bigint;\n',
      'db/migrations/000002_add_cents.down.sql': 'ALTER TABLE orders DROP COLUMN total_cents;\n',
      'db/migrations/000003_drop_total.up.sql': 'ALTER TABLE orders DROP COLUMN total;\n',
      'db/migrations/000003_drop_total.down.sql': 'ALTER TABLE orders ADD COLUMN total numeric;\n',
    };
    const a = await release(base, head);
    const branch = a.findings.filter((f) => f.ruleId === 'RG211');
    assert.deepEqual(at(branch), ['RG211@db/migrations/000003_drop_total.up.sql:1:1']);
    assert.match(branch[0]!.message, /adds orders\.total_cents \(db\/migrations\/000002_add_cents\.up\.sql\)/);
  });
  it('a table the branch creates is new: no finding', async () => {
    const head: Tree = {
      'db/migrations/000001_t.up.sql': 'CREATE TABLE t (a int);\n',
      'db/migrations/000001_t.down.sql': 'DROP TABLE t;\n',
      'db/migrations/000002_t.up.sql': 'ALTER TABLE t ADD COLUMN b int;\n',
      'db/migrations/000002_t.down.sql': 'ALTER TABLE t DROP COLUMN b;\n',
      'db/migrations/000003_t.up.sql': 'ALTER TABLE t DROP COLUMN a;\n',
      'db/migrations/000003_t.down.sql': 'ALTER TABLE t ADD COLUMN a int;\n',
    };
    const a = await release({}, head);
    assert.deepEqual(at(a.findings, 'RG211'), []);
  });
});

describe('RG301 code-rollback-meets-new-schema', () => {
  const migration: Tree = { 'db/migrations/000042_rename_total.up.sql': 'ALTER TABLE orders RENAME COLUMN total TO total_cents;\n', 'db/migrations/000042_rename_total.down.sql': 'ALTER TABLE orders RENAME COLUMN total_cents TO total;\n' };
  it('on the image line and on the migration statement, with the migration class when worse', async () => {
    const a = await release({ 'deploy/web.yaml': deployment() }, { 'deploy/web.yaml': deployment({ image: `ghcr.io/acme/web:1.1.0${DIGEST2}` }), ...migration });
    assert.deepEqual(at(a.findings, 'RG301'), ['RG301@db/migrations/000042_rename_total.up.sql:1:1', 'RG301@deploy/web.yaml:18:18']);
    assert.ok(a.findings.filter((f) => f.ruleId === 'RG301').every((f) => f.rollbackClass === 'forward-only'));
    assert.equal(a.summary.action, 'data-first');
    assert.deepEqual(a.summary.steps.map((s) => s.action), ['data-first', 'rollback', 'rollback']);
  });
  it('reads in a hover: a first sentence of at most 120 characters without a digest, each side related to the other', async () => {
    const a = await release({ 'deploy/web.yaml': deployment() }, { 'deploy/web.yaml': deployment({ image: `ghcr.io/acme/web:1.1.0${DIGEST2}` }), ...migration });
    const [onMigration, onImage] = a.findings.filter((f) => f.ruleId === 'RG301');
    assert.equal(splitFirstSentence(onImage!.message).first, 'Rolling back web:1.1.0 alone runs the previous code on the schema of 000042_rename_total.up.sql.');
    assert.equal(splitFirstSentence(onMigration!.message).first, 'A rollback of web:1.1.0 alone leaves this schema change (renames orders.total) under the previous code.');
    assert.deepEqual(onImage!.related?.map((r) => [r.file, r.range.start.line, r.message]), [['db/migrations/000042_rename_total.up.sql', 0, 'the migration: renames orders.total (forward-only), not purely additive']]);
    assert.deepEqual(onMigration!.related?.map((r) => [r.file, r.range.start.line, r.message]), [['deploy/web.yaml', 17, 'the image change: Deployment web → web:1.1.0']]);
    // The whole message keeps the full reference for the CLI and the report.
    assert.match(onImage!.message, /ghcr\.io\/acme\/web:1\.1\.0@sha256:b{64}/);
  });
  it('an additive migration with an image change is fine; so is a non-additive one without', async () => {
    const additive = { 'db/migrations/000042_add.up.sql': 'ALTER TABLE orders ADD COLUMN total_cents bigint;\n', 'db/migrations/000042_add.down.sql': 'ALTER TABLE orders DROP COLUMN total_cents;\n' };
    const a = await release({ 'deploy/web.yaml': deployment() }, { 'deploy/web.yaml': deployment({ image: `ghcr.io/acme/web:1.1.0${DIGEST2}` }), ...additive });
    assert.deepEqual(at(a.findings, 'RG301'), []);
    const b = await release({ 'deploy/web.yaml': deployment() }, { 'deploy/web.yaml': deployment(), ...migration });
    assert.deepEqual(at(b.findings, 'RG301'), []);
  });
  it('a Helm values image bump counts as a code change', async () => {
    const values = (tag: string) => `image:\n  repository: ghcr.io/acme/web\n  tag: "${tag}"\nreplicaCount: 2\n`;
    const a = await release({ 'charts/web/values.yaml': values('1.0.0') }, { 'charts/web/values.yaml': values('1.1.0'), ...migration });
    assert.deepEqual(at(a.findings, 'RG301'), ['RG301@charts/web/values.yaml:3:8', 'RG301@db/migrations/000042_rename_total.up.sql:1:1']);
  });
});

describe('RG302 several-axes-at-once', () => {
  const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {FLOW: ${value}}\n`;
  it('image + config + schema: one info finding listing the axes', async () => {
    const a = await release(
      { 'web.yaml': deployment(), 'cm.yaml': cm('web-config', 'classic') },
      { 'web.yaml': deployment({ image: `ghcr.io/acme/web:1.1.0${DIGEST2}` }), 'cm.yaml': cm('web-config', 'one-page'), 'db/migrations/000043_sessions.up.sql': 'CREATE TABLE sessions (id uuid PRIMARY KEY);\n', 'db/migrations/000043_sessions.down.sql': 'DROP TABLE sessions;\n' },
    );
    const f = a.findings.filter((x) => x.ruleId === 'RG302');
    assert.deepEqual(at(f), ['RG302@web.yaml:18:18']);
    assert.equal(f[0]!.severity, 'info');
    assert.equal(f[0]!.rollbackClass, null);
    assert.match(f[0]!.message, /^This release changes 3 axes at once: workload images, configuration and schema\. .* — workload images .*; configuration \(ConfigMap web-config\); schema/);
    assert.deepEqual(a.summary.axes, ['image', 'config', 'schema']);
    // Each axis where it shows, as related information.
    assert.deepEqual(f[0]!.related?.map((r) => `${r.file}:${r.range.start.line + 1} ${r.message}`), [
      'web.yaml:18 workload images: Deployment web → ghcr.io/acme/web:1.1.0' + DIGEST2,
      'cm.yaml:2 configuration: ConfigMap web-config',
      'db/migrations/000043_sessions.up.sql:1 schema: db/migrations/000043_sessions.up.sql',
    ]);
  });
  it('an image bump alone is one axis', async () => {
    const a = await release({ 'web.yaml': deployment() }, { 'web.yaml': deployment({ image: `ghcr.io/acme/web:1.1.0${DIGEST2}` }) });
    assert.deepEqual(at(a.findings, 'RG302'), []);
    assert.deepEqual(a.summary.axes, ['image']);
    assert.equal(a.summary.rollbackClass, 'reversible');
    assert.deepEqual(a.summary.steps.map((s) => `${s.action}/${s.layer}`), ['rollback/code', 'rollback/config']);
  });
});

describe('RG303 no-rollback-plan and RG115 on the plan', () => {
  const job = `apiVersion: batch/v1
kind: Job
metadata: {name: schema-v42}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: flyway
          image: flyway/flyway:10.17.0${DIGEST}
          args: ["-url=jdbc:postgresql://db:5432/app", "migrate"]
`;
  const plan = (cls: string) => `class: ${cls}\nwindow: until V43 ships\nmethod: roll forward\nirreversibleEffects: [V42 backfills total_cents]\nverification: [checkout error rate below 0.1%]\n`;

  it('a forward-only release without a plan: warning at the finding that sets the class', async () => {
    const a = await release({}, { 'job.yaml': job });
    assert.deepEqual(at(a.findings, 'RG303'), ['RG303@job.yaml:10:18']);
    assert.equal(a.summary.rollbackClass, 'forward-only');
    const f = a.findings.find((x) => x.ruleId === 'RG303')!;
    assert.equal(splitFirstSentence(f.message).first, 'This `forward-only` release carries no rollback plan.');
    // The finding that sets the class, as related information.
    assert.deepEqual(f.related?.map((r) => `${r.file}:${r.range.start.line + 1} ${r.message.slice(0, 33)}`), ['job.yaml:10 RG110 sets the class forward-only']);
  });

  it('the plan in the branch satisfies it; a plan left from an earlier release does not', async () => {
    const withPlan = await release({}, { 'job.yaml': job, 'rollback-plan.yaml': plan('forward-only') });
    assert.deepEqual(at(withPlan.findings, 'RG303'), []);
    assert.deepEqual(at(withPlan.findings, 'RG115'), []);
    assert.equal(withPlan.summary.plan?.method, 'roll forward');
    assert.deepEqual(withPlan.summary.questions.find((q) => q.id === 'trigger')?.answers, ['checkout error rate below 0.1%']);
    const stale = await release({ 'rollback-plan.yaml': plan('forward-only') }, { 'rollback-plan.yaml': plan('forward-only'), 'job.yaml': job }, { input: { plan: { path: 'rollback-plan.yaml', text: plan('forward-only') } } });
    assert.match(stale.findings.find((f) => f.ruleId === 'RG303')!.message, /rollback-plan\.yaml exists but this branch does not change it/);
  });

  it('rollback-guard.io annotations on a changed object count as a plan', async () => {
    const annotated = job.replace('metadata: {name: schema-v42}', 'metadata:\n  name: schema-v42\n  annotations:\n    rollback-guard.io/class: forward-only');
    const a = await release({}, { 'job.yaml': annotated });
    assert.deepEqual(at(a.findings, 'RG303'), []);
  });

  it('RG115: a plan class safer than the release is an error on `class`, with a fix; an unknown class too', async () => {
    const a = await release({}, { 'job.yaml': job, 'rollback-plan.yaml': plan('reversible') });
    const f = a.findings.filter((x) => x.ruleId === 'RG115');
    assert.deepEqual(at(f), ['RG115@rollback-plan.yaml:1:8']);
    assert.equal(f[0]!.rollbackClass, 'forward-only');
    assert.deepEqual(f[0]!.fixes.map((x) => [x.title, x.edits[0]!.newText]), [['Declare `forward-only`', 'forward-only']]);
    const unknown = await release({}, { 'job.yaml': job, 'rollback-plan.yaml': plan('fine') });
    assert.match(unknown.findings.find((x) => x.ruleId === 'RG115')!.message, /unknown rollback class `fine`/);
  });
});

describe('what a release reports', () => {
  it('findings on unchanged lines that existed on the base are not in the change; new ones are', async () => {
    const tagOnly = deployment({ image: 'ghcr.io/acme/web:1.0.0' });
    const a = await release({ 'web.yaml': tagOnly }, { 'web.yaml': tagOnly.replace('replicas: 2', 'replicas: 3') });
    assert.deepEqual(at(a.findings, 'RG101'), [], 'RG101 was on the base already and its line did not change');
    assert.deepEqual(at(a.files[0]!.allFindings, 'RG101'), ['RG101@web.yaml:18:18']);
    // Deleting the probe creates RG104 on a line the diff did not touch: new against the base.
    const noProbe = deployment().replace('          readinessProbe:\n            httpGet: {path: /healthz, port: 8080}\n', '');
    const b = await release({ 'web.yaml': deployment() }, { 'web.yaml': noProbe });
    assert.deepEqual(at(b.findings, 'RG104'), ['RG104@web.yaml:17:11']);
  });

  it('an ignore comment on the line of a release finding suppresses it and counts as used', async () => {
    const head = deployment({ selector: '      app: web\n      tier: front\n' }).replace('  selector:\n', '  # rollback-guard-ignore RG106: recreated in the maintenance window\n  selector:\n');
    const a = await release({ 'web.yaml': deployment() }, { 'web.yaml': head });
    assert.deepEqual(at(a.findings).filter((x) => /RG106|RG002/.test(x)), []);
  });

  it('a file-wide ignore in any changed file accepts a finding about the whole release', async () => {
    const cm = `# rollback-guard-ignore-file RG112: moved to object storage; backed up\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {A: "1"}\n`;
    const pvc = `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: uploads}\nspec: {accessModes: [ReadWriteOnce]}\n`;
    const a = await release({ 'pvc.yaml': pvc }, { 'cm.yaml': cm });
    assert.deepEqual(at(a.findings).filter((x) => /RG112|RG002/.test(x)), []);
  });

  it('.rollbackguard.yaml turns a release rule off or changes its severity', async () => {
    const config = parseConfig('rules:\n  RG106: off\n  RG302: warning\n');
    const a = await release({ 'web.yaml': deployment() }, { 'web.yaml': deployment({ selector: '      app: x\n' }) }, { config });
    assert.deepEqual(at(a.findings, 'RG106'), []);
  });

  it('an unchanged tree is nothing to roll back', async () => {
    const a = await release({ 'web.yaml': deployment() }, { 'web.yaml': deployment() });
    assert.equal(a.summary.rollbackClass, null);
    assert.equal(a.summary.action, null);
  });

  it('a flag-like config key changed in the release: flag flip first', async () => {
    const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata:\n  FEATURE_ONE_PAGE_CHECKOUT: "${v}"\n`;
    const a = await release({ 'cm.yaml': cm('false') }, { 'cm.yaml': cm('true') });
    assert.equal(a.summary.action, 'flag-flip');
    assert.equal(a.summary.steps[0]!.action, 'flag-flip');
    assert.match(a.summary.steps[0]!.detail[0]!, /FEATURE_ONE_PAGE_CHECKOUT.*was `false`, now `true`/);
  });

  it('the canary analysis of a changed Rollout answers "which metric triggers a rollback?"', async () => {
    const rollout = (tag: string) => `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: orders}
spec:
  revisionHistoryLimit: 5
  progressDeadlineAbort: true
  selector: {matchLabels: {app: orders}}
  strategy:
    canary:
      steps:
        - setWeight: 25
        - analysis: {templates: [{templateName: orders-success-rate}]}
  template:
    metadata: {labels: {app: orders}}
    spec:
      containers:
        - {name: orders, image: "ghcr.io/acme/orders:${tag}${DIGEST}", readinessProbe: {httpGet: {path: /ready, port: 8080}}}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: orders-success-rate}
spec:
  metrics:
    - name: success-rate
      failureLimit: 1
      successCondition: result[0] >= 0.99
      provider: {prometheus: {address: "http://prometheus:9090", query: "x"}}
`;
    const a = await release({ 'orders.yaml': rollout('2.7.0') }, { 'orders.yaml': rollout('2.8.0') });
    const trigger = a.summary.questions.find((q) => q.id === 'trigger')!;
    assert.deepEqual(trigger.answers, ['Rollout orders aborts on its analysis `orders-success-rate`: `success-rate` (success when `result[0] >= 0.99`), failure limit 1']);
  });
});
