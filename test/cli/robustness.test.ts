import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, workspace } from './run';

const fixtures = join(__dirname, '..', 'fixtures');
const read = (path: string) => readFileSync(join(fixtures, path), 'utf8');

interface Json {
  findings: { ruleId: string; file: string; message: string; line: number; column: number }[];
  summary: { files: number };
}

/** Files that used to end a run (or take seconds), next to ordinary ones. */
function repo() {
  return workspace({
    'db/migrations/000001_control_character.up.sql': read('robustness/control-character.sql'),
    'db/migrations/000002_drop.up.sql': 'ALTER TABLE orders DROP COLUMN legacy_total;\n',
    'db/changelog/stray-lt.xml': read('robustness/stray-lt.changelog.xml'),
    'db/changelog/deep.xml': '<a>'.repeat(225) + '</a>'.repeat(225),
    'k8s/nested.yaml': `${'- '.repeat(5000)}x\n- y\n`,
    'k8s/web.yaml': read('manifests/RG101.yaml'),
    'db/migrate/20240101000000_long_heredoc.rb': read('robustness/long-heredoc-word.rb'),
    'db/migrate/20240102000000_drop.rb': 'class Drop < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :email, :string\n  end\nend\n',
    'alembic/versions/abc123_nested.py': `def upgrade():\n    op.execute(${'('.repeat(10_000)}"DROP TABLE t"${')'.repeat(10_000)})\n`,
  });
}

describe('check: one bad file never takes down the run', () => {
  it('each unreadable file gets one RG003 note with the reason; every other file is analysed; the exit status is by findings', () => {
    const dir = repo();
    const result = cli(['check', '--format', 'json'], dir);
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /internal error/);
    const json = JSON.parse(result.stdout) as Json;
    assert.equal(json.summary.files, 9);
    const notes = new Map(json.findings.filter((f) => f.ruleId === 'RG003').map((f) => [f.file, f]));
    assert.match(notes.get('db/migrations/000001_control_character.up.sql')!.message, /syntax error/);
    assert.deepEqual([notes.get('db/changelog/stray-lt.xml')!.line, notes.get('db/changelog/stray-lt.xml')!.column], [1, 2]);
    assert.match(notes.get('db/changelog/deep.xml')!.message, /nesting deeper than 100 XML elements/);
    assert.match(notes.get('k8s/nested.yaml')!.message, /nesting deeper than 256 YAML collections/);
    assert.match(notes.get('db/migrate/20240101000000_long_heredoc.rb')!.message, /heredoc word longer than 255 characters/);
    assert.match(notes.get('alembic/versions/abc123_nested.py')!.message, /nesting deeper than 1000 syntax tree levels/);
    for (const note of notes.values()) assert.doesNotMatch(note.message, /reading this file failed/);
    const others = json.findings.filter((f) => f.ruleId !== 'RG003').map((f) => `${f.ruleId} ${f.file}`);
    for (const expected of ['RG202 db/migrations/000002_drop.up.sql', 'RG101 k8s/web.yaml', 'RG202 db/migrate/20240102000000_drop.rb']) assert.ok(others.includes(expected), expected);
    // The same on one thread as on several, in text as in JSON.
    const text = cli(['check'], dir);
    assert.equal(text.code, 1, text.stderr);
    assert.equal(text.stdout.match(/ RG003 /g)?.length, 6);
  });

  it('a file that takes longer than --time-budget is stopped with a note; the others are analysed', () => {
    const statement = "SELECT status, note FROM orders WHERE id = 1 AND status = 'open';\n";
    const dir = workspace({
      'db/migrations/000001_small.up.sql': 'ALTER TABLE orders DROP COLUMN x;\n',
      // 9 MB (under the 10 MB default size limit): several seconds of work on any machine, far past a budget of 1 s.
      'db/migrations/000002_big.up.sql': `ALTER TABLE orders DROP COLUMN legacy;\n${statement.repeat(140_000)}`,
      'k8s/web.yaml': read('manifests/RG101.yaml'),
    });
    const result = cli(['check', '--format', 'json', '--time-budget', '1'], dir);
    assert.equal(result.code, 1, result.stderr);
    const json = JSON.parse(result.stdout) as Json;
    const big = json.findings.filter((f) => f.file === 'db/migrations/000002_big.up.sql');
    assert.deepEqual(big.map((f) => f.ruleId), ['RG003']);
    assert.match(big[0]!.message, /^Not analysed: analysing this file took longer than 1 s, so it was stopped\./);
    assert.deepEqual(json.findings.filter((f) => f.file === 'db/migrations/000001_small.up.sql').map((f) => f.ruleId), ['RG202', 'RG209']);
    assert.ok(json.findings.some((f) => f.file === 'k8s/web.yaml' && f.ruleId === 'RG101'));
  });

  it('check --base: a changed file past the budget gets the note, and the release is analysed without it', () => {
    const statement = "SELECT status, note FROM orders WHERE id = 1 AND status = 'open';\n";
    const dir = workspace({ 'db/migrations/000001_a.up.sql': 'ALTER TABLE orders ADD COLUMN c int;\n' });
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@example.com' } });
      assert.equal(r.status, 0, r.stderr);
    };
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    git('checkout', '-qb', 'feature');
    writeFileSync(join(dir, 'db/migrations/000002_big.up.sql'), `ALTER TABLE orders DROP COLUMN legacy;\n${statement.repeat(140_000)}`);
    writeFileSync(join(dir, 'db/migrations/000003_small.up.sql'), 'ALTER TABLE orders DROP COLUMN x;\n');
    git('add', '.');
    git('commit', '-qm', 'feature');
    const result = cli(['check', '--base', 'main', '--format', 'json', '--time-budget', '1'], dir);
    assert.equal(result.code, 1, result.stderr);
    const json = JSON.parse(result.stdout) as Json;
    const big = json.findings.filter((f) => f.file === 'db/migrations/000002_big.up.sql');
    assert.deepEqual(big.map((f) => f.ruleId), ['RG003']);
    assert.match(big[0]!.message, /took longer than 1 s, so it was stopped/);
    assert.ok(json.findings.some((f) => f.file === 'db/migrations/000003_small.up.sql' && f.ruleId === 'RG202'));
  });

  it('a --time-budget that is not a number of seconds is a usage error (exit 2)', () => {
    const dir = workspace({ 'k8s/web.yaml': read('manifests/RG101.yaml') });
    for (const bad of ['soon', '-1', '']) {
      const result = cli(['check', `--time-budget=${bad}`], dir);
      assert.equal(result.code, 2, bad);
      assert.match(result.stderr, /--time-budget takes a number of seconds/);
    }
  });
});
