import type { Op, Span } from '../../sql/ops';
import { defineMigrationRule, via, type MigrationContext } from './context';

/** One lock-heavy part of a statement; a statement with several gets one finding. */
interface Part {
  /** Starts the first sentence: "builds index i on t without CONCURRENTLY". */
  clause: string;
  /** The same, short, for a statement that does several things: "builds an index". */
  short: string;
  /** What blocks: "writes to t block for the whole build". */
  effect: string;
  advice: string;
  reason: string;
}

function postgresPart(ctx: MigrationContext, op: Op): Part | undefined {
  switch (op.kind) {
    case 'create-index':
      if (op.concurrently || ctx.isNewTable(op.table)) return undefined;
      return {
        clause: `builds ${op.unique ? 'unique ' : ''}index ${op.name ? `${op.name} ` : ''}on ${op.table} without CONCURRENTLY`,
        short: `builds ${op.unique ? 'a unique' : 'an'} index`,
        effect: `writes to ${op.table} block for the whole build`,
        advice: 'Dropping it on rollback locks again. Use CREATE INDEX CONCURRENTLY (outside a transaction).',
        reason: `builds an index on ${op.table} under a write lock`,
      };
    case 'drop-index':
      if (op.concurrently || (op.table !== undefined && ctx.isNewTable(op.table))) return undefined;
      return {
        clause: `drops index ${op.name ?? (op.table ? `on ${op.table}` : '')} without CONCURRENTLY`.replace('index on', 'an index on'),
        short: 'drops an index',
        effect: `it takes an ACCESS EXCLUSIVE lock on ${op.table ?? 'the table'}`,
        advice: 'Use DROP INDEX CONCURRENTLY.',
        reason: `drops an index${op.table ? ` on ${op.table}` : ''} under an exclusive lock`,
      };
    case 'add-constraint':
      if (ctx.isNewTable(op.table)) return undefined;
      if ((op.constraint === 'foreign-key' || op.constraint === 'check') && !op.notValid) {
        const name = op.constraint === 'foreign-key' ? 'FOREIGN KEY' : 'CHECK';
        return {
          clause: `adds a ${name} on ${op.table} and validates every row under lock`,
          short: `validates a ${name}`,
          effect: `writes to ${op.table} block meanwhile`,
          advice: 'Add it NOT VALID, then VALIDATE CONSTRAINT in a separate statement (a weaker lock).',
          reason: `validates a ${op.constraint} on ${op.table} under lock`,
        };
      }
      if ((op.constraint === 'unique' || op.constraint === 'primary-key') && !op.usingIndex) {
        const name = op.constraint === 'unique' ? 'UNIQUE' : 'PRIMARY KEY';
        return {
          clause: `builds the index of a ${name} constraint on ${op.table} under lock`,
          short: `builds a ${name} index`,
          effect: `writes to ${op.table} block meanwhile`,
          advice: 'Build the index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX.',
          reason: `builds a ${op.constraint} index on ${op.table} under lock`,
        };
      }
      return undefined;
    case 'rewrite-table':
      return rewrite(ctx, op);
    default:
      return undefined;
  }
}

function rewrite(ctx: MigrationContext, op: Extract<Op, { kind: 'rewrite-table' }>): Part | undefined {
  if (op.table !== undefined && ctx.isNewTable(op.table)) return undefined;
  const table = op.table ?? 'the table';
  return {
    clause: `${op.how} rewrites ${table} under an exclusive lock`,
    short: 'rewrites the table',
    effect: 'reads and writes block for the duration',
    advice: 'Use an online tool (pg_repack, pt-online-schema-change, gh-ost) or run it in a maintenance window.',
    reason: `rewrites ${op.table ?? 'a table'} under lock (${op.how})`,
  };
}

const ONLINE_TOOL = 'Use an online schema change tool (gh-ost, pt-online-schema-change) for a large table.';

/**
 * InnoDB builds and drops secondary and unique indexes online, and has no
 * NOT VALID: a foreign key with `foreign_key_checks` on and a CHECK are added
 * by copying the table (writes blocked for the copy); a primary key rebuilds
 * the table, and the down's DROP PRIMARY KEY can only copy it.
 */
function mysqlPart(ctx: MigrationContext, op: Op): Part | undefined {
  if (op.kind === 'rewrite-table') return rewrite(ctx, op);
  if (op.kind !== 'add-constraint' || ctx.isNewTable(op.table)) return undefined;
  const t = op.table;
  if (op.constraint === 'foreign-key') {
    return {
      clause: `adds a FOREIGN KEY on ${t}, which MySQL adds by copying the table`,
      short: 'copies the table for a FOREIGN KEY',
      effect: `writes to ${t} block for the whole copy`,
      advice: `With foreign_key_checks on, MySQL adds it with ALGORITHM=COPY. Add it with foreign_key_checks off (ALGORITHM=INPLACE, existing rows are not checked) after checking the rows yourself, or use an online schema change tool (gh-ost, pt-online-schema-change).`,
      reason: `copies ${t} to add a foreign key`,
    };
  }
  if (op.constraint === 'check') {
    return {
      clause: `adds a CHECK on ${t}, which MySQL validates by copying the table`,
      short: 'copies the table for a CHECK',
      effect: `writes to ${t} block for the whole copy`,
      advice: `MySQL validates it by copying the table (ALGORITHM=COPY). ${ONLINE_TOOL}`,
      reason: `copies ${t} to add a CHECK`,
    };
  }
  if (op.constraint === 'primary-key') {
    return {
      clause: `adds a PRIMARY KEY on ${t}, which rebuilds the whole table`,
      short: 'rebuilds the table for a PRIMARY KEY',
      effect: 'InnoDB stores rows in primary-key order',
      advice: `The down's DROP PRIMARY KEY can only copy it (ALGORITHM=COPY, writes blocked). ${ONLINE_TOOL}`,
      reason: `rebuilds ${t} for a primary key`,
    };
  }
  return undefined;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export default defineMigrationRule({
  meta: {
    id: 'RG212',
    name: 'lock-heavy-ddl',
    severity: 'warning',
    rollbackClass: 'reversible',
    layer: 'data',
    scope: 'migration',
    summary: 'DDL that holds a long lock (index without CONCURRENTLY, constraint validated in place, table rewrite) — during rollout and again during rollback.',
    help: 'Use `CREATE/DROP INDEX CONCURRENTLY`, add foreign keys and checks `NOT VALID` then `VALIDATE CONSTRAINT` separately, build a unique index concurrently and attach it with `USING INDEX`, and set `lock_timeout`. On MySQL, where a foreign key, a CHECK or a primary key copies or rebuilds the table, use an online schema change tool (gh-ost, pt-online-schema-change). SQLite, H2 and CockroachDB get no lock advice: CONCURRENTLY does not exist there, and CockroachDB changes schemas online.',
  },
  check(ctx) {
    // Lock advice only where it applies: SQLite and H2 lock the database anyway and have no CONCURRENTLY; CockroachDB changes schemas online.
    if (ctx.dialect === 'sqlite' || ctx.dialect === 'h2' || ctx.dialect === 'cockroachdb') return;
    // One finding per statement: a Django ForeignKey builds its index and validates its constraint in one operation.
    const bySpan = new Map<string, { span: Span; op: Op; parts: Part[] }>();
    for (const op of ctx.upOps) {
      const mysql = ctx.dialect === 'mysql' || (op.kind === 'add-constraint' && op.dialect === 'mysql');
      const p = mysql ? mysqlPart(ctx, op) : postgresPart(ctx, op);
      if (!p) continue;
      const k = `${op.span.start}:${op.span.end}`;
      const entry = bySpan.get(k);
      if (entry) entry.parts.push(p);
      else bySpan.set(k, { span: op.span, op, parts: [p] });
    }
    for (const { span, op, parts } of bySpan.values()) {
      const table = 'table' in op && op.table ? op.table : 'the table';
      const first = parts.length === 1 ? parts[0]!.clause : `${parts.map((p) => p.short).join(' and ')} on ${table} under lock`;
      const advice = [...new Set(parts.map((p) => p.advice))].join(' ');
      ctx.report({
        span,
        reason: parts.map((p) => p.reason).join('; '),
        message: `${upperFirst(first)}${via(op)}: ${parts.length === 1 ? parts[0]!.effect : `writes to ${table} block meanwhile`}. ${advice}`,
      });
    }
  },
});
