import { key, type Op } from '../../sql/ops';
import { defineMigrationRule } from './context';

/** Columns and tables the up dropped, and the ones it filled with data. */
function footprint(up: readonly Op[]) {
  const dropped = new Set<string>();
  const filled = new Set<string>();
  for (const op of up) {
    if (op.kind === 'drop-column') dropped.add(`${key(op.table)}.${key(op.column)}`);
    if (op.kind === 'drop-table') dropped.add(key(op.table));
    if (op.kind === 'update') for (const c of op.columns) filled.add(`${key(op.table)}.${key(c)}`);
    if (op.kind === 'insert') filled.add(key(op.table));
  }
  return { dropped, filled };
}

export default defineMigrationRule({
  meta: {
    id: 'RG210',
    name: 'lossy-down',
    severity: 'warning',
    rollbackClass: 'restore-required',
    layer: 'data',
    scope: 'migration',
    summary: 'The down exists but cannot bring the data back: it recreates a dropped column or table empty, or drops what the up filled.',
    help: 'Say so in the down and plan the data side: keep the old data (a backup table, a retained column) until the release is final, so the down can copy it back.',
  },
  check(ctx) {
    const { dropped, filled } = footprint(ctx.allUpOps);
    for (const op of ctx.downOpsHere) {
      if (op.kind === 'add-column' && dropped.has(`${key(op.table)}.${key(op.column)}`)) {
        ctx.report({ span: op.span, reason: `recreates ${op.table}.${op.column} empty`, message: `The down recreates ${op.table}.${op.column}, which the up dropped, but empty: the values are gone, so the previous release comes back to NULLs or defaults. Restore them from a backup or a retained copy, or do not drop the column in the same release.` });
      } else if (op.kind === 'create-table' && dropped.has(key(op.table))) {
        ctx.report({ span: op.span, reason: `recreates ${op.table} empty`, message: `The down recreates table ${op.table}, which the up dropped, but empty: its rows only come back from a backup. Keep the table (or a copy) until the release is final.` });
      } else if (op.kind === 'drop-column' && filled.has(`${key(op.table)}.${key(op.column)}`)) {
        ctx.report({ span: op.span, reason: `drops ${op.table}.${op.column}, which the up filled`, message: `The down drops ${op.table}.${op.column}, which the up filled with data: whatever was written there is lost on rollback. Copy it back to where the previous release reads it before dropping.` });
      } else if (op.kind === 'drop-table' && filled.has(key(op.table))) {
        ctx.report({ span: op.span, reason: `drops ${op.table}, which the up filled`, message: `The down drops ${op.table}, which the up filled with data: its rows are lost on rollback. Copy them back to where the previous release reads them before dropping.` });
      }
    }
    for (const op of ctx.upOps) {
      if (op.undo?.kind !== 'recreates-empty') continue;
      const what = op.kind === 'drop-column' ? `${op.table}.${op.column}` : op.kind === 'drop-table' ? `table ${op.table}` : 'the object';
      ctx.report({
        span: op.span,
        reason: `its reverse recreates ${what} empty`,
        message: `Rolling this back recreates ${what} empty: the framework can rebuild the schema but not the data, so the previous release comes back to missing values. Plan the data restore, or drop it in a later release.`,
      });
    }
  },
});
