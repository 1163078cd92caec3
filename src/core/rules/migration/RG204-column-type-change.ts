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
      if (op.kind !== 'alter-type' || ctx.isNewColumn(op.table, op.column, op)) continue;
      const type = op.type ? ` to ${op.type}` : '';
      const ref = `${op.table}.${op.column}`;
      // The old definition is not in the migration: it is redefined, maybe to the same type.
      const unknownOld = op.via === 'change_column' || op.via === 't.change' || op.detail === 'MODIFY' || op.detail === 'CHANGE' || op.detail === 'unknown previous definition';
      const what = op.via === 'column swap' ? `Replaces ${ref} with a new${op.type ? ` ${op.type}` : ''} column (a column swap)` : `${unknownOld ? 'Redefines' : 'Changes the type of'} ${ref}${type}${via(op)}`;
      ctx.report({
        span: op.span,
        reason: `changes the type of ${ref}`,
        ...(op.detail === 'unknown previous definition' ? { severity: 'warning' as const } : {}),
        message: `${what}: values written after it may not cast back. The previous binary may not read the new type, and a down that casts back can fail or lose precision — a rollback becomes a repair. Add a column with the new type and migrate to it over two releases.`,
      });
    }
  },
});
