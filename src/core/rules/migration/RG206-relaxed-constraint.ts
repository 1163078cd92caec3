import { defineMigrationRule, via } from './context';

export default defineMigrationRule({
  meta: {
    id: 'RG206',
    name: 'relaxed-constraint',
    severity: 'info',
    rollbackClass: 'reversible-within-window',
    layer: 'data',
    scope: 'migration',
    summary: 'DROP NOT NULL / DROP DEFAULT / DROP CONSTRAINT: after a code rollback the previous binary sees rows it never wrote.',
    help: 'Make sure the previous release tolerates NULLs, missing defaults and unconstrained values before relaxing; re-tightening later needs the data cleaned first.',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind === 'drop-not-null' && !ctx.isNewColumn(op.table, op.column, op)) {
        ctx.report({
          span: op.span,
          reason: `allows NULL in ${op.table}.${op.column}`,
          message: `Allows NULL in ${op.table}.${op.column}${via(op)}: the previous release may read NULLs it never wrote. Restoring NOT NULL needs them cleaned up first. Check the previous release handles NULL here.`,
        });
      } else if (op.kind === 'drop-default' && !ctx.isNewColumn(op.table, op.column, op)) {
        ctx.report({
          span: op.span,
          reason: `drops the default of ${op.table}.${op.column}`,
          message: `Drops the default of ${op.table}.${op.column}${via(op)}: a previous release that relies on it writes NULL or fails. Keep the default until no running version relies on it.`,
        });
      } else if (op.kind === 'drop-constraint' && !ctx.isNewTable(op.table)) {
        const what = op.name ? `constraint ${op.name}` : op.columns ? `the ${op.constraint === 'unique' ? 'unique key' : 'constraint'} (${op.columns.join(', ')})` : 'a constraint';
        ctx.report({
          span: op.span,
          reason: `drops ${what} on ${op.table}`,
          message: `Drops ${what} on ${op.table}${via(op)}: rows that violate it can now be written. Re-adding it, or rolling back to code that relies on it, needs a data clean-up first.`,
        });
      }
    }
  },
});
