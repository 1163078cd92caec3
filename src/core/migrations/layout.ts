import { compileGlob } from '../glob';
import type { RollbackGuardConfig } from '../config';
import type { Dialect } from '../sql/sql';

/**
 * Which migration framework a file belongs to, read from its path alone (the
 * layout each tool documents), and where its counterpart (the down of an up,
 * the up of a down) lives.
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

/** Layout of a `.sql` file. */
export function sqlLayout(path: string): SqlLayout {
  const { dir, base } = split(path);
  const golang = /^(\d+_.+)\.(up|down)\.sql$/i.exec(base);
  if (golang) {
    const up = golang[2]!.toLowerCase() === 'up';
    return { framework: 'golang-migrate', role: up ? 'up' : 'down', counterpart: `${dir}${golang[1]}.${up ? 'down' : 'up'}.sql` };
  }
  const flyway = /^([VU])(\d[\w.]*__.+\.sql)$/.exec(base);
  if (flyway) {
    const up = flyway[1] === 'V';
    return { framework: 'flyway', role: up ? 'up' : 'down', counterpart: `${dir}${up ? 'U' : 'V'}${flyway[2]}` };
  }
  if (/^R__.+\.sql$/.test(base)) return { framework: 'flyway', role: 'repeatable' };
  const full = dir + base;
  const sqitch = /^(.*\/|)(deploy|revert|verify)\/(.+\.sql)$/.exec(full);
  if (sqitch) {
    const [, root, kind, rest] = sqitch;
    if (kind === 'verify') return { framework: 'sqitch', role: 'verify' };
    return { framework: 'sqitch', role: kind === 'deploy' ? 'up' : 'down', counterpart: `${root}${kind === 'deploy' ? 'revert' : 'deploy'}/${rest}` };
  }
  if (base === 'migration.sql' && /(^|\/)migrations\/[^/]+\/$/.test(dir)) return { framework: 'prisma', role: 'up' };
  return { framework: 'sql', role: 'plain' };
}

export type CodeFramework = 'rails' | 'python' | 'js' | 'liquibase-xml' | 'liquibase-yaml' | 'prisma-lock';

/** Framework family of a non-SQL migration file, by path. */
export function codeLayout(path: string): CodeFramework | undefined {
  const p = path.replace(/\\/g, '/');
  const { dir, base } = split(p);
  if (/(^|\/)db\/migrate\/$/.test(dir) && base.endsWith('.rb')) return 'rails';
  if (/(^|\/)(migrations|versions)\/$/.test(dir) && base.endsWith('.py') && base !== '__init__.py') return 'python';
  if (/(^|\/)migrations?\/$/.test(dir) && /\.(m|c)?[jt]s$/.test(base) && !/\.d\.ts$|\.(test|spec)\.[jt]s$/.test(base)) return 'js';
  const liquibaseName = /changelog/i.test(base) || /(^|\/)(changelogs?|liquibase)\//i.test(dir);
  if (liquibaseName && base.endsWith('.xml')) return 'liquibase-xml';
  if (liquibaseName && /\.ya?ml$/.test(base)) return 'liquibase-yaml';
  if (base === 'migration_lock.toml' && /(^|\/)migrations\/$/.test(dir)) return 'prisma-lock';
  return undefined;
}

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
      dialects: config.migrations.dialects.map((d) => ({ match: glob(d.path), dialect: d.dialect })),
    };
    matchers.set(config.migrations, m);
  }
  return m;
}

/** `.sql` files, and files the configuration's `migrations.paths` names. */
export function isSqlMigrationPath(path: string, config: RollbackGuardConfig): boolean {
  return /\.sql$/i.test(path) || (config.migrations.paths.length > 0 && compiled(config).paths(path.replace(/\\/g, '/')));
}

/** The dialect `migrations.dialects` sets for a path (first match wins), or `auto`. */
export function configuredDialect(path: string, config: RollbackGuardConfig): Dialect | 'auto' {
  if (config.migrations.dialects.length === 0) return 'auto';
  const p = path.replace(/\\/g, '/');
  return compiled(config).dialects.find((d) => d.match(p))?.dialect ?? 'auto';
}
