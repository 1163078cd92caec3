import { defineMigrationRule, via } from './context';

export default defineMigrationRule({
  meta: {
    id: 'RG201',
    name: 'drop-table',
    severity: 'error',
    rollbackClass: 'restore-required',
    layer: 'data',
    scope: 'migration',
    summary: 'A table, schema or database is dropped: its rows are gone, and only a backup brings them back.',
    help: 'Stop reading and writing the table in one release, keep it (or rename it to a holding name) for at least one release, and drop it only once a rollback can no longer need it; take a backup or snapshot before the drop.',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind !== 'drop-table' || (op.object === 'table' && ctx.isNewTable(op.table))) continue;
      const what = op.object === 'table' ? `table ${op.table}` : `${op.object} ${op.table}`;
      ctx.report({
        span: op.span,
        reason: `drops ${what}`,
        message: `Drops ${what}${via(op)}: its rows are gone, and a down can only recreate it empty. A code rollback meets a missing ${op.object}, and only a backup or point-in-time restore brings the rows back. Drop it in a later release, once nothing reads it.`,
      });
    }
  },
});
