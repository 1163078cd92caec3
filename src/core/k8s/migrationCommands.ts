import { repositoryPath } from './image';

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
  { tool: 'Rails / Sequelize', command: [['db:migrate']] },
  { tool: 'Django', command: [['manage.py', 'django-admin'], ['migrate']], readOnly: ['--check', '--plan'] },
  { tool: 'Knex', command: [['knex'], ['migrate:latest', 'migrate:up']] },
  { tool: 'TypeORM', command: [['typeorm', 'typeorm-ts-node-commonjs', 'typeorm-ts-node-esm'], ['migration:run']] },
  { tool: 'sqitch', command: [['sqitch'], ['deploy']], images: ['sqitch/sqitch'] },
  { tool: 'goose', command: [['goose'], ['up', 'up-by-one', 'up-to']] },
  { tool: 'dbmate', command: [['dbmate'], ['up', 'migrate']], images: ['amacneil/dbmate'] },
  { tool: 'Atlas', command: [['atlas'], ['migrate', 'schema'], ['apply']], images: ['arigaio/atlas'] },
];

export interface CommandWord {
  word: string;
  /** Index of the command/args entry the word came from. */
  source: number;
}

/** Splits command/args entries (which may hold `sh -c` scripts) into words. */
export function commandWords(entries: readonly string[]): CommandWord[] {
  const out: CommandWord[] = [];
  entries.forEach((entry, source) => {
    for (const raw of entry.split(/[\s;&|()]+/)) {
      const word = raw.replace(/^['"]+|['"]+$/g, '');
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
export function matchMigration(image: string | undefined, entries: readonly string[]): { tool: string; source: number } | undefined {
  const words = commandWords(entries);
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
