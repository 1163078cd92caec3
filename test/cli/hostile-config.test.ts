/**
 * A repository's `.rollbackguard.yaml` is untrusted: it can make the tool
 * stricter, never weaker, slower without bound or crash. Each case runs the
 * built CLI on a repository holding such a configuration.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { matchProductionContext } from '../../src/cluster/production';
import { loadConfig } from '../../src/cli/config';
import { cli, workspace } from './run';

const LONG = 'a'.repeat(34);

function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\nignore: *a9\n`;
}

describe('a hostile .rollbackguard.yaml', () => {
  it('a backtracking `ignore` glob is a configuration error at its line, at once', () => {
    const dir = workspace({ '.rollbackguard.yaml': 'ignore:\n  - "**/@(a+|a)+b"\n', [`k8s/${LONG}.yaml`]: '' });
    const result = cli(['check', '.'], dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\.rollbackguard\.yaml:2:5: `ignore\.0`: extended glob patterns like @\(…\) are not supported in `\*\*\/@\(a\+\|a\)\+b`/);
  });

  it('the same through migrations.paths', () => {
    const dir = workspace({ '.rollbackguard.yaml': 'migrations:\n  paths:\n    - "**/@(a+|a)+b"\n', [`db/${LONG}.yaml`]: '' });
    const result = cli(['check', '.'], dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /`migrations\.paths\.0`: extended glob patterns/);
  });

  it('the same through migrations.owners paths', () => {
    const dir = workspace({ '.rollbackguard.yaml': 'migrations:\n  owners:\n    - workload: deployment/web\n      paths: ["db", "**/@(a+|a)+b"]\n', [`db/${LONG}.sql`]: '' });
    const result = cli(['check', '.'], dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /`migrations\.owners\.0\.paths\.1`: extended glob patterns/);
  });

  it('maxFileSizeKb has a maximum: a 700 MB file is skipped with a note, never read', () => {
    const over = workspace({ '.rollbackguard.yaml': 'maxFileSizeKb: 100000000\n' });
    const refused = cli(['check', '.'], over);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /`maxFileSizeKb` must be <= 51200/);

    const dir = workspace({ '.rollbackguard.yaml': 'maxFileSizeKb: 51200\n', 'k8s/big.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    // A sparse file: 700 MB on paper, nothing on disk.
    const fd = openSync(join(dir, 'k8s/big.yaml'), 'r+');
    writeSync(fd, 'x', 700 * 1024 * 1024 - 1);
    closeSync(fd);
    const result = cli(['check', '.'], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /note: skipped k8s\/big\.yaml: larger than 51200 KB/);
  });

  it('an alias bomb is a configuration error, not a crash', () => {
    const dir = workspace({ '.rollbackguard.yaml': aliasBomb(), 'k8s/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' });
    const result = cli(['check', '.'], dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /invalid configuration: .*\.rollbackguard\.yaml:\d+:\d+: invalid YAML: YAML aliases expand this document to more than 100,000 values/);
    assert.doesNotMatch(result.stderr, /internal error/);
  });

  it('production.contexts adds to the defaults: a prod-* context still needs its name typed back', () => {
    const dir = workspace({ '.rollbackguard.yaml': 'production:\n  contexts: ["no-such-context"]\n' });
    const { config } = loadConfig(dir, undefined);
    assert.deepEqual(matchProductionContext('prod-eu', config.production.contexts), { production: true, pattern: 'prod*' });
    assert.deepEqual(matchProductionContext('no-such-context', config.production.contexts), { production: true, pattern: 'no-such-context' });
    assert.equal(matchProductionContext('staging', config.production.contexts).production, false);
  });
});
