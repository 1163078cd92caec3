/**
 * The user's environment may name programs git could start (an editor, a
 * pager, a password prompt — npm sets EDITOR for every script, terminals set
 * PAGER). Rollback Guard runs git non-interactively: those variables must not
 * stop it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GitRepo } from '../../../src/git';
import { gitEnv } from '../../../src/git/exec';
import { tempDir } from './helpers';
import { spawnSync } from 'node:child_process';

const VARIABLES = { EDITOR: 'vi', VISUAL: 'code --wait', PAGER: 'less', SSH_ASKPASS: '/usr/bin/ssh-askpass', PREFIX: '/usr/local' };
const saved: Record<string, string | undefined> = {};

describe('git under an interactive user environment', () => {
  before(() => {
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

  it('drops editor, pager and askpass variables from the child environment', () => {
    const env = gitEnv();
    for (const k of Object.keys(VARIABLES)) assert.equal(env[k], undefined, k);
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
  });

  it('reads a repository with EDITOR, VISUAL and PAGER set', async () => {
    const dir = tempDir();
    spawnSync('git', ['init', '-q', '-b', 'main', dir]);
    spawnSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'first']);
    const repo = await GitRepo.open(dir);
    assert.ok(repo);
    const head = await repo.head();
    assert.equal(head.branch, 'main');
    assert.ok(head.sha);
  });
});
