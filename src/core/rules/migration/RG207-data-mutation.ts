import { defineMigrationRule, via } from './context';

export default defineMigrationRule({
  meta: {
    id: 'RG207',
    name: 'data-mutation',
    severity: 'warning',
    rollbackClass: 'compensatable',
    layer: 'data',
    scope: 'migration',
    summary: 'Rows are rewritten or removed inside a migration: a schema rollback does not bring the old values back.',
    help: 'Keep the old values (a backup table, or write the new values to a new column) so the change can be compensated, batch large backfills outside the migration, and never delete or truncate without a backup.',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind === 'update') {
        if (ctx.isNewTable(op.table)) continue;
        const cols = op.columns.filter(Boolean);
        const target = cols.length > 0 ? `${op.table}.${cols.join(', ')}` : op.table;
        ctx.report({
          span: op.span,
          reason: `rewrites ${target}`,
          message: `Rewrites ${target}${op.where ? '' : ' in every row'}${via(op)}: the previous values are overwritten, so rolling back means compensating (recomputing or restoring them), not undoing. Write the new values to a new column, or keep a copy of the old ones.`,
        });
      } else if (op.kind === 'insert' && op.select) {
        if (ctx.isNewTable(op.table)) continue;
        ctx.report({
          span: op.span,
          reason: `copies rows into ${op.table}`,
          message: `Copies rows into ${op.table} with INSERT … SELECT${via(op)}: a rollback has to find and remove exactly these rows, and writes made since are mixed in. Make the copy idempotent and identifiable (a batch marker) so it can be compensated.`,
        });
      } else if (op.kind === 'delete') {
        ctx.report({
          span: op.span,
          reason: op.where ? `deletes rows from ${op.table}` : `deletes every row of ${op.table}`,
          severity: op.where ? 'warning' : 'error',
          rollbackClass: 'restore-required',
          message: op.where
            ? `Deletes rows from ${op.table}${via(op)}: the deleted rows only come back from a backup. Copy them to a holding table first, or soft-delete.`
            : `Deletes every row of ${op.table} (no WHERE)${via(op)}: only a backup or point-in-time restore brings them back. Add a WHERE clause, or copy the rows to a holding table first.`,
        });
      } else if (op.kind === 'truncate') {
        ctx.report({
          span: op.span,
          reason: `truncates ${op.tables.join(', ')}`,
          severity: 'error',
          rollbackClass: 'restore-required',
          message: `Truncates ${op.tables.join(', ')}${via(op)}: every row is gone and only a backup or point-in-time restore brings them back. Take a backup first, or move the rows to a holding table.`,
        });
      }
    }
  },
});
