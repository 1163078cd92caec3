import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/core/config';
import { Engine } from '../../../src/core/engine';
import { analyze, fixture, located, only } from '../helpers';
import { analyzeMigration, fixtureReader } from './support';

describe('PostgreSQL: byte offsets become editor positions', () => {
  it('maps statements after non-ASCII comments and identifiers to UTF-16 columns', async () => {
    const text = '-- Übernahme 🚚\nALTER TABLE "bestellungen" DROP COLUMN "größe"; /* ✓ */ ALTER TABLE "bestellungen" RENAME COLUMN "maß" TO "mass";\n';
    const findings = await analyze('db/x.sql', text);
    const lines = text.split('\n');
    const slice = (f: (typeof findings)[number]) => lines[f.range.start.line]!.slice(f.range.start.character, f.range.end.character);
    assert.equal(slice(only(findings, 'RG202')[0]!), 'ALTER TABLE "bestellungen" DROP COLUMN "größe"');
    assert.equal(slice(only(findings, 'RG203')[0]!), 'ALTER TABLE "bestellungen" RENAME COLUMN "maß" TO "mass"');
  });

  it('reports a syntax error at the parser cursor (after multi-byte text) and keeps the statements before it', async () => {
    const text = "UPDATE t SET a = 'é' WHERE id = 1;\nALTER TABLE ü ADD COLUMN;\nDROP TABLE c;\n";
    const findings = await analyze('db/x.sql', text);
    assert.deepEqual(located(findings), ['RG207@1:1', 'RG003@2:25']);
    assert.match(only(findings, 'RG003')[0]!.message, /syntax error at or near ";"/);
  });
});

describe('rule semantics', () => {
  it('ADD COLUMN … NOT NULL DEFAULT is fine; a table created in the same migration is never reported for RG205/RG212', async () => {
    const findings = await analyze(
      'db/x.sql',
      "ALTER TABLE o ADD COLUMN s text NOT NULL DEFAULT 'open';\nCREATE TABLE r (id bigint);\nALTER TABLE r ADD COLUMN why text NOT NULL;\nCREATE INDEX i ON r (why);\nALTER TABLE r ADD CONSTRAINT u UNIQUE (why);\n",
    );
    assert.deepEqual(located(findings), []);
  });

  it('DELETE without WHERE and TRUNCATE are restore-required errors; backfills are compensatable warnings', async () => {
    const findings = await analyze('db/x.sql', 'UPDATE o SET a = 1;\nDELETE FROM s;\nTRUNCATE t;\n');
    assert.deepEqual(
      findings.map((f) => `${f.ruleId}:${f.severity}:${f.rollbackClass}`),
      ['RG207:warning:compensatable', 'RG207:error:restore-required', 'RG207:error:restore-required'],
    );
  });

  it('a compatibility view or generated column with the old name suppresses RG203', async () => {
    assert.deepEqual(located(await analyze('db/x.sql', 'ALTER TABLE a RENAME TO b;\nCREATE VIEW a AS SELECT * FROM b;\n')), []);
    // (The stored generated column rewrites the table: RG212, not RG203.)
    assert.deepEqual(located(await analyze('db/x.sql', 'ALTER TABLE a RENAME COLUMN x TO y;\nALTER TABLE a ADD COLUMN x int GENERATED ALWAYS AS (y) STORED;\n')), ['RG212@2:1']);
    assert.deepEqual(located(await analyze('db/x.sql', 'ALTER TABLE a RENAME COLUMN x TO y;\n')), ['RG203@1:1']);
    // A view with the old column name keeps it readable too; a shim only counts when it follows the rename.
    assert.deepEqual(located(await analyze('db/x.sql', 'ALTER TABLE a RENAME COLUMN x TO y;\nCREATE VIEW a_compat (x) AS SELECT y FROM a;\n')), []);
    assert.deepEqual(located(await analyze('db/x.sql', 'CREATE VIEW a AS SELECT * FROM c;\nALTER TABLE a RENAME TO b;\n')), ['RG203@2:1']);
    assert.deepEqual(located(await analyze('db/x.sql', 'CREATE VIEW v (x) AS SELECT 1;\nALTER TABLE a RENAME COLUMN x TO y;\nALTER TABLE a RENAME COLUMN z TO w;\nCREATE VIEW v2 (z) AS SELECT 1;\n')), ['RG203@2:1']);
  });

  it('RG209/RG210 read the down next to the up (the engine reader supplies unsaved buffers)', async () => {
    const files: Record<string, string> = {
      'm/1_a.up.sql': 'ALTER TABLE o DROP COLUMN t;\n',
      'm/1_a.down.sql': 'ALTER TABLE o ADD COLUMN t numeric;\n',
    };
    const engine = new Engine({ readFile: (p) => files[p] });
    assert.deepEqual(located((await engine.analyze({ path: 'm/1_a.up.sql', text: files['m/1_a.up.sql']! })).findings), ['RG202@1:1']);
    assert.deepEqual(located((await engine.analyze({ path: 'm/1_a.down.sql', text: files['m/1_a.down.sql']! })).findings), ['RG210@1:1']);
    // Without the down, the up is reported as missing one.
    const alone = new Engine({ readFile: () => undefined });
    assert.deepEqual(located((await alone.analyze({ path: 'm/1_a.up.sql', text: files['m/1_a.up.sql']! })).findings), ['RG202@1:1', 'RG209@1:1']);
    // An additive up needs no down.
    assert.deepEqual(located((await alone.analyze({ path: 'm/2_b.up.sql', text: 'ALTER TABLE o ADD COLUMN n text;\n' })).findings), []);
    // The missing down is named as the user would look for it.
    assert.match(only((await alone.analyze({ path: 'm/1_a.up.sql', text: files['m/1_a.up.sql']! })).findings, 'RG209')[0]!.message, /\(1_a\.down\.sql\)/);
    const sqitch = only((await alone.analyze({ path: 'db/deploy/drop_t.sql', text: files['m/1_a.up.sql']! })).findings, 'RG209');
    assert.match(sqitch[0]!.message, /\(revert\/drop_t\.sql\)/);
  });

  it('Prisma says "no down" once, in migration_lock.toml, not per migration', async () => {
    const migration = await analyzeMigration('prisma/migrations/20240501120000_drop_legacy/migration.sql');
    assert.equal(only(migration.findings, 'RG209').length, 0);
    const lock = await analyzeMigration('prisma/migrations/migration_lock.toml');
    assert.deepEqual(lock.findings.map((f) => `${f.ruleId}:${f.severity}`), ['RG209:info']);
  });

  it('RG211 is per migration: one finding per table that is expanded and contracted together', async () => {
    const findings = await analyze('db/x.sql', 'ALTER TABLE o ADD COLUMN c bigint;\nALTER TABLE o DROP COLUMN a;\nALTER TABLE o DROP COLUMN b;\n');
    assert.deepEqual(located(findings, 'RG211'), ['RG211@2:1']);
  });
});

describe('MySQL: what InnoDB does, not what PostgreSQL would', () => {
  const mysql = { config: parseConfig('migrations:\n  dialects:\n    - path: "**/*.sql"\n      dialect: mysql\n') };
  const postgres = { config: parseConfig('migrations:\n  dialects:\n    - path: "**/*.sql"\n      dialect: postgres\n') };

  it('CREATE/DROP INDEX build and drop online (not RG212); a unique index still tightens (RG213); ALGORITHM=COPY is a rewrite', async () => {
    const text = 'CREATE INDEX i ON o (a);\nDROP INDEX j ON o;\nCREATE UNIQUE INDEX u ON o (b);\nCREATE INDEX k ON o (c) ALGORITHM=COPY;\n';
    assert.deepEqual(located(await analyze('db/1.sql', text, mysql)), ['RG213@3:1', 'RG212@4:1']);
    // The same index statements as PostgreSQL take write locks.
    assert.deepEqual(located(await analyze('db/1.sql', 'CREATE INDEX i ON o (a);\nDROP INDEX j;\n', postgres)), ['RG212@1:1', 'RG212@2:1']);
    const unique = await analyze('db/1.sql', 'ALTER TABLE o ADD CONSTRAINT u UNIQUE (b);\n', mysql);
    assert.deepEqual(located(unique), ['RG213@1:1']);
    assert.match(unique[0]!.message, /unique index u on o/);
  });

  it('a foreign key, a CHECK and a primary key copy or rebuild the table: RG212 advises what works on InnoDB, never NOT VALID', async () => {
    const text = 'ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES c (id);\nALTER TABLE o ADD CONSTRAINT ck CHECK (a > 0);\nALTER TABLE p ADD PRIMARY KEY (id);\n';
    const lock = only(await analyze('db/1.sql', text, mysql), 'RG212');
    assert.deepEqual(lock.map((f) => f.range.start.line + 1), [1, 2, 3]);
    assert.match(lock[0]!.message, /foreign_key_checks on, MySQL adds it with ALGORITHM=COPY/);
    assert.match(lock[1]!.message, /validates it by copying the table/);
    assert.match(lock[2]!.message, /DROP PRIMARY KEY can only copy it/);
    for (const f of lock) assert.doesNotMatch(f.message, /NOT VALID|CONCURRENTLY/);
    // The same statements as PostgreSQL: NOT VALID is the answer there.
    const pg = only(await analyze('db/1.sql', text, postgres), 'RG212');
    assert.match(pg[0]!.message, /Add it NOT VALID, then VALIDATE CONSTRAINT/);
  });

  it('ALTER [COLUMN] … SET/DROP DEFAULT is read next to the clauses the grammar knows; an unknown clause is still a note', async () => {
    const text = 'ALTER TABLE shop.`o` ALTER COLUMN `a` DROP DEFAULT, ADD COLUMN b INT NOT NULL, ALTER c SET DEFAULT \'x, y\';\n';
    const findings = await analyze('db/1.sql', text, mysql);
    assert.deepEqual(located(findings), ['RG205@1:1', 'RG206@1:1']);
    assert.match(only(findings, 'RG206')[0]!.message, /default of shop\.o\.a/);
    assert.deepEqual(located(await analyze('db/1.sql', 'ALTER TABLE o\n  -- callers send it now\n  ALTER COLUMN a DROP DEFAULT;\n', mysql)), ['RG206@1:1']);
    assert.deepEqual(located(await analyze('db/1.sql', 'ALTER TABLE o ALTER COLUMN a DROP DEFAULT, FROB b;\n', mysql)), ['RG003@1:15']);
  });
});

describe('messages name what the migration wrote', () => {
  it('PostgreSQL built-in types by their SQL names, with modifiers', async () => {
    const findings = await analyze('db/x.sql', 'ALTER TABLE o ALTER COLUMN c TYPE char(3);\nALTER TABLE o ALTER COLUMN t TYPE numeric(14, 2);\nALTER TABLE o ALTER COLUMN i TYPE bigint;\n');
    assert.deepEqual(findings.map((f) => /to (.+?) \(/.exec(f.message)?.[1]), ['char(3)', 'numeric(14, 2)', 'bigint']);
  });

  it('index names from Alembic op.f() and TypeORM TableIndex', async () => {
    const alembic = await analyze('versions/1_x.py', 'def upgrade():\n    op.create_index(op.f("ix_orders_email"), "orders", ["email"])\n\n\ndef downgrade():\n    op.drop_index(op.f("ix_orders_email"), table_name="orders")\n');
    assert.match(only(alembic, 'RG212')[0]!.message, /index ix_orders_email on orders/);
    const typeorm = await analyze(
      'src/migration/1_x.ts',
      "export class X implements MigrationInterface {\n  async up(queryRunner: QueryRunner) {\n    await queryRunner.createIndex('orders', new TableIndex({ name: 'IDX_orders_customer_id', columnNames: ['customer_id'] }));\n  }\n  async down(queryRunner: QueryRunner) {\n    await queryRunner.dropIndex('orders', 'IDX_orders_customer_id');\n  }\n}\n",
    );
    assert.match(only(typeorm, 'RG212')[0]!.message, /index IDX_orders_customer_id on orders/);
  });
});

describe('framework operations that do more than their name says', () => {
  it('Rails add_reference / t.references add an index unless `index: false`, and the foreign key when asked', async () => {
    const rb = (body: string) => `class A < ActiveRecord::Migration[7.1]\n  def change\n${body}  end\nend\n`;
    const plain = await analyze('db/migrate/1_a.rb', rb('    add_reference :orders, :customer\n'));
    assert.deepEqual(located(plain), ['RG212@3:5']);
    assert.deepEqual(located(await analyze('db/migrate/1_a.rb', rb('    add_reference :orders, :customer, index: false\n'))), []);
    const table = await analyze('db/migrate/1_a.rb', rb('    change_table :orders do |t|\n      t.references :customer, foreign_key: true\n    end\n'));
    // One finding for the statement; no RG213, as the previous release only ever leaves the new column NULL.
    assert.deepEqual(located(table), ['RG212@4:7']);
    assert.match(table[0]!.message, /index and validates a FOREIGN KEY on orders/);
  });

  it('Django AddField of a ForeignKey adds <name>_id, its index and its constraint (db_index/db_constraint=False turn them off)', async () => {
    const py = (field: string) => `from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(model_name="order", name="customer", field=${field}),\n    ]\n`;
    const fk = await analyze('shop/migrations/0002_a.py', py('models.ForeignKey(null=True, on_delete=models.PROTECT, to="shop.customer")'));
    assert.deepEqual(located(fk), ['RG212@5:9']);
    const notNull = await analyze('shop/migrations/0002_a.py', py('models.ForeignKey(on_delete=models.PROTECT, to="shop.customer", db_index=False, db_constraint=False)'));
    assert.deepEqual(located(notNull), ['RG205@5:9']);
    assert.match(notNull[0]!.message, /shop_order\.customer_id/);
  });
});

describe('editor summaries', () => {
  it('puts the rollback class and its reason at the top of the migration', async () => {
    const result = await analyzeMigration('golang-migrate/001_drop_legacy_total.up.sql');
    assert.deepEqual(result.summaries, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, rollbackClass: 'restore-required', reason: 'drops orders.legacy_total' }]);
    const additive = await analyzeMigration('golang-migrate/004_add_notes.up.sql');
    assert.deepEqual(additive.summaries.map((s) => `${s.rollbackClass} · ${s.reason}`), ['reversible · additive only']);
  });

  it('gives each Liquibase changeSet its own summary at the changeSet', async () => {
    const result = await analyzeMigration('liquibase/db/changelog/db.changelog-2024.xml');
    assert.deepEqual(
      result.summaries.map((s) => `${s.range.start.line + 1} ${s.rollbackClass} · ${s.reason}`),
      [
        '4 restore-required · changeSet drop-legacy-total: drops orders.legacy_total (+1 more)',
        '7 forward-only · changeSet rename-mail: renames customers.mail',
        '10 forward-only · changeSet widen-total: changes the type of orders.total',
        '16 restore-required · changeSet backfill: deletes every row of sessions (+2 more)',
        '21 restore-required · changeSet drop-carts: drops table carts (+1 more)',
        '27 forward-only · changeSet region-not-null: adds NOT NULL orders.channel without a default (+1 more)',
      ],
    );
  });
});

describe('suppressions use the real parsers’ comments', () => {
  it('SQL (-- and /* */), Python/Ruby (#), JS/TS (//), XML (<!-- -->)', async () => {
    assert.deepEqual(located(await analyze('db/x.sql', '-- rollback-guard-ignore RG202: backed up in ticket 42\nALTER TABLE o DROP COLUMN a;\n')), []);
    assert.deepEqual(located(await analyze('db/x.sql', "/* rollback-guard-ignore RG202: backed up */\nALTER TABLE o DROP COLUMN a;\nSELECT '-- rollback-guard-ignore RG202: no';\n")), []);
    const py = 'def upgrade():\n    # rollback-guard-ignore RG202: backed up\n    op.drop_column("o", "a")\n\n\ndef downgrade():\n    op.add_column("o", sa.Column("a", sa.Text()))\n';
    assert.deepEqual(located(await analyze('alembic/versions/1_x.py', py)), ['RG210@7:5']);
    const rb = 'class X < ActiveRecord::Migration[7.1]\n  def change\n    # rollback-guard-ignore RG202, RG209: backed up\n    remove_column :o, :a\n  end\nend\n';
    assert.deepEqual(located(await analyze('db/migrate/1_x.rb', rb)), []);
    const js = "exports.up = (knex) => knex.schema.table('o', (t) => {\n  // rollback-guard-ignore RG202: backed up\n  t.dropColumn('a');\n});\nexports.down = (knex) => knex.schema.table('o', (t) => { t.text('a'); });\n";
    assert.deepEqual(located(await analyze('migrations/1_x.js', js)), ['RG210@5:58']);
    const xml = '<databaseChangeLog>\n  <changeSet id="1" author="a">\n    <!-- rollback-guard-ignore RG202, RG209: backed up -->\n    <dropColumn tableName="o" columnName="a"/>\n  </changeSet>\n</databaseChangeLog>\n';
    assert.deepEqual(located(await analyze('db/changelog/x.xml', xml)), []);
  });

  it('a string that looks like a comment in Python is not a suppression', async () => {
    const py = 'def upgrade():\n    x = "# rollback-guard-ignore RG202: no"\n    op.drop_column("o", "a")\n\n\ndef downgrade():\n    pass\n';
    assert.deepEqual(located(await analyze('versions/1_x.py', py)), ['RG202@3:5', 'RG209@6:5']);
  });
});

describe('robustness: clear notes, no exception, no hang', () => {
  it('tags the XML parser could read as nested, inside a broken attribute value: one note, no stack overflow', async () => {
    const text = `<?xml version="1.0"?>\n<databaseChangeLog xmlns="x" a="http://www.${'<b x="1">'.repeat(300)}">\n</databaseChangeLog>\n`;
    const findings = await analyze('db/changelog/master.xml', text);
    assert.deepEqual(findings.map((f) => f.ruleId), ['RG003']);
    assert.match(findings[0]!.message, /deeper than 100 XML elements/);
  });

  it('a file with only comments: no findings, "no schema change"', async () => {
    const result = await analyzeMigration('postgres/comments-only.sql');
    assert.deepEqual(located(result.findings), []);
    assert.equal(result.summaries[0]?.reason, 'no schema change');
  });

  it('an empty file and whitespace', async () => {
    assert.deepEqual(located(await analyze('db/x.sql', '')), []);
    assert.deepEqual(located(await analyze('db/x.sql', '\n\n  \n')), []);
  });

  it('unterminated strings and comments', async () => {
    assert.deepEqual(located(await analyze('db/x.sql', "DROP TABLE a;\nUPDATE b SET c = 'oops;\n")), ['RG201@1:1', 'RG003@2:18']);
    assert.deepEqual(located(await analyze('db/x.sql', 'DROP TABLE a;\n/* never closed\n')), ['RG201@1:1', 'RG003@2:1']);
  });

  it('mixed dialects: the reading that gets further wins, with both parsers named', async () => {
    // Outside a folder that names the dialect, so the dialect is detected.
    const note = only(await analyze('db/mixed.sql', fixture('migrations/mysql/mixed.sql')), 'RG003')[0]!;
    assert.match(note.message, /MySQL parser/);
    assert.match(note.message, /PostgreSQL parser fails too/);
    assert.match(note.message, /migrations\.dialects/);
  });

  it('migrations.dialects forces the dialect per glob', async () => {
    const config = parseConfig('migrations:\n  dialects:\n    - path: "db/mysql/**"\n      dialect: mysql\n');
    // Valid in both dialects; as MySQL, the index build is not reported as lock-heavy by the PostgreSQL rule.
    const text = 'ALTER TABLE `o` DROP COLUMN a;\n';
    assert.deepEqual(located(await analyze('db/mysql/1.sql', text, { config })), ['RG202@1:1']);
    const forced = parseConfig('migrations:\n  dialects:\n    - path: "**/*.sql"\n      dialect: postgres\n');
    const findings = await analyze('db/mysql/1.sql', text, { config: forced });
    assert.deepEqual(located(findings), ['RG003@1:13']);
    assert.doesNotMatch(only(findings, 'RG003')[0]!.message, /MySQL/);
  });

  it('malformed Python, Ruby, JS and XML: a note at the error, the rest still analysed', async () => {
    const py = 'def upgrade():\n    op.drop_column("o", "a")\n    op.add_column("o", (\n\n\ndef downgrade():\n    pass\n';
    const findings = await analyze('versions/1_x.py', py);
    assert.ok(located(findings).includes('RG202@2:5'));
    assert.equal(only(findings, 'RG003').length, 1);
    const xml = '<databaseChangeLog>\n  <changeSet id="1" author="a">\n    <dropColumn tableName="o" columnName="a"/>\n  </changeSet>\n  <changeSet id="2"\n</databaseChangeLog>\n';
    const xmlFindings = await analyze('db/changelog/x.xml', xml);
    assert.equal(only(xmlFindings, 'RG003').length, 1);
  });

  // Its time is measured by `npm run bench -- robustness` (UPDATE statements), never asserted here.
  it('a 5 MB migration is analysed whole', async () => {
    const statement = "UPDATE orders SET status = 'archived', note = 'bulk clean-up of old orders' WHERE id = 123456;\n";
    const text = 'ALTER TABLE orders DROP COLUMN legacy_total;\n' + statement.repeat(Math.ceil((5 * 1024 * 1024) / statement.length));
    const findings = await analyze('db/big.sql', text);
    assert.equal(findings[0]?.ruleId, 'RG202');
    assert.ok(findings.length > 50_000);
  });

  it('a file that is not a migration in a framework directory yields nothing', async () => {
    assert.deepEqual(located(await analyze('app/migrations/__init__.py', '')), []);
    assert.deepEqual(located(await analyze('app/migrations/helpers.py', 'def helper():\n    return 1\n')), []);
    assert.deepEqual(located(await analyze('src/migrations/index.ts', 'export const all = [];\n')), []);
    assert.deepEqual(located(await analyze('config/changelog.xml', '<project><version>1</version></project>\n')), []);
  });
});

void fixtureReader;
