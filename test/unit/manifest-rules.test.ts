import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildProjectContext } from '../../src/core/project';
import { analyze, analyzeFixture, applyEdits, assertNone, fixture, located, only } from './helpers';

const dir = 'manifests';
// RG103 fixtures reference a ConfigMap produced by a Kustomize generator next to them.
const project = buildProjectContext([{ path: 'manifests/kustomization.yaml', text: 'configMapGenerator:\n  - name: generated-by-kustomize\n' }]);

/** Every finding of each rule fixture: rule id and 1-based line:column of its start. */
const EXPECTED: Record<string, string[]> = {
  RG101: ['RG101@10:18', 'RG101@13:18', 'RG101@16:18'],
  RG102: ['RG102@6:25', 'RG102@14:25'],
  RG103: ['RG103@14:23', 'RG103@21:25'],
  RG104: ['RG104@12:11'],
  RG105: ['RG105@7:11', 'RG105@17:23', 'RG105@27:23', 'RG105@46:23'],
  RG107: ['RG107@8:5', 'RG107@32:3'],
  RG109: ['RG109@6:19'],
  RG110: ['RG110@13:15', 'RG110@24:18', 'RG110@47:22'],
  RG111: ['RG111@7:34', 'RG111@12:3', 'RG111@28:18'],
  RG113: ['RG113@6:1', 'RG113@8:1'],
  RG114: ['RG114@8:5', 'RG114@8:5', 'RG114@9:27'],
  RG115: ['RG115@6:30', 'RG115@20:30'],
};

describe('manifest rules on their fixtures', () => {
  for (const [ruleId, expected] of Object.entries(EXPECTED)) {
    it(`${ruleId} reports exactly the risky lines of ${ruleId}.yaml`, async () => {
      const findings = await analyzeFixture(`${dir}/${ruleId}.yaml`, { project });
      assert.deepEqual(located(findings, ruleId), expected);
    });
  }

  it('reports nothing at all on a digest-pinned, probed, checksum-annotated Deployment', async () => {
    assertNone(await analyzeFixture(`${dir}/safe-deployment.yaml`));
  });
});

describe('severities, classes and messages', () => {
  it('RG101 warns on :latest and untagged images, hints on tag-only pins', async () => {
    const findings = only(await analyzeFixture(`${dir}/RG101.yaml`), 'RG101');
    assert.deepEqual(findings.map((f) => f.severity), ['warning', 'warning', 'hint']);
    assert.ok(findings.every((f) => f.rollbackClass === 'manual-repair' && f.layer === 'code'));
    assert.match(findings[0]!.message, /`busybox`.*no tag/);
    // The range covers the whole scalar, quotes included.
    assert.deepEqual(findings[2]!.range, { start: { line: 15, character: 17 }, end: { line: 15, character: 61 } });
  });

  it('RG110 names the tool it recognised', async () => {
    const messages = only(await analyzeFixture(`${dir}/RG110.yaml`), 'RG110').map((f) => f.message);
    assert.match(messages[0]!, /\(Django\)/);
    assert.match(messages[1]!, /\(Flyway\)/);
    assert.match(messages[2]!, /\(golang-migrate\)/);
  });

  it('RG113 never prints a secret value', async () => {
    const findings = only(await analyzeFixture(`${dir}/RG113.yaml`), 'RG113');
    for (const f of findings) {
      assert.doesNotMatch(f.message, /c3VwZXJzZWNyZXQ=|supersecret/);
    }
    assert.match(findings[0]!.message, /`password`/);
  });

  it('RG115 carries the detected class and names the rules behind it', async () => {
    const [declared, unknown] = only(await analyzeFixture(`${dir}/RG115.yaml`), 'RG115');
    assert.equal(declared!.rollbackClass, 'forward-only');
    assert.equal(declared!.severity, 'error');
    assert.match(declared!.message, /declares `reversible` but the rules detect `forward-only`.*RG110/);
    assert.match(unknown!.message, /unknown rollback class `mostly-safe`/);
  });

  it('RG115 ignores findings the author suppressed with a reason', async () => {
    const text = fixture(`${dir}/RG115.yaml`).replace(
      '          command: ["alembic", "upgrade", "head"]',
      '          # rollback-guard-ignore RG110: expand-only migration, reviewed\n          command: ["alembic", "upgrade", "head"]',
    );
    const findings = await analyze('x.yaml', text);
    // Only the unknown class on the ConfigMap remains (one line further down).
    assert.deepEqual(located(findings, 'RG115'), ['RG115@21:30']);
  });
});

/** Applies the named fix of the first finding of `ruleId`, re-analyses, and returns both texts. */
async function applyFix(path: string, text: string, ruleId: string, title: RegExp) {
  const finding = only(await analyze(path, text), ruleId)[0];
  assert.ok(finding, `${ruleId} expected before the fix`);
  const fix = finding.fixes.find((f) => title.test(f.title));
  assert.ok(fix, `fix ${title} offered; got ${finding.fixes.map((f) => f.title).join(', ')}`);
  const fixed = applyEdits(text, fix.edits);
  for (const d of parseAllDocuments(fixed) as unknown as { errors: unknown[] }[]) assert.deepEqual(d.errors, []);
  return { fixed, after: await analyze(path, fixed) };
}

describe('quick fixes', () => {
  it('RG102: sets revisionHistoryLimit: 10', async () => {
    const { fixed, after } = await applyFix('a.yaml', fixture(`${dir}/RG102.yaml`), 'RG102', /revisionHistoryLimit: 10/);
    assert.match(fixed, /^ {2}revisionHistoryLimit: 10$/m);
    assert.deepEqual(located(after, 'RG102'), ['RG102@14:25']);
  });

  it('RG104: inserts a readinessProbe skeleton at the container keys’ indentation, using its port', async () => {
    const { fixed, after } = await applyFix('a.yaml', fixture(`${dir}/RG104.yaml`), 'RG104', /readinessProbe/);
    assert.match(fixed, /\n {10}readinessProbe:\n {12}tcpSocket:\n {14}port: 9100\n {12}periodSeconds: 5\n {12}failureThreshold: 3\n {8}- name: sidecar\n/);
    assertNone(only(after, 'RG104'));
  });

  it('RG104: without a declared port the skeleton probes /healthz on 8080', async () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: a@sha256:00\n';
    const { fixed } = await applyFix('a.yaml', text, 'RG104', /readinessProbe/);
    assert.match(fixed, /\n {8}readinessProbe:\n {10}httpGet:\n {12}path: \/healthz\n {12}port: 8080\n/);
  });

  it('RG104: keeps CRLF line endings', async () => {
    const text = fixture(`${dir}/RG104.yaml`).replace(/\n/g, '\r\n');
    const { fixed } = await applyFix('a.yaml', text, 'RG104', /readinessProbe/);
    assert.equal(fixed.replace(/\r\n/g, '').includes('\n'), false);
  });

  it('RG114: sets progressDeadlineAbort: true on the Rollout spec', async () => {
    const text = fixture(`${dir}/RG114.yaml`);
    const finding = only(await analyze('a.yaml', text), 'RG114').find((f) => /progressDeadlineAbort/.test(f.message))!;
    const fixed = applyEdits(text, finding.fixes[0]!.edits);
    assert.match(fixed, /template:[\s\S]*\n {2}progressDeadlineAbort: true\n---/);
    assert.equal(only(await analyze('a.yaml', fixed), 'RG114').filter((f) => /progressDeadlineAbort/.test(f.message)).length, 0);
  });

  it('RG103: in a Helm template, adds a checksum/config annotation computed from the chart’s ConfigMap', async () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ include "shop.fullname" . }}',
      'spec:',
      '  template:',
      '    metadata:',
      '      labels:',
      '        app: shop',
      '    spec:',
      '      containers:',
      '        - name: shop',
      '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
      '          readinessProbe: {tcpSocket: {port: 80}}',
      '          envFrom:',
      '            - configMapRef:',
      '                name: shop-config',
      '',
    ].join('\n');
    const { fixed, after } = await applyFix('chart/templates/deployment.yaml', text, 'RG103', /checksum\/config/);
    assert.match(fixed, /\n {6}annotations:\n {8}checksum\/config: \{\{ include \(print \$\.Template\.BasePath "\/configmap\.yaml"\) \. \| sha256sum \}\}\n/);
    assertNone(only(after, 'RG103'));
  });

  it('every rule finding offers an ignore comment that, once given a reason, suppresses it', async () => {
    const text = fixture(`${dir}/RG109.yaml`);
    const finding = only(await analyze('a.yaml', text), 'RG109')[0]!;
    const ignore = finding.fixes.find((f) => /^Ignore RG109/.test(f.title))!;
    const withPlaceholder = applyEdits(text, ignore.edits);
    assert.match(withPlaceholder, /\n {4}# rollback-guard-ignore RG109: <why this is safe>\n {4}helm\.sh\/hook: pre-upgrade/);
    // The placeholder is not a reason: suppressed, but RG001 asks for one.
    assert.deepEqual(located(await analyze('a.yaml', withPlaceholder)), ['RG001@6:5']);
    const withReason = withPlaceholder.replace('<why this is safe>', 'idempotent, backward-compatible data fix');
    assertNone(await analyze('a.yaml', withReason));
  });
});

/** A pod-spec workload document around the given container lines (10-space indented keys). */
function job(kind: string, containerLines: string[], extra = ''): string {
  const group = kind === 'Job' ? 'batch/v1' : 'apps/v1';
  return [`apiVersion: ${group}`, `kind: ${kind}`, 'metadata: {name: w}', 'spec:', extra, '  template:', '    spec:', '      containers:', '        - name: c', ...containerLines.map((l) => `          ${l}`), ''].filter((l) => l !== '').join('\n');
}

describe('precision: what the rules must not report', () => {
  it('RG110: a migration tool image running a read-only command', async () => {
    assertNone(only(await analyze('a.yaml', job('Job', ['image: flyway/flyway:10@sha256:00', 'args: ["-url=jdbc:postgresql://db/shop", "info"]'])), 'RG110'));
    assertNone(only(await analyze('a.yaml', job('Job', ['image: migrate/migrate@sha256:00'])), 'RG110'));
  });

  it('RG110: an unrelated image that happens to be called atlas or migrate', async () => {
    assertNone(only(await analyze('a.yaml', job('Job', ['image: ghcr.io/acme/atlas:1.0@sha256:00', 'command: ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]'])), 'RG110'));
    assertNone(only(await analyze('a.yaml', job('Job', ['image: ghcr.io/acme/migrate@sha256:00', 'args: ["--dry-run"]'])), 'RG110'));
  });

  it('RG110: dry runs (manage.py migrate --check, alembic upgrade --sql)', async () => {
    assertNone(only(await analyze('a.yaml', job('Job', ['image: app@sha256:00', 'command: ["python", "manage.py", "migrate", "--check"]'])), 'RG110'));
    assertNone(only(await analyze('a.yaml', job('Job', ['image: app@sha256:00', 'command: ["alembic", "upgrade", "head", "--sql"]'])), 'RG110'));
  });

  it('RG110: still reports the official images when they apply migrations, at the image', async () => {
    const findings = only(await analyze('a.yaml', job('Job', ['image: docker.io/flyway/flyway:10@sha256:00', 'args: ["-url=jdbc:postgresql://db/shop", "migrate"]'])), 'RG110');
    assert.deepEqual(located(findings), ['RG110@9:18']);
  });

  it('RG105: no `replicas` (an autoscaler owns the count) and `maxUnavailable: 0` are not judged', async () => {
    assertNone(only(await analyzeFixture(`${dir}/RG105.yaml`), 'RG105').filter((f) => /autoscaled|scaled-to-zero/.test(f.message)));
  });

  it('RG107: `automated:` with no value is manual sync; an ApplicationSet template is judged', async () => {
    const manual = 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  syncPolicy:\n    automated:\n';
    assertNone(await analyze('a.yaml', manual));
    const set = 'apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: apps}\nspec:\n  template:\n    spec:\n      syncPolicy:\n        automated: {selfHeal: true}\n';
    const findings = await analyze('a.yaml', set);
    assert.deepEqual(located(findings), ['RG107@8:9']);
    assert.match(findings[0]!.message, /generates Applications that sync automatically/);
  });

  it('RG114: an experiment step with analyses gates the canary', async () => {
    const text = 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  progressDeadlineAbort: true\n  strategy:\n    canary:\n      steps:\n        - experiment:\n            templates: [{name: baseline, specRef: stable}]\n            analyses: [{name: compare, templateName: ab-test}]\n';
    assertNone(only(await analyze('a.yaml', text), 'RG114'));
  });

  it('RG115: a hint (tag without digest) does not make a `reversible` declaration too optimistic', async () => {
    const text = job('Deployment', ['image: app:1.2.3', 'readinessProbe: {tcpSocket: {port: 80}}']).replace('metadata: {name: w}', 'metadata:\n  name: w\n  annotations: {rollback-guard.io/class: reversible}');
    assert.deepEqual(located(await analyze('a.yaml', text)), ['RG101@11:18']);
  });

  it('RG103: environment-looking suffixes are not hashes; disableNameSuffixHash generators are fixed names; any checksum annotation versions Secrets too', async () => {
    const refs = (names: string[]) =>
      job('Deployment', ['image: a@sha256:00', 'readinessProbe: {tcpSocket: {port: 80}}', 'envFrom:', ...names.map((n) => `  - configMapRef: {name: ${n}}`)]);
    assert.equal(only(await analyze('a.yaml', refs(['api-config-prod01', 'db-creds-useast1'])), 'RG103').length, 2);

    const project = buildProjectContext([{ path: 'k/kustomization.yaml', text: 'generatorOptions: {disableNameSuffixHash: true}\nconfigMapGenerator:\n  - name: fixed\n  - name: hashed\n    options: {disableNameSuffixHash: false}\n' }]);
    assert.deepEqual(only(await analyze('k/d.yaml', refs(['fixed', 'hashed']), { project }), 'RG103').map((f) => /`(.*?)`/.exec(f.message)?.[1]), ['fixed']);

    const secretRef = job('Deployment', ['image: a@sha256:00', 'readinessProbe: {tcpSocket: {port: 80}}', 'envFrom:', '  - secretRef: {name: creds}', '  - configMapRef: {name: settings}']).replace(
      '  template:\n',
      '  template:\n    metadata:\n      annotations: {checksum/config: abc}\n',
    );
    const defined = `${secretRef}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\n`;
    assertNone(only(await analyze('a.yaml', defined), 'RG103'));
    assert.deepEqual(only(await analyze('a.yaml', defined.replace('checksum/config: abc', 'deployed-by: ci')), 'RG103').map((f) => /`(.*?)`/.exec(f.message)?.[1]), ['creds', 'settings']);
  });

  it('RG003: an unclosed action is reported once, without the errors that follow from it', async () => {
    const findings = await analyze('t/templates/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Values.name }\ndata:\n  a: b\n');
    assert.equal(findings.length, 1);
    assert.doesNotMatch(findings[0]!.message, /more part/);
  });
});
