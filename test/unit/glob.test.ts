/**
 * The glob matcher for repository configuration: the same answers as
 * picomatch (`dot: true`) on the globs people write, extended globs refused
 * with a message, and no pattern can make a match slow.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { compileGlob, GlobError } from '../../src/core/glob';

const PATTERNS = [
  'vendor/**', '**/*.sql', '*.sql', 'db/**/up.sql', 'a/*/b', '**', '*', 'a/**/b/**', '{a,b}/*.yaml', '[ab]*.sql', '[^ab]*.sql', './a.sql', 'a/',
  'db/migrations/*.up.sql', 'sql/**/*.sql', '**/migrations/**', 'k8s/{prod,staging}/**/*.y{a,}ml', 'a?c', 'x/[0-9][0-9]*_*.sql', '**/.env*', 'charts/*/templates/**',
  'a\\*b', '**/test/**/*.yaml', 'db/mysql/**', '*/*', '**/a', 'a/**', '{x,{y,z}}/q',
];
const PATHS = [
  'vendor', 'vendor/a/b', 'a.sql', 'x/y/a.sql', 'x/a.sql', 'db/up.sql', 'db/a/b/up.sql', 'a/x/b', 'a/x/y/b', '.git/x', '.env', 'a/b', 'a/b/c', 'b/c.yaml', 'c.sql', 'b.sql',
  'a', 'db/migrations/001.up.sql', 'db/migrations/x/001.up.sql', 'sql/a/b/c.sql', 'src/migrations/x/y.py', 'k8s/prod/a/b.yaml', 'k8s/staging/c.yml', 'k8s/dev/c.yml', 'abc', 'a/c',
  'x/01_init.sql', 'x/1_init.sql', 'conf/.env.local', 'charts/web/templates/deploy.yaml', 'a*b', 'aXb', 'p/test/q/r.yaml', 'db/mysql/a.sql', 'q/a', 'y/q', 'z/q', 'x/q',
];

describe('globs for repository configuration', () => {
  it('answers as picomatch does with dot: true', () => {
    const differences: string[] = [];
    for (const pattern of PATTERNS) {
      const ours = compileGlob(pattern, { paths: true });
      const theirs = picomatch(pattern, { dot: true });
      for (const path of PATHS) if (ours(path) !== theirs(path)) differences.push(`${pattern} ${path}: ours ${ours(path)}, picomatch ${theirs(path)}`);
    }
    assert.deepEqual(differences, []);
    // `[!…]` negates, as in POSIX shells and .gitignore (picomatch reads `[!ab]` as the class of `!`, `a` and `b`).
    assert.deepEqual(['a.sql', 'c.sql'].map(compileGlob('[!ab]*.sql', { paths: true })), [false, true]);
  });

  it('refuses extended globs and brace ranges with a message', () => {
    for (const [pattern, message] of [['**/@(a+|a)+b', /extended glob patterns like @\(…\)/], ['+(a)', /\+\(…\)/], ['!(x)', /!\(…\)/], ['{1..9}.sql', /brace ranges/], ['{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}', /more than 256/]] as const) {
      assert.throws(() => compileGlob(pattern, { paths: true }), (e: unknown) => e instanceof GlobError && message.test(e.message), pattern);
    }
  });

  it('context names: `*` crosses `/` and `:`, case is ignored, a leading ! negates', () => {
    const prod = compileGlob('*prod*', { paths: false, ignoreCase: true });
    assert.ok(prod('arn:aws:eks:eu-west-1:1234:cluster/PROD-eu'));
    assert.ok(!prod('staging'));
    assert.ok(compileGlob('gke_*_prod', { paths: false })('gke_proj_zone_prod'));
    assert.ok(compileGlob('!dev-*', { paths: false })('prod-eu'));
  });

  it('no pattern makes a match slow: star-heavy patterns on long names finish at once', () => {
    const cases: [string, string, boolean][] = [
      [`${'*a'.repeat(40)}b`, 'a'.repeat(5000), false],
      [`**/${'*a'.repeat(40)}b`, `${'x/'.repeat(500)}${'a'.repeat(2000)}`, false],
      [`${'**/'.repeat(40)}b`, `${'a/'.repeat(2000)}c`, false],
    ];
    for (const [pattern, text, expected] of cases) {
      const started = process.hrtime.bigint();
      assert.equal(compileGlob(pattern, { paths: pattern.includes('/') })(text), expected);
      // Generous: a backtracking regular expression takes hours on these.
      assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 2, pattern.slice(0, 20));
    }
  });
});
