import { key, type Op } from '../../sql/ops';
import { defineMigrationRule } from './context';

function expandedTable(op: Op): string | undefined {
  // A generated column is a compatibility shim for a rename (see RG203), not an expansion.
  if (op.kind === 'add-column' && !op.generated) return op.table;
  return undefined;
}

function contract(op: Op): { table: string; what: string } | undefined {
  if (op.kind === 'drop-column') return { table: op.table, what: `drops ${op.table}.${op.column}` };
  if (op.kind === 'rename-column') return { table: op.table, what: `renames ${op.table}.${op.column}` };
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
    const added = new Map<string, Op>();
    for (const op of ctx.upOps) {
      const table = expandedTable(op);
      if (table && !ctx.isNewTable(table)) added.set(key(table), op);
    }
    if (added.size === 0) return;
    const reported = new Set<string>();
    for (const op of ctx.upOps) {
      const c = contract(op);
      // One finding per table: the first contract step is where the migration must be split.
      if (!c || ctx.isNewTable(c.table) || reported.has(key(c.table))) continue;
      const expand = added.get(key(c.table));
      if (!expand || expand.kind !== 'add-column') continue;
      reported.add(key(c.table));
      ctx.report({
        span: op.span,
        reason: `expands and contracts ${c.table} at once`,
        message: `This migration adds ${expand.table}.${expand.column} and ${c.what} in the same step: the previous release needs the old shape and the new release the new one, so no code version can roll back across it. Ship the addition first and the removal in a later release.`,
      });
    }
  },
});
