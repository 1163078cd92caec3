import { defineMigrationRule, via } from './context';

export default defineMigrationRule({
  meta: {
    id: 'RG204',
    name: 'column-type-change',
    severity: 'error',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'migration',
    summary: 'A column type changes: values written after the change may not fit the old type, and the table is usually rewritten.',
    help: 'Add a column with the new type, write both, backfill, switch reads, and drop the old column in a later release; a cast back in a down migration can fail or truncate.',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind !== 'alter-type' || ctx.isNewTable(op.table)) continue;
      const type = op.type ? ` to ${op.type}` : '';
      const unknownOld = op.via === 'AlterField' || op.via === 'change_column' || op.detail === 'MODIFY' || op.detail === 'CHANGE';
      ctx.report({
        span: op.span,
        reason: `changes the type of ${op.table}.${op.column}`,
        ...(op.via === 'AlterField' ? { severity: 'warning' as const } : {}),
        message: `${unknownOld ? 'Redefines' : 'Changes the type of'} ${op.table}.${op.column}${type}${via(op)}: once new values are written, casting back can fail or lose precision, and the previous binary may not read the new type — a rollback becomes a repair. Add a column with the new type and migrate to it over two releases.`,
      });
    }
  },
});
