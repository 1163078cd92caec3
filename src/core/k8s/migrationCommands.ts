/**
 * How a container runs a schema migration, as data: a command is a sequence
 * of word groups matched in order against the container's command and args
 * (basenames, so `/app/manage.py` is `manage.py`); an image matches by the
 * last segment of its repository.
 */
export interface MigrationTool {
  tool: string;
  command?: readonly (readonly string[])[];
  images?: readonly string[];
}

export const MIGRATION_TOOLS: readonly MigrationTool[] = [
  { tool: 'golang-migrate', command: [['migrate'], ['up', 'goto']], images: ['migrate'] },
  { tool: 'Flyway', command: [['flyway'], ['migrate']], images: ['flyway'] },
  { tool: 'Liquibase', command: [['liquibase'], ['update', 'update-count', 'updateCount', 'update-to-tag', 'updateToTag']], images: ['liquibase'] },
  { tool: 'Alembic', command: [['alembic'], ['upgrade']] },
  { tool: 'Prisma', command: [['prisma'], ['migrate'], ['deploy', 'dev']] },
  { tool: 'Rails / Sequelize', command: [['db:migrate']] },
  { tool: 'Django', command: [['manage.py', 'django-admin'], ['migrate']] },
  { tool: 'Knex', command: [['knex'], ['migrate:latest', 'migrate:up']] },
  { tool: 'TypeORM', command: [['typeorm', 'typeorm-ts-node-commonjs', 'typeorm-ts-node-esm'], ['migration:run']] },
  { tool: 'sqitch', command: [['sqitch'], ['deploy']], images: ['sqitch'] },
  { tool: 'goose', command: [['goose'], ['up', 'up-by-one', 'up-to']], images: ['goose'] },
  { tool: 'dbmate', command: [['dbmate'], ['up', 'migrate']], images: ['dbmate'] },
  { tool: 'Atlas', command: [['atlas'], ['migrate', 'schema'], ['apply']], images: ['atlas'] },
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

/** The tool whose command appears in `words` (its word groups in order), and the entry holding its first word. */
export function matchMigrationCommand(words: readonly CommandWord[]): { tool: string; source: number } | undefined {
  for (const tool of MIGRATION_TOOLS) {
    if (!tool.command) continue;
    let at = 0;
    let first: number | undefined;
    for (const group of tool.command) {
      while (at < words.length && !group.includes(words[at]!.word)) at++;
      if (at === words.length) {
        first = undefined;
        break;
      }
      first ??= words[at]!.source;
      at++;
    }
    if (first !== undefined) return { tool: tool.tool, source: first };
  }
  return undefined;
}

export function matchMigrationImage(imageName: string): string | undefined {
  const repo = imageName.split('@')[0]!.replace(/:[^/]*$/, '');
  const last = repo.slice(repo.lastIndexOf('/') + 1);
  return MIGRATION_TOOLS.find((t) => t.images?.includes(last))?.tool;
}
