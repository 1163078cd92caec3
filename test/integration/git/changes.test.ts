/**
 * Changed files between the merge base and the branch, from git's
 * machine-readable outputs: status (added, modified, deleted, renamed,
 * binary), -U0 hunks, and the base and head content of each file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitRepo, listChanges, releaseInput, resolveBase } from '../../../src/git';
import { makeRepo } from './helpers';

const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n') + '\n';

describe('changed files', () => {
  it('added, modified, deleted, renamed (with an edit) and binary files, with hunks', async () => {
    const repo = await makeRepo();
    const base = await repo.commit('base', {
      'keep.txt': lines(10),
      'gone.yaml': 'a: 1\n',
      'old/name.yaml': lines(20, 'kept'),
      'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]),
      'dir with space/ünïcode.yaml': 'x: 1\n',
    });
    await repo.run('switch', '--quiet', '--create', 'feature');
    await repo.commit('change', {
      'keep.txt': lines(10).replace('line 3\n', 'line three\n').replace('line 8\n', 'line 8\nline 8b\n'),
      'gone.yaml': null,
      'old/name.yaml': null,
      'new/name.yaml': lines(20, 'kept').replace('kept 20\n', 'kept twenty\n'),
      'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9]),
      'added.yaml': 'b: 2\nc: 3\n',
      'dir with space/ünïcode.yaml': 'x: 2\n',
    });
    const opened = (await GitRepo.open(repo.dir))!;
    const files = await listChanges(opened, base, { commit: await repo.sha() });
    const summary = Object.fromEntries(files.map((f) => [f.path, [f.status, f.oldPath ?? '', f.binary, f.hunks.map((h) => `${h.oldStart},${h.oldLines}+${h.newStart},${h.newLines}`).join(' ')]]));
    assert.deepEqual(summary, {
      'added.yaml': ['added', '', false, '0,0+1,2'],
      'dir with space/ünïcode.yaml': ['modified', '', false, '1,1+1,1'],
      'gone.yaml': ['deleted', '', false, '1,1+0,0'],
      'keep.txt': ['modified', '', false, '3,1+3,1 8,0+9,1'],
      'logo.png': ['modified', '', true, ''],
      'new/name.yaml': ['renamed', 'old/name.yaml', false, '20,1+20,1'],
    });
  });

  it('release input: both contents, binary files without content, the base read at the merge base', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'a.yaml': 'v: 1\n', 'bin.dat': Buffer.from([1, 0, 2]), 'old.yaml': 'o: 1\n' });
    await repo.run('switch', '--quiet', '--create', 'feature');
    await repo.commit('feature', { 'a.yaml': 'v: 2\n', 'bin.dat': Buffer.from([1, 0, 3]), 'old.yaml': null, 'renamed.yaml': null });
    await repo.run('switch', '--quiet', 'main');
    await repo.commit('main moves on', { 'a.yaml': 'v: 9\n', 'other.yaml': 'z: 1\n' });
    await repo.run('switch', '--quiet', 'feature');
    const opened = (await GitRepo.open(repo.dir))!;
    const base = await resolveBase(opened);
    assert.ok(base.ok);
    const input = await releaseInput(opened, base.value);
    const byPath = Object.fromEntries(input.files.map((f) => [f.path, f]));
    assert.deepEqual(Object.keys(byPath).sort(), ['a.yaml', 'bin.dat', 'old.yaml'], 'changes made on main after the fork are not part of the branch');
    assert.deepEqual([byPath['a.yaml']!.base, byPath['a.yaml']!.head], ['v: 1\n', 'v: 2\n']);
    assert.deepEqual([byPath['bin.dat']!.binary, byPath['bin.dat']!.base, byPath['bin.dat']!.head], [true, undefined, undefined]);
    assert.deepEqual([byPath['old.yaml']!.status, byPath['old.yaml']!.base, byPath['old.yaml']!.head], ['deleted', 'o: 1\n', undefined]);
    assert.equal(input.base.readFile!('other.yaml'), undefined, 'the base side is the merge base, not main today');
    assert.equal(input.head.readFile!('a.yaml'), 'v: 2\n');
  });

  it('the working tree: uncommitted edits and untracked files are part of it; ignored files are not', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'a.yaml': 'v: 1\n', '.gitignore': 'build/\n' });
    await repo.run('switch', '--quiet', '--create', 'feature');
    repo.write({ 'a.yaml': 'v: 2\n', 'new.yaml': 'n: 1\nm: 2\n', 'build/out.yaml': 'ignored: true\n' });
    const opened = (await GitRepo.open(repo.dir))!;
    const base = await resolveBase(opened);
    assert.ok(base.ok);
    const committed = await releaseInput(opened, base.value);
    assert.deepEqual(committed.files.map((f) => f.path), [], 'HEAD has no change yet');
    const input = await releaseInput(opened, base.value, { head: 'worktree' });
    const byPath = Object.fromEntries(input.files.map((f) => [f.path, f]));
    assert.deepEqual(Object.keys(byPath).sort(), ['a.yaml', 'new.yaml']);
    assert.equal(byPath['a.yaml']!.head, 'v: 2\n');
    assert.deepEqual([byPath['new.yaml']!.status, byPath['new.yaml']!.hunks], ['added', [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: 2 }]]);
    assert.equal(input.head.ref, 'feature (working tree)');
    // Committed, the same analysis of the working tree is the branch itself.
    await repo.run('add', 'a.yaml', 'new.yaml');
    await repo.run('commit', '--quiet', '-m', 'edits');
    const clean = await releaseInput(opened, base.value, { head: 'worktree' });
    assert.equal(clean.head.ref, 'feature');
  });

  it('a branch with merge commits (main merged in) lists only its own changes', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n' });
    await repo.run('switch', '--quiet', '--create', 'feature');
    await repo.commit('feature edits a', { 'a.yaml': 'a: 2\n' });
    await repo.run('switch', '--quiet', 'main');
    await repo.commit('main edits b', { 'b.yaml': 'b: 2\n' });
    await repo.run('switch', '--quiet', 'feature');
    await repo.run('merge', '--quiet', '--no-edit', 'main');
    const opened = (await GitRepo.open(repo.dir))!;
    const base = await resolveBase(opened);
    assert.ok(base.ok);
    const input = await releaseInput(opened, base.value);
    assert.deepEqual(input.files.map((f) => `${f.status} ${f.path}`), ['modified a.yaml']);
  });

  it('a file larger than the limit is listed but not read', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'big.yaml': 'a: 1\n' });
    await repo.run('switch', '--quiet', '--create', 'feature');
    await repo.commit('grow', { 'big.yaml': `a: 1\n${'b: 2\n'.repeat(1000)}` });
    const opened = (await GitRepo.open(repo.dir))!;
    const base = await resolveBase(opened);
    assert.ok(base.ok);
    const input = await releaseInput(opened, base.value, { maxBytes: 1024 });
    assert.equal(input.files[0]!.head, undefined);
    assert.match(input.files[0]!.unreadable ?? '', /larger than 1 KB/);
  });
});
