/**
 * Small projects laid out the way real repositories lay out their migrations
 * (test/fixtures/migration-projects/<project>/), each checked by the built
 * CLI as a user would run it: every finding (file, line, column, rule) and
 * every note is asserted exactly, and every message is held to the hover
 * rules (a first sentence that stands alone in ~120 characters, no
 * placeholder names).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { cli } from './run';

const ROOT = join(__dirname, '..', 'fixtures', 'migration-projects');

/** Project → `file:line:column RULE` of every finding (paths relative to the project), in output order. */
const EXPECTED: Record<string, string[]> = {
  // A constraint on a column the same migration adds: the previous release only ever leaves it NULL.
  'fk-on-new-column': [
    'db/changelog/db.changelog-1.1.xml:7:5 RG212',
    'db/migrate/20240101000000_add_coupon_to_orders.rb:3:5 RG212',
    // The default fills existing rows with values the foreign key may reject.
    'migrations/002_add_ref.up.sql:2:1 RG213',
    'migrations/003_add_code.up.sql:1:1 RG212',
    'migrations/003_add_code.up.sql:2:1 RG212',
    'shop/migrations/0002_order_coupon.py:9:9 RG212',
  ],
  // The squash that replaces the initial migrations runs on empty databases.
  'django-initial-squash': [],
  // AlterField is judged by the change it makes to the database.
  'django-alterfield': [
    'shop/migrations/0003_profile_nickname.py:9:9 RG205',
    'shop/migrations/0003_profile_nickname.py:10:9 RG206',
    'shop/migrations/0003_profile_nickname.py:11:9 RG204',
    'shop/migrations/0003_profile_nickname.py:12:9 RG203',
  ],
  // Filling a column the migration adds overwrites nothing; `plan` is an existing column.
  'backfill-new-column': ['db/002_plan.sql:2:1 RG207'],
  // A column swapped under its old name is a type change; the renamed-away values are dropped.
  'column-swap': [
    'db/002_owner_uuid.sql:2:1 RG204',
    'db/002_owner_uuid.sql:4:1 RG202',
    'db/003_amount_numeric.sql:4:1 RG204',
    // Dropped and re-added under the same name: the values are gone and the type changes; nothing is added beside a drop.
    'db/004_payload_blob.sql:1:1 RG202',
    'db/004_payload_blob.sql:2:1 RG204',
    // The values copied aside, the column re-added and the values written back: only the type changes.
    'db/005_schedule_text.sql:4:1 RG204',
  ],
  // SQLite has no CONCURRENTLY; CockroachDB and H2 syntax gets one note naming the dialect; Flyway without undo files gets one note.
  'dialect-files': [
    'db/clickhouse/migrations/04_add_tag.sql:1:1 RG003',
    'db/migration/h2/V2__widen.sql:1:1 RG003',
    'db/migration/h2/V2__widen.sql:1:1 RG209',
    'migrations/003_idx.postgres.up.sql:1:1 RG212',
    'migrations/004_lookup.cockroach.down.sql:1:1 RG003',
    'migrations/004_lookup.cockroach.up.sql:1:1 RG003',
  ],
  // The same foreign key before and after: nothing relaxed, nothing tightened; a rewritten CHECK may reject old writes.
  'constraint-replaced': [
    'alembic/versions/a1b2c3_cascade.py:9:5 RG212',
    'db/004_cascade.sql:2:1 RG212',
    'db/005_status_check.sql:2:1 RG213',
    'db/migrate/20240101000000_cascade_items.rb:4:5 RG212',
  ],
  // Only deploy/ and revert/ are migrations; DO bodies are read; psql meta-commands are skipped; RG209 once, in the deploy script.
  'sqitch-project': [
    'deploy/seed_owners.sql:4:5 RG207',
    'deploy/seed_owners.sql:4:5 RG209',
    'deploy/seed_owners.sql:5:5 RG207',
    'deploy/widgets.sql:2:1 RG202',
    'revert/widgets.sql:2:1 RG210',
  ],
  // RunPython with a no-op reverse is judged by what the forward function does.
  'django-runpython': ['shop/migrations/0004_purge_drafts.py:6:5 RG207', 'shop/migrations/0005_normalise_state.py:8:9 RG207'],
  // Fields without a column, and NullBooleanField, which is nullable.
  'django-no-column': [],
  // An empty unique_together removes the constraint.
  'django-unique-together': ['shop/migrations/0002_drop_unique.py:8:19 RG206'],
  // A down that copies the values back before dropping.
  'down-restores': ['migrations/005_drop_nickname.up.sql:3:1 RG202', 'migrations/005_drop_nickname.up.sql:3:1 RG211'],
  // The default fills omitted values; an existing column made NOT NULL is the real risk.
  'not-null-with-default': [
    'db/002_email.sql:1:1 RG205',
    // The default that filled the existing rows is dropped: the previous release's INSERTs leave the new column NULL.
    'db/003_signature_level.sql:2:1 RG205',
  ],
  // A constraint dropped with its table is part of the table drop.
  'constraint-with-table': ['db/changelog/db.changelog-2.0.xml:5:5 RG201', 'db/changelog/db.changelog-2.0.xml:5:5 RG209'],
  // `dbms="mysql"`: InnoDB builds the index online.
  'liquibase-dbms': [],
  // A sequence renamed with ALTER TABLE is not a table rename.
  'sequence-rename': [],
  // A wider unique key relaxes.
  'unique-widened': ['db/007_token_scope.sql:1:1 RG206', 'db/007_token_scope.sql:2:1 RG212'],
  // Proxy and unmanaged models have no table of their own.
  'django-proxy': [],
  // Creating a table is additive, NOT NULL columns and all.
  'knex-create-table': [],
  // No placeholder names; an explicitly irreversible down is said as such.
  'rails-messages': [
    'db/migrate/20240101000000_add_version_indexes.rb:5:5 RG202',
    'db/migrate/20240101000000_add_version_indexes.rb:6:23 RG212',
    'db/migrate/20240101000000_add_version_indexes.rb:7:5 RG207',
    'db/migrate/20240101000000_add_version_indexes.rb:10:7 RG209',
  ],
  // Layouts read wherever they sit.
  'liquibase-include': ['db/changesets/rename_status.xml:4:5 RG203'],
  'typeorm-dialect-dir': ['src/migrations/postgres/1700000000000-DropLegacy.ts:6:30 RG202', 'src/migrations/postgres/1700000000000-DropLegacy.ts:10:30 RG210'],
  'knex-folder': [
    'db/knex_migrations/2024-01-01-drop-port.js:3:5 RG202',
    'db/knex_migrations/2024-01-01-drop-port.js:8:5 RG210',
    'server/db/migrations-sqlite/2.0.0-beta.1.js:3:5 RG202',
    'server/db/migrations-sqlite/2.0.0-beta.1.js:6:9 RG209',
  ],
  'rails-self-up': ['db/migrate/20100101000000_drop_open.rb:3:5 RG202', 'db/migrate/20100101000000_drop_open.rb:6:5 RG210'],
  // SQL built from interpolations and wrappers is read with a stand-in for the interpolated code.
  'interpolated-sql': [
    'migrations/20240101_idx.js:4:19 RG212',
    'versions/a1_backfill.py:11:18 RG207',
    'versions/a1_backfill.py:13:9 RG207',
    'versions/a1_backfill.py:17:5 RG209',
  ],
  // SQLAlchemy through the connection.
  'alembic-connection': ['versions/b2_rehash.py:10:27 RG207', 'versions/b2_rehash.py:12:5 RG207', 'versions/b2_rehash.py:15:5 RG209'],
  // Database operations of SeparateDatabaseAndState, AlterModelTable, adjacent literals.
  'django-separate': ['shop/migrations/0002_rename.py:11:17 RG203', 'shop/migrations/0002_rename.py:17:9 RG203', 'shop/migrations/0002_rename.py:18:28 RG203'],
  // Heredocs with .squish, and writes through a model.
  'rails-heredoc': [
    'db/migrate/20240101000000_purge_legacy_entries.rb:4:7 RG207',
    'db/migrate/20240101000000_purge_legacy_entries.rb:8:7 RG209',
    'db/migrate/20240102000000_normalise_comments.rb:5:7 RG207',
    'db/migrate/20240102000000_normalise_comments.rb:9:7 RG209',
  ],
  // `bool` and the BINARY attribute are MySQL.
  'mysql-grammar': ['db/migrations/20240101_sessions.sql:2:1 RG204'],
  // Flyway without undo migrations: one note for the folder, no RG209 per file.
  'flyway-no-undo': ['db/migration/V1__create_widgets.sql:1:1 RG209', 'db/migration/V2__drop_gadget_legacy.sql:1:1 RG202'],
  // The steps of one migration are judged together: a table rebuilt over four steps, a column swapped over three; each file reports its own statements.
  'multi-step': ['migrations/20240101000000000004_network.postgres.up.sql:2:1 RG202'],
  // SQLite tables rebuilt under their own name, twice in one up and once in the down.
  'typeorm-sqlite-rebuild': [],
  // Go migrations are not read: a note says so.
  'unread-layout': [],
  // A CHECK on a column the migration adds with a default: adding it validates every row, and the previous release never writes the column.
  'check-on-new-column': ['db/008_score.sql:2:1 RG212'],
  // An enum value cannot be removed: RG208 says so, and a down that leaves it is no missing down.
  'enum-value-down': ['migrations/007_mood.up.sql:1:1 RG208'],
  // A constraint named after the column the migration then drops goes with the column.
  'constraint-with-column': ['db/006_drop_list.sql:2:1 RG202', 'db/007_drop_auto_assign.sql:3:1 RG202'],
  // A column swapped under its old name is the old column to the previous release: NOT NULL on it is a tightening of a column it writes.
  'swap-tightened': ['db/009_amount.sql:4:1 RG204', 'db/009_amount.sql:5:1 RG205'],
  // A changelog that only creates, and marks its changeSets as run in Liquibase's own table, is a snapshot run on an empty database.
  'liquibase-snapshot': [],
  // JHipster's entity changelog and its constraints changelog are one migration: the foreign key is on a table the first creates.
  'jhipster-entity': [],
  // A CHECK that stood in for NOT NULL, dropped once the column is NOT NULL: nothing is relaxed.
  'rails-not-null-check': ['db/migrate/20240102000000_require_ends_at.rb:4:5 RG205'],
  // Knex specificType names the database type.
  'knex-specific-type': ['migrations/20240101000000_longtext.js:3:5 RG204'],
  // Alembic: nullable=True relaxes only a column an earlier revision made NOT NULL; a restated type is no change; SQL and Core writes held in names, and in a helper of the file, are read.
  'alembic-history': ['versions/a2_relax.py:9:5 RG206', 'versions/a3_move_note.py:16:5 RG202', 'versions/a3_move_note.py:16:5 RG211', 'versions/a4_rehash.py:11:9 RG207', 'versions/a4_rehash.py:20:5 RG209'],
  // Rails: operations in a loop over an array constant of the migration class, once per element, with its values.
  'rails-constant-loop': ['db/migrate/20240104000000_add_unique_indexes.rb:9:7 RG212', 'db/migrate/20240104000000_add_unique_indexes.rb:9:7 RG213'],
  // Liquibase: addLookupTable creates its table and a foreign key that the changeSet drops again; a foreign key dropped by name and re-added on the column it is named after is replaced, though Liquibase cannot roll the drop back.
  'liquibase-lookup': ['db/changelog.xml:14:5 RG209', 'db/changelog.xml:15:5 RG212'],
  // Vendored code and test stubs are not the project's migrations: only its own folder is read.
  'vendored-stubs': ['migrations/000002_drop_nickname.down.sql:1:1 RG210', 'migrations/000002_drop_nickname.up.sql:1:1 RG202'],
  // Model writes in `change`: a rollback replays them forward and leaves them in place; said once for the migration.
  'rails-model-writes-change': [
    'db/migrate/20240103000000_strip_null_bytes.rb:5:7 RG207',
    'db/migrate/20240103000000_strip_null_bytes.rb:5:7 RG209',
    'db/migrate/20240103000000_strip_null_bytes.rb:8:5 RG207',
  ],
};

/** Notes (`summary.skipped`) each project must give: folder or file, and a word of the reason. */
const NOTES: Record<string, { file: string; reason: RegExp }[]> = {
  'unread-layout': [
    { file: 'unread-layout', reason: /no manifest or migration/ },
    { file: 'unread-layout/db/migrations', reason: /1 \.go file/ },
  ],
  'vendored-stubs': [
    { file: 'vendored-stubs/lib/stub', reason: /^vendored code or test stubs, not this project's migrations: 2 migration files not analysed/ },
    { file: 'vendored-stubs/persistence/migratest/testdata', reason: /: 1 migration file not analysed/ },
    { file: 'vendored-stubs/vendor', reason: /: 1 migration file not analysed/ },
  ],
};

/** Projects whose expectations the product does not meet yet. */
const PENDING = new Set<string>(process.env.RG_PENDING?.split(',') ?? []);

interface JsonFinding {
  ruleId: string;
  file: string;
  line: number;
  column: number;
  message: string;
  severity: string;
}

describe('migration projects: exact findings and notes, from the CLI', () => {
  const projects = readdirSync(ROOT).sort();
  let findings: JsonFinding[] = [];
  let skipped: { file: string; reason: string }[] = [];

  before(() => {
    const result = cli(['check', ...projects, '--format', 'json', '--fail-on', 'never'], ROOT);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { findings: JsonFinding[]; summary: { skipped: { file: string; reason: string }[] } };
    findings = json.findings;
    skipped = json.summary.skipped;
  });

  it('every project has its expectations', () => {
    assert.deepEqual(projects, Object.keys(EXPECTED).sort());
  });

  for (const project of Object.keys(EXPECTED)) {
    it(project, { todo: PENDING.has(project) }, () => {
      const own = findings.filter((f) => f.file.startsWith(`${project}/`));
      assert.deepEqual(
        own.map((f) => `${f.file.slice(project.length + 1)}:${f.line}:${f.column} ${f.ruleId}`),
        EXPECTED[project],
        own.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`).join('\n'),
      );
      const notes = skipped.filter((s) => s.file === project || s.file.startsWith(`${project}/`));
      const wanted = NOTES[project] ?? [];
      assert.deepEqual(notes.map((n) => n.file), wanted.map((w) => w.file), JSON.stringify(notes));
      for (const [i, w] of wanted.entries()) assert.match(notes[i]!.reason, w.reason);
    });
  }

  it('a column swapped under its old name is not called new', () => {
    const f = findings.find((x) => x.file === 'swap-tightened/db/009_amount.sql' && x.ruleId === 'RG205');
    assert.ok(f);
    assert.match(f.message, /^Makes invoices\.amount NOT NULL/);
    assert.doesNotMatch(f.message, /new column|does not know/);
  });

  it('a Rails loop over an array constant names the table and index of its elements', () => {
    const f = findings.find((x) => x.file === 'rails-constant-loop/db/migrate/20240104000000_add_unique_indexes.rb' && x.ruleId === 'RG213');
    assert.ok(f);
    assert.match(f.message, /^Adds unique index index_links_on_url_and_story_id on links /);
  });

  it('a Knex specificType change names the type it writes', () => {
    const f = findings.find((x) => x.file === 'knex-specific-type/migrations/20240101000000_longtext.js' && x.ruleId === 'RG204');
    assert.ok(f);
    assert.match(f.message, /^Changes the type of pages\.content to LONGTEXT /);
  });

  it('every message: a first sentence of at most ~120 characters, no placeholder names', () => {
    for (const f of findings) {
      const first = /^(.*?[.!?])(\s|$)/.exec(f.message.replace(/`[^`]*`/g, (m) => m.replace(/[.!?]/g, '_')))?.[1] ?? f.message;
      assert.ok(first.length <= 130, `${f.file}:${f.line} ${f.ruleId}: first sentence of ${first.length} characters: ${f.message}`);
      assert.doesNotMatch(f.message, /(^|[\s.(`])\?([\s.,:)`]|$)|\s{2}|\bundefined\b/, `${f.file}:${f.line} ${f.ruleId}: ${f.message}`);
    }
  });
});
