import { compileGlob } from '../glob';
import type { RollbackGuardConfig } from '../config';
import type { Dialect } from '../sql/sql';

/**
 * Which migration framework a file belongs to, read from its path (the
 * layout each tool documents) and, where the path cannot tell, from its text
 * (a Liquibase changelog under any name, a TypeORM class or a Knex module
 * outside a `migrations/` folder); where its counterpart (the down of an up,
 * the up of a down) lives; and the SQL dialect its path names.
 */

export type FrameworkId =
  | 'golang-migrate'
  | 'flyway'
  | 'sqitch'
  | 'prisma'
  | 'sql'
  | 'liquibase'
  | 'rails'
  | 'django'
  | 'alembic'
  | 'knex'
  | 'typeorm';

export const FRAMEWORK_NAMES: Record<FrameworkId, string> = {
  'golang-migrate': 'golang-migrate',
  flyway: 'Flyway',
  sqitch: 'sqitch',
  prisma: 'Prisma Migrate',
  sql: 'SQL',
  liquibase: 'Liquibase',
  rails: 'Rails',
  django: 'Django',
  alembic: 'Alembic',
  knex: 'Knex',
  typeorm: 'TypeORM',
};

export type SqlRole = 'up' | 'down' | 'repeatable' | 'verify' | 'plain';

export interface SqlLayout {
  framework: FrameworkId;
  role: SqlRole;
  /** Path of the counterpart file: the down of an up, the up of a down. */
  counterpart?: string;
}

function split(path: string): { dir: string; base: string } {
  const p = path.replace(/\\/g, '/');
  const i = p.lastIndexOf('/');
  return { dir: i === -1 ? '' : p.slice(0, i + 1), base: i === -1 ? p : p.slice(i + 1) };
}

/** Line terminators, which `.` of a regular expression does not match. */
const hasLineTerminator = (s: string) => /[\n\r\u2028\u2029]/.test(s);

/**
 * A Flyway versioned or undo migration, `V1_2__name.sql` / `U1_2__name.sql`:
 * what `/^[VU]\d[\w.]*__.+\.sql$/` accepts, in one pass (that expression
 * retries its `.+` for every `__` of a long name: quadratic time).
 */
export function isFlywayVersioned(base: string): boolean {
  if ((base[0] !== 'V' && base[0] !== 'U') || !/^\d$/.test(base[1] ?? '') || !base.endsWith('.sql') || hasLineTerminator(base)) return false;
  // The first `__` decides: a later one has the same prefix and less room before `.sql`.
  const k = base.indexOf('__', 2);
  return k !== -1 && k + 2 < base.length - 4 && /^[\w.]*$/.test(base.slice(2, k));
}

/**
 * A Sqitch script, `[root/]deploy|revert|verify/name.sql`: [root, kind, rest]
 * as `/^(.*\/|)(deploy|revert|verify)\/(.+\.sql)$/` splits it (the longest
 * root), in one pass from the right instead of a retry per `/`.
 */
export function sqitchParts(full: string): [string, string, string] | undefined {
  if (hasLineTerminator(full)) return undefined;
  for (let p = full.length; p >= 0; p--) {
    if (p > 0 && full[p - 1] !== '/') continue;
    for (const kind of ['deploy', 'revert', 'verify']) {
      if (!full.startsWith(`${kind}/`, p)) continue;
      const rest = full.slice(p + kind.length + 1);
      if (rest.length > 4 && rest.endsWith('.sql')) return [full.slice(0, p), kind, rest];
    }
  }
  return undefined;
}

/** Layout of a `.sql` file. */
export function sqlLayout(path: string): SqlLayout {
  const { dir, base } = split(path);
  const golang = /^(\d+_.+)\.(up|down)\.sql$/i.exec(base);
  if (golang) {
    const up = golang[2]!.toLowerCase() === 'up';
    return { framework: 'golang-migrate', role: up ? 'up' : 'down', counterpart: `${dir}${golang[1]}.${up ? 'down' : 'up'}.sql` };
  }
  if (isFlywayVersioned(base)) {
    const up = base[0] === 'V';
    return { framework: 'flyway', role: up ? 'up' : 'down', counterpart: `${dir}${up ? 'U' : 'V'}${base.slice(1)}` };
  }
  if (/^R__.+\.sql$/.test(base)) return { framework: 'flyway', role: 'repeatable' };
  const full = dir + base;
  const sqitch = sqitchParts(full);
  if (sqitch) {
    const [root, kind, rest] = sqitch;
    if (kind === 'verify') return { framework: 'sqitch', role: 'verify' };
    return { framework: 'sqitch', role: kind === 'deploy' ? 'up' : 'down', counterpart: `${root}${kind === 'deploy' ? 'revert' : 'deploy'}/${rest}` };
  }
  if (base === 'migration.sql' && /(^|\/)migrations\/[^/]+\/$/.test(dir)) return { framework: 'prisma', role: 'up' };
  return { framework: 'sql', role: 'plain' };
}

/**
 * Folders whose plain SQL files are not migrations: tests, fixtures, seeds,
 * queries and benchmarks. Files named in a migration layout (golang-migrate,
 * Flyway, sqitch, Prisma) are read wherever they are.
 */
const NOT_MIGRATION_FOLDER = /(^|\/)(tests?|spec|specs|testdata|test_data|__tests__|fixtures?|seeds?|seeders?|queries|query|perf|benchmarks?|bench)\//i;

/** Where a sqitch project keeps its migrations, relative to its `sqitch.plan`. */
const SQITCH_FOLDERS = /^(deploy|revert|verify)\//;

/**
 * The folder of the `sqitch.plan` above a plain SQL file, when there is one:
 * a `.sql` file of a sqitch project outside `deploy/`, `revert/` and
 * `verify/` is a query, a test or a seed, not a migration.
 */
export function sqitchRootAbove(path: string, readFile: (path: string) => string | undefined): string | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const dir = parts.slice(0, i).join('/');
    if (planCache(readFile).get(dir) ?? remember(readFile, dir)) return dir;
  }
  return undefined;
}

const plans = new WeakMap<object, Map<string, boolean>>();

function planCache(readFile: object): Map<string, boolean> {
  let cache = plans.get(readFile);
  if (!cache) plans.set(readFile, (cache = new Map()));
  return cache;
}

function remember(readFile: (path: string) => string | undefined, dir: string): boolean {
  const found = readFile(dir === '' ? 'sqitch.plan' : `${dir}/sqitch.plan`) !== undefined;
  const cache = planCache(readFile);
  if (cache.size > 4096) cache.clear();
  cache.set(dir, found);
  return found;
}

/** True for a plain `.sql` file that a sqitch project above it does not run (not in `deploy/`, `revert/` or `verify/`). */
export function isSqitchExtra(path: string, readFile: (path: string) => string | undefined): boolean {
  const root = sqitchRootAbove(path, readFile);
  if (root === undefined) return false;
  const rel = path.replace(/\\/g, '/').slice(root === '' ? 0 : root.length + 1);
  return !SQITCH_FOLDERS.test(rel);
}

export type CodeFramework = 'rails' | 'python' | 'js' | 'liquibase-xml' | 'liquibase-yaml' | 'prisma-lock';

const JS_EXTENSION = /\.(m|c)?[jt]s$/;
const JS_NOT_MIGRATION = /\.d\.(m|c)?ts$|\.(test|spec)\.(m|c)?[jt]s$/;
/** A path segment that names migrations: `migrations/`, `knex_migrations/`, `migrations-sqlite/`, `1700000000000-AddUser.ts`. */
const MIGRATION_WORD = /migrat/i;
/** TypeORM and Knex name migrations by a timestamp. */
const TIMESTAMP_NAME = /^\d{8,}[-_.]/;

/** Framework family of a non-SQL migration file that its path alone makes certain. */
export function codeLayout(path: string): CodeFramework | undefined {
  const p = path.replace(/\\/g, '/');
  const { dir, base } = split(p);
  // `db/migrate/`, and the migrations of a Rails app's further databases (`db/<name>_migrate/`).
  if (/(^|\/)db\/(\w+_)?migrate\/$/.test(dir) && base.endsWith('.rb')) return 'rails';
  if (/(^|\/)(migrations|versions)\/$/.test(dir) && base.endsWith('.py') && base !== '__init__.py') return 'python';
  if (/(^|\/)migrations?\/$/.test(dir) && JS_EXTENSION.test(base) && !JS_NOT_MIGRATION.test(base)) return 'js';
  const liquibaseName = /changelog/i.test(base) || /(^|\/)(changelogs?|liquibase)\//i.test(dir);
  if (liquibaseName && base.endsWith('.xml')) return 'liquibase-xml';
  if (liquibaseName && /\.ya?ml$/.test(base)) return 'liquibase-yaml';
  if (base === 'migration_lock.toml' && /(^|\/)migrations\/$/.test(dir)) return 'prisma-lock';
  return undefined;
}

/** Files whose text decides whether they are migrations (see `codeLayoutOfText`). */
export function mayBeCodeMigration(path: string): boolean {
  const p = path.replace(/\\/g, '/');
  const { base } = split(p);
  if (/\.(xml|ya?ml)$/i.test(base)) return true;
  if (JS_EXTENSION.test(base) && !JS_NOT_MIGRATION.test(base)) return MIGRATION_WORD.test(p) || TIMESTAMP_NAME.test(base);
  if (base.endsWith('.py') && base !== '__init__.py') return /migrat|alembic/i.test(p);
  return false;
}

const LIQUIBASE_XML = /<([\w-]+:)?databaseChangeLog[\s>]/;
// Indentation within its line (`\s*` from every line start ran to the end of a long blank run: quadratic).
const LIQUIBASE_YAML = /^[^\S\n\r\u2028\u2029]*["']?databaseChangeLog["']?\s*:/m;
const TYPEORM_OR_KNEX = /\bimplements\s+MigrationInterface\b|\bexports\.up\s*=|\bexport\s+(async\s+)?function\s+up\s*\(|\bexport\s+const\s+up\s*=|\bmodule\.exports\s*=\s*\{[^}]*\bup\b/;
const PYTHON_MIGRATION = /^def upgrade\s*\(|^class Migration\s*\(/m;

/**
 * Framework family of a file by its text, for paths `mayBeCodeMigration`
 * accepts: a Liquibase changelog (XML or YAML with a `databaseChangeLog`
 * root) under any name, a TypeORM class implementing
 * `MigrationInterface` or a Knex module exporting `up` in any folder that
 * names migrations, an Alembic or Django migration in such a folder.
 */
export function codeLayoutOfText(path: string, text: string): CodeFramework | undefined {
  const { base } = split(path.replace(/\\/g, '/'));
  if (/\.xml$/i.test(base)) return LIQUIBASE_XML.test(text) ? 'liquibase-xml' : undefined;
  if (/\.ya?ml$/i.test(base)) return LIQUIBASE_YAML.test(text) ? 'liquibase-yaml' : undefined;
  if (JS_EXTENSION.test(base)) return TYPEORM_OR_KNEX.test(text) ? 'js' : undefined;
  if (base.endsWith('.py')) return PYTHON_MIGRATION.test(text) ? 'python' : undefined;
  return undefined;
}

// ——— dialects named by paths ———

const DIALECT_WORDS: readonly [RegExp, Dialect][] = [
  [/^(postgres|postgresql|pg|pgsql|postgresdb)$/i, 'postgres'],
  [/^(mysql|mysql\d|mariadb|mysqldb)$/i, 'mysql'],
  [/^(sqlite|sqlite3|sqlitedb)$/i, 'sqlite'],
  [/^(cockroach|cockroachdb|crdb)$/i, 'cockroachdb'],
  [/^h2$/i, 'h2'],
  [/^(sqlserver|sql_server|mssql|tsql|sqlserverdb)$/i, 'sqlserver'],
  [/^(oracle|oracledb)$/i, 'oracle'],
  [/^db2$/i, 'db2'],
  [/^hsqldb$/i, 'hsqldb'],
  [/^derby$/i, 'derby'],
  [/^clickhouse$/i, 'clickhouse'],
];

function dialectWord(word: string): Dialect | undefined {
  for (const [pattern, dialect] of DIALECT_WORDS) if (pattern.test(word)) return dialect;
  return undefined;
}

/**
 * The dialect a path names: a part of the file name (`003_idx.sqlite3.up.sql`,
 * `V1__init.mysql.sql`), else the nearest folder (`migrations/postgres/`,
 * `db/migration/h2/`, `migrations-sqlite/`, `sqlite_migrations/`).
 */
export function pathDialect(path: string): Dialect | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  const base = parts.pop() ?? '';
  for (const word of base.split('.').slice(1, -1)) {
    const d = dialectWord(word);
    if (d) return d;
  }
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    const d = dialectWord(part) ?? dialectWord(part.replace(/^migrations?[-_]|[-_]migrations?$/i, ''));
    if (d) return d;
  }
  return undefined;
}

// ——— folders that look like migrations ———

/** Folder names that hold migrations in some tool. */
export const MIGRATION_FOLDER = {
  // What `/^(migrate|\w+_migrate|[\w-]*migrations?[\w-]*|changelogs?|liquibase|flyway)$/i` accepts, without its retries.
  test(name: string): boolean {
    const n = name.toLowerCase();
    if (['migrate', 'changelog', 'changelogs', 'liquibase', 'flyway'].includes(n)) return true;
    if (n.length > 8 && n.endsWith('_migrate') && /^\w+$/.test(n)) return true;
    return n.includes('migration') && /^[\w-]+$/.test(n);
  },
};
/** File extensions a migration is written in (the ones Rollback Guard reads and the ones it does not). */
const CODE_FILE = /\.(sql|py|rb|[mc]?[jt]s|xml|ya?ml|json|go|exs?|lua|java|kt|scala|cs|php|clj|rs|ddl|pgsql|cql)$/i;

const FOREIGN_CODE = /\.(go|exs?|lua|java|kt|scala|cs|php|clj|rs)$/i;

export interface UnreadFolder {
  /** The folder, as the caller names paths. */
  dir: string;
  /** Files under it, by extension (`.go` → 3). */
  byExtension: Map<string, number>;
}

/**
 * Folders named like migrations (`migrations/`, `db/migrate/`,
 * `knex_migrations/`, `changelog/`, …) under which no file was read although
 * files in a migration language are there: a layout Rollback Guard does not
 * read, which must not pass for an all-clear. `seen` is every file the scan
 * met; `read` tells which of them an analyzer read.
 */
export function unreadMigrationFolders(seen: readonly string[], read: (path: string) => boolean): UnreadFolder[] {
  const folders = new Map<string, { read: number; unread: Map<string, number> }>();
  for (const path of seen) {
    const p = path.replace(/\\/g, '/');
    const parts = p.split('/');
    const base = parts.pop()!;
    if (!CODE_FILE.test(base) || base === '__init__.py') continue;
    // Vendored code and test stubs get their own note (see `vendoredMigrationFolders`).
    if (vendoredRoot(p) !== undefined) continue;
    // Code in a language Rollback Guard does not read counts when it is named like a migration (`00001_create_users.go`, `V2__Backfill.java`), not for any source file of a package called `migrate` or `liquibase`.
    if (FOREIGN_CODE.test(base) && !/^(\d|V\d|R__)/.test(base)) continue;
    // The outermost folder named like migrations owns the file (`migrations/postgres/x.ts` → `migrations`).
    let owner: string | undefined;
    for (let i = 0; i < parts.length; i++) {
      if (MIGRATION_FOLDER.test(parts[i]!)) {
        owner = parts.slice(0, i + 1).join('/');
        break;
      }
    }
    if (owner === undefined) continue;
    let entry = folders.get(owner);
    if (!entry) folders.set(owner, (entry = { read: 0, unread: new Map() }));
    if (read(p)) entry.read++;
    else {
      const ext = /\.[^.]+$/.exec(base)![0].toLowerCase();
      entry.unread.set(ext, (entry.unread.get(ext) ?? 0) + 1);
    }
  }
  const out: UnreadFolder[] = [];
  for (const [dir, entry] of folders) if (entry.read === 0 && entry.unread.size > 0) out.push({ dir, byExtension: entry.unread });
  return out.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

// ——— vendored code and test stubs ———

/**
 * Folders whose migrations are not the project's own: vendored libraries
 * (`vendor/`, `third_party/`), test data (`testdata/`) and test stubs
 * (`stub/`, as in a vendored migration library's own tests).
 */
const VENDORED_FOLDER = /^(vendor|vendored|third_party|third-party|testdata|test_data|stubs?)$/i;

/** The folder, up to the first vendored or test-stub segment, that a path lies under (`oryx/popx/stub/migrations/x.sql` → `oryx/popx/stub`). */
export function vendoredRoot(path: string): string | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  for (let i = 0; i < parts.length - 1; i++) if (VENDORED_FOLDER.test(parts[i]!)) return parts.slice(0, i + 1).join('/');
  return undefined;
}

/** True for a path under a vendored or test-stub folder that `migrations.paths` does not name: not read as the project's migrations. */
export function isVendoredPath(path: string, config: RollbackGuardConfig): boolean {
  if (vendoredRoot(path) === undefined) return false;
  return !(config.migrations.paths.length > 0 && compiled(config).paths(path.replace(/\\/g, '/')));
}

/**
 * Vendored and test-stub folders (see `vendoredRoot`) holding files that
 * would be read as migrations elsewhere, with how many: each gets one note,
 * so leaving them out never passes for an all-clear.
 */
export function vendoredMigrationFolders(unread: readonly string[], config: RollbackGuardConfig): { dir: string; files: number }[] {
  const count = new Map<string, number>();
  for (const path of unread) {
    const root = vendoredRoot(path);
    if (root === undefined || !isVendoredPath(path, config)) continue;
    const p = path.replace(/\\/g, '/');
    const named = /\.sql$/i.test(p) ? isSqlMigrationPath(p, config, true) : codeLayout(p) !== undefined || (mayBeCodeMigration(p) && p.split('/').slice(0, -1).some((s) => MIGRATION_FOLDER.test(s)));
    if (named) count.set(root, (count.get(root) ?? 0) + 1);
  }
  return [...count].map(([dir, files]) => ({ dir, files })).sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

/** The note for a vendored or test-stub folder left out. */
export function vendoredNote(folder: { dir: string; files: number }): string {
  return `vendored code or test stubs, not this project's migrations: ${folder.files} migration file${folder.files === 1 ? '' : 's'} not analysed (name the folder in \`migrations.paths\` to check them)`;
}

/** "3 .go files, 1 .sql file" */
export function describeUnread(folder: UnreadFolder): string {
  return [...folder.byExtension].map(([ext, n]) => `${n} ${ext} file${n === 1 ? '' : 's'}`).join(', ');
}

// ——— configuration ———

const matchers = new WeakMap<object, { paths: (p: string) => boolean; dialects: { match: (p: string) => boolean; dialect: Dialect }[] }>();

function compiled(config: RollbackGuardConfig) {
  let m = matchers.get(config.migrations);
  if (!m) {
    const glob = (pattern: string) => {
      const direct = compileGlob(pattern, { paths: true });
      const anywhere = compileGlob(`**/${pattern}`, { paths: true });
      return (p: string) => direct(p) || anywhere(p);
    };
    const paths = config.migrations.paths.map(glob);
    m = {
      paths: (p) => paths.some((test) => test(p)),
      dialects: config.migrations.dialects.map((d) => ({ match: glob(d.path), dialect: d.dialect === 'mariadb' ? 'mysql' : d.dialect })),
    };
    matchers.set(config.migrations, m);
  }
  return m;
}

/** `.sql` files (not the plain SQL of test, seed and query folders), and files the configuration's `migrations.paths` names. */
export function isSqlMigrationPath(path: string, config: RollbackGuardConfig, evenVendored = false): boolean {
  const p = path.replace(/\\/g, '/');
  if (config.migrations.paths.length > 0 && compiled(config).paths(p)) return true;
  if (!/\.sql$/i.test(p)) return false;
  if (!evenVendored && vendoredRoot(p) !== undefined) return false;
  return !NOT_MIGRATION_FOLDER.test(p) || sqlLayout(p).framework !== 'sql' || p.split('/').slice(0, -1).some((segment) => /migrat/i.test(segment));
}

/** The dialect `migrations.dialects` sets for a path (first match wins), or `auto`. */
export function configuredDialect(path: string, config: RollbackGuardConfig): Dialect | 'auto' {
  if (config.migrations.dialects.length === 0) return 'auto';
  const p = path.replace(/\\/g, '/');
  return compiled(config).dialects.find((d) => d.match(p))?.dialect ?? 'auto';
}

/** The dialect of a file: the configuration's, else the one its path names, else `auto` (detected from the SQL or the framework's settings). */
export function dialectOf(path: string, config: RollbackGuardConfig): Dialect | 'auto' {
  const configured = configuredDialect(path, config);
  return configured !== 'auto' ? configured : pathDialect(path) ?? 'auto';
}
