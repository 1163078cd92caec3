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
        const named = op.columns.filter(Boolean);
        // Filling a column the migration adds overwrites nothing: dropping the column undoes it.
        const existing = named.filter((c) => !ctx.isNewColumn(op.table, c, op));
        if (named.length > 0 && existing.length === 0) continue;
        const target = existing.length > 0 ? `${op.table}.${existing.join(', ')}` : `rows of ${op.table}`;
        ctx.report({
          span: op.span,
          reason: `rewrites ${target}`,
          message: `Rewrites ${target}${op.where ? '' : ' in every row'}${via(op)}: the previous values are overwritten. Rolling back means compensating (recomputing or restoring them), not undoing. Write the new values to a new column, or keep a copy of the old ones.`,
        });
      } else if (op.kind === 'insert' && op.select) {
        if (ctx.isNewTable(op.table)) continue;
        ctx.report({
          span: op.span,
          reason: `copies rows into ${op.table}`,
          message: `Copies rows into ${op.table} with INSERT … SELECT${via(op)}: a rollback has to find and remove exactly these rows. Writes made since are mixed in. Make the copy idempotent and identifiable (a batch marker) so it can be compensated.`,
        });
      } else if (op.kind === 'delete') {
        if (ctx.isNewTable(op.table)) continue;
        ctx.report({
          span: op.span,
          reason: op.where ? `deletes rows from ${op.table}` : `deletes every row of ${op.table}`,
          severity: op.where ? 'warning' : 'error',
          rollbackClass: 'restore-required',
          message: op.where
            ? `Deletes rows from ${op.table}${via(op)}: only a backup brings them back. Copy them to a holding table first, or soft-delete.`
            : `Deletes every row of ${op.table}${via(op)}: only a backup or point-in-time restore brings them back. There is no WHERE clause. Add one, or copy the rows to a holding table first.`,
        });
      } else if (op.kind === 'truncate') {
        const tables = op.tables.filter((t) => !ctx.isNewTable(t));
        if (tables.length === 0) continue;
        ctx.report({
          span: op.span,
          reason: `truncates ${tables.join(', ')}`,
          severity: 'error',
          rollbackClass: 'restore-required',
          message: `Truncates ${tables.join(', ')}${via(op)}: every row is gone, and only a backup or point-in-time restore brings them back. Take a backup first, or move the rows to a holding table.`,
        });
      }
    }
  },
});
