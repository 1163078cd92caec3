import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, parseConfig } from '../../../src/core/config';
import { Engine } from '../../../src/core/engine';
import { unreadMigrationFolders, vendoredMigrationFolders, vendoredRoot } from '../../../src/core/migrations/layout';

describe('vendored code and test stubs are not the project’s migrations', () => {
  const engine = new Engine();
  const paths = [
    'vendor/github.com/acme/popx/migrations/000001_init.up.sql',
    'oryx/popx/stub/migrations/legacy/20190100000001_identities.sqlite3.up.sql',
    'persistence/sql/migratest/testdata/20200317160354_testdata.sql',
    'third_party/lib/db/migrate/20200101000000_drop_things.rb',
  ];

  it('are not read as migrations, and each folder is named once with its count', () => {
    for (const p of paths) assert.equal(engine.handles(p) || engine.mayHandle(p), false, p);
    assert.ok(engine.handles('migrations/000001_init.up.sql'));
    assert.ok(engine.handles('db/migrate/20200101000000_drop_things.rb'));
    assert.equal(vendoredRoot(paths[1]!), 'oryx/popx/stub');
    assert.deepEqual(vendoredMigrationFolders([...paths, 'vendor/github.com/acme/popx/README.md', 'vendor/charts/app/values.yaml'], DEFAULT_CONFIG), [
      { dir: 'oryx/popx/stub', files: 1 },
      { dir: 'persistence/sql/migratest/testdata', files: 1 },
      { dir: 'third_party', files: 1 },
      { dir: 'vendor', files: 1 },
    ]);
    // The folder gets that note, not "named like a migrations folder, but none of its files is read".
    assert.deepEqual(unreadMigrationFolders(paths, () => false), []);
  });

  it('are read when migrations.paths names them', () => {
    const config = parseConfig('migrations:\n  paths: ["oryx/popx/stub/migrations/**"]\n');
    const configured = new Engine({ config });
    assert.ok(configured.handles(paths[1]!));
    assert.equal(configured.handles(paths[0]!), false);
    assert.deepEqual(vendoredMigrationFolders(paths.slice(0, 2), config), [{ dir: 'vendor', files: 1 }]);
  });
});
