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
      if (op.kind === 'drop-not-null' && !ctx.isNewTable(op.table)) {
        ctx.report({
          span: op.span,
          reason: `allows NULL in ${op.table}.${op.column}`,
          message: `Allows NULL in ${op.table}.${op.column}${via(op)}: the new release may write NULLs that the previous one does not expect, and restoring NOT NULL needs them cleaned up first. Check the previous release handles NULL here.`,
        });
      } else if (op.kind === 'drop-default' && !ctx.isNewTable(op.table)) {
        ctx.report({
          span: op.span,
          reason: `drops the default of ${op.table}.${op.column}`,
          message: `Drops the default of ${op.table}.${op.column}${via(op)}: a previous release that relied on the default writes NULL or fails after a code rollback. Keep the default until no running version relies on it.`,
        });
      } else if (op.kind === 'drop-constraint' && !ctx.isNewTable(op.table)) {
        const name = op.name ? ` ${op.name}` : '';
        ctx.report({
          span: op.span,
          reason: `drops constraint${name} on ${op.table}`,
          message: `Drops constraint${name} on ${op.table}${via(op)}: rows that violate it can be written from now on, so re-adding it (or rolling back to code that relies on it) needs a data clean-up first.`,
        });
      }
    }
  },
});
