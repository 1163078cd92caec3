import { key, type Op } from '../../sql/ops';
import { defineMigrationRule, type MigrationContext } from './context';

/** Columns and tables the up dropped, and the ones it filled with data (not tables it creates: dropping those loses nothing the previous release had). */
function footprint(ctx: MigrationContext, up: readonly Op[]) {
  const dropped = new Set<string>();
  const filled = new Set<string>();
  for (const op of up) {
    // A column the up added and dropped again (a scratch copy) was never the previous release's.
    if (op.kind === 'drop-column' && !ctx.isNewColumn(op.table, op.column, op)) dropped.add(`${key(op.table)}.${key(op.column)}`);
    if (op.kind === 'drop-table') dropped.add(key(op.table));
    // A column the up adds and fills is the up's own: dropping it gives back the previous schema.
    if (op.kind === 'update') for (const c of op.columns) if (!ctx.isNewColumn(op.table, c)) filled.add(`${key(op.table)}.${key(c)}`);
    if (op.kind === 'insert' && !ctx.isNewTable(op.table)) filled.add(key(op.table));
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
    const { dropped, filled } = footprint(ctx, ctx.allUpOps);
    // What the down itself writes back: a column it fills later, a column it reads from before dropping it.
    const down = ctx.downOpsHere;
    const writtenAfter = new Map<string, number>();
    const readBefore = new Map<string, number>();
    down.forEach((op, i) => {
      if (op.kind !== 'update') return;
      for (const c of op.columns) writtenAfter.set(`${key(op.table)}.${key(c)}`, i);
      for (const c of op.reads ?? []) if (!readBefore.has(`${key(op.table)}.${key(c)}`)) readBefore.set(`${key(op.table)}.${key(c)}`, i);
    });
    down.forEach((op, i) => {
      if (op.kind === 'add-column') {
        const k = `${key(op.table)}.${key(op.column)}`;
        if (!dropped.has(k) || (writtenAfter.get(k) ?? -1) > i) return;
        ctx.report({ span: op.span, reason: `recreates ${op.table}.${op.column} empty`, message: `The down recreates ${op.table}.${op.column}, which the up dropped, but empty: the values are gone. The previous release comes back to NULLs or defaults. Restore them from a backup or a retained copy, or do not drop the column in the same release.` });
      } else if (op.kind === 'create-table' && dropped.has(key(op.table))) {
        ctx.report({ span: op.span, reason: `recreates ${op.table} empty`, message: `The down recreates table ${op.table}, which the up dropped, but empty: its rows only come back from a backup. Keep the table (or a copy) until the release is final.` });
      } else if (op.kind === 'drop-column') {
        const k = `${key(op.table)}.${key(op.column)}`;
        // Copied back to where the previous release reads it before the drop: nothing is lost.
        if (!filled.has(k) || (readBefore.get(k) ?? Number.MAX_SAFE_INTEGER) < i) return;
        ctx.report({ span: op.span, reason: `drops ${op.table}.${op.column}, which the up filled`, message: `The down drops ${op.table}.${op.column}, which the up filled: what was written there is lost on rollback. Copy it back to where the previous release reads it before dropping.` });
      } else if (op.kind === 'drop-table' && filled.has(key(op.table))) {
        ctx.report({ span: op.span, reason: `drops ${op.table}, which the up filled`, message: `The down drops ${op.table}, which the up filled: its rows are lost on rollback. Copy them back to where the previous release reads them before dropping.` });
      }
    });
    for (const op of ctx.upOps) {
      if (op.undo?.kind !== 'recreates-empty') continue;
      if ((op.kind === 'drop-column' && ctx.isNewColumn(op.table, op.column, op)) || (op.kind === 'drop-table' && ctx.isNewTable(op.table))) continue;
      const what = op.kind === 'drop-column' ? `${op.table}.${op.column}` : op.kind === 'drop-table' ? `table ${op.table}` : 'the object';
      ctx.report({
        span: op.span,
        reason: `its reverse recreates ${what} empty`,
        message: `Rolling this back recreates ${what} empty: the framework restores the schema, not the data. The previous release comes back to missing values. Plan the data restore, or drop it in a later release.`,
      });
    }
  },
});
