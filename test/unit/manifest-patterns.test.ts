import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProjectContext } from '../../src/core/project';
import { maskTemplate } from '../../src/core/yaml/helm';
import { analyze, analyzeFixture, fixture, located, only } from './helpers';

/**
 * Idioms of real charts and manifests, each a minimal file: every finding of
 * each, rule id and 1-based line:column.
 */
const HELM: Record<string, string[]> = {
  // `labels: {{- include … | nindent 4 }}` with literal lines below: the hook Job and its migration are read.
  'include-nindent-then-literal.yaml': ['RG109@8:19', 'RG110@16:33'],
  // A templated apiVersion: `Deployment` exists in `apps` only.
  'templated-api-version.yaml': ['RG101@10:18', 'RG110@11:21', 'RG104@14:11', 'RG101@15:18'],
  // `- {{ toYaml $c | nindent 10 | trim }}` followed by keys of the same item.
  'action-list-item-with-keys.yaml': ['RG104@16:11', 'RG101@17:18'],
  // `{{ if … }}""{{ else }}{{ .Values.sc }}{{ end }}`: one scalar.
  'inline-if-quoted-literal.yaml': [],
  // A block scalar whose first line is an action.
  'block-scalar-action-first-line.yaml': [],
  // `{{ if … -}} stringData: {{- else -}} data: {{- end }}`: alternatives.
  'if-else-alternative-keys.yaml': [],
  // `app.conf: |- {{- include … | nindent 4 }}`.
  'block-header-then-action.yaml': [],
  // A raw string action across two lines.
  'raw-string-action-across-lines.yaml': [],
  // The rest of the StorageClass comes from `toYaml` of values.
  'to-yaml-body.yaml': [],
  'templated-container-name.yaml': ['RG104@9:11'],
  // `$hook := dict "helm.sh/hook" "pre-install,pre-upgrade"` printed with `toYaml $hook`.
  'hook-from-dict.yaml': ['RG109@7:5'],
};

const PRECISION: Record<string, string[]> = {
  // A ConfigMap a reloader sidecar mounts is applied live, never through a rollout; the one it does not mount is still reported.
  'reloaded-config.yaml': ['RG103@28:19'],
  // Placeholders someone replaces before applying are no image; `redis` is one.
  'image-placeholder.yaml': ['RG101@18:18'],
  // A ServiceAccount created as a hook only lets the hook Job run.
  'hook-service-account.yaml': [],
  // The hook Job is reported once; its ServiceAccount, Role and RoleBinding hooks are named there.
  'hook-job-with-support.yaml': ['RG109@31:21'],
  // `checksum/config` hashing the Secret template versions the Secret.
  'checksum-hashes-secret.yaml': [],
  // Pod annotations printed by a helper may hold the checksum.
  'checksum-from-helper.yaml': [],
  // A credential Secret the project does not define rotates on its own schedule.
  'external-secret-credential.yaml': [],
  'live-object-dump.yaml': ['RG003@1:1'],
  'helm-test-pod.yaml': ['RG101@11:14'],
  // Diffie-Hellman parameters and certificates are public: only the private key counts.
  'public-material-secret.yaml': ['RG113@26:1'],
  // An image whose name holds a credential word (`oauth2-proxy`) is reported like any other.
  'auth-proxy-image.yaml': ['RG101@16:18'],
  // One replica writing to a claim: `Recreate` is the safe strategy.
  'recreate-single-writer.yaml': [],
  // The main container's probe gates the pod; the reloader needs none.
  'sidecar-without-probe.yaml': [],
  'replication-controller.yaml': ['RG101@13:18'],
  'argocd-presync-hook.yaml': ['RG109@6:30'],
  'airflow-migrate.yaml': ['RG110@12:21'],
  // `airflow_execute`, the shell function some images wrap the CLI in; checking is not migrating.
  'airflow-wrapper.yaml': ['RG110@31:15'],
  'migration-command-from-env.yaml': ['RG110@12:21'],
  'migration-script-in-configmap.yaml': ['RG110@22:27'],
  // A quoted scalar continued on a less indented line, as go-yaml (kubectl) reads it.
  'wrapped-quoted-scalar.yaml': [],
  // `${{ hashFiles('docs/*.md') }}` in a workflow; `\"` in a values file.
  'workflow/.github/workflows/ci.yaml': [],
  'chart-values/values.yaml': [],
};

describe('Helm template idioms read without rendering', () => {
  for (const [file, expected] of Object.entries(HELM)) {
    it(file, async () => assert.deepEqual(located(await analyzeFixture(`manifests/helm/${file}`)), expected));
  }

  it('never shows the mask in a message: a templated container name is shown as written', async () => {
    const [finding] = await analyzeFixture('manifests/helm/templated-container-name.yaml');
    assert.match(finding!.message, /^Deployment \{\{ \.Release\.Name \}\}-c has no readinessProbe, .* Its container `\{\{ \.Chart\.Name \}\}` counts as available/);
  });

  it('names the literal phases a `dict` gives the hook annotation', async () => {
    const [finding] = await analyzeFixture('manifests/helm/hook-from-dict.yaml');
    assert.match(finding!.message, /Helm `pre-install, pre-upgrade` hook/);
  });

  it('reads a templated apiVersion by its kind and keeps the template in messages', async () => {
    const findings = await analyzeFixture('manifests/helm/templated-api-version.yaml');
    assert.match(only(findings, 'RG110')[0]!.message, /of Deployment web migrates the schema \(Atlas\)/);
  });

  it('gives a kind printed by a template one note', async () => {
    const text = 'apiVersion: v1\nkind: {{ .Values.kind }}\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: {{ .Values.kind }}\nmetadata:\n  name: b\n';
    const findings = await analyze('t/templates/x.yaml', text);
    assert.deepEqual(located(findings), ['RG003@2:7']);
    assert.match(findings[0]!.message, /kind is printed by a template action \(`\{\{ \.Values\.kind \}\}`\).*\(and 1 more part\)/);
  });

  it('masks without changing any offset or line, in linear time', () => {
    for (const file of Object.keys(HELM)) {
      const text = fixture(`manifests/helm/${file}`);
      const masked = maskTemplate(text);
      assert.equal(masked.text.length, text.length, file);
      assert.deepEqual(
        [...masked.text.matchAll(/\n/g)].map((m) => m.index),
        [...text.matchAll(/\n/g)].map((m) => m.index),
        file,
      );
    }
  });
});

describe('findings a platform team keeps on', () => {
  for (const [file, expected] of Object.entries(PRECISION)) {
    it(file, async () => assert.deepEqual(located(await analyzeFixture(`manifests/precision/${file}`)), expected));
  }

  it('names the support hooks of a hook Job once, in its finding', async () => {
    const [finding] = await analyzeFixture('manifests/precision/hook-job-with-support.yaml');
    assert.match(finding!.message, /Its ServiceAccount, Role and RoleBinding hooks only let it run\.$/);
  });

  it('counts the private key of a TLS Secret, not its certificate', async () => {
    const [finding] = await analyzeFixture('manifests/precision/public-material-secret.yaml');
    assert.match(finding!.message, /^Secret web-tls commits 1 literal value in `stringData` \(`tls\.key`\)/);
  });

  it('says a live object dump is controller output, once', async () => {
    const [note] = await analyzeFixture('manifests/precision/live-object-dump.yaml');
    assert.equal(note!.severity, 'info');
    assert.match(note!.message, /^Not analysed: Pod web-7d4b9c-x2x9k is owned by a controller \(`ownerReferences`\)/);
  });

  it('keeps a `helm test` Pod image at hint', async () => {
    const [finding] = await analyzeFixture('manifests/precision/helm-test-pod.yaml');
    assert.equal(finding!.severity, 'hint');
    assert.match(finding!.message, /in a `helm test` Pod is not pinned/);
  });

  it('names the script and its ConfigMap when a migration runs from one', async () => {
    const [finding] = await analyzeFixture('manifests/precision/migration-script-in-configmap.yaml');
    assert.match(finding!.message, /\(Rails \/ Sequelize\), so a code rollback meets the new schema\. It runs \/scripts\/migrate\.sh from ConfigMap `scripts`\./);
  });

  it('judges a Kustomize patch file for what it adds, not for what its base holds', async () => {
    const dir = 'manifests/precision/kustomize-patch';
    const project = buildProjectContext([{ path: `${dir}/kustomization.yaml`, text: fixture(`${dir}/kustomization.yaml`) }]);
    assert.deepEqual(located(await analyzeFixture(`${dir}/memory-patch.yaml`, { project })), []);
    assert.deepEqual(located(await analyzeFixture(`${dir}/memory-patch.yaml`)), ['RG104@9:11']);
    // An image the patch sets is still judged.
    const text = fixture(`${dir}/memory-patch.yaml`).replace('          resources:', '          image: web:latest\n          resources:');
    assert.deepEqual(located(await analyze(`${dir}/memory-patch.yaml`, text, { project })), ['RG101@10:18']);
    // A `patches:` entry written as a bare path.
    const bare = buildProjectContext([{ path: `${dir}/kustomization.yaml`, text: 'resources: [deployment.yaml]\npatches:\n  - memory-patch.yaml\n' }]);
    assert.deepEqual(located(await analyzeFixture(`${dir}/memory-patch.yaml`, { project: bare })), []);
  });

  it('leaves images that Skaffold, ko or a kustomization replace at deploy time to the tool', async () => {
    const dir = 'manifests/precision/skaffold';
    const project = buildProjectContext([{ path: `${dir}/skaffold.yaml`, text: fixture(`${dir}/skaffold.yaml`) }]);
    assert.deepEqual(located(await analyzeFixture(`${dir}/k8s/web.yaml`, { project })), []);
    assert.deepEqual(located(await analyzeFixture(`${dir}/k8s/web.yaml`)), ['RG101@10:18']);
    const ko = fixture(`${dir}/k8s/web.yaml`).replace('image: web', 'image: ko://github.com/acme/web/cmd/web');
    assert.deepEqual(located(await analyze('k8s/web.yaml', ko)), []);
    const kustomize = buildProjectContext([{ path: 'k/kustomization.yaml', text: 'resources: [web.yaml]\nimages:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: 1.4.2\n' }]);
    const [hint] = await analyze('k/web.yaml', fixture(`${dir}/k8s/web.yaml`), { project: kustomize });
    assert.equal(hint!.severity, 'hint');
    assert.match(hint!.message, /^Image `ghcr\.io\/acme\/web:1\.4\.2` of container `web` is pinned by tag only \(as the `images:` of k\/kustomization\.yaml sets it\)/);
  });

  it('reports a Secret reference when the project defines that Secret', async () => {
    const text = fixture('manifests/precision/external-secret-credential.yaml').replace('"{{ .Values.existingSecret }}"', 'exporter-token');
    assert.deepEqual(located(await analyze('app/deploy.yaml', text)), []);
    const project = buildProjectContext([], [{ path: 'app/secret.yaml', kind: 'Secret', name: 'exporter-token' }]);
    assert.deepEqual(located(await analyze('app/deploy.yaml', text, { project })), ['RG103@16:25']);
    assert.deepEqual(located(await analyze('other/deploy.yaml', text, { project })), []);
  });
});

describe('messages read in a hover', () => {
  it('every manifest finding of the fixtures says its risk in a first sentence of about 120 characters at most', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = join(__dirname, '..', 'fixtures', 'manifests');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ya?ml$/.test(name)) files.push(path.slice(root.length + 1));
      }
    };
    walk(root);
    const long: string[] = [];
    for (const file of files) {
      for (const f of await analyzeFixture(`manifests/${file}`)) {
        if (!/^RG1/.test(f.ruleId)) continue;
        // Names vary: one counts as at most 25 characters.
        const first = f.message.split(/(?<=\.) /)[0]!.replace(/`[^`]{26,}`/g, 'x'.repeat(25));
        if (first.length > 125) long.push(`${file} ${f.ruleId} (${first.length}): ${first}`);
        assert.doesNotMatch(f.message, /_{3,}/, `${file}: the mask shows in ${f.message}`);
        assert.doesNotMatch(f.message, /sha256:[0-9a-f]{9,}/, `${file}: a digest is not shortened in ${f.message}`);
      }
    }
    assert.deepEqual(long, []);
  });
});
