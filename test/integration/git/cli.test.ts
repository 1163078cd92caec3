/**
 * The CLI in branch mode on the example repository (scripts/demo-repo.mjs):
 * `check --base` and `report`, as a user runs them (the built CLI, a
 * separate process).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createDemoRepo, FEATURE_BRANCH } from '../../../scripts/demo-repo.mjs';
import { cli } from '../../cli/run';
import { tempDir } from './helpers';

let demo: ReturnType<typeof createDemoRepo>;

describe('the example repository', () => {
  before(() => {
    demo = createDemoRepo({ target: join(tempDir('rg-demo-'), 'repo') });
  });

  it('is deterministic and idempotent: same commit ids every time, left alone unless forced', () => {
    const again = createDemoRepo({ target: demo.dir });
    assert.equal(again.created, false);
    const other = createDemoRepo({ target: join(tempDir('rg-demo-'), 'repo') });
    const head = (dir: string) => spawnSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout.trim();
    assert.equal(head(other.dir), head(demo.dir));
    const forced = createDemoRepo({ target: other.dir, force: true });
    assert.equal(forced.created, true);
    assert.equal(head(forced.dir), head(demo.dir));
    const branch = spawnSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: demo.dir, encoding: 'utf8' }).stdout.trim();
    assert.equal(branch, FEATURE_BRANCH);
    const log = spawnSync('git', ['log', '--format=%s', 'main'], { cwd: demo.dir, encoding: 'utf8' }).stdout.trim().split('\n');
    assert.deepEqual(log, [
      'Release catalog 1.4.2: search by ISBN',
      'Merge pull request #7 from feature/rating-comment',
      'recommendations: ratings get an optional comment',
      'Release catalog 1.3.0: orders get a status (expand only)',
      'Release catalog 1.2.0: bookstore on Kubernetes',
    ]);
  });

  it('refuses to replace a directory that is not the demo repository', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-not-demo-'));
    writeFileSync(join(dir, 'precious.txt'), 'x');
    assert.throws(() => createDemoRepo({ target: dir }), /is not the demo repository; pass --force/);
  });

  it('check --base main: the findings of the change and the release rules, exit 1', () => {
    const result = cli(['check', '--base', 'main'], demo.dir);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines.filter((l) => /^\S+:\d+:\d+ /.test(l)).map((l) => l.split(' ').slice(0, 3).join(' ')), [
      'apps/catalog/deployment.yaml:18:3 error RG106',
      'apps/catalog/deployment.yaml:32:18 error RG301',
      'apps/catalog/deployment.yaml:32:18 info RG302',
      'apps/catalog/deployment.yaml:32:18 warning RG303',
      'db/migrations/000003_drop_legacy_total.down.sql:1:1 warning RG210',
      'db/migrations/000003_drop_legacy_total.up.sql:2:1 error RG202',
      'db/migrations/000003_drop_legacy_total.up.sql:2:1 error RG301',
    ]);
    assert.equal(lines.at(-1), 'Release feature/drop-legacy-total against main: rollback class restore-required; layers code, config, data; recommended action data-first. Steps: data-first → rollback → rollback.');
  });

  it('check --base --format gitlab: the same findings as a Code Quality report', () => {
    const report = JSON.parse(cli(['check', '--base', 'main', '--format', 'gitlab'], demo.dir).stdout) as { check_name: string; severity: string; location: { path: string; lines: { begin: number } } }[];
    assert.deepEqual(report.map((i) => `${i.location.path}:${i.location.lines.begin} ${i.severity} ${i.check_name}`), [
      'apps/catalog/deployment.yaml:18 critical RG106',
      'apps/catalog/deployment.yaml:32 critical RG301',
      'apps/catalog/deployment.yaml:32 minor RG302',
      'apps/catalog/deployment.yaml:32 major RG303',
      'db/migrations/000003_drop_legacy_total.down.sql:1 major RG210',
      'db/migrations/000003_drop_legacy_total.up.sql:2 critical RG202',
      'db/migrations/000003_drop_legacy_total.up.sql:2 critical RG301',
    ]);
  });

  it('check --base from a subdirectory prints paths relative to it and can be limited to paths', () => {
    const result = cli(['check', '--base', 'main', '--format', 'json', '.'], join(demo.dir, 'db'));
    const json = JSON.parse(result.stdout);
    assert.deepEqual([...new Set(json.findings.map((f: { file: string }) => f.file))], ['migrations/000003_drop_legacy_total.down.sql', 'migrations/000003_drop_legacy_total.up.sql']);
    assert.equal(json.release.rollbackClass, 'restore-required');
    assert.deepEqual(json.release.layers, ['data']);
  });

  it('report: the rollback plan as Markdown, the base found from .rollbackguard.yaml', () => {
    const result = cli(['report'], demo.dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^<!-- rollback-guard:release-report -->\n## Rollback Guard: rollback report for `feature\/drop-legacy-total` \([0-9a-f]{7}\) against `main` \([0-9a-f]{7}\)/);
    assert.match(result.stdout, /\*\*Rollback class: `restore-required`\*\*/);
    assert.match(result.stdout, /1\. \*\*data-first\*\* \(data\) — Data first, then code/);
    const json = JSON.parse(cli(['report', '--format', 'json'], demo.dir).stdout);
    assert.equal(json.action, 'data-first');
    assert.deepEqual(json.changes.migrations.map((m: { file: string }) => m.file), ['db/migrations/000003_drop_legacy_total.up.sql']);
  });

  it('--worktree sees an uncommitted rollback plan', () => {
    const dir = createDemoRepo({ target: join(tempDir('rg-demo-'), 'repo') }).dir;
    writeFileSync(join(dir, 'rollback-plan.yaml'), 'class: reversible\n');
    const committed = cli(['check', '--base', 'main', '--format', 'json'], dir);
    assert.ok(JSON.parse(committed.stdout).findings.some((f: { ruleId: string }) => f.ruleId === 'RG303'));
    const worktree = JSON.parse(cli(['check', '--base', 'main', '--worktree', '--format', 'json'], dir).stdout);
    const ids = worktree.findings.map((f: { ruleId: string }) => f.ruleId);
    assert.ok(!ids.includes('RG303'));
    assert.ok(ids.includes('RG115'), 'the uncommitted plan declares reversible: too optimistic');
  });

  it('`analyse: all` in .rollbackguard.yaml: every file as without --base, plus the release rules', () => {
    const dir = createDemoRepo({ target: join(tempDir('rg-demo-'), 'repo') }).dir;
    writeFileSync(join(dir, '.rollbackguard.yaml'), 'base: main\nanalyse: all\n');
    const json = JSON.parse(cli(['check', '--base', 'main', '--format', 'json', '--fail-on', 'never'], dir).stdout);
    const files = new Set(json.findings.map((f: { file: string }) => f.file));
    assert.ok(files.has('apps/orders/rollout.yaml'), 'an unchanged file');
    assert.ok(json.findings.some((f: { ruleId: string }) => f.ruleId === 'RG301'), 'the release rules');
    assert.equal(json.release.rollbackClass, 'restore-required');
  });

  it('usage errors exit 2: no repository, unknown base, --worktree without --base', () => {
    const outside = mkdtempSync(join(tmpdir(), 'rg-outside-'));
    const noRepo = cli(['check', '--base', 'main'], outside);
    assert.equal(noRepo.code, 2);
    assert.match(noRepo.stderr, /is not inside a git repository/);
    const unknown = cli(['report', '--base', 'nope'], demo.dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /The base `nope` \(--base\) does not name a commit/);
    assert.equal(cli(['check', '--worktree'], demo.dir).code, 2);
  });

  it('without --base, check keeps analysing the whole tree', () => {
    const result = cli(['check', '--format', 'json', '--fail-on', 'never'], demo.dir);
    assert.equal(result.code, 0);
    const json = JSON.parse(result.stdout);
    assert.equal(json.release, undefined);
    assert.ok(json.findings.some((f: { file: string }) => f.file === 'apps/orders/rollout.yaml'), 'unchanged files are analysed too');
  });
});
