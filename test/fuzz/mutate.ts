/**
 * Seeded mutations of source files: every run with the same seed makes the
 * same inputs. Mutations mix the small (one character) with the structural
 * (nesting, repetition, line endings) and the large (a range repeated
 * hundreds of times), so both crashes and slow paths show up.
 */

/** A small fast PRNG (mulberry32): deterministic across platforms. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Small numbers more often than large ones: 1 … max. */
  skewed(max: number): number {
    return Math.max(1, Math.min(max, Math.floor(Math.exp(this.next() * Math.log(max + 1)))));
  }
}

export type Language = 'yaml' | 'sql' | 'ruby' | 'python' | 'javascript' | 'xml' | 'text';

/** Characters that break parsers: controls, line terminators JavaScript knows and YAML does not, surrogates, a BOM. */
const ODD = ['\x00', '\x01', '\x08', '\x0b', '\x0c', '\x1b', '\x1f', '\x7f', '\t', '\r', '\n', '\r\n', '\u0085', '\u2028', '\u2029', '\ufeff', '\ud800', '\udc00', '\ud83d\ude80', 'é', '\u00a0', '\\', '"', "'", '`'];

const TOKENS: Record<Language, string[]> = {
  yaml: [
    '- ', ': ', '? ', '{', '}', '[', ']', ', ', '|', '|-\n', '>', '&a ', '*a', '<<: *a\n', '!!str ', '!!binary ', '---\n', '...\n', '# c\n', '%YAML 1.2\n---\n',
    '{{', '}}', '{{ .Values.x }}', '{{- if .x }}', '{{ end }}', '{{/* c */}}', '{{ include "x" . | nindent 4 }}',
    'apiVersion: apps/v1\n', 'kind: Deployment\n', 'image: nginx:latest\n', 'revisionHistoryLimit: 0\n', '  - name: x\n    image: y\n', 'metadata:\n  annotations:\n    helm.sh/hook: pre-upgrade\n',
    '# rollback-guard-ignore RG101: why\n', '# rollback-guard-ignore-file RG104\n', '"\\u0000"', "''", '"',
  ],
  sql: [
    '(', ')', ';', "'", '"', '`', '--', '-- c\n', '/*', '*/', '$$', '$tag$', "E'\\''", '\\', 'DELIMITER //\n', '//', 'BEGIN;', 'COMMIT;',
    'DROP TABLE x;\n', 'ALTER TABLE t RENAME COLUMN a TO b;\n', 'ALTER TABLE t ADD COLUMN c int NOT NULL;\n', 'ALTER TABLE t DROP COLUMN c;\n', 'CREATE INDEX i ON t (c);\n',
    'UPDATE t SET c = 1;\n', 'DELETE FROM t;\n', "ALTER TYPE e ADD VALUE 'v';\n", 'CREATE VIEW v AS SELECT 1;\n', 'DO $$ BEGIN END $$;\n', '-- rollback-guard-ignore RG202: why\n', '\\set x 1\n',
  ],
  ruby: [
    '(', ')', 'do', 'end', '{', '}', '|t|', '<<~SQL\n', 'SQL\n', '<<-EOS\n', 'EOS\n', '"', "'", '#{', '%w[', ']', ':', '=>', '# c\n',
    'remove_column :t, :c\n', 'rename_column :t, :a, :b\n', 'execute "DROP TABLE t"\n', 'def up\n', 'def down\n', 'reversible do |dir|\n', 'change_table :t do |t|\n', 'raise ActiveRecord::IrreversibleMigration\n',
  ],
  python: [
    '(', ')', '[', ']', '{', '}', ':', '"""', "'''", '"', "'", '#', '\\\n', '    ', '\t', 'f"', 'lambda: ', ',',
    'op.drop_column("t", "c")\n', 'op.execute("DROP TABLE t")\n', 'migrations.RemoveField(model_name="o", name="x"),\n', 'migrations.RunPython(f),\n', 'def downgrade():\n    pass\n', 'with op.batch_alter_table("t") as b:\n',
  ],
  javascript: [
    '(', ')', '{', '}', '[', ']', '`', '${', '"', "'", '//', '/*', '*/', '=>', ';', ',', '.', '?.', 'await ',
    'knex.schema.dropTable("t")', '.alterTable("t", (t) => { t.dropColumn("c"); })', 'await queryRunner.query(`DROP TABLE t`);', 'exports.down = () => {};\n', 'export async function up(knex) {', '}\n',
  ],
  xml: [
    '<', '>', '</', '/>', '<!--', '-->', '<![CDATA[', ']]>', '<?xml version="1.0"?>', '&lt;', '&amp;', '&', '"', "'", '=',
    '<changeSet id="x" author="a">', '</changeSet>', '<sql>', '</sql>', '<dropColumn tableName="t" columnName="c"/>', '<rollback/>', '<rollback>', '</rollback>', '<a>', '</a>',
  ],
  text: ['\n', ' ', 'x'],
};

/** Openers that nest, per language, for inputs around and past the readers' bounds. */
const NESTERS: Record<Language, { open: string; close: string }[]> = {
  yaml: [{ open: '- ', close: '' }, { open: '[', close: ']' }, { open: '{a: ', close: '}' }, { open: '{{', close: '}}' }],
  sql: [{ open: '(', close: ')' }, { open: 'f(', close: ')' }, { open: '1+(', close: ')' }, { open: 'ARRAY[', close: ']' }],
  ruby: [{ open: '(', close: ')' }, { open: '[', close: ']' }, { open: 'f(', close: ')' }, { open: 'if x\n', close: 'end\n' }],
  python: [{ open: '(', close: ')' }, { open: '[', close: ']' }, { open: 'f(', close: ')' }, { open: '"a" + ', close: '' }],
  javascript: [{ open: '(', close: ')' }, { open: '[', close: ']' }, { open: '{a:', close: '}' }, { open: '.x()', close: '' }],
  xml: [{ open: '<a>', close: '</a>' }, { open: '<b x="1">', close: '</b>' }],
  text: [{ open: '(', close: ')' }],
};

/** Depths that matter: around every reader's bound, and far beyond. */
const DEPTHS = [2, 10, 50, 99, 100, 101, 127, 128, 129, 199, 200, 201, 255, 256, 257, 499, 999, 1000, 1001, 2000, 5000];

export function languageOf(path: string): Language {
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  if (/\.sql$/i.test(path)) return 'sql';
  if (/\.rb$/.test(path)) return 'ruby';
  if (/\.py$/.test(path)) return 'python';
  if (/\.(m|c)?[jt]s$/.test(path)) return 'javascript';
  if (/\.xml$/i.test(path)) return 'xml';
  return 'text';
}

export interface MutationContext {
  random: Random;
  language: Language;
  /** Other texts of the same kind, to splice from. */
  donors: readonly string[];
  /** Longest text a mutation may produce. */
  maxLength: number;
}

type Mutation = (text: string, ctx: MutationContext) => string;

const at = (text: string, r: Random) => r.int(text.length + 1);

const MUTATIONS: { weight: number; name: string; apply: Mutation }[] = [
  { weight: 6, name: 'replace a character', apply: (t, c) => replace(t, at(t, c.random), 1, c.random.pick(ODD)) },
  { weight: 10, name: 'insert a token', apply: (t, c) => replace(t, at(t, c.random), 0, c.random.pick(TOKENS[c.language])) },
  { weight: 3, name: 'insert an odd character', apply: (t, c) => replace(t, at(t, c.random), 0, c.random.pick(ODD)) },
  { weight: 5, name: 'delete a range', apply: (t, c) => { const s = at(t, c.random); return replace(t, s, c.random.skewed(200), ''); } },
  {
    weight: 4,
    name: 'repeat a range',
    apply: (t, c) => {
      const s = at(t, c.random);
      const piece = t.slice(s, s + c.random.skewed(120));
      const times = c.random.chance(0.15) ? c.random.skewed(3000) : c.random.skewed(20);
      return replace(t, s, 0, piece.repeat(times));
    },
  },
  {
    weight: 4,
    name: 'repeat a line',
    apply: (t, c) => {
      const lines = t.split('\n');
      const i = c.random.int(lines.length);
      const times = c.random.chance(0.2) ? c.random.skewed(5000) : c.random.skewed(10);
      lines.splice(i, 0, ...Array<string>(times).fill(lines[i] ?? ''));
      return lines.join('\n');
    },
  },
  { weight: 3, name: 'swap two lines', apply: (t, c) => { const l = t.split('\n'); const i = c.random.int(l.length); const j = c.random.int(l.length); [l[i], l[j]] = [l[j]!, l[i]!]; return l.join('\n'); } },
  {
    weight: 4,
    name: 'splice from another file',
    apply: (t, c) => {
      const donor = c.random.pick(c.donors.length > 0 ? c.donors : [t]);
      const s = c.random.int(donor.length + 1);
      return replace(t, at(t, c.random), 0, donor.slice(s, s + c.random.skewed(400)));
    },
  },
  { weight: 2, name: 'change line endings', apply: (t, c) => t.replace(/\r?\n/g, c.random.pick(['\r\n', '\r', '\n\n', '\u2028'])) },
  { weight: 2, name: 'truncate', apply: (t, c) => t.slice(0, at(t, c.random)) },
  {
    weight: 3,
    name: 'nest',
    apply: (t, c) => {
      const { open, close } = c.random.pick(NESTERS[c.language]);
      const depth = c.random.pick(DEPTHS);
      const s = at(t, c.random);
      return t.slice(0, s) + open.repeat(depth) + (close ? 'x' + close.repeat(depth) : 'x') + t.slice(s);
    },
  },
  { weight: 1, name: 'indent deeply', apply: (t, c) => { const l = t.split('\n'); const i = c.random.int(l.length); l[i] = ' '.repeat(c.random.skewed(3000)) + (l[i] ?? ''); return l.join('\n'); } },
  { weight: 1, name: 'long token', apply: (t, c) => replace(t, at(t, c.random), 0, c.random.pick(['a', '9', '-', '"', '{{x}}', 'é', ' ']).repeat(c.random.skewed(20000))) },
];

const TOTAL = MUTATIONS.reduce((sum, m) => sum + m.weight, 0);

function replace(text: string, start: number, length: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(start + length);
}

/** One to four mutations of `text`; returns the text and what was done. */
export function mutate(text: string, ctx: MutationContext): { text: string; steps: string[] } {
  const steps: string[] = [];
  let out = text;
  const count = 1 + ctx.random.int(4);
  for (let i = 0; i < count; i++) {
    let roll = ctx.random.int(TOTAL);
    let mutation = MUTATIONS[0]!;
    for (const m of MUTATIONS) {
      if (roll < m.weight) {
        mutation = m;
        break;
      }
      roll -= m.weight;
    }
    out = mutation.apply(out, ctx);
    if (out.length > ctx.maxLength) out = out.slice(0, ctx.maxLength);
    steps.push(mutation.name);
  }
  return { text: out, steps };
}
