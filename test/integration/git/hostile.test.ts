/**
 * A repository Rollback Guard opens is not trusted: its `.git/config`,
 * `.gitattributes` and hooks name programs, its branches have names that
 * look like options, its environment may carry `GIT_*` variables. Every
 * product entry point into git runs on such repositories here, and nothing
 * the repository names may run: each hostile program would leave a marker
 * file, and the test asserts there is none.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeRelease } from '../../../src/core/release';
import { commitOnNewBranch, findWorkloadManifests, GitRepo, releaseInput, resolveBase, revertCommit } from '../../../src/git';
import { gitArgv, gitEnv, repositoryPins, runGit } from '../../../src/git/exec';
import { git, hashTree, makeRepo, tempDir, type TestRepo } from './helpers';

/** A directory the hostile programs write their markers into. */
let markers: string;
/** Where the hostile gpg program lives. */
let bin: string;
const touched = () => readdirSync(markers).sort();
/** Forgets the markers left by a test's own setup (plain git runs the hooks). */
const clear = () => {
  for (const f of touched()) rmSync(join(markers, f));
};
const dirs = () => {
  markers ??= tempDir('rg-markers-');
  bin ??= tempDir('rg-bin-');
};
const touch = (name: string) => `touch '${markers}/${name}'`;

const HOOKS = ['pre-commit', 'prepare-commit-msg', 'commit-msg', 'post-commit', 'post-checkout', 'post-merge', 'reference-transaction', 'pre-auto-gc', 'post-rewrite', 'post-index-change'];

/**
 * Makes `repo` hostile: every configuration key and hook that names a program
 * points at one that leaves a marker (and, where git would use its output,
 * also does the job, so a test sees whether it ran and not only whether it failed).
 */
async function arm(repo: TestRepo): Promise<void> {
  const set = (key: string, value: string) => repo.run('config', key, value);
  await set('core.fsmonitor', `${touch('fsmonitor')}; false`);
  await set('core.pager', `${touch('pager')}; cat`);
  await set('core.editor', `${touch('editor')}; true`);
  await set('sequence.editor', `${touch('sequence-editor')}; true`);
  await set('core.sshCommand', `${touch('ssh')}; false`);
  await set('diff.external', `${touch('diff-external')}; true`);
  await set('filter.evil.clean', `${touch('filter-clean')}; cat`);
  await set('filter.evil.smudge', `${touch('filter-smudge')}; cat`);
  await set('filter.evil.required', 'true');
  await set('filter.proc.process', `${touch('filter-process')}; false`);
  await set('diff.evil.command', `${touch('diff-command')}; true`);
  await set('diff.evil.textconv', `${touch('textconv')}; cat`);
  await set('merge.evil.driver', `${touch('merge-driver')}; cp %B %A`);
  await set('commit.gpgSign', 'true');
  await set('gpg.program', `${bin}/gpg`);
  await set('log.showSignature', 'true');
  await set('protocol.ext.allow', 'always');
  await set('gc.auto', '1');
  writeFileSync(join(bin, 'gpg'), `#!/bin/sh\n${touch('gpg')}\nexit 1\n`);
  chmodSync(join(bin, 'gpg'), 0o755);
  const hooks = join(repo.dir, '.git', 'hooks');
  mkdirSync(hooks, { recursive: true });
  for (const hook of HOOKS) {
    writeFileSync(join(hooks, hook), `#!/bin/sh\n${touch(`hook-${hook}`)}\n`);
    chmodSync(join(hooks, hook), 0o755);
  }
}

const ATTRIBUTES = '* filter=evil diff=evil merge=evil\n*.txt filter=proc\n';

/** main: web 1.0, then web 1.1, then another change; branch `feature` bumps web to 2.0; the working tree is dirty. */
async function hostileRepo(branch = 'feature'): Promise<{ repo: TestRepo; bump: string; later: string }> {
  const repo = await makeRepo();
  await repo.commit('web 1.0', { '.gitattributes': ATTRIBUTES, 'web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: "web:1.0"}]\n', 'other.yaml': 'x: 1\n', 'notes.txt': 'a\n' });
  const bump = await repo.commit('web 1.1', { 'web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: "web:1.1"}]\n' });
  const later = await repo.commit('other change', { 'other.yaml': 'x: 2\n' });
  await repo.run('switch', '--quiet', '--create', branch);
  await repo.commit('web 2.0', { 'web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: "web:2.0"}]\n' });
  await arm(repo);
  clear();
  return { repo, bump, later };
}

describe('a hostile repository runs nothing', () => {
  before(dirs);

  it('arming works: plain git runs the repository’s programs (so the assertions below can fail)', async () => {
    const { repo } = await hostileRepo();
    repo.write({ 'web.yaml': `${repo.read('web.yaml')}# dirty\n` });
    await git(repo.dir, ['status', '--porcelain']).catch(() => undefined);
    await git(repo.dir, ['-c', 'filter.proc.process=', 'diff', 'main']).catch(() => undefined);
    for (const marker of ['fsmonitor', 'filter-clean', 'diff-command']) assert.ok(touched().includes(marker), `${marker}: ${touched().join(', ')}`);
    clear();
  });

  it('opening, finding the base, listing and reading the change (working tree and commits), blame and manifests', async () => {
    const { repo } = await hostileRepo();
    repo.write({ 'web.yaml': `${repo.read('web.yaml')}# dirty\n`, 'notes.txt': 'b\n', 'new.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\n' });
    const opened = await GitRepo.open(repo.dir);
    assert.ok(opened);
    const base = await resolveBase(opened);
    assert.ok(base.ok, base.ok ? '' : base.error.message);
    assert.equal(base.value.ref, 'main');
    const worktree = await releaseInput(opened, base.value, { head: 'worktree' });
    assert.deepEqual(worktree.files.map((f) => f.path).sort(), ['new.yaml', 'notes.txt', 'web.yaml']);
    assert.match(worktree.files.find((f) => f.path === 'web.yaml')!.head!, /web:2\.0[\s\S]*# dirty/);
    assert.equal(worktree.base.readFile?.('other.yaml'), 'x: 2\n');
    const committed = await releaseInput(opened, base.value);
    assert.deepEqual(committed.files.map((f) => f.path), ['web.yaml']);
    await analyzeRelease(committed);
    const blame = await opened.blame('web.yaml', 7);
    assert.ok(blame.ok, blame.ok ? '' : blame.error.message);
    assert.equal(blame.value.summary, 'web 2.0');
    assert.ok(await opened.commitInfo('HEAD'));
    assert.deepEqual(await findWorkloadManifests(opened, { kind: 'Deployment', name: 'web' }), ['web.yaml']);
    await opened.status();
    assert.deepEqual(touched(), []);
  });

  it('a revert (clean, conflicting, with stashed changes) and a commit on a new branch', async () => {
    const { repo, bump } = await hostileRepo();
    const opened = (await GitRepo.open(repo.dir))!;
    const reverted = await revertCommit(opened, bump);
    assert.equal(reverted.ok ? 'ok' : reverted.error.kind, 'conflict', 'web 2.0 touched the same line');
    assert.deepEqual(touched(), []);
    // The test's own plain git would run the long-running filter the repository
    // names (which fails on purpose) for files the restore rewrote.
    await repo.run('-c', 'filter.proc.process=', 'switch', '--quiet', 'main');
    clear();
    repo.write({ 'other.yaml': 'x: dirty\n' });
    const clean = await revertCommit(opened, bump, { stash: true });
    assert.ok(clean.ok, clean.ok ? '' : clean.error.message);
    assert.equal(repo.read('other.yaml'), 'x: 2\n', 'the dirty change is stashed');
    assert.match(repo.read('web.yaml'), /web:1\.0/);
    const commit = await commitOnNewBranch(opened, { branch: 'align', message: 'align', files: [{ path: 'web.yaml', content: 'x: 3\n' }] });
    assert.ok(commit.ok, commit.ok ? '' : commit.error.message);
    assert.deepEqual(touched(), []);
  });

  it('a merge driver the repository defines is replaced by git’s text merge', async () => {
    const repo = await makeRepo();
    await repo.commit('one', { '.gitattributes': '* merge=evil\n', 'f.txt': '1\n2\n3\n4\n5\n6\n7\n8\n' });
    const two = await repo.commit('two', { 'f.txt': '1\ntwo\n3\n4\n5\n6\n7\n8\n' });
    await repo.commit('seven', { 'f.txt': '1\ntwo\n3\n4\n5\n6\nseven\n8\n' });
    await repo.run('config', 'merge.evil.driver', `${touch('merge-driver')}; cp %B %A`);
    clear();
    const reverted = await revertCommit((await GitRepo.open(repo.dir))!, two);
    assert.ok(reverted.ok, reverted.ok ? '' : reverted.error.message);
    assert.equal(repo.read('f.txt'), '1\n2\n3\n4\n5\n6\nseven\n8\n', 'a three-way merge, not the driver’s copy');
    assert.deepEqual(touched(), []);
  });

  it('the user’s own drivers (global configuration) keep working: only the repository’s are pinned', () => {
    const out = ['global', 'filter.lfs.clean\ngit-lfs clean -- %f', 'local', 'filter.lfs.clean\nevil', 'local', 'filter.evil.smudge\nevil', 'local', 'merge.evil.driver\nevil', 'local', 'protocol.ext.allow\nalways', 'local', 'core.fsmonitor\nx', ''].join('\0');
    assert.deepEqual(repositoryPins(out), [
      ['filter.evil.smudge', ''],
      ['filter.lfs.clean', 'git-lfs clean -- %f'],
      ['merge.evil.driver', 'git merge-file --marker-size=%L %A %O %B'],
      ['protocol.ext.allow', 'never'],
    ]);
  });

  it('every command line carries the neutralising settings, and diffs never run external programs', () => {
    const argv = gitArgv(['diff', 'HEAD']);
    for (const setting of ['core.fsmonitor=false', 'core.hooksPath=/dev/null', 'core.sshCommand=false', 'diff.external=', 'protocol.allow=never', 'protocol.ext.allow=never']) {
      assert.ok(argv.includes(setting) && argv[argv.indexOf(setting) - 1] === '-c', setting);
    }
    assert.deepEqual(argv.slice(argv.indexOf('diff')), ['diff', '--no-ext-diff', '--no-textconv', 'HEAD']);
    assert.deepEqual(gitArgv(['blame', 'x']).slice(-3), ['blame', '--no-textconv', 'x']);
  });

  it('a repository whose working tree is elsewhere (core.worktree) is not opened', async () => {
    const repo = await makeRepo();
    await repo.commit('one', { 'a.yaml': 'a: 1\n' });
    const elsewhere = tempDir('rg-elsewhere-');
    await repo.run('config', 'core.worktree', elsewhere);
    assert.equal(await GitRepo.open(repo.dir), undefined);
  });
});

describe('GIT_* variables of the environment do not reach git', () => {
  const VARIABLES: Record<string, string> = {};
  const saved: Record<string, string | undefined> = {};
  let other: TestRepo;

  before(async () => {
    dirs();
    other = await makeRepo();
    await other.commit('other', { 'elsewhere.yaml': 'x: 1\n' });
    Object.assign(VARIABLES, {
      GIT_DIR: join(other.dir, '.git'),
      GIT_WORK_TREE: other.dir,
      GIT_CONFIG_PARAMETERS: `'core.fsmonitor=${touch('env-fsmonitor')}; false'`,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.fsmonitor',
      GIT_CONFIG_VALUE_0: `${touch('env-count-fsmonitor')}; false`,
      GIT_EXTERNAL_DIFF: touch('env-external-diff'),
      GIT_SSH_COMMAND: `${touch('env-ssh')}`,
      GIT_EDITOR: touch('env-editor'),
      GIT_INDEX_FILE: '/nonexistent/index',
    });
    for (const [k, v] of Object.entries(VARIABLES)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('are dropped from the child environment, and a repository reads as itself', async () => {
    const env = gitEnv();
    for (const k of Object.keys(VARIABLES)) assert.equal(env[k], undefined, k);
    const { repo } = await hostileRepo();
    repo.write({ 'web.yaml': `${repo.read('web.yaml')}# dirty\n` });
    const opened = (await GitRepo.open(repo.dir))!;
    assert.equal(opened.root, repo.dir);
    const base = await resolveBase(opened);
    assert.ok(base.ok);
    const input = await releaseInput(opened, base.value, { head: 'worktree' });
    assert.deepEqual(input.files.map((f) => f.path), ['web.yaml']);
    assert.deepEqual(touched(), []);
  });

  it('cannot be passed in on purpose either', () => {
    assert.throws(() => runGit('.', ['status'], { env: { GIT_DIR: '/x' } }), /GIT_DIR is not one Rollback Guard sets/);
  });
});

describe('names are never options', () => {
  before(dirs);

  /** The repository of a `git clone` whose remote HEAD is `refs/heads/--orphan=pwn`. */
  async function optionBranch(): Promise<{ repo: TestRepo; bump: string }> {
    const repo = await makeRepo();
    await repo.commit('v1', { 'deploy.yaml': 'image: web:1\n', 'README.md': 'keep\n' });
    const bump = await repo.commit('v2', { 'deploy.yaml': 'image: web:2\n' });
    await repo.commit('v3', { 'deploy.yaml': 'image: web:3\n' });
    await repo.run('update-ref', 'refs/heads/--orphan=pwn', 'HEAD');
    await repo.run('symbolic-ref', 'HEAD', 'refs/heads/--orphan=pwn');
    return { repo, bump };
  }

  it('a conflicting revert on a branch named `--orphan=pwn` restores that branch, byte for byte, and says so truthfully', async () => {
    const { repo, bump } = await optionBranch();
    const before = hashTree(repo.dir);
    const opened = (await GitRepo.open(repo.dir))!;
    const result = await revertCommit(opened, bump);
    assert.equal(result.ok ? 'ok' : result.error.kind, 'conflict');
    assert.match(result.ok ? '' : result.error.message, /Nothing was changed.*--orphan=pwn is as it was/);
    assert.equal((await repo.run('symbolic-ref', 'HEAD')).trim(), 'refs/heads/--orphan=pwn');
    assert.deepEqual(hashTree(repo.dir), before, 'every tracked file is still there, unchanged');
    assert.equal((await git(repo.dir, ['branch', '--list', 'pwn'])).trim(), '', 'no orphan branch was created');
    assert.equal((await repo.run('status', '--porcelain')).trim(), '');
    assert.equal((await repo.run('for-each-ref', '--format=%(refname)', 'refs/heads/revert')).trim(), '', 'the revert branch is gone');
  });

  it('a clean revert from that branch lands on a new branch and leaves it in place', async () => {
    const { repo } = await optionBranch();
    const v3 = await repo.sha();
    await repo.commit('v4', { 'README.md': 'keep 4\n' });
    const opened = (await GitRepo.open(repo.dir))!;
    const result = await revertCommit(opened, v3);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.value.from, '--orphan=pwn');
    assert.equal(repo.read('deploy.yaml'), 'image: web:2\n');
    assert.equal((await repo.run('rev-parse', 'refs/heads/--orphan=pwn')).trim(), await repo.sha('HEAD~1'));
  });

  it('a revert branch named like an option is created as a ref, never parsed', async () => {
    const { repo, bump } = await optionBranch();
    await repo.commit('v4', { 'README.md': 'keep 4\n' });
    const opened = (await GitRepo.open(repo.dir))!;
    const result = await revertCommit(opened, await repo.sha('HEAD~1'), { branch: '--detach' });
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal((await repo.run('symbolic-ref', 'HEAD')).trim(), 'refs/heads/--detach');
    assert.ok(bump);
  });

  it('revisions that look like options are refused, not run (`--output=FILE` would write a file)', async () => {
    const { repo } = await optionBranch();
    const opened = (await GitRepo.open(repo.dir))!;
    const file = join(markers, 'output-written');
    const revert = await revertCommit(opened, `--output=${file}`);
    assert.equal(revert.ok ? 'ok' : revert.error.kind, 'unknown-commit');
    const base = await resolveBase(opened, { explicit: `--output=${file}` });
    assert.equal(base.ok ? 'ok' : base.error.kind, 'unknown-ref');
    assert.equal(await opened.mergeBase(`--output=${file}`, 'HEAD'), undefined);
    assert.equal(await opened.isAncestor(`--output=${file}`, 'HEAD'), false);
    assert.equal(await opened.commitInfo(`--output=${file}`), undefined);
    assert.equal(existsSync(file), false);
  });

  it('when the restore cannot give back what was there, the result says what differs instead of "nothing was changed"', async () => {
    const { repo, bump } = await optionBranch();
    const opened = (await GitRepo.open(repo.dir))!;
    const probe = opened.probe.bind(opened);
    // The step that moves HEAD back fails (as a full disk or a lock would make it), on a git that finds the conflict by running the revert (before 2.38).
    opened.probe = async (args) => (args[0] === 'merge-tree' ? { code: 129, out: '', message: 'unknown option' } : args[0] === 'symbolic-ref' && args.includes('rollback-guard: restore') ? { code: 1, out: '', message: 'cannot lock ref' } : probe(args));
    const result = await revertCommit(opened, bump);
    assert.equal(result.ok ? 'ok' : result.error.kind, 'failed');
    const message = result.ok ? '' : result.error.message;
    assert.doesNotMatch(message, /Nothing was changed/);
    assert.match(message, /did not give back exactly what was there.*HEAD is refs\/heads\/revert\/[0-9a-f]{7}.*it was refs\/heads\/--orphan=pwn/);
  });
});

describe('hostile content on a branch', () => {
  it('a ConfigMap turned into a YAML alias bomb is one RG003 note, at once, and not a removal', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'k8s/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: lol\n' });
    await repo.run('switch', '--quiet', '--create', 'feature');
    await repo.commit('bomb', { 'k8s/cm.yaml': readFileSync(join(__dirname, '..', '..', 'fixtures', 'hostile', 'alias-bomb-configmap.yaml')) });
    const opened = (await GitRepo.open(repo.dir))!;
    const base = await resolveBase(opened);
    assert.ok(base.ok);
    const analysis = await analyzeRelease(await releaseInput(opened, base.value));
    assert.deepEqual(analysis.findings.map((f) => `${f.ruleId} ${f.file}`), ['RG003 k8s/cm.yaml']);
    assert.match(analysis.findings[0]!.message, /aliases expand/);
  });
});
