import type { Op } from '../../sql/ops';
import { defineMigrationRule, via } from './context';

/** True when the column whose default `drop` removes was added NOT NULL earlier in the migration, and no default is set again after. */
function addedNotNull(ops: readonly Op[], drop: Extract<Op, { kind: 'drop-default' }>): boolean {
  const same = (o: { table: string; column: string }) => o.table.toLowerCase() === drop.table.toLowerCase() && o.column.toLowerCase() === drop.column.toLowerCase();
  const at = ops.indexOf(drop);
  const before = at === -1 ? ops : ops.slice(0, at);
  const after = at === -1 ? [] : ops.slice(at + 1);
  const notNull = before.some((o) => (o.kind === 'add-column' && o.notNull && same(o)) || (o.kind === 'set-not-null' && same(o)));
  return notNull && !after.some((o) => o.kind === 'set-default' && same(o));
}


export default defineMigrationRule({
  meta: {
    id: 'RG205',
    name: 'not-null-without-default',
    severity: 'error',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'migration',
    summary: '`SET NOT NULL`, or a NOT NULL column added without a default: the previous binary\'s INSERTs fail after a code rollback.',
    help: 'Give the column a database default (`ADD COLUMN … NOT NULL DEFAULT …`, Django `db_default`), or add it nullable, backfill, and set NOT NULL only once every running version writes it.',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind === 'set-not-null') {
        if (ctx.isNewTable(op.table) || ctx.hasDefault(op.table, op.column)) continue;
        const ref = `${op.table}.${op.column}`;
        if (ctx.isNewColumn(op.table, op.column, op)) {
          ctx.report({
            span: op.span,
            reason: `makes the new column ${ref} NOT NULL`,
            message: `Makes the new column ${ref} NOT NULL without a default${via(op)}: the previous release's INSERTs will fail. It does not know ${op.column}, so after a code rollback every INSERT it makes leaves it NULL. Add a default, or make it NOT NULL in a later release.`,
          });
        } else {
          ctx.report({
            span: op.span,
            reason: `makes ${ref} NOT NULL`,
            message: `Makes ${ref} NOT NULL${via(op)}: a previous-release write that leaves it NULL will fail. After a code rollback, any INSERT or UPDATE of the previous release without ${op.column} fails, and the change scans the table under lock. Make sure every running version writes it, or add a default first.`,
          });
        }
      } else if (op.kind === 'drop-default' && !ctx.isNewTable(op.table) && ctx.isNewColumn(op.table, op.column, op) && addedNotNull(ctx.allUpOps, op)) {
        // Added NOT NULL with a default that fills the existing rows, then the default dropped: the previous release's INSERTs leave it NULL.
        const ref = `${op.table}.${op.column}`;
        ctx.report({
          span: op.span,
          reason: `drops the default of the new NOT NULL column ${ref}`,
          message: `Drops the default of the new NOT NULL column ${ref}${via(op)}: the previous release's INSERTs will fail. It does not know ${op.column}, so after a code rollback every INSERT it makes leaves it NULL. Keep the default until every running version writes the column.`,
        });
      } else if (op.kind === 'add-column' && op.notNull && !op.hasDefault && !op.generated && !ctx.isNewTable(op.table)) {
        ctx.report({
          span: op.span,
          reason: `adds NOT NULL ${op.table}.${op.column} without a default`,
          message: `Adds ${op.table}.${op.column} as NOT NULL without a database default${via(op)}: the previous release's INSERTs will fail. It does not know the column, so after a code rollback every INSERT it makes fails. ${
            op.via === 'AddField' ? 'Django keeps `default=` in Python, not in the database: use `db_default=` (Django 5+) or `null=True`.' : 'Add a DEFAULT, or add the column nullable and tighten it in a later release.'
          }`,
        });
      }
    }
  },
});
