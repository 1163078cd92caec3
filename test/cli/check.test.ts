import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Ajv from 'ajv-draft-04';
import AjvDraft7 from 'ajv';
import { cli, workspace } from './run';
import { loadSarifSchema } from './sarifSchema';
import { MASK } from '../../src/core/redact';

const fixtures = join(__dirname, '..', 'fixtures', 'manifests');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

/** A repository with one risky manifest, one safe one, and things the scan must not read. */
function repo() {
  return workspace({
    'deploy/web.yaml': read('RG101.yaml'),
    'deploy/safe.yaml': read('safe-deployment.yaml'),
    'deploy/ignored/risky.yaml': read('RG102.yaml'),
    'build/out.yaml': read('RG102.yaml'),
    '.gitignore': 'build/\n',
    'deploy/.gitignore': 'ignored/\n',
    'node_modules/pkg/x.yaml': read('RG102.yaml'),
    'README.md': '# not analysed\n',
  });
}

describe('rollback-guard check', () => {
  it('text: file:line:col severity id message, then a summary; exit 0 when nothing reaches --fail-on', () => {
    const dir = repo();
    const result = cli(['check'], dir);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3).map((l) => l.split(' ').slice(0, 3).join(' ')), [
      'deploy/web.yaml:10:18 warning RG101',
      'deploy/web.yaml:13:18 warning RG101',
      'deploy/web.yaml:16:18 hint RG101',
    ]);
    assert.equal(lines.at(-1), '3 findings (2 warnings, 1 hint) in 2 files; worst rollback class: manual-repair.');
  });

  it('prints an image whose name reads like a credential word as written, not redacted', () => {
    const result = cli(['check', 'deploy.yaml'], workspace({ 'deploy.yaml': read('precision/auth-proxy-image.yaml') }));
    const [line] = result.stdout.split('\n');
    assert.match(line!, /^deploy\.yaml:16:18 warning RG101 Image `quay\.io\/oauth2-proxy\/oauth2-proxy:latest` of container `oauth2-proxy` uses `:latest`/);
  });

  it('respects .gitignore files at every level and never descends into node_modules', () => {
    const result = cli(['check', '--format', 'json'], repo());
    const files = new Set((JSON.parse(result.stdout) as { findings: { file: string }[] }).findings.map((f) => f.file));
    assert.deepEqual([...files], ['deploy/web.yaml']);
  });

  it('inside a Git repository reads what git lists: tracked files a .gitignore matches, untracked ones it does not', () => {
    const dir = workspace({
      '.gitignore': '/charts/*/charts\nscratch/\n',
      'charts/app/charts/crds/templates/job.yaml': read('RG102.yaml'),
      'charts/app/.gitignore': 'generated/*\n!generated/keep.yaml\n',
      'charts/app/generated/keep.yaml': read('RG102.yaml'),
      'charts/app/generated/other.yaml': read('RG102.yaml'),
      'scratch/local.yaml': read('RG102.yaml'),
      'new/untracked.yaml': read('RG102.yaml'),
    });
    const git = (...args: string[]) => assert.equal(spawnSync('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd: dir }).status, 0, args.join(' '));
    git('init', '-q');
    git('add', '.gitignore', 'charts/app/.gitignore');
    git('add', '-f', 'charts/app/charts/crds/templates/job.yaml');
    const result = cli(['check', '--format', 'json'], dir);
    const files = [...new Set((JSON.parse(result.stdout) as { findings: { file: string }[] }).findings.map((f) => f.file))].sort();
    assert.deepEqual(files, ['charts/app/charts/crds/templates/job.yaml', 'charts/app/generated/keep.yaml', 'new/untracked.yaml']);
    assert.equal(result.stderr, '');
  });

  it('--fail-on decides the exit status', () => {
    const dir = repo();
    assert.equal(cli(['check', '--fail-on', 'warning'], dir).code, 1);
    assert.equal(cli(['check', '--fail-on', 'hint'], dir).code, 1);
    assert.equal(cli(['check', '--fail-on', 'error'], dir).code, 0);
    assert.equal(cli(['check', '--fail-on', 'never'], workspace({ 'a.yaml': read('RG115.yaml') })).code, 0);
    assert.equal(cli(['check'], workspace({ 'a.yaml': read('RG115.yaml') })).code, 1);
  });

  it('exit 2 with a message on stderr for usage and configuration errors', () => {
    const dir = repo();
    for (const args of [['check', '--format', 'xml'], ['check', '--fail-on', 'sometimes'], ['check', '--nope'], ['frobnicate'], ['check', '--config', 'missing.yaml']]) {
      const result = cli(args, dir);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '');
      assert.ok(result.stderr.length > 0);
    }
    const bad = workspace({ '.rollbackguard.yaml': 'rules:\n  RG101: loud\n', 'a.yaml': read('RG101.yaml') });
    const result = cli(['check'], bad);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /invalid configuration: .*\.rollbackguard\.yaml:2:10: `rules\.RG101` must be equal to one of the allowed values/);
  });

  it('reads .rollbackguard.yaml from the working directory, or --config', () => {
    const dir = workspace({ '.rollbackguard.yaml': 'rules:\n  RG101: off\n', 'a.yaml': read('RG101.yaml'), 'strict.yaml': 'rules:\n  RG101: error\n' });
    assert.match(cli(['check'], dir).stdout, /^No rollback risks found in 2 files\.$/m);
    const strict = cli(['check', '--config', 'strict.yaml', 'a.yaml'], dir);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /a\.yaml:10:18 error RG101/);
  });

  it('--kube-version (or targetKubernetesVersion in .rollbackguard.yaml) reports the API versions that release no longer serves (RG116)', () => {
    const dir = workspace({ 'a.yaml': read('RG116.yaml') });
    assert.doesNotMatch(cli(['check'], dir).stdout, /RG116/);
    const result = cli(['check', '--kube-version', 'v1.30.4'], dir);
    assert.equal(result.code, 1, result.stderr);
    assert.deepEqual(result.stdout.split('\n').filter((l) => l.includes('RG116')).map((l) => l.split(' ').slice(0, 3).join(' ')), ['a.yaml:1:13 error RG116', 'a.yaml:10:13 error RG116', 'a.yaml:19:13 error RG116']);
    writeFileSync(join(dir, '.rollbackguard.yaml'), 'targetKubernetesVersion: "1.32"\n');
    const json = JSON.parse(cli(['check', '--format', 'json'], dir).stdout) as { findings: { ruleId: string }[] };
    assert.equal(json.findings.filter((f) => f.ruleId === 'RG116').length, 4);
    const usage = cli(['check', '--kube-version', 'latest'], dir);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--kube-version must be a Kubernetes release like 1\.30/);
  });

  it('skips binary, oversized and unknown files with a note, and still analyses the rest', () => {
    const big = `# ${'x'.repeat(2 * 1024 * 1024)}\n`;
    const dir = workspace({
      '.rollbackguard.yaml': 'maxFileSizeKb: 1024\n',
      'binary.yaml': Buffer.from([0x61, 0x3a, 0x00, 0x01, 0x02]),
      'huge.yaml': big,
      'notes.txt': 'plain text',
      'ok.yaml': read('RG101.yaml'),
    });
    const result = cli(['check', '.', 'notes.txt', 'missing.yaml'], dir);
    assert.equal(result.code, 0);
    assert.match(result.stderr, /note: skipped binary\.yaml: binary file/);
    assert.match(result.stderr, /note: skipped huge\.yaml: larger than 1024 KB \(2048 KB\)/);
    assert.match(result.stderr, /note: skipped notes\.txt: not a manifest or migration/);
    assert.match(result.stderr, /note: skipped missing\.yaml: no such file or directory/);
    assert.match(result.stdout, /ok\.yaml:10:18 warning RG101/);
    const json = JSON.parse(cli(['check', '--format', 'json'], dir).stdout) as { summary: { skipped: { file: string }[] } };
    assert.deepEqual(json.summary.skipped.map((s) => s.file).sort(), ['binary.yaml', 'huge.yaml']);
  });

  it('json: version 1, 1-based positions, paths relative to the working directory with forward slashes', () => {
    const dir = repo();
    const result = cli(['check', '--format', 'json', 'deploy'], join(dir));
    const json = JSON.parse(result.stdout);
    assert.equal(json.version, 1);
    assert.deepEqual(Object.keys(json.findings[0]), ['ruleId', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'message', 'rollbackClass', 'layer', 'help', 'docsUrl']);
    assert.deepEqual(
      { ...json.findings[0], message: undefined, help: undefined },
      {
        ruleId: 'RG101',
        severity: 'warning',
        file: 'deploy/web.yaml',
        line: 10,
        column: 18,
        endLine: 10,
        endColumn: 25,
        message: undefined,
        rollbackClass: 'manual-repair',
        layer: 'code',
        help: undefined,
        docsUrl: 'https://github.com/rollback-guard/rollback-guard/blob/main/docs/rules/RG101-mutable-image-reference.md',
      },
    );
    assert.deepEqual(json.summary.bySeverity, { error: 0, warning: 2, info: 0, hint: 1 });
    assert.equal(json.summary.worstClass, 'manual-repair');
    // From a subdirectory, paths are relative to it.
    const sub = JSON.parse(cli(['check', '--format', 'json', '.'], join(dir, 'deploy')).stdout);
    assert.equal(sub.findings[0].file, 'web.yaml');
  });

  it('github: one workflow command per finding with escaped properties', () => {
    const result = cli(['check', '--format', 'github'], repo());
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^::warning file=deploy\/web\.yaml,line=10,col=18,endLine=10,endColumn=25,title=RG101 mutable-image-reference::Image `busybox`/);
    assert.match(lines[2]!, /^::notice file=deploy\/web\.yaml,line=16,/);
  });

  describe('gitlab', () => {
    let validate: ReturnType<AjvDraft7['compile']>;
    before(() => {
      validate = new AjvDraft7({ strict: true, strictRequired: false, allErrors: true }).compile(JSON.parse(readFileSync(join(__dirname, 'gitlab-code-quality.schema.json'), 'utf8')) as object);
    });

    it('writes a Code Quality report GitLab reads: one issue per finding, relative paths, 1-based lines, unique fingerprints', () => {
      const dir = workspace({ 'deploy/all.yaml': ['RG101', 'RG103', 'RG113', 'RG115'].map((r) => read(`${r}.yaml`)).join('\n---\n'), 'deploy/twice.yaml': `${read('RG102.yaml')}\n---\n${read('RG102.yaml')}` });
      const result = cli(['check', '--format', 'gitlab'], dir);
      assert.equal(result.code, 1);
      assert.notEqual(result.stdout.charCodeAt(0), 0xfeff, 'GitLab refuses a byte order mark');
      const report = JSON.parse(result.stdout) as { check_name: string; severity: string; fingerprint: string; description: string; location: { path: string; lines: { begin: number } } }[];
      assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
      const json = JSON.parse(cli(['check', '--format', 'json'], dir).stdout) as { findings: { ruleId: string; file: string; line: number; severity: string; message: string }[] };
      assert.equal(report.length, json.findings.length);
      report.forEach((issue, i) => {
        const f = json.findings[i]!;
        assert.deepEqual([issue.check_name, issue.location.path, issue.location.lines.begin], [f.ruleId, f.file, f.line]);
        assert.equal(issue.severity, { error: 'critical', warning: 'major', info: 'minor', hint: 'info' }[f.severity]);
        assert.ok(issue.description.includes(f.message));
      });
      // GitLab shows one entry per fingerprint: the same finding twice in a file still makes two.
      const fingerprints = report.map((r) => r.fingerprint);
      assert.equal(new Set(fingerprints).size, fingerprints.length);
      assert.ok(report.filter((r) => r.check_name === 'RG102').length >= 2);
      // A line moving does not change a fingerprint.
      const moved = workspace({ 'deploy/all.yaml': `# a comment\n${['RG101', 'RG103', 'RG113', 'RG115'].map((r) => read(`${r}.yaml`)).join('\n---\n')}`, 'deploy/twice.yaml': `${read('RG102.yaml')}\n---\n${read('RG102.yaml')}` });
      const again = JSON.parse(cli(['check', '--format', 'gitlab'], moved).stdout) as typeof report;
      assert.deepEqual(again.map((r) => r.fingerprint), fingerprints);
      assert.notDeepEqual(again.map((r) => r.location.lines.begin), report.map((r) => r.location.lines.begin));
    });

    it('passes through the redaction layer like every other format: a secret in a finding never reaches the report, which stays valid', () => {
      // Quoted SQL identifiers are free text: a token and a `password=` pair end up in RG202's and RG203's messages.
      const token = 'ghp_SECRET31abcdefghijklmnopqrstuvwxyz0123';
      const dir = workspace({ 'migrations/0001_cols.sql': `ALTER TABLE users DROP COLUMN "${token}";\nALTER TABLE orders RENAME COLUMN total TO "password=SECRET32pw";\n` });
      for (const format of ['text', 'json', 'sarif', 'github', 'gitlab']) {
        const result = cli(['check', '--format', format], dir);
        assert.equal(result.code, 1, `${format}: ${result.stderr}`);
        assert.doesNotMatch(result.stdout + result.stderr, /SECRET3\d/, format);
        assert.ok(result.stdout.includes(`users.${MASK}`) && result.stdout.includes(`password=${MASK}`), `${format} shows the masks in place of the secrets`);
      }
      const report = JSON.parse(cli(['check', '--format', 'gitlab'], dir).stdout) as { check_name: string; description: string; fingerprint: string }[];
      assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
      assert.deepEqual(report.map((r) => r.check_name), ['RG202', 'RG203']);
      assert.ok(report[0]!.description.startsWith(`RG202: Drops users.${MASK} `), report[0]!.description);
    });

    it('an empty report is an empty array', () => {
      const empty = cli(['check', '--format', 'gitlab'], workspace({ 'a.yaml': read('safe-deployment.yaml') }));
      assert.equal(empty.code, 0);
      assert.deepEqual(JSON.parse(empty.stdout), []);
      assert.ok(validate([]));
    });
  });

  describe('sarif', () => {
    let validate: ReturnType<Ajv['compile']>;
    before(() => {
      const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      validate = ajv.compile(loadSarifSchema());
    });

    it('validates against the official SARIF 2.1.0 schema, with rules, help, regions and fingerprints', () => {
      const dir = workspace({ 'deploy/all.yaml': ['RG101', 'RG103', 'RG113', 'RG115'].map((r) => read(`${r}.yaml`)).join('\n---\n') });
      const result = cli(['check', '--format', 'sarif'], dir);
      assert.equal(result.code, 1);
      const sarif = JSON.parse(result.stdout);
      assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
      const run = sarif.runs[0];
      assert.deepEqual(run.tool.driver.rules.map((r: { id: string }) => r.id), ['RG101', 'RG103', 'RG110', 'RG113', 'RG115']);
      for (const rule of run.tool.driver.rules) {
        assert.ok(rule.help.text && rule.help.markdown && rule.helpUri && rule.shortDescription.text);
      }
      for (const r of run.results) {
        assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
        assert.equal(r.locations[0].physicalLocation.artifactLocation.uri, 'deploy/all.yaml');
        assert.ok(r.locations[0].physicalLocation.region.startLine >= 1);
        assert.match(r.partialFingerprints['rollbackGuard/v1'], /^[0-9a-f]{32}:\d+$/);
      }
      const fingerprints = run.results.map((r: { partialFingerprints: Record<string, string> }) => r.partialFingerprints['rollbackGuard/v1']);
      assert.equal(new Set(fingerprints).size, fingerprints.length);
    });

    it('an empty run is valid SARIF too', () => {
      const sarif = JSON.parse(cli(['check', '--format', 'sarif'], workspace({ 'a.yaml': read('safe-deployment.yaml') })).stdout);
      assert.ok(validate(sarif), JSON.stringify(validate.errors));
      assert.deepEqual(sarif.runs[0].results, []);
    });
  });
});

describe('rollback-guard check: ignore globs', () => {
  it('are relative to the configuration file, wherever the check runs', () => {
    const dir = workspace({
      '.rollbackguard.yaml': 'ignore: ["apps/legacy/**"]\n',
      'apps/legacy/old.yaml': read('RG102.yaml'),
      'apps/web.yaml': read('RG101.yaml'),
    });
    const fromRoot = JSON.parse(cli(['check', '--format', 'json'], dir).stdout);
    assert.deepEqual([...new Set(fromRoot.findings.map((f: { file: string }) => f.file))], ['apps/web.yaml']);
    const fromApps = JSON.parse(cli(['check', '--format', 'json', '.'], join(dir, 'apps')).stdout);
    assert.deepEqual([...new Set(fromApps.findings.map((f: { file: string }) => f.file))], ['web.yaml']);
  });

  it('a configuration error names the file relative to the working directory', () => {
    const dir = workspace({ '.rollbackguard.yaml': 'bsae: main\n', 'sub/a.yaml': read('RG101.yaml') });
    const result = cli(['check'], join(dir, 'sub'));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /invalid configuration: \.\.\/\.rollbackguard\.yaml:1:1: unknown setting `bsae`/);
  });
});
