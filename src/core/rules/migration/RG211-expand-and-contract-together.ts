import { key, type Op } from '../../sql/ops';
import { defineMigrationRule, type MigrationContext } from './context';

function contract(ctx: MigrationContext, op: Op): { table: string; what: string } | undefined {
  if (op.kind === 'drop-column' && !ctx.isNewColumn(op.table, op.column, op)) return { table: op.table, what: `drops ${op.table}.${op.column}` };
  if (op.kind === 'rename-column' && !ctx.isNewColumn(op.table, op.column, op)) return { table: op.table, what: `renames ${op.table}.${op.column}` };
  if (op.kind === 'rename-table') return { table: op.table, what: `renames ${op.table}` };
  return undefined;
}

export default defineMigrationRule({
  meta: {
    id: 'RG211',
    name: 'expand-and-contract-together',
    severity: 'error',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'migration',
    summary: 'One migration both adds and drops/renames on the same table: the expand and contract phases must ship in separate releases.',
    help: 'Split it: release N adds the new column and writes both; release N+1 (once N is final and nothing needs to roll back past it) drops or renames the old one.',
  },
  check(ctx) {
    const added = new Map<string, Extract<Op, { kind: 'add-column' }>>();
    for (const op of ctx.upOps) {
      // A generated column is a compatibility shim for a rename (see RG203), not an expansion.
      if (op.kind === 'add-column' && !op.generated && !ctx.isNewTable(op.table) && !added.has(key(op.table))) added.set(key(op.table), op);
    }
    if (added.size === 0) return;
    const reported = new Set<string>();
    for (const op of ctx.upOps) {
      const c = contract(ctx, op);
      // One finding per table: the first contract step is where the migration must be split.
      if (!c || ctx.isNewTable(c.table) || reported.has(key(c.table))) continue;
      const expand = added.get(key(c.table));
      if (!expand) continue;
      reported.add(key(c.table));
      ctx.report({
        span: op.span,
        reason: `expands and contracts ${c.table} at once`,
        message: `This migration adds ${expand.table}.${expand.column} and ${c.what} in the same step: no code version can roll back across it. The previous release needs the old shape and the new release the new one. Ship the addition first and the removal in a later release.`,
      });
    }
  },
});
