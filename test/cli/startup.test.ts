import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PARALLEL_MIN_FILES } from '../../src/cli/parallel';
import { CLI, workspace } from './run';

const fixtures = join(__dirname, '..', 'fixtures');
const read = (path: string) => readFileSync(join(fixtures, path), 'utf8');

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Enough files for worker threads: migrations with and without downs, manifests, an ignore comment, a syntax error, a Kustomize generator. */
function bigRepo(): string {
  const files: Record<string, string> = {
    'deploy/kustomization.yaml': 'resources: [app-0.yaml]\nconfigMapGenerator:\n  - name: app-config\n',
    'deploy/broken.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken\nspec: [\n',
    'db/migrations/000001_bad.up.sql': 'ALTER TABLE orders ADD COLUMN x text;\nALTER TABLE orders DROP COLUMN;\n',
  };
  const manifests = ['manifests/RG101.yaml', 'manifests/RG102.yaml', 'manifests/RG103.yaml', 'manifests/RG104.yaml', 'manifests/safe-deployment.yaml'];
  for (let i = 0; i < PARALLEL_MIN_FILES; i++) {
    const n = String(i + 2).padStart(6, '0');
    files[`db/migrations/${n}_step.up.sql`] = `-- step ${i}\nALTER TABLE orders ADD COLUMN c${i} text;\nALTER TABLE orders DROP COLUMN old_${i};\n${i % 7 === 0 ? `-- rollback-guard-ignore RG202: column unused since ${i}\n` : ''}ALTER TABLE orders DROP COLUMN legacy_${i};\n`;
    if (i % 3 !== 0) files[`db/migrations/${n}_step.down.sql`] = `ALTER TABLE orders DROP COLUMN c${i};\n`;
    if (i % 4 === 0) files[`deploy/app-${i}.yaml`] = read(manifests[(i / 4) % manifests.length]!);
  }
  return workspace(files);
}

describe('check on many files', () => {
  it('worker threads give the same output, in the same order, as one thread', () => {
    const dir = bigRepo();
    for (const format of ['json', 'text']) {
      const one = run(['check', '--format', format, '--fail-on', 'never'], dir, { ROLLBACK_GUARD_THREADS: '1' });
      const many = run(['check', '--format', format, '--fail-on', 'never'], dir, { ROLLBACK_GUARD_THREADS: '4' });
      assert.equal(one.code, 0, one.stderr);
      assert.equal(many.code, 0, many.stderr);
      assert.equal(many.stdout, one.stdout, format);
      assert.equal(many.stderr, one.stderr);
    }
    const json = JSON.parse(run(['check', '--format', 'json', '--fail-on', 'never'], dir).stdout) as { findings: { ruleId: string; file: string }[]; summary: { files: number } };
    assert.ok(json.summary.files > PARALLEL_MIN_FILES);
    const ids = new Set(json.findings.map((f) => f.ruleId));
    for (const id of ['RG003', 'RG202', 'RG209', 'RG101']) assert.ok(ids.has(id), id);
  });
});

describe('start-up from the code cache', () => {
  it('each command keeps its compiled code in the cache directory; a corrupt cache is replaced; ROLLBACK_GUARD_CODE_CACHE=0 keeps none', () => {
    const dir = workspace({ 'a.yaml': read('manifests/RG101.yaml'), 'db/migrations/000001_x.up.sql': 'ALTER TABLE t DROP COLUMN c;\n' });
    const cache = mkdtempSync(join(tmpdir(), 'rg-cache-'));
    const env = { ROLLBACK_GUARD_CACHE: cache };
    const first = run(['check', '--format', 'json', '--fail-on', 'never'], dir, env);
    assert.equal(first.code, 0, first.stderr);
    const codeCache = join(cache, 'code-cache');
    const files = () => readdirSync(codeCache).filter((f) => f.endsWith('.bin'));
    const checkCache = files().find((f) => f.endsWith('-check.bin'));
    assert.ok(checkCache, files().join(', '));

    assert.deepEqual(run(['check', '--format', 'json', '--fail-on', 'never'], dir, env), first);
    writeFileSync(join(codeCache, checkCache), 'not a V8 code cache');
    assert.deepEqual(run(['check', '--format', 'json', '--fail-on', 'never'], dir, env), first);
    assert.notEqual(readFileSync(join(codeCache, checkCache), 'utf8').slice(0, 19), 'not a V8 code cache');

    assert.equal(run(['--version'], dir, env).code, 0);
    assert.ok(files().some((f) => f.endsWith('-other.bin')));

    const none = mkdtempSync(join(tmpdir(), 'rg-cache-'));
    assert.deepEqual(run(['check', '--format', 'json', '--fail-on', 'never'], dir, { ROLLBACK_GUARD_CACHE: none, ROLLBACK_GUARD_CODE_CACHE: '0' }), first);
    assert.equal(existsSync(join(none, 'code-cache')), false);
  });

  it('an unwritable cache directory only means no cache', () => {
    const dir = workspace({ 'a.yaml': read('manifests/RG101.yaml') });
    const file = join(mkdtempSync(join(tmpdir(), 'rg-cache-')), 'a-file');
    writeFileSync(file, '');
    const result = run(['check', '--format', 'json', '--fail-on', 'never'], dir, { ROLLBACK_GUARD_CACHE: file });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});
