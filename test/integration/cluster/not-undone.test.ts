/**
 * "What this rollback will not undo" and the API-removal boundary on a real
 * control plane, through the CLI:
 *
 * - a Deployment whose ConfigMap changed since the target revision (known
 *   from the manifest's Git history), one whose ConfigMap did not, and one
 *   whose config history is unknown; a PVC it mounts; the HPA that owns its
 *   replicas — and, after the rollback, the ConfigMap still holds the new
 *   content and `kubectl rollout history` shows the reason as CHANGE-CAUSE;
 * - a Helm release whose target revision lacks a PVC (helm rollback deletes
 *   it, checked after the rollback), whose pre-upgrade hook Job will not run
 *   again (no Job exists after the rollback), which sets replicas an HPA
 *   owns, and which ships a CRD in crds/;
 * - a Helm release stored before an upgrade with policy/v1beta1, which this
 *   server no longer serves: refused, with the helm-mapkubeapis fix.
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/not-undone.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeReleaseData } from '../../../src/cluster';
import { startPlane, type Plane } from '../../cluster/plane';
import { builtCli, getJson, namespace, rolloutStatus, runCli } from './helpers';

const NS = 'nu';

const deployment = (name: string, tag: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - name: main
          image: registry.example/${name}:${tag}
          envFrom:
            - configMapRef: {name: ${name}-config}
${extra}`;

const configMap = (name: string, data: Record<string, string>) => `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-config
  namespace: ${NS}
data: ${JSON.stringify(data)}
`;

const WITH_VOLUME = `      volumes:
        - name: data
          persistentVolumeClaim: {claimName: web-data}
`;

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** A chart whose revision 2 adds a PVC; a pre-upgrade migration hook, a CRD in crds/, fixed replicas. */
function chart(dir: string): string {
  const c = join(dir, 'shop');
  mkdirSync(join(c, 'templates'), { recursive: true });
  mkdirSync(join(c, 'crds'), { recursive: true });
  writeFileSync(join(c, 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 0.1.0\nappVersion: "1.0"\n');
  writeFileSync(join(c, 'values.yaml'), 'tag: "1.0"\nstorage: false\n');
  writeFileSync(
    join(c, 'templates', 'deployment.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 2
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers:
        - name: shop
          image: registry.example/shop:{{ .Values.tag }}
          envFrom:
            - configMapRef: {name: {{ .Release.Name }}-config}
            - configMapRef: {name: shared-config}
`,
  );
  writeFileSync(join(c, 'templates', 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  TAG: "{{ .Values.tag }}"\n');
  writeFileSync(join(c, 'templates', 'pvc.yaml'), '{{- if .Values.storage }}\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {{ .Release.Name }}-data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n{{- end }}\n');
  writeFileSync(
    join(c, 'templates', 'migrate.yaml'),
    'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: migrate/migrate:v4.17.1\n          args: ["-path=/migrations", "up"]\n',
  );
  writeFileSync(
    join(c, 'crds', 'widgets.yaml'),
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.shop.example.com\nspec:\n  group: shop.example.com\n  names: {kind: Widget, plural: widgets, singular: widget}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n',
  );
  return c;
}

describe('what a rollback will not undo, and the API-removal boundary, on a real control plane', { timeout: 20 * 60 * 1000 }, () => {
  let plane: Plane;
  let cli: string;
  let repo: string;
  let v1: string;
  let env: NodeJS.ProcessEnv;
  const evidence = mkdtempSync(join(tmpdir(), 'rg-nu-evidence-'));

  before(async () => {
    cli = builtCli();
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`), crds: false });
    env = { ...process.env, KUBECONFIG: plane.kubeconfigPath, PATH: `${plane.binDir}:${process.env.PATH}` };
    await namespace(plane, NS);
    repo = mkdtempSync(join(tmpdir(), 'rg-nu-repo-'));
    git(repo, 'init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'apps'), { recursive: true });
    // Revision 1: web (with its config and a volume) and api at 1.0.
    writeFileSync(join(repo, 'apps', 'web.yaml'), deployment('web', '1.0', WITH_VOLUME) + configMap('web', { MODE: 'safe', LIMIT: '10' }));
    writeFileSync(join(repo, 'apps', 'api.yaml'), deployment('api', '1.0') + configMap('api', { URL: 'http://db' }));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'web and api 1.0');
    v1 = git(repo, 'rev-parse', 'HEAD');
    // A volume bound by hand (no volume controller runs here), so web's pods schedule.
    await plane.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: nu-web-data}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /tmp/nu-web-data}\n  storageClassName: ""\n  claimRef: {namespace: ${NS}, name: web-data}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: web-data\n  namespace: ${NS}\n  annotations: {pv.kubernetes.io/bind-completed: "yes"}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n  storageClassName: ""\n  volumeName: nu-web-data\n`,
    });
    await plane.kubectl(['-n', NS, 'patch', 'pvc', 'web-data', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"1Gi"}}}']);
    await plane.kubectl(['apply', '-f', join(repo, 'apps')]);
    await plane.kubectl(['apply', '-f', '-'], { input: deployment('plain', '1.0') + configMap('plain', { X: '1' }) });
    for (const d of ['web', 'api', 'plain']) await rolloutStatus(plane, NS, `deployment/${d}`);
    // Revision 2: web's config changes with its image; api's does not; plain changes outside any repository.
    writeFileSync(join(repo, 'apps', 'web.yaml'), deployment('web', '2.0', WITH_VOLUME) + configMap('web', { MODE: 'fast', LIMIT: '10', NEW: 'yes' }));
    writeFileSync(join(repo, 'apps', 'api.yaml'), deployment('api', '2.0') + configMap('api', { URL: 'http://db' }));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'web and api 2.0');
    await plane.kubectl(['apply', '-f', join(repo, 'apps')]);
    await plane.kubectl(['apply', '-f', '-'], { input: deployment('plain', '2.0') + configMap('plain', { X: '2' }) });
    for (const d of ['web', 'api', 'plain']) await rolloutStatus(plane, NS, `deployment/${d}`);
    await plane.kubectl(['apply', '-f', '-'], { input: `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: ${NS}}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 5\n  metrics:\n    - type: Resource\n      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}\n` });
  });

  after(async () => {
    await plane?.stop();
  });

  const undo = (args: string[], cwd = repo) => runCli(cli, ['undo', ...args, '-n', NS, '--evidence-dir', evidence], { cwd, env });
  const checkOf = (stdout: string, id: string) => {
    const json = JSON.parse(stdout) as { preflight: { checks: { id: string; status: string; title: string; evidence: string[]; error?: { kind: string; hint: string } }[] } };
    return json.preflight.checks.find((c) => c.id === id);
  };

  test('config changed since the target revision: named key by key from Git; a PVC and an HPA are listed', async () => {
    const dry = undo(['deployment/web', '--to-revision', '1', '--dry-run', '--format', 'json']);
    assert.equal(dry.code, 0, dry.stderr);
    const c = checkOf(dry.stdout, 'not-undone')!;
    assert.equal(c.status, 'warn');
    assert.match(c.title, /^1 thing the rollback will not undo differs from the target revision \(and 2 more it leaves as they are\)$/);
    assert.deepEqual(c.evidence, [
      `ConfigMap/web-config: differs from what revision 1 ran with (Git commit ${v1.slice(0, 7)}, apps/web.yaml): changed MODE; added NEW; the rollback keeps the current content`,
      'PersistentVolumeClaim web-data: keeps the data written since revision 1; a rollback never restores a volume',
      'HorizontalPodAutoscaler web (1–5 replicas) owns the replicas of deployment/web: the rollback changes the pod template only, and the HPA keeps scaling',
    ]);
    // The text form: the sentence, the count, this check first.
    const text = undo(['deployment/web', '--to-revision', '1', '--dry-run']);
    assert.match(text.stdout, /^Roll back deployment\/web in namespace nu \(context rg-admin\) from revision 2 to revision 1: web:2\.0 → web:1\.0\.\n\d+ checks passed · 1 needs attention/);
    assert.match(text.stdout, /\n {2}! not-undone 1 thing the rollback will not undo/);
  });

  test('config unchanged since the target revision: said so; config outside any repository: unknown', async () => {
    const same = undo(['deployment/api', '--to-revision', '1', '--dry-run', '--format', 'json']);
    assert.equal(same.code, 0, same.stderr);
    const c = checkOf(same.stdout, 'not-undone')!;
    assert.equal(c.status, 'pass');
    assert.deepEqual(c.evidence, [`ConfigMap/api-config: the same as revision 1 ran with (Git commit ${v1.slice(0, 7)}, apps/api.yaml)`]);
    const unknown = undo(['deployment/plain', '--to-revision', '1', '--dry-run', '--format', 'json']);
    const u = checkOf(unknown.stdout, 'not-undone')!;
    assert.equal(u.status, 'info');
    assert.match(u.evidence[0]!, /^ConfigMap\/plain-config: unknown: shared config is not versioned \(no manifest in .* defines Deployment plain\); the rollback keeps what it holds now$/);
  });

  test('after the rollback the ConfigMap still holds the new content, and kubectl rollout history shows the reason', async () => {
    const done = undo(['deployment/web', '--to-revision', '1', '--yes', '--reason', 'INC-4211 fast mode drops orders']);
    assert.equal(done.code, 0, done.stderr);
    const cm = await getJson<{ data: Record<string, string> }>(plane, NS, 'configmap/web-config');
    assert.deepEqual(cm.data, { MODE: 'fast', LIMIT: '10', NEW: 'yes' });
    const history = (await plane.kubectl(['-n', NS, 'rollout', 'history', 'deployment/web'])).stdout;
    assert.match(history, /\n3\s+rolled back to revision 1: INC-4211 fast mode drops orders\n/);
    const d = await getJson<{ metadata: { annotations: Record<string, string> } }>(plane, NS, 'deployment/web');
    assert.equal(d.metadata.annotations['kubernetes.io/change-cause'], 'rolled back to revision 1: INC-4211 fast mode drops orders');
  });

  test('a Helm release: the PVC its target revision lacks is deleted, the pre-upgrade hook does not run again, the HPA loses its replicas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-nu-chart-'));
    const c = chart(dir);
    await plane.kubectl(['apply', '-f', '-'], { input: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared-config, namespace: ${NS}}\ndata: {REGION: eu}\n` });
    await plane.helm(['install', 'shop', c, '-n', NS, '--no-hooks']);
    await plane.helm(['upgrade', 'shop', c, '-n', NS, '--no-hooks', '--set', 'tag=2.0', '--set', 'storage=true']);
    await plane.kubectl(['apply', '-f', '-'], { input: `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: shop, namespace: ${NS}}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: shop}\n  maxReplicas: 6\n` });
    const dry = undo(['helmrelease/shop', '--to-revision', '1', '--dry-run', '--format', 'json']);
    assert.equal(dry.code, 0, dry.stderr);
    const nu = checkOf(dry.stdout, 'not-undone')!;
    assert.equal(nu.status, 'warn');
    const has = (re: RegExp) => assert.ok(nu.evidence.some((e) => re.test(e)), `${re} in\n${nu.evidence.join('\n')}`);
    has(/^PersistentVolumeClaim shop-data: not in revision 1, so helm rollback deletes it, and its data with it$/);
    has(/^hook Job\/shop-migrate \(pre-upgrade\): ran when it was installed or upgraded; helm rollback does not run it again, and does not undo what it did$/);
    has(/^HorizontalPodAutoscaler shop \(1–6 replicas\) scales deployment\/shop, but revision 1 sets spec\.replicas: 2: helm rollback resets it to 2 until the HPA scales it again$/);
    has(/^CRDs in the chart's crds\/ directory \(widgets\.shop\.example\.com\): helm installs them once and never upgrades or rolls them back$/);
    has(/^ConfigMap\/shared-config: unknown: shared config is not versioned \(it is not part of the release\)/);
    has(/^ConfigMap\/shop-config: part of the release, restored by helm rollback$/);
    assert.equal(checkOf(dry.stdout, 'apis')?.status, 'pass');

    const done = undo(['helmrelease/shop', '--to-revision', '1', '--yes', '--reason', 'roll back shop']);
    assert.equal(done.code, 0, done.stderr);
    // helm deleted it; the pvc-protection finalizer holds it until its controller (not run here) releases it.
    const pvc = await plane.kubectl(['-n', NS, 'get', 'pvc', 'shop-data', '-o', 'json'], { allowFailure: true });
    assert.ok(/NotFound/.test(pvc.stderr) || (JSON.parse(pvc.stdout) as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp, 'helm rollback deleted the PVC, as the check said');
    const job = await plane.kubectl(['-n', NS, 'get', 'job', 'shop-migrate'], { allowFailure: true });
    assert.match(job.stderr, /NotFound/, 'helm rollback did not run the pre-upgrade hook');
  });

  test('a Helm revision stored with an API version this server no longer serves is refused, with the mapkubeapis fix', async () => {
    const manifest = (pdbVersion: string) => `---\n# Source: legacy/templates/pdb.yaml\napiVersion: ${pdbVersion}\nkind: PodDisruptionBudget\nmetadata:\n  name: legacy\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: legacy}}\n`;
    const release = (version: number, status: string, pdbVersion: string) => ({
      name: 'legacy',
      namespace: NS,
      version,
      info: { first_deployed: '2024-01-01T00:00:00Z', last_deployed: `2024-0${version}-01T00:00:00Z`, status, description: version === 1 ? 'Install complete' : 'Upgrade complete' },
      chart: { metadata: { name: 'legacy', version: `0.${version}.0`, appVersion: '1.0' } },
      config: {},
      manifest: manifest(pdbVersion),
    });
    // Revision 1 was installed on a 1.24 cluster with policy/v1beta1; revision 2 after moving to policy/v1.
    for (const [v, status, api] of [[1, 'superseded', 'policy/v1beta1'], [2, 'deployed', 'policy/v1']] as const) {
      await plane.kubectl(['apply', '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1', metadata: { name: `sh.helm.release.v1.legacy.v${v}`, namespace: NS, labels: { owner: 'helm', name: 'legacy', status, version: String(v) } }, data: { release: encodeReleaseData(release(v, status, api)) } }),
      });
    }
    const dry = undo(['helmrelease/legacy', '--to-revision', '1', '--dry-run', '--format', 'json']);
    assert.equal(dry.code, 1, dry.stdout);
    const apis = checkOf(dry.stdout, 'apis')!;
    assert.equal(apis.status, 'fail');
    assert.equal(apis.title, 'revision 1 of Helm release legacy uses an API version this server no longer serves (policy/v1beta1 PodDisruptionBudget): rolling back to it would fail');
    assert.deepEqual(apis.evidence, ['PodDisruptionBudget legacy: policy/v1beta1 (removed in Kubernetes 1.25; use policy/v1)']);
    assert.match(apis.error!.hint, /helm mapkubeapis legacy --namespace nu/);
    const text = undo(['helmrelease/legacy', '--to-revision', '1', '--dry-run']);
    assert.match(text.stdout, /^Helm release legacy in namespace nu \(context rg-admin\) will not be rolled back to revision 1: revision 1 of Helm release legacy uses an API version/);
    assert.match(text.stdout, /✖ apis {7}revision 1 of Helm release legacy .* \(blocks the rollback\)/);
    // Going back to the served revision is fine.
    assert.equal(checkOf(undo(['helmrelease/legacy', '--to-revision', '2', '--dry-run', '--format', 'json']).stdout, 'apis')?.status, 'pass');
  });
});
