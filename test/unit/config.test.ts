import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, parseConfig } from '../../src/core/config';

describe('.rollbackguard.yaml', () => {
  it('reads every documented setting', () => {
    const config = parseConfig(
      [
        'base: origin/main',
        'analyse: all',
        'rules:',
        '  RG101: off',
        '  no-health-gate: error',
        '  RG105: {enabled: true, severity: info}',
        'ignore: ["vendor/**"]',
        'migrations:',
        '  paths: ["sql/**/*.sql"]',
        '  dialects:',
        '    - {path: "db/mysql/**", dialect: mysql}',
        'production:',
        '  contexts: ["gke_*_prod"]',
        'maxFileSizeKb: 2048',
        '',
      ].join('\n'),
    );
    assert.equal(config.base, 'origin/main');
    assert.equal(config.analyse, 'all');
    assert.deepEqual([...config.rules], [
      ['RG101', { enabled: false }],
      ['RG104', { enabled: true, severity: 'error' }],
      ['RG105', { enabled: true, severity: 'info' }],
    ]);
    assert.deepEqual(config.ignore, ['vendor/**']);
    assert.deepEqual(config.migrations.dialects, [{ path: 'db/mysql/**', dialect: 'mysql' }]);
    assert.deepEqual(config.production.contexts, [...DEFAULT_CONFIG.production.contexts, 'gke_*_prod'], 'added to the defaults');
    assert.equal(config.maxFileSizeKb, 2048);
  });

  it('an empty file means the defaults', () => {
    assert.deepEqual(parseConfig(''), { ...DEFAULT_CONFIG });
    assert.deepEqual(parseConfig('# nothing yet\n'), { ...DEFAULT_CONFIG });
  });

  const errors: [string, string, RegExp][] = [
    ['unknown setting', 'bsae: main\n', /^\.rollbackguard\.yaml:1:1: unknown setting `bsae`$/],
    ['unknown nested setting', 'production:\n  context: [x]\n', /:2:3: unknown setting `context` under `production`$/],
    ['unknown rule', 'rules:\n  RG999: off\n', /:2:3: unknown rule `RG999`$/],
    ['bad severity', 'rules:\n  RG101: loud\n', /:2:10: `rules\.RG101` must be equal to one of the allowed values: \["off","on","error","warning","info","hint"\]$/],
    ['bad dialect', 'migrations:\n  dialects:\n    - {path: x, dialect: access}\n', /:3:26: `migrations\.dialects\.0\.dialect` must be equal to one of the allowed values: \["postgres","mysql","mariadb","sqlite","cockroachdb","h2","sqlserver","oracle","db2","hsqldb","derby","clickhouse"\]$/],
    ['invalid YAML', 'rules: [unclosed\n', /:\d+:\d+: invalid YAML/],
    ['wrong type', 'maxFileSizeKb: big\n', /:1:16: `maxFileSizeKb` must be integer$/],
  ];
  for (const [name, text, pattern] of errors) {
    it(`rejects ${name} with its position`, () => {
      assert.throws(() => parseConfig(text), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }
});
