import type { ConstraintKind } from '../../sql/ops';
import { defineMigrationRule, via } from './context';

export default defineMigrationRule({
  meta: {
    id: 'RG212',
    name: 'lock-heavy-ddl',
    severity: 'warning',
    rollbackClass: 'reversible',
    layer: 'data',
    scope: 'migration',
    summary: 'DDL that holds a long lock (index without CONCURRENTLY, constraint validated in place, table rewrite) — during rollout and again during rollback.',
    help: 'Use `CREATE/DROP INDEX CONCURRENTLY`, add foreign keys and checks `NOT VALID` then `VALIDATE CONSTRAINT` separately, build a unique index concurrently and attach it with `USING INDEX`, and set `lock_timeout`. On MySQL, where a foreign key, a CHECK or a primary key copies or rebuilds the table, use an online schema change tool (gh-ost, pt-online-schema-change).',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind === 'create-index' && !op.concurrently && !ctx.isNewTable(op.table)) {
        ctx.report({
          span: op.span,
          reason: `builds an index on ${op.table} under a write lock`,
          message: `Builds index ${op.name ?? ''}${op.name ? ' ' : ''}on ${op.table} without CONCURRENTLY${via(op)}: writes to ${op.table} block for the whole build, and dropping it on rollback locks again. Use CREATE INDEX CONCURRENTLY (outside a transaction).`,
        });
      } else if (op.kind === 'drop-index' && !op.concurrently && !(op.table && ctx.isNewTable(op.table))) {
        ctx.report({
          span: op.span,
          reason: `drops index ${op.name ?? ''} under an exclusive lock`.replace('  ', ' '),
          message: `Drops index ${op.name ?? ''} without CONCURRENTLY${via(op)}: it takes an ACCESS EXCLUSIVE lock on the table. Use DROP INDEX CONCURRENTLY.`,
        });
      } else if (op.kind === 'add-constraint' && op.dialect === 'mysql' && !ctx.isNewTable(op.table)) {
        const found = innodbConstraint(op.constraint, op.table, via(op));
        if (found) ctx.report({ span: op.span, ...found });
      } else if (op.kind === 'add-constraint' && !ctx.isNewTable(op.table)) {
        if ((op.constraint === 'foreign-key' || op.constraint === 'check') && !op.notValid) {
          ctx.report({
            span: op.span,
            reason: `validates a ${op.constraint} on ${op.table} under lock`,
            message: `Adds a ${op.constraint === 'foreign-key' ? 'FOREIGN KEY' : 'CHECK'} on ${op.table} and validates every row while holding the lock${via(op)}. Add it NOT VALID, then VALIDATE CONSTRAINT in a separate statement (a weaker lock).`,
          });
        } else if ((op.constraint === 'unique' || op.constraint === 'primary-key') && !op.usingIndex) {
          ctx.report({
            span: op.span,
            reason: `builds a ${op.constraint} index on ${op.table} under lock`,
            message: `Adds a ${op.constraint === 'unique' ? 'UNIQUE' : 'PRIMARY KEY'} constraint on ${op.table}, building its index under an exclusive lock${via(op)}. Build the index with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX.`,
          });
        }
      } else if (op.kind === 'rewrite-table' && !(op.table && ctx.isNewTable(op.table))) {
        ctx.report({
          span: op.span,
          reason: `rewrites ${op.table ?? 'a table'} under lock (${op.how})`,
          message: `${op.how} rewrites ${op.table ?? 'the table'} while holding an exclusive lock: reads and writes block for the duration. Use an online tool (pg_repack, pt-online-schema-change, gh-ost) or run it in a maintenance window.`,
        });
      }
    }
  },
});

/**
 * InnoDB has no NOT VALID: a foreign key with `foreign_key_checks` on and a
 * CHECK are added by copying the table (writes blocked for the copy); a
 * primary key rebuilds the table, and the down's DROP PRIMARY KEY copies it.
 */
function innodbConstraint(constraint: ConstraintKind, table: string, how: string): { reason: string; message: string } | undefined {
  const online = 'Use an online schema change tool (gh-ost, pt-online-schema-change) for a large table.';
  if (constraint === 'foreign-key') {
    return {
      reason: `copies ${table} to add a foreign key`,
      message: `Adds a FOREIGN KEY on ${table}${how}: with foreign_key_checks on, MySQL adds it with ALGORITHM=COPY and writes to ${table} block for the whole copy. Add it with foreign_key_checks off (ALGORITHM=INPLACE, existing rows are not checked) after checking the rows yourself, or use an online schema change tool (gh-ost, pt-online-schema-change).`,
    };
  }
  if (constraint === 'check') {
    return {
      reason: `copies ${table} to add a CHECK`,
      message: `Adds a CHECK on ${table}${how}: MySQL validates it by copying the table (ALGORITHM=COPY), and writes to ${table} block for the whole copy. ${online}`,
    };
  }
  if (constraint === 'primary-key') {
    return {
      reason: `rebuilds ${table} for a primary key`,
      message: `Adds a PRIMARY KEY on ${table}${how}: InnoDB stores rows in primary-key order, so the whole table is rebuilt, and the down's DROP PRIMARY KEY can only copy it (ALGORITHM=COPY, writes blocked). ${online}`,
    };
  }
  return undefined;
}
