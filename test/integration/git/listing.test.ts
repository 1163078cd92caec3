/**
 * The file list a workspace analysis reads inside a Git work tree, as
 * `check` reads it: tracked files even when a `.gitignore` matches them,
 * untracked ones unless ignored, with the editor's include and exclude.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gitWorkspaceFiles } from '../../../src/git/listing';
import { makeRepo, tempDir } from './helpers';

const READ = /\.(ya?ml|sql)$/;

describe('the workspace file list from git', () => {
  it('tracked files a .gitignore matches are listed; untracked ignored ones and excluded ones are not', async () => {
    const repo = await makeRepo();
    repo.write({ '.gitignore': 'crds/\nbuild/\n', 'crds/job.yaml': 'kind: Job\n', 'deploy/web.yaml': 'kind: Deployment\n', 'vendor/x.yaml': 'kind: Job\n', 'README.md': '#\n' });
    await repo.run('add', '-f', '.gitignore', 'crds/job.yaml', 'deploy/web.yaml', 'vendor/x.yaml', 'README.md');
    await repo.run('commit', '--quiet', '--no-verify', '-m', 'files');
    repo.write({ 'build/out.yaml': 'kind: Job\n', 'crds/new.yaml': 'kind: Job\n', 'deploy/draft.yaml': 'kind: Job\n' });
    const files = await gitWorkspaceFiles(repo.dir, READ, ['**/vendor/**']);
    assert.deepEqual(files?.sort(), ['crds/job.yaml', 'deploy/draft.yaml', 'deploy/web.yaml']);
  });

  it('a subfolder lists its own files, relative to it', async () => {
    const repo = await makeRepo();
    await repo.commit('files', { 'app/deploy.yaml': 'kind: Deployment\n', 'other.yaml': 'kind: Job\n' });
    assert.deepEqual(await gitWorkspaceFiles(`${repo.dir}/app`, READ, []), ['deploy.yaml']);
  });

  it('outside a work tree, or for an exclude glob it does not read, the caller searches instead', async () => {
    assert.equal(await gitWorkspaceFiles(tempDir(), READ, []), undefined);
    const repo = await makeRepo();
    await repo.commit('files', { 'a.yaml': 'kind: Job\n' });
    assert.equal(await gitWorkspaceFiles(repo.dir, READ, ['x'.repeat(2000)]), undefined);
  });
});
