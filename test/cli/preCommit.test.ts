/**
 * The pre-commit hooks (.pre-commit-hooks.yaml): the manifest has the keys
 * and values pre-commit accepts, and the entry run as pre-commit runs it —
 * from the root of its clone of this repository, with the staged files that
 * match, or with none — fails the commit on a rollback risk and passes a
 * safe change.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { createDemoRepo } from '../../scripts/demo-repo.mjs';
import { workspace } from './run';

const ROOT = join(__dirname, '..', '..');
const fixtures = join(__dirname, '..', 'fixtures', 'manifests');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

/** pre-commit's manifest keys (pre-commit.com, "Creating new hooks"), as pre-commit's clientlib checks them. */
const MANIFEST_SCHEMA = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    required: ['id', 'name', 'entry', 'language'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: '^[a-z0-9-]+$' },
      name: { type: 'string' },
      entry: { type: 'string' },
      language: { enum: ['conda', 'coursier', 'dart', 'docker', 'docker_image', 'dotnet', 'fail', 'golang', 'haskell', 'julia', 'lua', 'node', 'perl', 'pygrep', 'python', 'r', 'ruby', 'rust', 'script', 'swift', 'system', 'unsupported', 'unsupported_script'] },
      alias: { type: 'string' },
      files: { type: 'string' },
      exclude: { type: 'string' },
      types: { type: 'array', items: { type: 'string' } },
      types_or: { type: 'array', items: { type: 'string' } },
      exclude_types: { type: 'array', items: { type: 'string' } },
      additional_dependencies: { type: 'array', items: { type: 'string' } },
      args: { type: 'array', items: { type: 'string' } },
      always_run: { type: 'boolean' },
      fail_fast: { type: 'boolean' },
      pass_filenames: { type: 'boolean' },
      description: { type: 'string' },
      language_version: { type: 'string' },
      log_file: { type: 'string' },
      minimum_pre_commit_version: { type: 'string' },
      require_serial: { type: 'boolean' },
      stages: { type: 'array', items: { enum: ['commit-msg', 'post-checkout', 'post-commit', 'post-merge', 'post-rewrite', 'pre-commit', 'pre-merge-commit', 'pre-push', 'pre-rebase', 'prepare-commit-msg', 'manual'] } },
      verbose: { type: 'boolean' },
    },
  },
};

/** `identify` tags of the files Rollback Guard reads. */
const TAGS = ['yaml', 'sql', 'python', 'ruby', 'javascript', 'ts', 'xml'];

interface Hook {
  id: string;
  entry: string;
  language: string;
  types_or?: string[];
  pass_filenames?: boolean;
}

const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];

/** Runs a hook's entry as pre-commit runs a `script` hook: the entry's path from the hook repository's root, its words, then the files (unless pass_filenames is false). */
function runHook(hook: Hook, cwd: string, files: string[]) {
  const [command, ...args] = hook.entry.split(' ');
  return spawnSync(join(ROOT, command!), [...args, ...(hook.pass_filenames === false ? [] : files)], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

describe('pre-commit hooks', () => {
  it('the manifest is one pre-commit accepts', () => {
    const validate = new Ajv({ allErrors: true }).compile(MANIFEST_SCHEMA);
    assert.ok(validate(hooks), JSON.stringify(validate.errors, null, 2));
    assert.deepEqual(hooks.map((h) => h.id), ['rollback-guard', 'rollback-guard-branch']);
    for (const h of hooks) assert.equal(h.language, 'script');
    assert.deepEqual(hooks[0]!.types_or, TAGS);
  });

  it('the entry is an executable script of this repository', () => {
    for (const h of hooks) {
      const script = join(ROOT, h.entry.split(' ')[0]!);
      assert.ok((statSync(script).mode & 0o111) !== 0, `${script} is executable`);
    }
    const mode = spawnSync('git', ['ls-files', '-s', 'scripts/pre-commit-hook.sh'], { cwd: ROOT, encoding: 'utf8' }).stdout;
    assert.match(mode, /^100755 /, 'git records it as executable');
  });

  it('the file hook fails a commit that adds a rollback risk and passes a safe one', () => {
    const dir = workspace({ 'deploy/web.yaml': read('RG115.yaml'), 'deploy/safe.yaml': read('safe-deployment.yaml') });
    const risky = runHook(hooks[0]!, dir, ['deploy/web.yaml', 'deploy/safe.yaml']);
    assert.equal(risky.status, 1, risky.stdout + risky.stderr);
    assert.match(risky.stdout, /deploy\/web\.yaml:\d+:\d+ error RG115/);
    const safe = runHook(hooks[0]!, dir, ['deploy/safe.yaml']);
    assert.equal(safe.status, 0, safe.stdout + safe.stderr);
  });

  it('the branch hook checks the branch against its base before a push', () => {
    const demo = createDemoRepo({ target: join(mkdtempSync(join(tmpdir(), 'rg-hook-')), 'repo') });
    const result = runHook(hooks[1]!, demo.dir, ['ignored.yaml']);
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /RG301/);
    assert.match(result.stdout, /rollback class restore-required/);
  });
});
