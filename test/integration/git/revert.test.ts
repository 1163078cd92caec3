/**
 * Writing to Git, safe by construction: revert the commit that introduced a
 * line on a new branch (success, dirty tree refused, stash with consent,
 * conflict left byte-identical, merge commit, nothing to revert), and
 * commit file contents on a new branch without touching the working tree.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { commitOnNewBranch, GitRepo, revertCommit } from '../../../src/git';
import { hashTree, makeRepo, type TestRepo } from './helpers';

async function open(repo: TestRepo): Promise<GitRepo> {
  const opened = await GitRepo.open(repo.dir);
  assert.ok(opened);
  return opened;
}

/** The repository as git before 2.38 sees it (no `merge-tree --write-tree`): a conflict is found by running the revert. */
function withoutMergeTree(git: GitRepo): GitRepo {
  const probe = git.probe.bind(git);
  git.probe = async (args) => (args[0] === 'merge-tree' ? { code: 129, out: '', message: "error: unknown option `write-tree'" } : probe(args));
  return git;
}

/** Modification time and inode of each file (and of the index, HEAD and the branch ref). */
function stamps(dir: string, files: readonly string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => {
    const s = statSync(join(dir, f));
    return [f, `${s.ino}:${s.mtimeMs}`];
  }));
}

/** main: a manifest at 1.0, then 1.1 (the commit to revert), then an unrelated change. */
async function history() {
  const repo = await makeRepo();
  await repo.commit('web 1.0', { 'web.yaml': 'image: web:1.0\nreplicas: 2\n', 'other.yaml': 'x: 1\n' });
  const bump = await repo.commit('web 1.1', { 'web.yaml': 'image: web:1.1\nreplicas: 2\n' });
  const later = await repo.commit('other change', { 'other.yaml': 'x: 2\n' });
  return { repo, bump, later };
}

describe('revert the commit that introduced a line', () => {
  it('blame finds the commit; the revert lands on revert/<short-sha> from HEAD, never on the current branch', async () => {
    const { repo, bump, later } = await history();
    const git = await open(repo);
    const blame = await git.blame('web.yaml', 1);
    assert.ok(blame.ok);
    assert.equal(blame.value.sha, bump);
    assert.equal(blame.value.summary, 'web 1.1');

    const result = await revertCommit(git, blame.value.sha);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.value.branch, `revert/${bump.slice(0, 7)}`);
    assert.equal(result.value.from, 'main');
    assert.equal(result.value.subject, 'Revert "web 1.1"');
    assert.equal((await repo.run('rev-parse', '--abbrev-ref', 'HEAD')).trim(), result.value.branch);
    assert.equal(await repo.sha('main'), later, 'main did not move');
    assert.equal(await repo.sha(`${result.value.commit}^`), later, 'the revert sits on top of HEAD');
    assert.equal(repo.read('web.yaml'), 'image: web:1.0\nreplicas: 2\n');
    assert.equal((await repo.run('status', '--porcelain')).trim(), '');
    assert.equal((await repo.run('remote')).trim(), '', 'nothing is pushed anywhere');

    // A second revert of the same commit from main gets a free branch name.
    await repo.run('switch', '--quiet', 'main');
    await repo.run('branch', `revert/${bump.slice(0, 7)}-taken`);
    const again = await revertCommit(git, bump);
    assert.ok(again.ok);
    assert.equal(again.value.branch, `revert/${bump.slice(0, 7)}-2`);
  });

  it('for a finding spanning several lines, the newest commit among them introduced it', async () => {
    const repo = await makeRepo();
    await repo.commit('selector', { 'web.yaml': 'selector:\n  matchLabels:\n    app: web\n' });
    const tier = await repo.commit('add tier', { 'web.yaml': 'selector:\n  matchLabels:\n    app: web\n    tier: front\n' });
    const git = await open(repo);
    const first = await git.blame('web.yaml', 1);
    assert.ok(first.ok);
    assert.notEqual(first.value.sha, tier, 'the key line itself is older');
    const introduced = await git.introducedBy('web.yaml', 1, 4);
    assert.ok(introduced.ok);
    assert.deepEqual([introduced.value.sha, introduced.value.finalLine, introduced.value.summary], [tier, 4, 'add tier']);
  });

  it('an uncommitted line cannot be reverted', async () => {
    const { repo } = await history();
    repo.write({ 'web.yaml': 'image: web:2.0\nreplicas: 2\n' });
    const blame = await (await open(repo)).blame('web.yaml', 1);
    assert.equal(blame.ok ? '' : blame.error.kind, 'not-committed');
  });

  it('refuses on a dirty tree, naming the files, and changes nothing', async () => {
    const { repo, bump } = await history();
    repo.write({ 'other.yaml': 'x: local edit\n' });
    const before = hashTree(repo.dir);
    const result = await revertCommit(await open(repo), bump);
    assert.equal(result.ok, false);
    assert.equal(result.ok ? '' : result.error.kind, 'dirty');
    assert.deepEqual(result.ok ? [] : result.error.files, ['other.yaml']);
    assert.match(result.ok ? '' : result.error.message, /uncommitted changes \(other\.yaml\).*Commit or stash them first/);
    assert.deepEqual(hashTree(repo.dir), before);
    assert.equal((await repo.run('branch', '--list', 'revert/*')).trim(), '');
  });

  it('with explicit consent, stashes first and says where the changes are', async () => {
    const { repo, bump } = await history();
    repo.write({ 'other.yaml': 'x: local edit\n' });
    const result = await revertCommit(await open(repo), bump, { stash: true });
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.ok(result.value.stash);
    assert.equal(repo.read('other.yaml'), 'x: 2\n');
    assert.match(await repo.run('stash', 'list'), /rollback-guard: before reverting/);
  });

  it('a conflict is found before anything is touched: no file, the index, HEAD, a ref or the stash changes, not even a modification time', async () => {
    const repo = await makeRepo();
    await repo.commit('web 1.0', { 'web.yaml': 'image: web:1.0\n', 'notes.txt': 'keep me\n' });
    const bump = await repo.commit('web 1.1', { 'web.yaml': 'image: web:1.1\n' });
    await repo.commit('web 1.2 on top', { 'web.yaml': 'image: web:1.2\n' });
    repo.write({ 'notes.txt': 'dirty\n' });
    const files = ['web.yaml', 'notes.txt', '.git/index', '.git/HEAD', '.git/refs/heads/main'];
    const before = stamps(repo.dir, files);
    const refs = await repo.run('for-each-ref');
    const result = await revertCommit(await open(repo), bump, { stash: true });
    assert.equal(result.ok ? '' : result.error.kind, 'conflict');
    assert.deepEqual(result.ok ? [] : result.error.files, ['web.yaml']);
    assert.match(result.ok ? '' : result.error.message, /conflicts with later changes in web\.yaml\. Nothing was changed/);
    assert.deepEqual(stamps(repo.dir, files), before);
    assert.equal(await repo.run('for-each-ref'), refs, 'no revert branch, no stash');
    assert.equal(repo.read('notes.txt'), 'dirty\n');
  });

  for (const oldGit of [false, true]) it(`on a conflict${oldGit ? ' (git before 2.38: found by running the revert)' : ''}: aborts, returns to the branch, deletes the new branch — every file byte-identical`, async () => {
    const repo = await makeRepo();
    await repo.commit('web 1.0', { 'web.yaml': 'image: web:1.0\n', 'notes.txt': 'keep me\n' });
    const bump = await repo.commit('web 1.1', { 'web.yaml': 'image: web:1.1\n' });
    await repo.commit('web 1.2 on top', { 'web.yaml': 'image: web:1.2\n' });
    repo.write({ 'untracked.txt': 'not mine to touch\n' });
    const before = hashTree(repo.dir);
    const headBefore = await repo.sha();
    const branches = await repo.run('branch', '--list');

    const result = await revertCommit(oldGit ? withoutMergeTree(await open(repo)) : await open(repo), bump);
    assert.equal(result.ok, false);
    assert.equal(result.ok ? '' : result.error.kind, 'conflict');
    assert.deepEqual(result.ok ? [] : result.error.files, ['web.yaml']);
    assert.match(result.ok ? '' : result.error.message, /conflicts with later changes in web\.yaml\. Nothing was changed/);

    assert.deepEqual(hashTree(repo.dir), before, 'every file, tracked or not, is byte-identical');
    assert.equal(await repo.sha(), headBefore);
    assert.equal((await repo.run('rev-parse', '--abbrev-ref', 'HEAD')).trim(), 'main');
    assert.equal(await repo.run('branch', '--list'), branches, 'the revert branch is gone');
    assert.equal((await repo.run('status', '--porcelain', '--untracked-files=no')).trim(), '');
    assert.equal(await (await open(repo)).operationInProgress(), undefined);
  });

  it('a conflict with stashed changes (git before 2.38) restores them exactly (index included)', async () => {
    const repo = await makeRepo();
    await repo.commit('web 1.0', { 'web.yaml': 'image: web:1.0\n', 'a.txt': 'a\n' });
    const bump = await repo.commit('web 1.1', { 'web.yaml': 'image: web:1.1\n' });
    await repo.commit('web 1.2 on top', { 'web.yaml': 'image: web:1.2\n' });
    repo.write({ 'a.txt': 'staged edit\n' });
    await repo.run('add', 'a.txt');
    repo.write({ 'a.txt': 'staged edit, then more\n' });
    const before = hashTree(repo.dir);
    const status = await repo.run('status', '--porcelain');
    const result = await revertCommit(withoutMergeTree(await open(repo)), bump, { stash: true });
    assert.equal(result.ok ? '' : result.error.kind, 'conflict');
    assert.deepEqual(hashTree(repo.dir), before);
    assert.equal(await repo.run('status', '--porcelain'), status);
    assert.equal((await repo.run('stash', 'list')).trim(), '');
  });

  it('a merge commit is reverted with -m 1 (the branch it was merged into), and can be found from a line it brought in', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'web.yaml': 'image: web:1.0\n', 'db.sql': 'SELECT 1;\n' });
    await repo.run('switch', '--quiet', '--create', 'feature');
    const inner = await repo.commit('feature: new column', { 'db.sql': 'ALTER TABLE t ADD COLUMN c int;\n' });
    await repo.run('switch', '--quiet', 'main');
    await repo.commit('main: unrelated', { 'web.yaml': 'image: web:1.1\n' });
    await repo.run('merge', '--quiet', '--no-ff', '-m', 'Merge pull request #1 from feature', 'feature');
    const merge = await repo.sha();
    const git = await open(repo);

    const blame = await git.blame('db.sql', 1);
    assert.ok(blame.ok);
    assert.equal(blame.value.sha, inner);
    const introducing = await git.introducingMerge(inner);
    assert.equal(introducing?.sha, merge);
    assert.equal(introducing?.subject, 'Merge pull request #1 from feature');

    const result = await revertCommit(git, merge);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.value.mainline, 1);
    assert.equal(repo.read('db.sql'), 'SELECT 1;\n', 'the merged change is undone');
    assert.equal(repo.read('web.yaml'), 'image: web:1.1\n', 'main keeps its own change');
  });

  it('a commit whose changes are already undone: nothing to revert, nothing changed', async () => {
    const { repo, bump } = await history();
    await repo.commit('back to 1.0 by hand', { 'web.yaml': 'image: web:1.0\nreplicas: 2\n' });
    const before = hashTree(repo.dir);
    const branches = await repo.run('branch', '--list');
    const result = await revertCommit(await open(repo), bump);
    assert.equal(result.ok ? '' : result.error.kind, 'empty');
    assert.deepEqual(hashTree(repo.dir), before);
    assert.equal(await repo.run('branch', '--list'), branches);
  });

  it('refuses while another operation (a revert in progress) is unfinished', async () => {
    const repo = await makeRepo();
    await repo.commit('one', { 'f.txt': '1\n' });
    const two = await repo.commit('two', { 'f.txt': '2\n' });
    await repo.commit('three', { 'f.txt': '3\n' });
    await repo.run('revert', '--no-edit', two).catch(() => undefined);
    const result = await revertCommit(await open(repo), two);
    assert.equal(result.ok ? '' : result.error.kind, 'in-progress');
    await repo.run('revert', '--abort');
  });
});

describe('commit file contents on a new branch', () => {
  it('creates the branch with exactly those changes, leaving HEAD, the index and the working tree alone', async () => {
    const { repo, later } = await history();
    repo.write({ 'other.yaml': 'x: dirty\n' });
    const before = hashTree(repo.dir);
    const status = await repo.run('status', '--porcelain');
    const git = await open(repo);
    const result = await commitOnNewBranch(git, {
      branch: 'align/web',
      message: 'Make web.yaml match the cluster',
      files: [
        { path: 'web.yaml', content: 'image: web:0.9\nreplicas: 2\n' },
        { path: 'new/dir/file.yaml', content: 'n: 1\n' },
        { path: 'other.yaml', content: null },
      ],
    });
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.value.parent, later);
    assert.deepEqual(hashTree(repo.dir), before);
    assert.equal(await repo.run('status', '--porcelain'), status);
    assert.equal((await repo.run('rev-parse', '--abbrev-ref', 'HEAD')).trim(), 'main');
    assert.equal(await repo.run('show', 'align/web:web.yaml'), 'image: web:0.9\nreplicas: 2\n');
    assert.equal(await repo.run('show', 'align/web:new/dir/file.yaml'), 'n: 1\n');
    assert.deepEqual((await repo.run('diff', '--name-status', 'main', 'align/web')).trim().split('\n').sort(), ['A\tnew/dir/file.yaml', 'D\tother.yaml', 'M\tweb.yaml']);

    const again = await commitOnNewBranch(git, { branch: 'align/web', message: 'x', files: [] });
    assert.equal(again.ok ? '' : again.error.kind, 'branch-exists');
  });
});
