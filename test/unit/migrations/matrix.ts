import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../src/core/engine';
import { codeLayout, sqlLayout, type FrameworkId } from '../../../src/core/migrations/layout';
import { analyzeSql } from '../../../src/core/sql/sql';
import { loadPostgres } from '../../../src/core/sql/postgres';
import { FIXTURES } from '../helpers';
import { fixtureReader } from './support';

/**
 * The framework × rule matrix of docs/migrations.md (and the README), built
 * from the fixture expectations in expected.ts: a cell is ✓ when a fixture
 * that the product reads as that framework has an asserted finding of that
 * rule, `n/a` when the rule cannot apply there (with the reason as a
 * footnote), and `·` otherwise — which matrix.test.ts refuses.
 */

export const RULE_IDS = ['RG201', 'RG202', 'RG203', 'RG204', 'RG205', 'RG206', 'RG207', 'RG208', 'RG209', 'RG210', 'RG211', 'RG212', 'RG213'] as const;

export const ROWS = [
  'PostgreSQL (plain SQL)',
  'MySQL/MariaDB (plain SQL)',
  'golang-migrate',
  'Flyway',
  'sqitch',
  'Prisma Migrate',
  'Liquibase XML',
  'Liquibase YAML',
  'Rails',
  'Django',
  'Alembic',
  'Knex',
  'TypeORM',
] as const;
export type Row = (typeof ROWS)[number];

/** The fixture directory of each row (a fixture must be read as the row of its directory). */
export const ROW_DIRS: Record<Row, string> = {
  'PostgreSQL (plain SQL)': 'postgres/',
  'MySQL/MariaDB (plain SQL)': 'mysql/',
  'golang-migrate': 'golang-migrate/',
  Flyway: 'flyway/',
  sqitch: 'sqitch/',
  'Prisma Migrate': 'prisma/',
  'Liquibase XML': 'liquibase/',
  'Liquibase YAML': 'liquibase/',
  Rails: 'rails/',
  Django: 'django/',
  Alembic: 'alembic/',
  Knex: 'knex/',
  TypeORM: 'typeorm/',
};

/** A remark on some cells: why a rule does not apply (`n/a`), or how a ✓ comes about. */
export interface Note {
  text: string;
  cells: { row: Row; rule: (typeof RULE_IDS)[number]; mark: 'n/a' | '✓' }[];
}

const enumViaSql = (row: Row, how: string) => ({ row, rule: 'RG208' as const, mark: '✓' as const, how });

const VIA_SQL = [
  enumViaSql('Liquibase XML', '<sql>'),
  enumViaSql('Liquibase YAML', 'sql:'),
  enumViaSql('Django', 'RunSQL'),
  enumViaSql('Alembic', 'op.execute'),
  enumViaSql('Knex', 'knex.raw'),
  enumViaSql('TypeORM', 'queryRunner.query'),
];

export const NOTES: Note[] = [
  {
    text: 'A plain SQL file has no down to pair it with: whether it can be undone depends on the tool that runs it (see the golang-migrate, Flyway and sqitch rows, which read the same SQL).',
    cells: (['PostgreSQL (plain SQL)', 'MySQL/MariaDB (plain SQL)'] as const).flatMap((row) => [
      { row, rule: 'RG209' as const, mark: 'n/a' as const },
      { row, rule: 'RG210' as const, mark: 'n/a' as const },
    ]),
  },
  {
    text: 'Prisma Migrate has no down migrations by design: RG209 is said once, as an info note on `migrations/migration_lock.toml`, and with no down there is nothing to be lossy (RG210).',
    cells: [
      { row: 'Prisma Migrate', rule: 'RG209', mark: '✓' },
      { row: 'Prisma Migrate', rule: 'RG210', mark: 'n/a' },
    ],
  },
  {
    text: `The tool has no operation that changes an enum type, so RG208 applies through the SQL it runs: ${VIA_SQL.map((c) => `${c.row} \`${c.how}\``).join(', ')}.`,
    cells: VIA_SQL.map(({ row, rule, mark }) => ({ row, rule, mark })),
  },
];

const SUPERSCRIPTS = ['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

const FRAMEWORK_ROWS: Partial<Record<FrameworkId, Row>> = {
  'golang-migrate': 'golang-migrate',
  flyway: 'Flyway',
  sqitch: 'sqitch',
  prisma: 'Prisma Migrate',
  rails: 'Rails',
  django: 'Django',
  alembic: 'Alembic',
  knex: 'Knex',
  typeorm: 'TypeORM',
};

/**
 * The row of a fixture, as the product reads it: the framework from the path
 * (and, for Python and JS/TS, from the code), the dialect of a plain SQL file
 * from the SQL parsers. Undefined when the file is not read as a migration.
 */
export async function rowOf(rel: string): Promise<Row | undefined> {
  const path = `migrations/${rel}`;
  const text = readFileSync(join(FIXTURES, path), 'utf8');
  switch (codeLayout(path)) {
    case 'liquibase-xml':
      return 'Liquibase XML';
    case 'liquibase-yaml':
      return 'Liquibase YAML';
    case 'prisma-lock':
      return 'Prisma Migrate';
    case 'rails':
    case 'python':
    case 'js': {
      const open = await new Engine({ readFile: fixtureReader }).open({ path, text });
      const parsed = open.parsed;
      const framework = parsed?.kind === 'migration' ? parsed.units[0]?.framework : undefined;
      return framework ? FRAMEWORK_ROWS[framework] : undefined;
    }
  }
  if (!/\.sql$/.test(path)) return undefined;
  const layout = sqlLayout(path);
  if (layout.framework !== 'sql') return FRAMEWORK_ROWS[layout.framework];
  await loadPostgres();
  return analyzeSql(text, 'auto').dialect === 'mysql' ? 'MySQL/MariaDB (plain SQL)' : 'PostgreSQL (plain SQL)';
}

/** Rules asserted per row, from the expectations. */
export async function coverage(expected: Record<string, string[]>): Promise<Map<Row, Set<string>>> {
  const out = new Map<Row, Set<string>>(ROWS.map((r) => [r, new Set<string>()]));
  for (const [rel, findings] of Object.entries(expected)) {
    const row = await rowOf(rel);
    if (!row) continue;
    for (const f of findings) out.get(row)!.add(f.slice(0, f.indexOf('@')));
  }
  return out;
}

export type Cell = '✓' | 'n/a' | '·';

export function cell(covered: Map<Row, Set<string>>, row: Row, rule: string): Cell {
  if (covered.get(row)?.has(rule)) return '✓';
  if (NOTES.some((n) => n.cells.some((c) => c.row === row && c.rule === rule && c.mark === 'n/a'))) return 'n/a';
  return '·';
}

export const START = '<!-- framework-rule-table:start -->';
export const END = '<!-- framework-rule-table:end -->';

/** The markdown between the markers: legend, table, footnotes. */
export function renderMatrix(covered: Map<Row, Set<string>>): string {
  const mark = (row: Row, rule: string): string => {
    const value = cell(covered, row, rule);
    const i = NOTES.findIndex((n) => n.cells.some((c) => c.row === row && c.rule === rule && c.mark === value));
    return i === -1 ? value : `${value} ${SUPERSCRIPTS[i]}`;
  };
  const lines = [
    '✓ — a fixture under `test/fixtures/migrations/`, read as that framework, asserts this rule at exact lines and columns; n/a — the rule cannot apply there (see the note).',
    '',
    `| framework | ${RULE_IDS.join(' | ')} |`,
    `|---|${RULE_IDS.map(() => '---').join('|')}|`,
    ...ROWS.map((row) => `| ${row} | ${RULE_IDS.map((rule) => mark(row, rule)).join(' | ')} |`),
    '',
    ...NOTES.flatMap((n, i) => [`${SUPERSCRIPTS[i]} ${n.text}`, '']),
  ];
  return lines.join('\n').trimEnd();
}

/** `text` with the content between the markers replaced, or undefined when it has no markers. */
export function withMatrix(text: string, matrix: string): string | undefined {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return `${text.slice(0, start + START.length)}\n${matrix}\n${text.slice(end)}`;
}

/** The content between the markers, or undefined. */
export function matrixIn(text: string): string | undefined {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return text.slice(start + START.length, end).trim();
}
