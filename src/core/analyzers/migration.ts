import { baseName, type Analyzer, type AnalyzerEnv, type AnalyzerOutput, type FileSummary, type SourceFile } from '../analyzer';
import { classRank, type Finding, type RollbackClass } from '../model';
import { toFinding } from '../rule';
import { MIGRATION_RULES } from '../rules';
import { createMigrationContext, type MigrationReport } from '../rules/migration/context';
import { NOT_ANALYSED } from '../rules/meta';
import { HASH_COMMENT, SLASH_COMMENT, SQL_COMMENT, XML_COMMENT, toComment, type CommentSyntax } from '../suppress';
import { rememberSqlCredentials } from '../redact';
import { LineIndex } from '../text';
import type { EmbeddedProblem } from '../migrations/embedded';
import { codeLayout, codeLayoutOfText, dialectOf, isFlywayVersioned, isSqitchExtra, isVendoredPath, isSqlMigrationPath, mayBeCodeMigration, sqlLayout, type SqlLayout } from '../migrations/layout';
import type { MigrationUnit } from '../migrations/model';
import { commentNodes, firstError, withTree, type Grammar, type SkippedComment } from '../migrations/treeSitter';
import { readAlembic, settleAlembicNullability } from '../migrations/python';
import { appOf, djangoUnits, readDjangoMigration, type DjangoMigration } from '../migrations/django';
import { readRails } from '../migrations/rails';
import { readJavascript } from '../migrations/javascript';
import { readLiquibaseXml, readLiquibaseYaml } from '../migrations/liquibase';
import { isAdditive, type Op } from '../sql/ops';
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
  // Credentials in the migration are masked wherever something quotes them (see core/redact.ts).
  rememberSqlCredentials(source.text);
  const findings: Finding[] = [];
  const summaries: FileSummary[] = [];
  for (const unit of read.units) {
    const reports: { report: MigrationReport; cls: RollbackClass }[] = [];
    // One context per unit; its reports go to the rule that is checking.
    let rule = MIGRATION_RULES[0]!;
    // At most one finding per rule per statement.
    const said = new Set<string>();
    const ctx = createMigrationContext(source.path, unit, (report) => {
      const { span } = report;
      const once = `${rule.meta.id}:${span.start}:${span.end}`;
      if (said.has(once)) return;
      said.add(once);
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
        message: problem.whole
          ? `Not analysed: ${parserMessage(problem.message, source.text, problem.offset)}${more}. If the dialect is wrong, set it under \`migrations.dialects\` in .rollbackguard.yaml.`
          : `Not analysed from here: ${parserMessage(problem.message, source.text, problem.offset)}${more}. Statements before this point were checked.`,
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

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

/** `provider = "postgresql"` in a Prisma `migration_lock.toml` next to the migration folders. */
function prismaDialect(path: string, env: AnalyzerEnv): Dialect | undefined {
  const lock = env.readFile(`${dirOf(dirOf(path))}/migration_lock.toml`);
  const provider = lock ? /^[^\S\n\r\u2028\u2029]*provider\s*=\s*"([^"]+)"/m.exec(lock)?.[1] : undefined;
  if (!provider) return undefined;
  return provider === 'postgresql' ? 'postgres' : provider === 'mysql' ? 'mysql' : provider === 'sqlite' ? 'sqlite' : provider === 'cockroachdb' ? 'cockroachdb' : provider === 'sqlserver' ? 'sqlserver' : undefined;
}

/** Flyway version order: `V1_10__` after `V1_9__`. */
function flywayVersion(name: string): number[] {
  const m = /^[VU](\d[\w.]*?)__/.exec(name);
  return m ? m[1]!.split(/[._]/).map((p) => Number(p) || 0) : [];
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether the Flyway project of a versioned migration writes undo migrations
 * (a `U…__` file next to its `V…__` files), and whether this file is the
 * folder's first version, where the note for a project without them goes.
 */
function flywayUndo(path: string, env: AnalyzerEnv): { used: boolean; first: boolean } | undefined {
  const names = env.listDir?.(dirOf(path));
  if (!names) return undefined;
  const used = names.some((n) => n[0] === 'U' && isFlywayVersioned(n));
  const versions = names.filter((n) => n[0] === 'V' && isFlywayVersioned(n));
  const own = flywayVersion(baseName(path));
  const first = versions.every((n) => compareVersions(flywayVersion(n), own) >= 0);
  return { used, first };
}

const FLYWAY_NOTE =
  'This Flyway folder has no undo migrations (`U…__` files): each migration is rolled back by a new forward one. Keep each migration additive so the previous release runs against the new schema. This note stands for every migration in the folder; RG209 is reported per file once a `U…__` file exists.';

/** `20210410175418000093_network.sqlite3.up.sql`: step 93 of migration 20210410175418 (popx, as Ory's projects write them). */
const STEP = /^(\d{14})(\d{6})_(.+)\.(up|down)\.sql$/i;

interface Step {
  name: string;
  up: Op[];
  down: Op[];
}

/** Parsed steps of a multi-step migration, by folder, migration and name (read once per run). */
const stepGroups = new Map<string, { members: string; steps: Step[] }>();

/**
 * The steps of the multi-step migration a file belongs to, in order, when
 * there are several: they are deployed together, so the previous release
 * sees what all of them do (a table rebuilt over four steps is rebuilt, not
 * dropped), and each file reports its own statements.
 */
function stepsOf(path: string, env: AnalyzerEnv, dialect: Dialect | 'auto'): { steps: Step[]; index: number } | undefined {
  const own = STEP.exec(baseName(path));
  if (!own) return undefined;
  const dir = dirOf(path);
  const names = env.listDir?.(dir);
  if (!names) return undefined;
  const members = names.filter((n) => {
    const m = STEP.exec(n);
    return m !== null && m[1] === own[1] && m[3] === own[3] && m[4]!.toLowerCase() === 'up';
  }).sort();
  if (members.length < 2) return undefined;
  const key = `${dir}/${own[1]}_${own[3]}\0${dialect}`;
  const signature = members.join('\n');
  let group = stepGroups.get(key);
  if (!group || group.members !== signature) {
    const steps: Step[] = [];
    const mark = (ops: Op[]) => ops.map((op) => ({ ...op, elsewhere: true }));
    for (const name of members) {
      const up = env.readFile(`${dir}/${name}`);
      const down = env.readFile(`${dir}/${name.replace(/\.up\.sql$/i, '.down.sql')}`);
      steps.push({ name, up: up === undefined ? [] : mark(analyzeSql(up, dialect).ops), down: down === undefined ? [] : mark(analyzeSql(down, dialect).ops) });
    }
    if (stepGroups.size > 256) stepGroups.clear();
    stepGroups.set(key, (group = { members: signature, steps }));
  }
  const upName = baseName(path).replace(/\.down\.sql$/i, '.up.sql');
  const index = group.steps.findIndex((s) => s.name === upName);
  return index === -1 ? undefined : { steps: group.steps, index };
}

function sqlUnit(source: SourceFile, env: AnalyzerEnv, layout: SqlLayout, sql: SqlAnalysis, dialect: Dialect | 'auto'): { unit?: MigrationUnit; note?: string } {
  const anchor = { start: 0, end: 0 };
  const framework = layout.framework;
  const common = { framework, anchor, dialect: sql.dialect } as const;
  const group = framework === 'golang-migrate' ? stepsOf(source.path, env, dialect === 'auto' ? sql.dialect : dialect) : undefined;
  if (group && layout.role === 'up') {
    const { steps, index } = group;
    return {
      unit: {
        ...common,
        up: sql.ops,
        upHere: true,
        before: steps.slice(0, index).flatMap((s) => s.up),
        after: steps.slice(index + 1).flatMap((s) => s.up),
        // The rollback runs every step's down: one that undoes something is a down for the migration.
        down: { state: 'present', ops: steps.flatMap((s) => s.down), here: false, label: `the downs of ${steps.length} steps` },
      },
    };
  }
  if (group && layout.role === 'down') {
    const first = sql.ops[0]?.span ?? { start: 0, end: 0 };
    return { unit: { ...common, up: group.steps.flatMap((s) => s.up), upHere: false, down: { state: 'present', ops: sql.ops, here: true, label: baseName(source.path), anchor: first } } };
  }
  switch (layout.role) {
    case 'verify':
      return {};
    case 'plain':
    case 'repeatable':
      return { unit: { ...common, up: sql.ops, upHere: true, down: { state: 'not-applicable' } } };
    case 'up': {
      if (framework === 'prisma') return { unit: { ...common, up: sql.ops, upHere: true, down: { state: 'none-by-design' } } };
      const counterpart = layout.counterpart!;
      // sqitch keeps the same file name in another directory: name it with that directory (`revert/x.sql`).
      const name = baseName(counterpart) === baseName(source.path) ? counterpart.split('/').slice(-2).join('/') : baseName(counterpart);
      const text = env.readFile(counterpart);
      if (text === undefined) {
        if (framework === 'flyway') {
          const undo = flywayUndo(source.path, env);
          if (!undo?.used) return { unit: { ...common, up: sql.ops, upHere: true, down: { state: 'none-by-design' } }, ...(undo?.first ? { note: FLYWAY_NOTE } : {}) };
        }
        return { unit: { ...common, up: sql.ops, upHere: true, down: { state: 'absent', expected: name } } };
      }
      const down = readSql(text, dialect === 'auto' ? sql.dialect : dialect);
      return { unit: { ...common, up: sql.ops, upHere: true, down: { state: 'present', ops: down.ops, here: false, label: name } } };
    }
    case 'down': {
      const text = env.readFile(layout.counterpart!);
      const up = text === undefined ? [] : readSql(text, dialect === 'auto' ? sql.dialect : dialect).ops;
      const first = sql.ops[0]?.span ?? { start: 0, end: Math.min(source.text.length, source.text.indexOf('\n') === -1 ? source.text.length : source.text.indexOf('\n')) };
      return { unit: { ...common, up, upHere: false, down: { state: 'present', ops: sql.ops, here: true, label: baseName(source.path), anchor: first } } };
    }
  }
}

const NO_OUTPUT_COMMENTS = () => [];

/** The folder of the Helm chart holding `path` (a `Chart.yaml` in it or above), if any. */
function chartOf(path: string, env: AnalyzerEnv): string | undefined {
  for (let dir = dirOf(path); dir !== ''; dir = dirOf(dir)) {
    if (env.readFile(`${dir}/Chart.yaml`) !== undefined) return dir;
  }
  return undefined;
}

export const sqlMigrationAnalyzer: Analyzer = {
  id: 'migration-sql',
  claims: (path, config) => isSqlMigrationPath(path, config),
  prepare: loadPostgres,
  analyze(source, env) {
    const lines = new LineIndex(source.text);
    const layout = sqlLayout(source.path);
    // sqitch's verify scripts, and the queries, tests and seeds of a sqitch project, are not migrations.
    if (layout.role === 'verify' || (layout.role === 'plain' && isSqitchExtra(source.path, env.readFile))) {
      return finish(source, lines, { units: [], problems: [], comments: NO_OUTPUT_COMMENTS, syntax: SQL_COMMENT });
    }
    let dialect = dialectOf(source.path, env.config);
    if (dialect === 'auto' && layout.framework === 'prisma') dialect = prismaDialect(source.path, env) ?? 'auto';
    // A chart's file with template actions (`tpl (.Files.Get "files/init.sql") .`): its SQL exists once the chart renders it.
    const action = source.text.indexOf('{{');
    const chart = action !== -1 && source.text.includes('}}', action) ? chartOf(source.path, env) : undefined;
    if (chart !== undefined) {
      const output = finish(source, lines, { units: [], problems: [], comments: NO_OUTPUT_COMMENTS, syntax: SQL_COMMENT });
      output.findings.push(
        toFinding(NOT_ANALYSED, source.path, {
          range: lines.range(action, Math.max(action, lines.lineEnd(lines.position(action).line))),
          message: `Not analysed: a Helm template of the chart in \`${chart}\`, not SQL as written. Its \`{{ … }}\` actions are filled in when the chart renders it.`,
        }),
      );
      return output;
    }
    const sql = readSql(source.text, dialect);
    const { unit, note } = sqlUnit(source, env, layout, sql, dialect);
    const output = finish(source, lines, {
      units: unit ? [unit] : [],
      problems: sql.problem ? [{ offset: sql.problem.offset, message: sql.problem.message, ...(sql.problem.whole ? { whole: true } : {}) }] : [],
      comments: () => sql.comments(),
      syntax: SQL_COMMENT,
    });
    if (note) output.findings.push(toFinding(RG209_META(), source.path, { range: lines.range(0, lines.lineEnd(0)), message: note, severity: 'info' }));
    return output;
  },
};

// ——— Framework files ———

function treeComments(root: { descendantsOfType: unknown }, syntaxPrefix: string, skipped: SkippedComment[]): RawComment[] {
  const comments = [...commentNodes(root as never).map((n) => ({ text: n.text, start: n.startIndex, end: n.endIndex })), ...skipped];
  if (skipped.length > 0) comments.sort((a, b) => a.start - b.start);
  return comments.map(({ text: raw, start, end }) => {
    const body = raw.startsWith(syntaxPrefix) ? raw.slice(syntaxPrefix.length) : raw.startsWith('/*') ? raw.slice(2, -2) : raw;
    return { text: body, start, end };
  });
}

async function readCode(source: SourceFile, grammar: Grammar, dialect: Dialect | 'auto', read: (root: never, problems: EmbeddedProblem[]) => MigrationUnit[] | undefined, prefix: string): Promise<Read> {
  const problems: EmbeddedProblem[] = [];
  return withTree(grammar, source.text, (root, _tree, skipped) => {
    const units = read(root as never, problems) ?? [];
    const error = firstError(root);
    if (error) problems.push({ offset: error.startIndex, message: `${grammar} parser: syntax error${error.isMissing ? ` (missing ${error.type})` : ''}` });
    const comments = treeComments(root, prefix, skipped);
    return { units, problems, comments: () => comments, syntax: prefix === '#' ? HASH_COMMENT : SLASH_COMMENT };
  });
}

const PRISMA_NOTE =
  'Prisma Migrate has no down migrations by design: a migration here is rolled back by a new forward one. `prisma migrate diff --from-schema-datasource … --to-migrations … --script` generates its SQL. Keep each migration additive so the previous release runs against the new schema; this note stands for every migration here.';

export const frameworkMigrationAnalyzer: Analyzer = {
  id: 'migration-framework',
  claims: (path, config) => codeLayout(path) !== undefined && !isVendoredPath(path, config),
  mayClaim: (path, config) => mayBeCodeMigration(path) && !isVendoredPath(path, config),
  claimsText: (path, text) => codeLayoutOfText(path, text) !== undefined,
  prepare: loadPostgres,
  async analyze(source, env) {
    const lines = new LineIndex(source.text);
    const dialect = dialectOf(source.path, env.config);
    const family = codeLayoutOfText(source.path, source.text) ?? codeLayout(source.path);
    let read: Read;
    switch (family) {
      case 'rails':
        read = await readCode(source, 'ruby', dialect, (root, problems) => readRails(root, dialect, problems), '#');
        break;
      case 'python': {
        let django: DjangoMigration | undefined;
        read = await readCode(
          source,
          'python',
          dialect,
          (root, problems) => {
            const alembic = readAlembic(root, dialect, problems);
            if (alembic) return alembic;
            django = readDjangoMigration(root, appOf(source.path).app, dialect, problems);
            return [];
          },
          '#',
        );
        // Django is judged against the app's model state, replayed from the migrations before this one.
        if (django) read.units = await djangoUnits(source.path, django, env);
        // Alembic: a nullability the call does not state is looked up in the revisions before this one.
        else await settleAlembicNullability(source.path, read.units, env);
        break;
      }
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
        if (xml) {
          const created = pairedEntityTables(source.path, env, dialect);
          if (created.length > 0) for (const unit of changelog.units) unit.newTables = [...(unit.newTables ?? []), ...created];
        }
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
    // The database the migrations run on: configured, named by the path, or the framework's settings.
    const unitDialect = dialect !== 'auto' ? dialect : family === 'rails' ? railsDialect(source.path, env) : undefined;
    if (unitDialect) for (const unit of read.units) unit.dialect ??= unitDialect;
    return finish(source, lines, read);
  },
};

/**
 * JHipster writes an entity as two changelogs with one timestamp: the table
 * (`<ts>_added_entity_<Name>.xml`) and then its foreign keys
 * (`<ts>_added_entity_constraints_<Name>.xml`), applied in one release. The
 * tables the first creates are new to the second.
 */
function pairedEntityTables(path: string, env: AnalyzerEnv, dialect: Dialect | 'auto'): string[] {
  const m = /^(\d+)_added_entity_constraints_(.+\.xml)$/i.exec(baseName(path));
  if (!m) return [];
  const text = env.readFile(`${dirOf(path)}/${m[1]}_added_entity_${m[2]}`);
  if (text === undefined) return [];
  const tables: string[] = [];
  for (const unit of readLiquibaseXml(text, dialect, []).units) for (const op of unit.up) if (op.kind === 'create-table') tables.push(op.table);
  return tables;
}

const RAILS_ADAPTERS: Record<string, Dialect> = { postgresql: 'postgres', postgis: 'postgres', mysql2: 'mysql', mysql: 'mysql', trilogy: 'mysql', sqlite3: 'sqlite', sqlite: 'sqlite', cockroachdb: 'cockroachdb' };

/**
 * The adapter of a Rails app's `config/database.yml` (or the example copy a
 * repository keeps): the one every environment uses, else production's.
 */
function railsDialect(path: string, env: AnalyzerEnv): Dialect | undefined {
  const root = /^(.*?)(?:^|\/)?db\/(?:\w+_)?migrate\/[^/]*$/.exec(path)?.[1] ?? '';
  const prefix = root === '' ? '' : `${root.replace(/\/$/, '')}/`;
  for (const name of ['config/database.yml', 'config/database.yml.example', 'config/database.yml.sample', 'config/database.example.yml']) {
    const text = env.readFile(`${prefix}${name}`);
    if (text === undefined) continue;
    const adapters = [...text.matchAll(/^[^\S\n\r\u2028\u2029]*adapter:\s*["']?([\w-]+)/gm)].map((m) => RAILS_ADAPTERS[m[1]!]);
    const known = new Set(adapters.filter((a): a is Dialect => a !== undefined));
    if (known.size === 1) return [...known][0];
    const production = productionBlock(text);
    const adapter = production ? /adapter:\s*["']?([\w-]+)/.exec(production)?.[1] : undefined;
    return adapter ? RAILS_ADAPTERS[adapter] : undefined;
  }
  return undefined;
}

function RG209_META() {
  return MIGRATION_RULES.find((r) => r.meta.id === 'RG209')!.meta;
}

/**
 * The lines under a top-level `production:` line of a database.yml: those
 * after it that are indented or blank, up to the first that is neither. A
 * loop over lines (the expression `^production:[^\n]*\n((?:[ \t]+[^\n]*\n?|\s*\n)*)`
 * took quadratic time on a long run of blank lines).
 */
export function productionBlock(text: string): string | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('production:'));
  if (at === -1 || at === lines.length - 1) return undefined;
  const block: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!/^[ \t]/.test(line) && line.trim() !== '') break;
    block.push(line);
  }
  return block.join('\n');
}

export const MIGRATION_ANALYZERS: readonly Analyzer[] = [sqlMigrationAnalyzer, frameworkMigrationAnalyzer];

/**
 * A parser's message without the source text it quotes when that text may be
 * a credential: `at or near "…"` quoting a string literal (`'hunter2`, an
 * unterminated one quotes the rest of the file), or the word after `PASSWORD`
 * or `IDENTIFIED BY`, is replaced by what it is; any other excerpt keeps its
 * first line only.
 */
export function parserMessage(message: string, text: string, offset: number): string {
  const at = message.indexOf(' at or near "');
  if (at === -1) return message;
  const start = at + ' at or near "'.length;
  // The excerpt runs to the last quote of the message (it may hold quotes and newlines itself).
  const end = message.lastIndexOf('"');
  const excerpt = end > start ? message.slice(start, end) : message.slice(start);
  const rest = end > start ? message.slice(end + 1) : '';
  const before = text.slice(Math.max(0, offset - 64), offset).trimEnd().toUpperCase();
  let shown: string;
  if (/^['"$]|^[EeBbXxUu]&?'/.test(excerpt)) shown = 'a string literal';
  else if (/(?:PASSWORD|IDENTIFIED\s+(?:WITH\s+\S+\s+)?(?:BY|AS))\s*=?\s*$/.test(before)) shown = 'the password';
  else shown = `"${excerpt.split('\n')[0]!.slice(0, 80)}"`;
  return `${message.slice(0, at)} at or near ${shown}${rest}`;
}

