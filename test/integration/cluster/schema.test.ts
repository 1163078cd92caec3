/**
 * The preflight's schema check on a real control plane: the bookstore's
 * catalog Deployment runs the feature branch's image (1.5.0) after 1.4.2, and
 * rolling it back to 1.4.2 would leave behind the migration that dropped
 * orders.legacy_total. The images map the revisions to commits of the demo
 * repository (image tag ↔ commit).
 *
 *   node --import tsx --test --test-concurrency=1 test/integration/cluster/schema.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDemoRepo } from '../../../scripts/demo-repo.mjs';
import { startPlane, type Plane } from '../../cluster/plane';
import { builtCli, namespace, rolloutStatus, runCli } from './helpers';

describe('schema check in the preflight of a rollback', { timeout: 10 * 60 * 1000 }, () => {
  let plane: Plane;
  let cli: string;
  let repo: string;
  let commits: Record<string, string>;

  const show = (rev: string) => {
    const r = spawnSync('git', ['-C', repo, 'show', `${rev}:apps/catalog/deployment.yaml`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    cli = builtCli();
    const demo = createDemoRepo({ target: join(mkdtempSync(join(tmpdir(), 'rg-schema-')), 'repo'), log: () => undefined });
    repo = demo.dir;
    commits = demo.commits;
    plane = await startPlane({ log: (l) => console.error(`[plane] ${l}`), crds: false });
    await namespace(plane, 'bookstore');
    // What GitOps applied: main's catalog 1.4.2, then the feature branch's 1.5.0 (before its selector change, which the API server refuses).
    for (const rev of [commits.v142!, commits.imageBump!]) {
      await plane.kubectl(['apply', '-f', '-'], { input: show(rev) });
      await rolloutStatus(plane, 'bookstore', 'deployment/catalog');
    }
  });

  after(async () => {
    await plane?.stop();
  });

  test('the migration of another service is said and not counted: which migrations are catalog\'s is unknown', async () => {
    const env = { ...process.env, KUBECONFIG: plane.kubeconfigPath };
    const dry = runCli(cli, ['undo', 'deployment/catalog', '-n', 'bookstore', '--to-revision', '1', '--dry-run', '--repo', repo], { cwd: repo, env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /- schema\s+unknown which migrations belong to Deployment catalog: 1 migration changed in the repository between revision 2 and revision 1, not counted/);
    assert.match(dry.stdout, /no migration directory is known to belong to deployment\/catalog: the repository's are db\/migrations, services\/recommendations\/alembic\/versions/);
    assert.match(dry.stdout, /not counted: db\/migrations\/000003_drop_legacy_total\.up\.sql/);
  });

  test('mapped to catalog in .rollbackguard.yaml, the migration a rollback to revision 1 leaves in place is named and recorded in the evidence', async () => {
    const env = { ...process.env, KUBECONFIG: plane.kubeconfigPath };
    const config = join(mkdtempSync(join(tmpdir(), 'rg-schema-config-')), 'rollbackguard.yaml');
    writeFileSync(config, 'migrations:\n  owners:\n    - workload: deployment/catalog\n      paths: [db/migrations]\n');
    const dry = runCli(cli, ['undo', 'deployment/catalog', '-n', 'bookstore', '--to-revision', '1', '--dry-run', '--repo', repo, '--config', config], { cwd: repo, env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /! schema\s+1 migration changed between revision 2 and revision 1 \(worst restore-required\)/);
    assert.match(dry.stdout, /Deployment catalog's migrations: db\/migrations, from \.rollbackguard\.yaml migrations\.owners \(deployment\/catalog\)/);
    assert.match(dry.stdout, /db\/migrations\/000003_drop_legacy_total\.up\.sql \(added, restore-required: drops orders\.legacy_total/);

    const evidenceDir = mkdtempSync(join(tmpdir(), 'rg-schema-evidence-'));
    const done = runCli(cli, ['undo', 'deployment/catalog', '-n', 'bookstore', '--to-revision', '1', '--yes', '--repo', repo, '--config', config, '--evidence-dir', evidenceDir, '--format', 'json'], { cwd: repo, env });
    assert.equal(done.code, 0, done.stderr);
    const result = JSON.parse(done.stdout) as { preflight: { checks: { id: string; status: string; evidence: string[] }[] }; evidence: { json: string } };
    const schema = result.preflight.checks.find((c) => c.id === 'schema');
    assert.equal(schema?.status, 'warn');
    const record = JSON.parse(spawnSync('cat', [result.evidence.json], { encoding: 'utf8' }).stdout) as { preflight: { id: string; evidence: string[] }[] };
    assert.ok(record.preflight.find((c) => c.id === 'schema')?.evidence.some((e) => e.includes('000003_drop_legacy_total.up.sql')));
  });

  test('skips with the reason outside a repository, and with --no-repo stays silent', async () => {
    const env = { ...process.env, KUBECONFIG: plane.kubeconfigPath };
    const outside = mkdtempSync(join(tmpdir(), 'rg-schema-none-'));
    const dry = runCli(cli, ['undo', 'deployment/catalog', '-n', 'bookstore', '--to-revision', '2', '--dry-run'], { cwd: outside, env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /- schema\s+.* is not in a Git repository/);
    const none = runCli(cli, ['undo', 'deployment/catalog', '-n', 'bookstore', '--to-revision', '2', '--dry-run', '--no-repo'], { cwd: outside, env });
    assert.doesNotMatch(none.stdout, /schema/);
  });
});
