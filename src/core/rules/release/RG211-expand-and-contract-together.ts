import { createdTables, key, type Op } from '../../sql/ops';
import { upOps } from '../../release/facts';
import EXPAND_AND_CONTRACT from '../migration/RG211-expand-and-contract-together';
import { defineReleaseRule, type MigrationFacts } from './context';

function contract(op: Op): { table: string; what: string } | undefined {
  if (op.kind === 'drop-column') return { table: op.table, what: `drops ${op.table}.${op.column}` };
  if (op.kind === 'rename-column') return { table: op.table, what: `renames ${op.table}.${op.column} to ${op.to}` };
  if (op.kind === 'rename-table') return { table: op.table, what: `renames ${op.table} to ${op.to}` };
  if (op.kind === 'drop-table') return { table: op.table, what: `drops ${op.table}` };
  return undefined;
}

/**
 * The branch-scope half of RG211 (one migration doing both is judged with
 * the migration rules): migrations of the same branch that add to a table
 * and drop or rename on it, so one release carries both phases.
 */
export default defineReleaseRule({
  meta: EXPAND_AND_CONTRACT.meta,
  check(ctx) {
    const migrations = ctx.migrations.filter((m) => m.status !== 'deleted');
    // Tables the branch creates are new: nobody can roll back onto them.
    const created = new Set<string>();
    for (const m of migrations) for (const t of createdTables(upOps(m.units))) created.add(t);
    const expands = new Map<string, { op: Op & { kind: 'add-column' }; migration: MigrationFacts }[]>();
    for (const m of migrations) {
      for (const op of upOps(m.units)) {
        if (op.kind !== 'add-column' || created.has(key(op.table))) continue;
        const list = expands.get(key(op.table)) ?? [];
        list.push({ op, migration: m });
        expands.set(key(op.table), list);
      }
    }
    if (expands.size === 0) return;
    for (const m of migrations) {
      for (const op of upOps(m.units)) {
        const c = contract(op);
        if (!c || created.has(key(c.table))) continue;
        const other = expands.get(key(c.table))?.find((e) => e.migration.file !== m.file);
        if (!other) continue;
        ctx.report({
          file: m.file,
          range: m.lines.range(op.span.start, op.span.end),
          message: `This branch adds ${other.op.table}.${other.op.column} (${other.migration.file}) and this migration ${c.what}: the expand and the contract phase ship in one release, so neither the previous release (which needs the old shape) nor a partial rollback can run against the result. Ship the addition in this release and the removal in a later one.`,
        });
      }
    }
  },
});
