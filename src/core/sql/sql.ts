import { mysqlOps, mysqlParse } from './mysql';
import type { Op } from './ops';
import { postgresOps } from './pgOps';
import { parsePostgres, postgresComments } from './postgres';
import { splitMysql } from './split';

export type Dialect = 'postgres' | 'mysql';

export interface SqlProblem {
  /** UTF-16 offset of the parser's cursor. */
  offset: number;
  message: string;
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

function readPostgres(text: string): SqlAnalysis {
  const script = parsePostgres(text);
  const ops: Op[] = [];
  for (const statement of script.statements) for (const op of postgresOps(statement)) ops.push(op);
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
  const pg = readPostgres(text);
  if (!pg.problem) return pg;
  const my = readMysql(text);
  if (!my.problem) return my;
  // Both fail: the reading that got further wins; when both stop in the same statement, PostgreSQL (the primary dialect).
  const sameStatement = my.problemStatement && pg.problem.offset >= my.problemStatement.start && pg.problem.offset <= my.problemStatement.end + 1;
  const best = !sameStatement && my.problem.offset > pg.problem.offset ? my : pg;
  const other = best === my ? pg : my;
  best.problem = {
    offset: best.problem!.offset,
    message: `${best.problem!.message} (and the ${other.dialect === 'mysql' ? 'MySQL' : 'PostgreSQL'} parser fails too; if the dialect is known, set it under \`migrations.dialects\` in .rollbackguard.yaml)`,
  };
  return best;
}

/** Moves spans of ops found in an embedded script (a string in Python, Ruby or JS) into file offsets. */
export function relocate(ops: Op[], map: (offset: number) => number): Op[] {
  for (const op of ops) op.span = { start: map(op.span.start), end: map(op.span.end) };
  return ops;
}
