/**
 * Evidence records written into a work tree stay out of Git: the directory
 * goes into info/exclude once, in a repository and in a linked worktree, so
 * `git status` stays clean.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { excludeFromGit } from '../../../src/git';
import { makeRepo, tempDir } from './helpers';

describe('evidence kept out of Git', () => {
  it('adds the directory to info/exclude once; git status stays clean', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'a.yaml': 'a: 1\n' });
    const evidence = join(repo.dir, '.rollback-guard', 'evidence');
    assert.equal(excludeFromGit(evidence), join(repo.dir, '.git', 'info', 'exclude'));
    mkdirSync(evidence, { recursive: true });
    writeFileSync(join(evidence, 'x.json'), '{}');
    assert.equal((await repo.run('status', '--porcelain')).trim(), '');
    assert.equal(excludeFromGit(evidence), undefined, 'once');
    assert.equal(readFileSync(join(repo.dir, '.git', 'info', 'exclude'), 'utf8').match(/\/\.rollback-guard\/evidence\//g)?.length, 1);
  });

  it('a linked worktree writes to the main repository\'s exclude; a directory outside any work tree is left alone', async () => {
    const repo = await makeRepo();
    await repo.commit('base', { 'a.yaml': 'a: 1\n' });
    const linked = join(tempDir(), 'linked');
    await repo.run('worktree', 'add', '--quiet', '-b', 'other', linked);
    const evidence = join(linked, 'ops', 'evidence');
    assert.equal(excludeFromGit(evidence), join(repo.dir, '.git', 'info', 'exclude'));
    mkdirSync(evidence, { recursive: true });
    writeFileSync(join(evidence, 'x.md'), '# x\n');
    const status = await import('node:child_process').then((cp) => cp.spawnSync('git', ['-C', linked, 'status', '--porcelain'], { encoding: 'utf8' }).stdout);
    assert.equal(status.trim(), '');
    assert.equal(excludeFromGit(join(tempDir(), 'evidence')), undefined);
  });
});
