/**
 * `npm run bench -- robustness [--runs N] [--case=NAME]`: inputs built to
 * make a reader or a rule slow (the cases whose name contains NAME), each
 * analysed at three sizes (n, 2n, 4n) in this process, alternating sizes run
 * by run. Linear work doubles with the size: the
 * figure is the median time per size and the ratio 4n / n (about 4 when
 * linear, about 16 when quadratic). Times are CPU time of this process
 * (user + system), which other load on the machine changes far less than
 * wall-clock time; the wall-clock median is shown alongside.
 *
 * Every measurement is a first reading: a new engine (whose document memo
 * would reuse the documents an earlier size shares with this one) and a text
 * no earlier run saw (a comment with the run's number at the end, so parsed
 * scripts kept by text are not reused either).
 */
import { Engine } from '../../src/core/engine';
import { fmt, median } from '../stats';

interface Case {
  name: string;
  path: string;
  /** The input at size `n`. */
  make(n: number): string;
  n: number;
}

const CASES: Case[] = [
  { name: 'RENAME COLUMN statements', path: 'db/migrations/001_renames.up.sql', n: 2_500, make: (n) => Array.from({ length: n }, (_, i) => `ALTER TABLE t RENAME COLUMN a${i} TO b${i};\n`).join('') },
  { name: 'ADD and DROP COLUMN on one table', path: 'db/migrations/002_mix.up.sql', n: 2_500, make: (n) => Array.from({ length: n }, (_, i) => `ALTER TABLE t ADD COLUMN c${i} int;\nALTER TABLE t DROP COLUMN d${i};\n`).join('') },
  { name: 'UPDATE statements (5 MB at 4n)', path: 'db/migrations/004_bulk.up.sql', n: 14_000, make: (n) => 'ALTER TABLE orders DROP COLUMN legacy_total;\n' + "UPDATE orders SET status = 'archived', note = 'bulk clean-up of old orders' WHERE id = 123456;\n".repeat(n) },
  { name: 'MySQL statements', path: 'db/mysql/003_mix.sql', n: 1_000, make: (n) => Array.from({ length: n }, (_, i) => `ALTER TABLE \`t\` DROP COLUMN c${i};\n`).join('') },
  { name: 'Helm actions on one line', path: 'chart/templates/cm.yaml', n: 200, make: (n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  k: ${'{{x}}'.repeat(n)}\n` },
  { name: 'Helm actions with YAML-escaped quotes', path: 'chart/values.yaml', n: 1_000, make: (n) => 'existingSecret: "{{ printf \\"%s-creds\\" .Release.Name }}"\n'.repeat(n) },
  { name: 'Kubernetes documents in one file', path: 'k8s/all.yaml', n: 250, make: (n) => Array.from({ length: n }, (_, i) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d${i}}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: "nginx:1.${i}"}]\n`).join('---\n') },
  { name: 'a Knex method chain', path: 'migrations/2024_chain.js', n: 500, make: (n) => `exports.up = (knex) => knex.schema${'.x()'.repeat(n)};\n` },
  { name: 'Liquibase changeSets', path: 'db/changelog/changelog.xml', n: 250, make: (n) => `<databaseChangeLog>\n${Array.from({ length: n }, (_, i) => `  <changeSet id="${i}" author="a"><renameColumn tableName="t" oldColumnName="a${i}" newColumnName="b${i}"/></changeSet>\n`).join('')}</databaseChangeLog>\n` },
  { name: 'nested elements after an unfinished <?xml', path: 'db/changelog/unfinished.xml', n: 1_000, make: (n) => `<?xml ve${'<a>'.repeat(n)}` },
  { name: 'stray < in a changelog', path: 'db/changelog/broken.xml', n: 1_000, make: (n) => `<databaseChangeLog>\n  <changeSet id="1" author="a"><dropTable tableName="t"/></changeSet>\n${'< '.repeat(n)}</databaseChangeLog>\n` },
  { name: 'Alembic operations', path: 'alembic/versions/abc_ops.py', n: 500, make: (n) => `def upgrade():\n${Array.from({ length: n }, (_, i) => `    op.rename_column("t", "a${i}", "b${i}")\n`).join('')}` },
  { name: 'Python comment lines in a function', path: 'shop/migrations/0002_comments.py', n: 400, make: (n) => `from django.db import migrations\n\n\ndef forwards(apps, schema_editor):\n${'    # a comment line, not an operation.\n'.repeat(n)}    pass\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n` },
  { name: 'Rails string concatenation', path: 'db/migrate/20240101000000_concat.rb', n: 500, make: (n) => `class C < ActiveRecord::Migration[7.1]\n  def up\n    execute "a"${' + "b"'.repeat(n)}\n  end\nend\n` },
];

/** `text` with a comment naming the run at its end, in the file's own comment syntax. */
function unique(path: string, text: string, run: string): string {
  if (path.endsWith('.sql')) return `${text}\n-- run ${run}\n`;
  if (path.endsWith('.xml')) return `${text}\n<!-- run ${run} -->\n`;
  if (path.endsWith('.js')) return `${text}\n// run ${run}\n`;
  return `${text}\n# run ${run}\n`;
}

export async function run(args: string[]): Promise<void> {
  const runsArg = args.indexOf('--runs');
  const runs = runsArg !== -1 ? Number(args[runsArg + 1]) : 5;
  const only = args.find((a) => a.startsWith('--case='))?.slice('--case='.length);
  const cases = only !== undefined ? CASES.filter((c) => c.name.includes(only)) : CASES;
  for (const c of cases) await new Engine().analyze({ path: c.path, text: c.make(4) });
  console.log(`${runs} runs per size, sizes alternating; CPU time, wall-clock in brackets; ratio = CPU time(4n) / CPU time(n): 4 when linear, 16 when quadratic`);
  for (const c of cases) {
    const sizes = [c.n, 2 * c.n, 4 * c.n];
    const inputs = sizes.map((n) => c.make(n));
    const times: number[][] = sizes.map(() => []);
    const walls: number[][] = sizes.map(() => []);
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < sizes.length; k++) {
        const i = (k + r) % sizes.length;
        const engine = new Engine();
        const text = unique(c.path, inputs[i]!, `${r}`);
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        await engine.analyze({ path: c.path, text });
        walls[i]!.push(Number(process.hrtime.bigint() - started) / 1e6);
        const used = process.cpuUsage(cpu);
        times[i]!.push((used.user + used.system) / 1000);
      }
    }
    const medians = times.map((t) => median(t));
    const cells = sizes.map((n, i) => `${n}: ${fmt(medians[i]!)} [${fmt(median(walls[i]!))}] (${(inputs[i]!.length / 1024).toFixed(0)} KiB)`);
    console.log(`${c.name.padEnd(34)} ${cells.join('  ')}  ratio ${(medians[2]! / medians[0]!).toFixed(1)}`);
  }
}
