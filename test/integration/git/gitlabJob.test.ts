/**
 * The GitLab CI job documented in docs/ci.md, run as a runner runs it: its
 * script lines in one bash with errexit, in the example repository on its
 * merge request branch, with GitLab's merge request variables. `npx
 * rollback-guard` is the built CLI. The Code Quality artifact it declares is
 * written and valid, and the report is kept when the check fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { createDemoRepo } from '../../../scripts/demo-repo.mjs';
import { CLI } from '../../cli/run';
import { tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');

interface Job {
  script: string[];
  artifacts: { when: string; reports: { codequality: string }; paths: string[] };
}

/** The YAML block after the `gitlab-ci-job` marker in docs/ci.md. */
function documentedJob(): Job {
  const doc = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
  const m = /<!-- gitlab-ci-job:[^>]*-->\n```yaml\n([\s\S]*?)```/.exec(doc);
  assert.ok(m, 'docs/ci.md holds the job after its marker');
  return (parse(m[1]!) as Record<string, Job>)['rollback-guard']!;
}

/** A directory with `npx` that runs the built CLI for `npx rollback-guard …`. */
function npxShim(): string {
  const dir = tempDir('rg-npx-');
  const npx = join(dir, 'npx');
  writeFileSync(npx, `#!/usr/bin/env bash\nif [ "$1" != rollback-guard ]; then echo "npx: only rollback-guard here" >&2; exit 127; fi\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(npx, 0o755);
  return dir;
}

function runJob(job: Job, dir: string, variables: Record<string, string>) {
  return spawnSync('bash', ['-e', '-o', 'pipefail', '-c', job.script.join('\n')], { cwd: dir, encoding: 'utf8', env: { PATH: `${npxShim()}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? dir, CI: 'true', ...variables } });
}

describe('the documented GitLab CI job', () => {
  it('writes the Code Quality artifact it declares and the report, and fails the merge request with a rollback risk', () => {
    const job = documentedJob();
    const demo = createDemoRepo({ target: join(tempDir('rg-gitlab-'), 'repo') });
    const base = spawnSync('git', ['-C', demo.dir, 'merge-base', 'main', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    const result = runJob(job, demo.dir, { CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_DIFF_BASE_SHA: base, CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' });
    assert.equal(result.status, 1, `the job fails on the demo's errors\n${result.stdout}${result.stderr}`);
    assert.equal(job.artifacts.when, 'always', 'the artifacts are kept when the job fails');
    const artifact = join(demo.dir, job.artifacts.reports.codequality);
    assert.ok(existsSync(artifact), `${job.artifacts.reports.codequality} is written`);
    const report = JSON.parse(readFileSync(artifact, 'utf8')) as { check_name: string }[];
    const validate = new Ajv({ strictRequired: false, allErrors: true }).compile(JSON.parse(readFileSync(join(ROOT, 'test', 'cli', 'gitlab-code-quality.schema.json'), 'utf8')) as object);
    assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
    assert.deepEqual([...new Set(report.map((i) => i.check_name))].sort(), ['RG106', 'RG202', 'RG210', 'RG301', 'RG302', 'RG303']);
    for (const path of job.artifacts.paths) assert.match(readFileSync(join(demo.dir, path), 'utf8'), /^<!-- rollback-guard:release-report -->\n## .*\n\n\*\*Rollback class: `restore-required`\*\*/);
  });

  it('passes a merge request without a rollback risk', () => {
    const job = documentedJob();
    const demo = createDemoRepo({ target: join(tempDir('rg-gitlab-'), 'repo') });
    const result = runJob(job, demo.dir, { CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_DIFF_BASE_SHA: 'HEAD' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(demo.dir, job.artifacts.reports.codequality), 'utf8')), []);
  });
});
