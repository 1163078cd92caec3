import { mysqlOps, mysqlParse } from './mysql';
import type { Op } from './ops';
import { postgresOps } from './pgOps';
import { parsePostgres, postgresComments } from './postgres';
import { splitMysql } from './split';

/**
 * The SQL dialects the analysis knows apart. PostgreSQL is read with its own
 * parser, MySQL and MariaDB with a MySQL grammar; SQLite, CockroachDB and H2
 * are read with the PostgreSQL parser, whose syntax their migrations mostly
 * follow, and judged with their own locking (no CONCURRENTLY advice); the
 * others are named, not parsed.
 */
export type Dialect = 'postgres' | 'mysql' | 'sqlite' | 'cockroachdb' | 'h2' | 'sqlserver' | 'oracle' | 'db2' | 'hsqldb' | 'derby' | 'clickhouse';

export const DIALECT_NAMES: Record<Dialect, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  sqlite: 'SQLite',
  cockroachdb: 'CockroachDB',
  h2: 'H2',
  sqlserver: 'SQL Server',
  oracle: 'Oracle',
  db2: 'Db2',
  hsqldb: 'HSQLDB',
  derby: 'Derby',
  clickhouse: 'ClickHouse',
};

/** Dialects read with the PostgreSQL parser. */
const PG_FAMILY = new Set<Dialect>(['postgres', 'sqlite', 'cockroachdb', 'h2']);

export function isParsedDialect(dialect: Dialect): boolean {
  return PG_FAMILY.has(dialect) || dialect === 'mysql';
}

export interface SqlProblem {
  /** UTF-16 offset of the parser's cursor. */
  offset: number;
  message: string;
  /** The whole file is in a dialect that is not parsed: the message says so instead of "from here". */
  whole?: boolean;
}

export interface SqlAnalysis {
  /** The dialect the script was read as (configured, or the one that parsed it). */
  dialect: Dialect;
  ops: Op[];
  /** Where parsing stopped; the statements before it are in `ops`. */
  problem?: SqlProblem;
  /** MySQL only: the statement the problem is in (statements are split before parsing). */
  problemStatement?: { start: number; end: number };
  comments(): { text: string; start: number; end: number }[];
}

/**
 * psql meta-commands (`\set ON_ERROR_STOP on`, `\i file.sql`, `\echo`) are
 * run by psql, not the server: sqitch and many teams run migrations through
 * psql. They are blanked out (same length, so every range stays exact)
 * before the PostgreSQL parser sees the script.
 */
export function withoutPsqlMetaCommands(text: string): string {
  if (!/(^|\n)[ \t]*\\/.test(text)) return text;
  return text.replace(/(^|\n)([ \t]*\\[^\n]*)/g, (_, nl: string, line: string) => nl + line.replace(/[^\r]/g, ' '));
}

/**
 * SQLite syntax the PostgreSQL parser lacks, blanked out (same length, so
 * ranges stay exact): `AUTOINCREMENT`, `WITHOUT ROWID`, `OR REPLACE`/`OR
 * IGNORE` after INSERT, `ON CONFLICT …` in a column definition, and PRAGMA
 * statements. What is left is the same schema change in PostgreSQL's words.
 */
export function withoutSqliteSpellings(text: string): string {
  if (!/autoincrement|without\s+rowid|\bor\s+(replace|ignore|abort|fail|rollback)\b|on\s+conflict|pragma/i.test(text)) return text;
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const n = text.length;
  let i = 0;
  let statementStart = true;
  while (i < n) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      while (j < n && text[j] !== close) j++;
      i = j + 1;
      statementStart = false;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const e = text.indexOf('\n', i);
      i = e === -1 ? n : e;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e === -1 ? n : e + 2;
      continue;
    }
    if (c === ';') {
      statementStart = true;
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c) && (i === 0 || !/[\w$]/.test(text[i - 1]!))) {
      const rest = text.slice(i, i + 64);
      let m: RegExpExecArray | null;
      if ((m = /^autoincrement\b/i.exec(rest)) || (m = /^without\s+rowid\b/i.exec(rest))) blank(i, i + m[0].length);
      else if ((m = /^insert\s+(or\s+(?:replace|ignore|abort|fail|rollback))\b/i.exec(rest))) blank(i + m[0].length - m[1]!.length, i + m[0].length);
      else if ((m = /^on\s+conflict\s+(?:replace|ignore|abort|fail|rollback)\b/i.exec(rest))) blank(i, i + m[0].length);
      else if (statementStart && /^pragma\b/i.test(rest)) {
        const e = text.indexOf(';', i);
        blank(i, e === -1 ? n : e);
      }
      statementStart = false;
      let j = i;
      while (j < n && /[\w$]/.test(text[j]!)) j++;
      i = j;
      continue;
    }
    if (!/\s/.test(c)) statementStart = false;
    i++;
  }
  return out.join('');
}

function readPostgres(text: string, sqlite = false): SqlAnalysis {
  const readable = sqlite ? withoutSqliteSpellings(withoutPsqlMetaCommands(text)) : withoutPsqlMetaCommands(text);
  const script = parsePostgres(readable);
  const ops: Op[] = [];
  for (const statement of script.statements) for (const op of postgresOps(statement, readable)) ops.push(op);
  return {
    dialect: 'postgres',
    ops,
    ...(script.error ? { problem: { offset: script.error.offset, message: `PostgreSQL parser: ${script.error.message}` } } : {}),
    comments: () => postgresComments(text),
  };
}

function readMysql(text: string): SqlAnalysis {
  const split = splitMysql(text);
  const ops: Op[] = [];
  let problem: SqlProblem | undefined;
  let problemStatement: { start: number; end: number } | undefined;
  for (const statement of split.statements) {
    const parsed = mysqlParse(statement.text);
    if (!parsed.ok) {
      // Statements are split independently, so one the grammar rejects does
      // not hide the others: report the first, keep analysing.
      if (!problem) {
        problem = { offset: statement.start + parsed.offset, message: `MySQL parser: ${parsed.message}` };
        problemStatement = { start: statement.start, end: statement.end };
      }
      continue;
    }
    for (const ast of parsed.ast) ops.push(...mysqlOps(ast, { start: statement.start, end: statement.end }));
  }
  if (split.unterminated && !problem) problem = { offset: split.unterminated.offset, message: `MySQL parser: unterminated ${split.unterminated.what}` };
  return { dialect: 'mysql', ops, ...(problem ? { problem } : {}), ...(problemStatement ? { problemStatement } : {}), comments: () => split.comments.map((c) => ({ text: c.text, start: c.start, end: c.end })) };
}

/**
 * Reads a SQL script in the given dialect, or detects it: PostgreSQL first
 * (the real parser); when that fails, MySQL; when both fail, the reading
 * that got further, with both parsers' messages.
 */
export function analyzeSql(text: string, dialect: Dialect | 'auto'): SqlAnalysis {
  if (dialect === 'postgres') return readPostgres(text);
  if (dialect === 'mysql') return readMysql(text);
  if (dialect !== 'auto') {
    if (!PG_FAMILY.has(dialect)) {
      // Named, not parsed: one note for the file instead of a parser error.
      return { dialect, ops: [], problem: { offset: 0, message: `${DIALECT_NAMES[dialect]} SQL, a dialect Rollback Guard does not parse`, whole: true }, comments: () => [] };
    }
    const pg = readPostgres(text, dialect === 'sqlite');
    pg.dialect = dialect;
    if (pg.problem) {
      // Named at the statement it stops in: the dialect's own syntax, not a typo at that character.
      pg.problem = { offset: statementStart(text, pg.problem.offset), message: `${DIALECT_NAMES[dialect]} syntax the PostgreSQL parser does not read (${pg.problem.message.replace(/^PostgreSQL parser: /, '')})` };
    }
    return pg;
  }
  const pg = readPostgres(text);
  if (!pg.problem) return pg;
  const my = readMysql(text);
  if (!my.problem) return my;
  // Both fail: the reading that got further wins, in the same statement too (a backtick stops PostgreSQL at once).
  const best = my.problem.offset > pg.problem.offset ? my : pg;
  const other = best === my ? pg : my;
  best.problem = {
    offset: best.problem!.offset,
    message: `${best.problem!.message} (and the ${other.dialect === 'mysql' ? 'MySQL' : 'PostgreSQL'} parser fails too; if the dialect is known, set it under \`migrations.dialects\` in .rollbackguard.yaml)`,
  };
  return best;
}

/** Where the statement holding `offset` starts: after the previous `;`, past blanks and `--` comments. */
function statementStart(text: string, offset: number): number {
  let at = text.lastIndexOf(';', Math.max(0, offset - 1)) + 1;
  for (;;) {
    while (at < offset && /\s/.test(text[at]!)) at++;
    if (text.startsWith('--', at)) {
      const eol = text.indexOf('\n', at);
      if (eol === -1 || eol >= offset) break;
      at = eol + 1;
      continue;
    }
    break;
  }
  return at;
}

/** Moves spans of ops found in an embedded script (a string in Python, Ruby or JS) into file offsets. */
export function relocate(ops: Op[], map: (offset: number) => number): Op[] {
  for (const op of ops) op.span = { start: map(op.span.start), end: map(op.span.end) };
  return ops;
}
