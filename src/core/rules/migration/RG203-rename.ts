import { key, type Op } from '../../sql/ops';
import { defineMigrationRule, via } from './context';

/** A later view or generated column that keeps the old name readable. */
function compatibility(ops: readonly Op[], after: number, table: string, oldName: string, column: boolean): boolean {
  for (const op of ops) {
    if (op.span.start < after) continue;
    if (!column && op.kind === 'create-view' && key(op.name) === key(oldName)) return true;
    if (column && op.kind === 'add-column' && op.generated && key(op.table) === key(table) && key(op.column) === key(oldName)) return true;
    if (column && op.kind === 'create-view' && op.columns.some((c) => key(c) === key(oldName))) return true;
  }
  return false;
}

export default defineMigrationRule({
  meta: {
    id: 'RG203',
    name: 'rename',
    severity: 'error',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'migration',
    summary: 'A table or column is renamed: the previous binary queries the old name.',
    help: 'Expand and contract instead: add the new name (column or table) alongside the old, write both, backfill, switch reads, and remove the old name in a later release — or keep a compatibility view or generated column with the old name.',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind === 'rename-table') {
        if (compatibility(ctx.upOps, op.span.end, op.table, op.table, false)) continue;
        ctx.report({
          span: op.span,
          reason: `renames ${op.table} to ${op.to}`,
          message: `Renames table ${op.table} to ${op.to}${via(op)}: the previous release queries ${op.table}, so a code rollback fails until the schema is rolled back too. Create a view named ${op.table} over ${op.to} in the same migration, or migrate with a new table and a later cleanup.`,
        });
      } else if (op.kind === 'rename-column') {
        if (ctx.isNewTable(op.table) || compatibility(ctx.upOps, op.span.end, op.table, op.column, true)) continue;
        ctx.report({
          span: op.span,
          reason: `renames ${op.table}.${op.column}`,
          message: `Renames ${op.table}.${op.column} to ${op.to}${via(op)}: the previous release reads and writes ${op.column}, so a code rollback fails. Add ${op.to} next to ${op.column}, write both and backfill, and drop ${op.column} in a later release (or keep a generated column or view with the old name).`,
        });
      }
    }
  },
});
