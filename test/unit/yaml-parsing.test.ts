import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskTemplate } from '../../src/core/yaml/helm';
import { parseManifestFile } from '../../src/core/yaml/manifest';
import { buildProjectContext } from '../../src/core/project';
import { analyze, assertNone, located, only } from './helpers';

const LATEST = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: c\n      image: nginx:latest\n`;

describe('multi-document files', () => {
  it('keeps each document’s own line numbers, skips empty documents and comments-only documents', async () => {
    const text = `---\n# only a comment\n---\n${LATEST('a')}---\n---\n${LATEST('b')}...\n`;
    assert.deepEqual(located(await analyze('m.yaml', text), 'RG101'), ['RG101@11:14', 'RG101@21:14']);
  });

  it('analyses the documents that parse when another one is broken, and says what was skipped', async () => {
    const text = `${LATEST('a')}---\napiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n---\n${LATEST('b')}`;
    const findings = await analyze('m.yaml', text);
    // The parser notices the unclosed sequence where the document ends.
    assert.deepEqual(located(findings), ['RG101@8:14', 'RG003@13:1', 'RG101@21:14']);
    assert.match(only(findings, 'RG003')[0]!.message, /^Not analysed: /);
  });
});

describe('anchors, aliases and merge keys', () => {
  it('follows aliases and merge keys to the anchored node and reports at the anchor', async () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - &base',
      '          name: web',
      '          image: web:latest',
      '          readinessProbe: {tcpSocket: {port: 80}}',
      '        - <<: *base',
      '          name: worker',
      '        - *base',
      '',
    ].join('\n');
    // Three containers share the anchored image node; each is reported at the anchor.
    assert.deepEqual(located(await analyze('m.yaml', text), 'RG101'), ['RG101@10:18', 'RG101@10:18', 'RG101@10:18']);
    assertNone(only(await analyze('m.yaml', text), 'RG104'));
  });
});

describe('comments, CRLF and BOM', () => {
  it('reports the same columns with CRLF line endings', async () => {
    const lf = LATEST('a');
    assert.deepEqual(located(await analyze('m.yaml', lf.replace(/\n/g, '\r\n'))), located(await analyze('m.yaml', lf)));
  });

  it('counts a BOM as a character of the first line only', async () => {
    const text = `\uFEFF${LATEST('a')}`;
    const [finding] = only(await analyze('m.yaml', text), 'RG101');
    assert.deepEqual(finding!.range.start, { line: 7, character: 13 });
  });

  it('does not take a # inside a quoted string for a comment', async () => {
    const text = LATEST('a').replace('nginx:latest', '"nginx:latest" # rollback-guard-ignore RG101: vendor image, mirrored').replace('name: a', 'name: "a # rollback-guard-ignore RG104: x"');
    assertNone(await analyze('m.yaml', text));
  });
});

describe('Helm templates', () => {
  const template = [
    '{{- if .Values.enabled }}',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ include "app.fullname" . }}',
    '  labels:',
    '    {{- include "app.labels" . | nindent 4 }}',
    'spec:',
    '  revisionHistoryLimit: 0',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: app',
    '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
    '          {{- with .Values.resources }}',
    '          resources: {{- toYaml . | nindent 12 }}',
    '          {{- end }}',
    '        - name: sidecar',
    '          image: "envoy:latest" {{/* a comment with }} inside a string: "}}" */}}',
    '{{- end }}',
    '',
  ].join('\n');

  it('masks actions with the same length so every offset is unchanged', () => {
    const masked = maskTemplate(template);
    assert.equal(masked.text.length, template.length);
    assert.equal(masked.text.split('\n').length, template.split('\n').length);
    assert.equal(masked.spans.length, 10);
    assert.doesNotMatch(masked.text, /\{\{|\}\}/);
  });

  it('reports exact positions in a template and does not judge templated images', async () => {
    const findings = await analyze('chart/templates/deployment.yaml', template);
    // One finding for the pod: neither container has a readinessProbe.
    assert.deepEqual(located(findings), ['RG102@9:25', 'RG104@13:11', 'RG101@19:18']);
  });

  it('turns a template that cannot be parsed into one info finding, never an exception', async () => {
    const broken = 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: {{ .Values.a\n  b: 1\n';
    const findings = await analyze('chart/templates/cm.yaml', broken);
    assert.deepEqual(located(findings), ['RG003@4:6']);
    assert.equal(findings[0]!.severity, 'info');
    assert.match(findings[0]!.message, /Not analysed: template action `\{\{` is never closed/);
  });

  it('reports a YAML error left after masking once, with its reason', async () => {
    const broken = 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: 1\n {{ .Values.extra }}: 2\n';
    const findings = await analyze('chart/templates/cm.yaml', broken);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.ruleId, 'RG003');
    assert.match(findings[0]!.message, /after masking the Helm template actions/);
  });
});

describe('YAML that is not Kubernetes yields nothing', () => {
  const cases: Record<string, string> = {
    '.github/workflows/ci.yaml': 'name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo ${{ github.sha }}\n',
    'docker-compose.yml': 'services:\n  web:\n    image: nginx:latest\n    ports: ["80:80"]\n',
    'openapi.yaml': 'openapi: 3.1.0\ninfo: {title: Shop, version: "1"}\npaths:\n  /orders:\n    get:\n      responses: {"200": {description: ok}}\n',
    'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
    'chart/values.yaml': 'image:\n  repository: shop\n  tag: latest\n',
    'broken-compose.yml': 'services:\n  web: [unclosed\n',
  };
  for (const [path, text] of Object.entries(cases)) {
    it(path, async () => assertNone(await analyze(path, text)));
  }
});

describe('Kustomize', () => {
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api@sha256:00\n          readinessProbe: {tcpSocket: {port: 80}}\n          envFrom:\n            - configMapRef: {name: api-config}\n';

  it('counts names from a configMapGenerator of an overlay that includes the base as versioned', async () => {
    const project = buildProjectContext([
      { path: 'deploy/overlays/prod/kustomization.yaml', text: 'resources:\n  - ../../base\nconfigMapGenerator:\n  - name: api-config\n    literals: [LEVEL=info]\n' },
    ]);
    assertNone(await analyze('deploy/base/deployment.yaml', deployment, { project }));
  });

  it('does not extend a generator to directories outside its kustomization', async () => {
    const project = buildProjectContext([{ path: 'other/kustomization.yaml', text: 'configMapGenerator:\n  - name: api-config\n' }]);
    assert.deepEqual(located(await analyze('deploy/base/deployment.yaml', deployment, { project })), ['RG103@12:36']);
  });

  it('parses the manifest’s documents once per file', () => {
    const file = parseManifestFile(`${LATEST('a')}---\n${LATEST('b')}`);
    assert.equal(file.manifests.length, 2);
    assert.deepEqual(file.manifests.map((m) => [m.kind, m.name, m.group]), [['Pod', 'a', ''], ['Pod', 'b', '']]);
  });
});
