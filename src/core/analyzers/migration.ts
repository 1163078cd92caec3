import { baseName, type Analyzer, type AnalyzerEnv, type AnalyzerOutput, type FileSummary, type SourceFile } from '../analyzer';
import { classRank, type Finding, type RollbackClass } from '../model';
import { toFinding } from '../rule';
import { MIGRATION_RULES } from '../rules';
import { createMigrationContext, type MigrationReport } from '../rules/migration/context';
import { NOT_ANALYSED } from '../rules/meta';
import { HASH_COMMENT, SLASH_COMMENT, SQL_COMMENT, XML_COMMENT, toComment, type CommentSyntax } from '../suppress';
import { LineIndex } from '../text';
import type { EmbeddedProblem } from '../migrations/embedded';
import { codeLayout, configuredDialect, isSqlMigrationPath, sqlLayout, type SqlLayout } from '../migrations/layout';
import type { MigrationUnit } from '../migrations/model';
import { commentNodes, firstError, withTree, type Grammar } from '../migrations/treeSitter';
import { readDjango, readAlembic } from '../migrations/python';
import { readRails } from '../migrations/rails';
import { readJavascript } from '../migrations/javascript';
import { readLiquibaseXml, readLiquibaseYaml } from '../migrations/liquibase';
import { isAdditive } from '../sql/ops';
import { loadPostgres } from '../sql/postgres';
import { analyzeSql, type Dialect, type SqlAnalysis } from '../sql/sql';
import { yamlComments } from '../yaml/manifest';

/**
 * Migrations: SQL files (golang-migrate, Flyway, sqitch, Prisma, plain) and
 * framework migrations (Rails, Django, Alembic, Knex, TypeORM, Liquibase).
 * Each file becomes one or more migration units; the RG2xx rules judge each
 * unit's up and down together, and each unit gets an editor summary.
 */

interface RawComment {
  text: string;
  start: number;
  end: number;
}

interface Read {
  units: MigrationUnit[];
  problems: EmbeddedProblem[];
  comments: () => RawComment[];
  syntax: CommentSyntax;
}

/** Runs the rules over the units and builds the output the engine expects. */
function finish(source: SourceFile, lines: LineIndex, read: Read): AnalyzerOutput {
  const findings: Finding[] = [];
  const summaries: FileSummary[] = [];
  for (const unit of read.units) {
    const reports: { report: MigrationReport; cls: RollbackClass }[] = [];
    // One context per unit; its reports go to the rule that is checking.
    let rule = MIGRATION_RULES[0]!;
    const ctx = createMigrationContext(source.path, unit, (report) => {
      const { span } = report;
      findings.push(
        toFinding(rule.meta, source.path, {
          range: lines.range(span.start, span.end),
          message: report.message,
          severity: report.severity,
          rollbackClass: report.rollbackClass,
          layer: report.layer,
          help: report.help,
          fixes: report.fixes,
        }),
      );
      reports.push({ report, cls: (report.rollbackClass === undefined ? rule.meta.rollbackClass : report.rollbackClass) ?? 'reversible' });
    });
    for (rule of MIGRATION_RULES) rule.check(ctx);
    summaries.push(summarize(unit, reports, lines));
  }
  const problem = read.problems.sort((a, b) => a.offset - b.offset)[0];
  if (problem) {
    const more = read.problems.length > 1 ? ` (and ${read.problems.length - 1} more)` : '';
    const end = lines.lineEnd(lines.position(problem.offset).line);
    findings.push(
      toFinding(NOT_ANALYSED, source.path, {
        range: lines.range(problem.offset, Math.max(problem.offset, end)),
        message: `Not analysed from here: ${problem.message}${more}. Statements before this point were checked.`,
      }),
    );
  }
  return {
    lines,
    findings,
    summaries,
    parsed: { kind: 'migration', units: read.units },
    commentSyntax: read.syntax,
    comments: () => read.comments().map((c) => toComment(lines, c.text, c.start, c.end)),
  };
}

function summarize(unit: MigrationUnit, reports: { report: MigrationReport; cls: RollbackClass }[], lines: LineIndex): FileSummary {
  const range = lines.range(unit.anchor.start, unit.anchor.start);
  const prefix = unit.label ? `${unit.label}: ` : unit.upHere ? '' : 'down: ';
  let worst: { report: MigrationReport; cls: RollbackClass } | undefined;
  for (const r of reports) if (!worst || classRank(r.cls) > classRank(worst.cls)) worst = r;
  if (worst) {
    const others = new Set(reports.map((r) => r.report.reason)).size - 1;
    return { range, rollbackClass: worst.cls, reason: `${prefix}${worst.report.reason}${others > 0 ? ` (+${others} more)` : ''}` };
  }
  const ops = unit.upHere ? unit.up : unit.down.state === 'present' ? unit.down.ops : [];
  const meaningful = ops.filter((op) => op.kind !== 'noop');
  const reason = meaningful.length === 0 ? 'no schema change' : meaningful.every(isAdditive) ? 'additive only' : 'no rollback risk detected';
  return { range, rollbackClass: 'reversible', reason: `${prefix}${reason}` };
}

// ——— SQL files ———

/** Parsed scripts by text, so an up and its down are each parsed once per run. */
const sqlCache = new Map<string, SqlAnalysis>();

function readSql(text: string, dialect: Dialect | 'auto'): SqlAnalysis {
  const cacheKey = `${dialect}\0${text}`;
  const hit = sqlCache.get(cacheKey);
  if (hit) return hit;
  const result = analyzeSql(text, dialect);
  if (text.length < 200_000) {
    if (sqlCache.size >= 16) sqlCache.delete(sqlCache.keys().next().value!);
    sqlCache.set(cacheKey, result);
  }
  return result;
}

function sqlUnit(source: SourceFile, env: AnalyzerEnv, layout: SqlLayout, sql: SqlAnalysis): MigrationUnit | undefined {
  const anchor = { start: 0, end: 0 };
  const framework = layout.framework;
  switch (layout.role) {
    case 'verify':
      return undefined;
    case 'plain':
    case 'repeatable':
      return { framework, anchor, up: sql.ops, upHere: true, down: { state: 'not-applicable' } };
    case 'up': {
      if (framework === 'prisma') return { framework, anchor, up: sql.ops, upHere: true, down: { state: 'none-by-design' } };
      const counterpart = layout.counterpart!;
      // sqitch keeps the same file name in another directory: name it with that directory (`revert/x.sql`).
      const name = baseName(counterpart) === baseName(source.path) ? counterpart.split('/').slice(-2).join('/') : baseName(counterpart);
      const text = env.readFile(counterpart);
      if (text === undefined) return { framework, anchor, up: sql.ops, upHere: true, down: { state: 'absent', expected: name } };
      const down = readSql(text, sql.dialect);
      return { framework, anchor, up: sql.ops, upHere: true, down: { state: 'present', ops: down.ops, here: false, label: name } };
    }
    case 'down': {
      const text = env.readFile(layout.counterpart!);
      const up = text === undefined ? [] : readSql(text, sql.dialect).ops;
      const first = sql.ops[0]?.span ?? { start: 0, end: Math.min(source.text.length, source.text.indexOf('\n') === -1 ? source.text.length : source.text.indexOf('\n')) };
      return { framework, anchor, up, upHere: false, down: { state: 'present', ops: sql.ops, here: true, label: baseName(source.path), anchor: first } };
    }
  }
}

export const sqlMigrationAnalyzer: Analyzer = {
  id: 'migration-sql',
  claims: (path, config) => isSqlMigrationPath(path, config),
  prepare: loadPostgres,
  analyze(source, env) {
    const lines = new LineIndex(source.text);
    const layout = sqlLayout(source.path);
    const sql = readSql(source.text, configuredDialect(source.path, env.config));
    const unit = sqlUnit(source, env, layout, sql);
    return finish(source, lines, {
      units: unit ? [unit] : [],
      problems: sql.problem ? [{ offset: sql.problem.offset, message: sql.problem.message }] : [],
      comments: () => sql.comments(),
      syntax: SQL_COMMENT,
    });
  },
};

// ——— Framework files ———

function treeComments(root: { descendantsOfType: unknown }, syntaxPrefix: string): RawComment[] {
  return commentNodes(root as never).map((n) => {
    const raw = n.text;
    const body = raw.startsWith(syntaxPrefix) ? raw.slice(syntaxPrefix.length) : raw.startsWith('/*') ? raw.slice(2, -2) : raw;
    return { text: body, start: n.startIndex, end: n.endIndex };
  });
}

async function readCode(source: SourceFile, grammar: Grammar, dialect: Dialect | 'auto', read: (root: never, problems: EmbeddedProblem[]) => MigrationUnit[] | undefined, prefix: string): Promise<Read> {
  const problems: EmbeddedProblem[] = [];
  return withTree(grammar, source.text, (root) => {
    const units = read(root as never, problems) ?? [];
    const error = firstError(root);
    if (error) problems.push({ offset: error.startIndex, message: `${grammar} parser: syntax error${error.isMissing ? ` (missing ${error.type})` : ''}` });
    const comments = treeComments(root, prefix);
    return { units, problems, comments: () => comments, syntax: prefix === '#' ? HASH_COMMENT : SLASH_COMMENT };
  });
}

const PRISMA_NOTE =
  'Prisma Migrate has no down migrations by design: a migration in this directory is rolled back by writing a new forward migration (`prisma migrate diff --from-schema-datasource … --to-migrations … --script` generates its SQL). Keep each migration additive so the previous release runs against the new schema; this note stands for every migration here.';

export const frameworkMigrationAnalyzer: Analyzer = {
  id: 'migration-framework',
  claims: (path) => codeLayout(path) !== undefined,
  prepare: loadPostgres,
  async analyze(source, env) {
    const lines = new LineIndex(source.text);
    const dialect = configuredDialect(source.path, env.config);
    const family = codeLayout(source.path);
    let read: Read;
    switch (family) {
      case 'rails':
        read = await readCode(source, 'ruby', dialect, (root, problems) => readRails(root, dialect, problems), '#');
        break;
      case 'python':
        read = await readCode(source, 'python', dialect, (root, problems) => readAlembic(root, dialect, problems) ?? readDjango(root, dialect, problems), '#');
        break;
      case 'js': {
        const grammar: Grammar = /\.(m|c)?ts$/.test(source.path) ? 'typescript' : 'javascript';
        read = await readCode(source, grammar, dialect, (root, problems) => readJavascript(root, dialect, problems), '//');
        break;
      }
      case 'liquibase-xml':
      case 'liquibase-yaml': {
        const problems: EmbeddedProblem[] = [];
        const xml = family === 'liquibase-xml';
        const changelog = xml ? readLiquibaseXml(source.text, dialect, problems) : readLiquibaseYaml(source.text, dialect, problems);
        if (changelog.error) problems.push(changelog.error);
        const comments = xml ? changelog.comments : yamlComments(source.text).map((c) => ({ text: c.text, start: c.start, end: c.end }));
        read = { units: changelog.units, problems, comments: () => comments, syntax: xml ? XML_COMMENT : HASH_COMMENT };
        break;
      }
      case 'prisma-lock': {
        const firstLine = lines.lineEnd(0);
        const note = toFinding(RG209_META(), source.path, { range: lines.range(0, firstLine), message: PRISMA_NOTE, severity: 'info' });
        const comments: RawComment[] = [];
        for (let i = 0; i < lines.lineCount; i++) {
          const text = lines.lineText(i);
          const at = text.indexOf('#');
          if (at !== -1 && text.slice(0, at).trim() === '') comments.push({ text: text.slice(at + 1), start: lines.lineStart(i) + at, end: lines.lineStart(i) + text.length });
        }
        return { lines, findings: [note], commentSyntax: HASH_COMMENT, comments: () => comments.map((c) => toComment(lines, c.text, c.start, c.end)), summaries: [] };
      }
      default:
        read = { units: [], problems: [], comments: () => [], syntax: HASH_COMMENT };
    }
    return finish(source, lines, read);
  },
};

function RG209_META() {
  return MIGRATION_RULES.find((r) => r.meta.id === 'RG209')!.meta;
}

export const MIGRATION_ANALYZERS: readonly Analyzer[] = [sqlMigrationAnalyzer, frameworkMigrationAnalyzer];
