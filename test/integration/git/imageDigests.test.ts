/**
 * The digests a manifest's history pinned its image tags to, read from every
 * version of the file on every branch, newest first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitRepo, pinnedDigests } from '../../../src/git';
import { makeRepo } from './helpers';

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe('digests a manifest pinned', () => {
  it('maps each tag to the digest it was last pinned to, across branches, and only for that file', async () => {
    const repo = await makeRepo();
    await repo.commit('1.2.0', { 'web.yaml': `image: ghcr.io/a/web:1.2.0@${d('1')}\n`, 'other.yaml': `image: ghcr.io/a/other:9@${d('9')}\n` });
    await repo.commit('1.3.0', { 'web.yaml': `image: "ghcr.io/a/web:1.3.0@${d('2')}"\n` });
    // The tag 1.3.0 was rebuilt and pinned again: the newer pin wins.
    await repo.commit('1.3.0 rebuilt', { 'web.yaml': `image: "ghcr.io/a/web:1.3.0@${d('3')}"\n` });
    await repo.run('switch', '--quiet', '-c', 'feature');
    await repo.commit('1.4.0', { 'web.yaml': `image: ghcr.io/a/web:1.4.0@${d('4')}\n` });
    await repo.run('switch', '--quiet', 'main');
    const git = await GitRepo.open(repo.dir);
    assert.ok(git);
    const pins = await pinnedDigests(git, 'web.yaml');
    assert.equal(pins.get('ghcr.io/a/web:1.2.0'), d('1'));
    assert.equal(pins.get('ghcr.io/a/web:1.3.0'), d('3'));
    assert.equal(pins.get('ghcr.io/a/web:1.4.0'), d('4'));
    assert.equal(pins.get('ghcr.io/a/other:9'), undefined);
    assert.equal((await pinnedDigests(git, 'missing.yaml')).size, 0);
  });
});
