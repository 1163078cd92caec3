/**
 * The environment the project's scripts give the processes they start: an
 * outer `npm run` must not leak into them. The npm-run environment here is the
 * one npm really sets (`npm run env`), and the nested npm is asked what it
 * makes of it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { childEnv, isNpmRunVariable, stripNpmPath } from '../../../scripts/childEnv.mjs';

const root = join(__dirname, '..', '..', '..');

/** The environment `npm run` gives a script, as npm itself sets it. */
function npmRunEnv(): Record<string, string> {
  const r = spawnSync('npm', ['run', '--silent', 'env'], { cwd: root, encoding: 'utf8', env: childEnv() });
  assert.equal(r.status, 0, r.stderr);
  const env: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

describe('childEnv', () => {
  const outer = npmRunEnv();

  it('npm run really sets what childEnv removes (the fixture is not empty)', () => {
    for (const key of ['npm_config_user_agent', 'npm_lifecycle_event', 'npm_package_name', 'npm_node_execpath', 'NODE', 'INIT_CWD']) assert.ok(outer[key] !== undefined, `npm run sets ${key}`);
    assert.match(outer.PATH ?? '', /node_modules\/\.bin/);
  });

  it('drops every npm_* variable, NODE, INIT_CWD and COLOR, and keeps the rest', () => {
    const env = childEnv({}, outer);
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('npm_') || ['NODE', 'INIT_CWD', 'COLOR'].includes(k)), []);
    for (const key of ['HOME', 'LANG']) if (outer[key] !== undefined) assert.equal(env[key], outer[key]);
  });

  it('gives PATH back without the entries npm run put in front', () => {
    const env = childEnv({}, outer);
    assert.equal(env.PATH, process.env.PATH?.split(':').filter((p) => !/node_modules\/\.bin$|node-gyp-bin$/.test(p)).join(':'));
    assert.doesNotMatch(env.PATH ?? '', /node_modules\/\.bin|node-gyp-bin/);
    // Outside npm run, PATH is left as it is.
    assert.equal(childEnv({}, { PATH: '/x/node_modules/.bin:/usr/bin' }).PATH, '/x/node_modules/.bin:/usr/bin');
    assert.equal(stripNpmPath('/a/node_modules/.bin:/node_modules/.bin:/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin:/usr/bin:/p/node_modules/.bin'), '/usr/bin:/p/node_modules/.bin');
  });

  it('keeps the user\'s own upper-case NPM_CONFIG_* and applies overrides (undefined removes)', () => {
    const env = childEnv({ GOFLAGS: '-mod=readonly', HOME: undefined }, { ...outer, NPM_CONFIG_REGISTRY: 'https://mirror.example/' });
    assert.equal(env.NPM_CONFIG_REGISTRY, 'https://mirror.example/');
    assert.equal(env.GOFLAGS, '-mod=readonly');
    assert.equal('HOME' in env, false);
    assert.equal(isNpmRunVariable('npm_config_user_agent'), true);
    assert.equal(isNpmRunVariable('NPM_CONFIG_REGISTRY'), false);
  });

  it('a nested npm sees its own Node, not the outer npm\'s (the code-server postinstall check)', () => {
    const fake = { ...outer, npm_config_user_agent: 'npm/11.0.0 node/v1.2.3 linux x64 workspaces/false' };
    // What a nested npm hands its scripts (code-server's postinstall reads the Node version from it).
    const ask = (env: Record<string, string>): string => /^npm_config_user_agent=(.*)$/m.exec(spawnSync('npm', ['run', '--silent', 'env'], { cwd: root, encoding: 'utf8', env }).stdout)?.[1] ?? '';
    assert.match(ask(fake), /node\/v1\.2\.3/, 'the leak is real: npm reads npm_config_user_agent from its environment');
    assert.match(ask(childEnv({}, fake)), new RegExp(`node/${process.version.replace(/\./g, '\\.')}`));
  });
});

describe('scripts start processes with childEnv', () => {
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((e) => {
      const p = join(dir, e);
      return statSync(join(root, p)).isDirectory() ? files(p) : /\.(ts|mjs)$/.test(e) && !/\.(d\.mts|test\.ts)$/.test(e) ? [p] : [];
    });

  it('every spawn in scripts/ and the e2e harness passes an env built from childEnv (or goEnv, planeEnv)', () => {
    const offenders: string[] = [];
    for (const file of [...files('scripts'), ...files('test/e2e/harness')]) {
      const text = readFileSync(join(root, file), 'utf8');
      // Each call's argument list, up to the closing of its options object.
      for (const m of text.matchAll(/\b(spawn|spawnSync|execFile|execFileSync)\(([^;]*?)\)(;|\s*$|,\s*\n)/gm)) {
        const call = m[2] ?? '';
        if (/\benv\b/.test(call)) continue;
        if (file.endsWith('demo-repo.mjs')) continue; // git with its own minimal environment (gitEnv)
        offenders.push(`${relative(root, join(root, file))}: ${m[0].slice(0, 80)}`);
      }
      if (/\benv: (process\.env|\{ \.\.\.process\.env)/.test(text)) offenders.push(`${file}: env built from process.env`);
    }
    assert.deepEqual(offenders, []);
  });
});
