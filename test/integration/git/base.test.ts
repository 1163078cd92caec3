/**
 * Base detection on real repositories: the ref given, the configured base,
 * the branch's upstream, origin/HEAD, main, master — with no remote, on a
 * detached HEAD, in a shallow clone — and the merge base it measures from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitRepo, resolveBase, type BaseInfo } from '../../../src/git';
import { cloneRepo, makeRepo, type TestRepo } from './helpers';

async function base(repo: TestRepo, options: Parameters<typeof resolveBase>[1] = {}): Promise<BaseInfo> {
  const opened = await GitRepo.open(repo.dir);
  assert.ok(opened, 'a repository');
  const result = await resolveBase(opened, options);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

/** main with two commits, and `feature` one commit ahead of its first commit. */
async function forked(branch = 'main'): Promise<{ repo: TestRepo; fork: string; tip: string }> {
  const repo = await makeRepo({ branch });
  const fork = await repo.commit('one', { 'a.txt': '1\n' });
  const tip = await repo.commit('two', { 'a.txt': '2\n' });
  await repo.run('switch', '--quiet', '--create', 'feature', fork);
  await repo.commit('feature work', { 'b.txt': 'b\n' });
  return { repo, fork, tip };
}

describe('base detection', () => {
  it('no remote: falls back to main, and measures from the merge base', async () => {
    const { repo, fork, tip } = await forked();
    const b = await base(repo);
    assert.deepEqual([b.ref, b.source, b.sha, b.mergeBase, b.onBase, b.shallow], ['main', 'default-branch', tip, fork, false, false]);
    assert.equal(b.head.branch, 'feature');
  });

  it('master when there is no main', async () => {
    const { repo, fork } = await forked('master');
    const b = await base(repo);
    assert.deepEqual([b.ref, b.source, b.mergeBase], ['master', 'default-branch', fork]);
  });

  it('the configured base wins over everything detected; --base wins over the configuration', async () => {
    const { repo, tip } = await forked();
    const release = await repo.commit('on feature again', { 'c.txt': 'c\n' });
    await repo.run('branch', 'release/1.x', release);
    await repo.run('switch', '--quiet', '--create', 'feature-2', release);
    const configured = await base(repo, { setting: 'main' });
    assert.deepEqual([configured.ref, configured.source, configured.sha], ['main', 'setting', tip]);
    const explicit = await base(repo, { explicit: 'release/1.x', setting: 'main' });
    assert.deepEqual([explicit.ref, explicit.source, explicit.onBase], ['release/1.x', 'argument', true]);
  });

  it('an unknown configured base is an error, not a silent fallback', async () => {
    const { repo } = await forked();
    const opened = (await GitRepo.open(repo.dir))!;
    const result = await resolveBase(opened, { setting: 'develop' });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error.message, /`develop` \(configured\) does not name a commit/);
  });

  it("the branch's upstream when it tracks another branch; not its own copy on the remote", async () => {
    const { repo, fork } = await forked();
    await repo.run('branch', '--quiet', 'develop', fork);
    await repo.commit('develop moves', {});
    await repo.run('switch', '--quiet', '--create', 'topic', '--track', 'develop');
    await repo.commit('topic work', { 't.txt': 't\n' });
    const b = await base(repo);
    assert.deepEqual([b.ref, b.source], ['develop', 'upstream']);

    // A clone whose feature branch tracks origin/feature: that upstream is the branch itself.
    const origin = await makeRepo();
    await origin.commit('one', { 'a.txt': '1\n' });
    await origin.run('switch', '--quiet', '--create', 'feature');
    await origin.commit('feature', { 'b.txt': 'b\n' });
    await origin.run('switch', '--quiet', 'main');
    const clone = await cloneRepo(origin);
    await clone.run('switch', '--quiet', '--track', 'origin/feature');
    const c = await base(clone);
    assert.deepEqual([c.ref, c.source], ['origin/main', 'origin-head']);
  });

  it('origin/HEAD of a clone names the default branch, whatever it is called', async () => {
    const origin = await makeRepo({ branch: 'trunk' });
    const fork = await origin.commit('one', { 'a.txt': '1\n' });
    const clone = await cloneRepo(origin);
    await clone.run('switch', '--quiet', '--create', 'feature');
    await clone.commit('feature', { 'b.txt': 'b\n' });
    const b = await base(clone);
    assert.deepEqual([b.ref, b.source, b.mergeBase], ['origin/trunk', 'origin-head', fork]);
  });

  it('a configured `main` resolves to origin/main when only the remote branch exists (a CI checkout)', async () => {
    const origin = await makeRepo();
    await origin.commit('one', { 'a.txt': '1\n' });
    await origin.run('switch', '--quiet', '--create', 'feature');
    const tip = await origin.commit('feature', { 'b.txt': 'b\n' });
    const clone = await cloneRepo(origin, ['--branch', 'feature']);
    await clone.run('branch', '--quiet', '-D', 'main').catch(() => undefined);
    assert.equal(await clone.sha(), tip);
    const b = await base(clone, { setting: 'main' });
    assert.deepEqual([b.ref, b.source], ['origin/main', 'setting']);
  });

  it('a detached HEAD has no upstream: origin/HEAD, then main', async () => {
    const { repo, fork } = await forked();
    const featureTip = await repo.sha();
    await repo.run('switch', '--quiet', '--detach', featureTip);
    const b = await base(repo);
    assert.deepEqual([b.head.detached, b.head.branch, b.ref, b.mergeBase], [true, undefined, 'main', fork]);
  });

  it('a shallow clone without the merge base compares with the base itself, and says so', async () => {
    const origin = await makeRepo();
    await origin.commit('one', { 'a.txt': '1\n' });
    await origin.commit('two', { 'a.txt': '2\n' });
    await origin.run('switch', '--quiet', '--create', 'feature');
    await origin.commit('feature 1', { 'b.txt': 'b1\n' });
    await origin.commit('feature 2', { 'b.txt': 'b2\n' });
    await origin.run('switch', '--quiet', 'main');
    const mainTip = await origin.commit('three', { 'a.txt': '3\n' });
    const clone = await cloneRepo(origin, ['--depth', '1', '--no-single-branch', '--branch', 'feature']);
    const b = await base(clone);
    assert.equal(b.shallow, true);
    assert.equal(b.ref, 'origin/main');
    assert.equal(b.mergeBase, mainTip);
    assert.match(b.notes[0] ?? '', /shallow clone.*git fetch --deepen/);
  });

  it('on the base itself there is nothing to compare; a merge of the base into the branch keeps the fork point moving', async () => {
    const { repo, tip } = await forked();
    await repo.run('switch', '--quiet', 'main');
    assert.equal((await base(repo)).onBase, true);
    await repo.run('switch', '--quiet', 'feature');
    await repo.run('merge', '--quiet', '--no-edit', 'main');
    const b = await base(repo);
    assert.equal(b.mergeBase, tip, 'after merging main, the merge base is main itself');
    assert.equal(b.onBase, false);
  });

  it('no base at all: a clear error naming the ways to set one', async () => {
    const repo = await makeRepo({ branch: 'work' });
    await repo.commit('one', { 'a.txt': '1\n' });
    const result = await resolveBase((await GitRepo.open(repo.dir))!);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error.message, /set `base:` in \.rollbackguard\.yaml, the rollbackGuard\.base setting, or pass --base REF/);
    const empty = await makeRepo();
    const none = await resolveBase((await GitRepo.open(empty.dir))!);
    assert.equal(none.ok ? '' : none.error.kind, 'no-commits');
  });

  it('a directory outside any repository is not a repository', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    assert.equal(await GitRepo.open(mkdtempSync(join(tmpdir(), 'rg-none-'))), undefined);
  });
});
