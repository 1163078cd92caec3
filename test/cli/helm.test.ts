import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, workspace } from './run';

const CHARTS = join(__dirname, '..', 'fixtures', 'charts');

/** `file:line:col severity rule` of each finding line. */
function heads(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => / RG\d{3} /.test(l))
    .map((l) => l.split(' ').slice(0, 3).join(' '));
}

describe('rollback-guard check on Helm charts', () => {
  it('renders a chart with its values; --values and .rollbackguard.yaml add values files; --no-render reads by masking', () => {
    const dir = workspace({});
    cpSync(join(CHARTS, 'guarded'), join(dir, 'charts', 'web'), { recursive: true });
    writeFileSync(join(dir, 'prod.yaml'), 'image:\n  tag: latest\n');

    const rendered = cli(['check', '--format', 'text'], dir);
    assert.equal(rendered.stderr, '');
    assert.deepEqual(heads(rendered.stdout), [
      'charts/web/templates/deployment.yaml:9:5 warning RG105',
      'charts/web/templates/deployment.yaml:17:11 warning RG104',
      'charts/web/templates/deployment.yaml:18:18 hint RG101',
    ]);

    assert.deepEqual(heads(cli(['check', '--values', 'prod.yaml'], dir).stdout), [
      'charts/web/templates/deployment.yaml:9:5 warning RG105',
      'charts/web/templates/deployment.yaml:17:11 warning RG104',
      'charts/web/templates/deployment.yaml:18:18 warning RG101',
    ]);

    writeFileSync(join(dir, '.rollbackguard.yaml'), 'helm:\n  charts:\n    charts/web:\n      values: [../../prod.yaml]\n');
    assert.deepEqual(heads(cli(['check'], dir).stdout), [
      'charts/web/templates/deployment.yaml:9:5 warning RG105',
      'charts/web/templates/deployment.yaml:17:11 warning RG104',
      'charts/web/templates/deployment.yaml:18:18 warning RG101',
    ]);

    // Masked, the guarded probe counts as present and the values are unknown.
    assert.deepEqual(heads(cli(['check', '--no-render'], dir).stdout), []);
  });

  it('says that a SQL file of a chart holding template actions is a Helm template', () => {
    const dir = workspace({});
    cpSync(join(CHARTS, 'sqlfiles'), join(dir, 'charts', 'db'), { recursive: true });
    const lines = cli(['check', '--format', 'text'], dir).stdout.split('\n').filter((l) => / RG\d{3} /.test(l));
    assert.deepEqual(lines, [
      'charts/db/files/init-dbs.sql:2:1 info RG003 Not analysed: a Helm template of the chart in `charts/db`, not SQL as written. Its `{{ … }}` actions are filled in when the chart renders it.',
    ]);
  });

  it('a --values file that does not exist is a usage error', () => {
    const result = cli(['check', '--values', 'nope.yaml'], workspace({ 'a.yaml': 'a: 1\n' }));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--values .*nope\.yaml: no such file/);
  });
});
