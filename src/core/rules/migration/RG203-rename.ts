import { key, type Op } from '../../sql/ops';
import { defineMigrationRule, via } from './context';

/**
 * Where the up keeps old names readable, by the last offset each shim starts
 * at: views by name, generated columns by `table.column`, view columns by
 * name. A rename is compatible when such a shim starts after it; one pass over
 * the ops, so the rule stays linear in the size of the migration.
 */
function compatibilityShims(ops: readonly Op[]) {
  const views = new Map<string, number>();
  const generated = new Map<string, number>();
  const viewColumns = new Map<string, number>();
  const later = (map: Map<string, number>, name: string, at: number) => map.set(name, Math.max(at, map.get(name) ?? -Infinity));
  for (const op of ops) {
    if (op.kind === 'create-view') {
      later(views, key(op.name), op.span.start);
      for (const c of op.columns) later(viewColumns, key(c), op.span.start);
    } else if (op.kind === 'add-column' && op.generated) {
      later(generated, `${key(op.table)}.${key(op.column)}`, op.span.start);
    }
  }
  const after = (at: number | undefined, offset: number) => at !== undefined && at >= offset;
  return {
    /** A view named like the old table starts at or after `offset`. */
    table: (offset: number, oldName: string) => after(views.get(key(oldName)), offset),
    /** A generated column, or a view column, named like the old column starts at or after `offset`. */
    column: (offset: number, table: string, oldName: string) =>
      after(generated.get(`${key(table)}.${key(oldName)}`), offset) || after(viewColumns.get(key(oldName)), offset),
  };
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
    const shims = compatibilityShims(ctx.upOps);
    for (const op of ctx.upOps) {
      if (op.kind === 'rename-table') {
        if (ctx.isNewTable(op.table) || shims.table(op.span.end, op.table)) continue;
        ctx.report({
          span: op.span,
          reason: `renames ${op.table} to ${op.to}`,
          message: `Renames table ${op.table} to ${op.to}${via(op)}: the previous release still queries ${op.table}. A code rollback fails until the schema is rolled back too. Create a view named ${op.table} over ${op.to} in the same migration, or move to a new table and clean up later.`,
        });
      } else if (op.kind === 'rename-column') {
        if (ctx.isNewColumn(op.table, op.column, op) || shims.column(op.span.end, op.table, op.column)) continue;
        ctx.report({
          span: op.span,
          reason: `renames ${op.table}.${op.column}`,
          message: `Renames ${op.table}.${op.column} to ${op.to}${via(op)}: the previous release still reads and writes ${op.column}. A code rollback fails on the missing column. Add ${op.to} next to ${op.column}, write both and backfill, and drop ${op.column} in a later release (or keep a generated column or view with the old name).`,
        });
      }
    }
  },
});
