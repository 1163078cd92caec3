import { repositoryPath } from './image';
import { trimEndOf, trimStartOf } from '../text';

/**
 * How a container runs a schema migration, as data. A command is a sequence
 * of word groups matched in order against the container's command and args
 * (basenames, so `/app/manage.py` is `manage.py`). An image names the tool by
 * its repository, and then the words after the tool's executable must still
 * appear: `flyway/flyway` with `info` inspects, it does not migrate. Flags in
 * `readOnly` turn a matching command into a dry run.
 */
export interface MigrationTool {
  tool: string;
  command: readonly (readonly string[])[];
  /** Repository paths (without registry or tag) of the tool's official images. */
  images?: readonly string[];
  readOnly?: readonly string[];
}

export const MIGRATION_TOOLS: readonly MigrationTool[] = [
  { tool: 'golang-migrate', command: [['migrate'], ['up', 'goto']], images: ['migrate/migrate'] },
  { tool: 'Flyway', command: [['flyway'], ['migrate']], images: ['flyway/flyway', 'redgate/flyway'] },
  {
    tool: 'Liquibase',
    command: [['liquibase'], ['update', 'update-count', 'updateCount', 'update-to-tag', 'updateToTag']],
    images: ['liquibase/liquibase', 'liquibase'],
  },
  { tool: 'Alembic', command: [['alembic'], ['upgrade']], readOnly: ['--sql'] },
  { tool: 'Prisma', command: [['prisma'], ['migrate'], ['deploy', 'dev']] },
  { tool: 'Prisma', command: [['prisma'], ['db'], ['push']] },
  { tool: 'Rails / Sequelize', command: [['db:migrate', 'db:prepare']] },
  { tool: 'Django', command: [['manage.py', 'django-admin'], ['migrate']], readOnly: ['--check', '--plan'] },
  { tool: 'Knex', command: [['knex'], ['migrate:latest', 'migrate:up']] },
  { tool: 'TypeORM', command: [['typeorm', 'typeorm-ts-node-commonjs', 'typeorm-ts-node-esm'], ['migration:run']] },
  { tool: 'MikroORM', command: [['mikro-orm'], ['migration:up']] },
  { tool: 'sqitch', command: [['sqitch'], ['deploy']], images: ['sqitch/sqitch'] },
  { tool: 'goose', command: [['goose'], ['up', 'up-by-one', 'up-to']] },
  { tool: 'dbmate', command: [['dbmate'], ['up', 'migrate']], images: ['amacneil/dbmate'] },
  { tool: 'Atlas', command: [['atlas'], ['migrate', 'schema'], ['apply']], images: ['arigaio/atlas'] },
  // Alembic behind an application's own CLI (`airflow_execute`: the shell function Bitnami's images wrap it in).
  { tool: 'Airflow', command: [['airflow', 'airflow_execute'], ['db'], ['migrate', 'upgrade', 'init']] },
  { tool: 'Airflow', command: [['airflow', 'airflow_execute'], ['upgradedb', 'initdb']] },
  { tool: 'Flask-Migrate', command: [['flask'], ['db'], ['upgrade']] },
  { tool: 'Superset', command: [['superset'], ['db'], ['upgrade']] },
  { tool: 'MLflow', command: [['mlflow'], ['db'], ['upgrade']] },
  { tool: 'Concourse', command: [['concourse'], ['migrate']], readOnly: ['--current-db-version', '--supported-db-version'] },
  { tool: 'Kong', command: [['kong'], ['migrations'], ['up', 'bootstrap', 'finish']] },
  { tool: 'Ecto', command: [['mix'], ['ecto.migrate']] },
  { tool: 'Laravel', command: [['artisan'], ['migrate']], readOnly: ['--pretend'] },
  { tool: 'Doctrine', command: [['doctrine:migrations:migrate']], readOnly: ['--dry-run'] },
  { tool: 'Entity Framework', command: [['dotnet'], ['ef'], ['database'], ['update']] },
  { tool: 'Diesel', command: [['diesel'], ['migration'], ['run']] },
  { tool: 'sqlx', command: [['sqlx'], ['migrate'], ['run']] },
  { tool: 'Hasura', command: [['hasura'], ['migrate'], ['apply']] },
  { tool: 'tern', command: [['tern'], ['migrate']] },
  { tool: 'node-pg-migrate', command: [['node-pg-migrate'], ['up']] },
  { tool: 'migrate-mongo', command: [['migrate-mongo'], ['up']] },
  { tool: 'Skeema', command: [['skeema'], ['push']], readOnly: ['--dry-run'] },
  { tool: 'Ory', command: [['hydra', 'kratos', 'keto'], ['migrate'], ['sql']] },
  { tool: 'Temporal', command: [['temporal-sql-tool', 'temporal-cassandra-tool'], ['update-schema', 'update']] },
  { tool: 'Gitea', command: [['gitea'], ['migrate']] },
];

export interface CommandWord {
  word: string;
  /** Index of the command/args entry the word came from. */
  source: number;
}

/**
 * Splits command/args entries (which may hold `sh -c` scripts) into words.
 * `$(NAME)` (what Kubernetes expands in command and args) and a script's
 * `$NAME` / `${NAME}` take the container's literal `env` value.
 */
export function commandWords(entries: readonly string[], env: ReadonlyMap<string, string> = new Map()): CommandWord[] {
  const out: CommandWord[] = [];
  entries.forEach((entry, source) => {
    const expanded = env.size === 0 ? entry : entry.replace(/\$(?:\(([A-Za-z_][\w.-]*)\)|\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (m, a, b, c) => env.get(a ?? b ?? c) ?? m);
    for (const raw of expanded.split(/[\s;&|()]+/)) {
      const word = trimEndOf(trimStartOf(raw, `'"`), `'"`);
      if (!word) continue;
      out.push({ word: word.slice(word.lastIndexOf('/') + 1), source });
    }
  });
  return out;
}

/** Index in `words` where `groups` appear in order, or -1. */
function findSequence(words: readonly CommandWord[], groups: readonly (readonly string[])[]): number {
  let at = 0;
  let first = -1;
  for (const group of groups) {
    while (at < words.length && !group.includes(words[at]!.word)) at++;
    if (at === words.length) return -1;
    if (first === -1) first = at;
    at++;
  }
  return first;
}

/**
 * The migration a container runs, and the command/args entry that shows it
 * (`source` is -1 when only the image names the tool).
 */
export function matchMigration(image: string | undefined, entries: readonly string[], env?: ReadonlyMap<string, string>): { tool: string; source: number } | undefined {
  const words = commandWords(entries, env);
  const repository = image ? repositoryPath(image) : undefined;
  for (const tool of MIGRATION_TOOLS) {
    if (tool.readOnly?.some((flag) => words.some((w) => w.word === flag || w.word.startsWith(`${flag}=`)))) continue;
    const at = findSequence(words, tool.command);
    if (at !== -1) return { tool: tool.tool, source: words[at]!.source };
    // The image is the executable: the remaining words must still say "apply".
    if (repository && tool.images?.includes(repository)) {
      const rest = findSequence(words, tool.command.slice(1));
      if (rest !== -1) return { tool: tool.tool, source: -1 };
    }
  }
  return undefined;
}
