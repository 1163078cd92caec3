import { columnRef, defineMigrationRule, via } from './context';

export default defineMigrationRule({
  meta: {
    id: 'RG202',
    name: 'drop-column',
    severity: 'error',
    rollbackClass: 'restore-required',
    layer: 'data',
    scope: 'migration',
    summary: 'A column is dropped: the previous binary still reads it, and its values only come back from a backup.',
    help: 'Contract in two releases: first ship code that no longer reads or writes the column (and, in ORMs, ignores it), then drop it in a later release; take a backup first.',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind !== 'drop-column' || ctx.isNewColumn(op.table, op.column, op)) continue;
      const ref = columnRef(op.table, op.column);
      ctx.report({
        span: op.span,
        reason: `drops ${ref}`,
        message: `Drops ${ref}${via(op)}: its values are gone, and the previous release still reads it. After a code rollback its selects and inserts fail, and a down can only add the column back empty. Stop using the column in one release and drop it in the next.`,
      });
    }
  },
});
