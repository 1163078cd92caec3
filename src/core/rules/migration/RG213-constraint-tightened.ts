import type { Op } from '../../sql/ops';
import { defineMigrationRule, via, type MigrationContext } from './context';

const NAMES = { 'foreign-key': 'FOREIGN KEY', check: 'CHECK', unique: 'UNIQUE', 'primary-key': 'PRIMARY KEY', exclusion: 'EXCLUDE' } as const;

/**
 * True when the previous release cannot violate the constraint: every
 * constrained column is new to this migration and has no default, so that
 * release only ever leaves it NULL, which a foreign key, a unique key or a
 * CHECK accepts (unless the CHECK rejects NULL).
 */
function onlyNewNullColumns(ctx: MigrationContext, op: Op, table: string, columns: string[] | undefined, rejectsNull = false): boolean {
  if (!columns || columns.length === 0 || rejectsNull) return false;
  return columns.every((c) => ctx.isNewColumn(table, c, op) && !ctx.hasDefault(table, c));
}

/**
 * A CHECK on columns the migration adds, default or not: the previous
 * release never writes them, and what it leaves there (NULL, or the default,
 * which adding the CHECK validates on every existing row) passes.
 */
function checkOnNewColumns(ctx: MigrationContext, op: Extract<Op, { kind: 'add-constraint' }>): boolean {
  if (op.constraint !== 'check' || !op.columns || op.columns.length === 0 || op.notValid) return false;
  return op.columns.every((c) => ctx.isNewColumn(op.table, c, op)) && (!op.rejectsNull || op.columns.every((c) => ctx.hasDefault(op.table, c)));
}

export default defineMigrationRule({
  meta: {
    id: 'RG213',
    name: 'constraint-tightened',
    severity: 'warning',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'migration',
    summary: 'A CHECK / UNIQUE / FOREIGN KEY is added that the previous binary may violate.',
    help: 'Ship code that already satisfies the constraint first (one release earlier), and check the previous release cannot write violating rows if it is rolled back to.',
  },
  check(ctx) {
    const reported = new Set<string>();
    const once = (op: Op) => {
      // One finding per statement (a OneToOneField adds a unique key and a foreign key).
      const k = `${op.span.start}:${op.span.end}`;
      if (reported.has(k)) return false;
      reported.add(k);
      return true;
    };
    for (const op of ctx.upOps) {
      if (op.kind === 'add-constraint') {
        // `USING INDEX` attaches a unique index that already enforces the rule: nothing tightens here.
        if (op.constraint === 'primary-key' || op.usingIndex || ctx.isNewTable(op.table)) continue;
        // The same foreign key before and after (a replaced constraint), or a unique key over more columns: nothing tightens.
        if (ctx.isReplacement(op) && op.constraint !== 'check') continue;
        if (onlyNewNullColumns(ctx, op, op.table, op.columns, op.rejectsNull) || checkOnNewColumns(ctx, op) || !once(op)) continue;
        const name = NAMES[op.constraint];
        ctx.report({
          span: op.span,
          reason: `adds a ${name} constraint on ${op.table}`,
          message: `Adds a ${name} constraint on ${op.table}${via(op)}: the previous release may write rows that violate it. After a code rollback those writes fail. Ship code that satisfies it one release earlier.`,
        });
      } else if (op.kind === 'create-index' && op.unique && !ctx.isNewTable(op.table)) {
        if (ctx.isReplacement(op) || onlyNewNullColumns(ctx, op, op.table, op.columns) || !once(op)) continue;
        ctx.report({
          span: op.span,
          reason: `adds a unique index on ${op.table}`,
          message: `Adds unique index ${op.name ? `${op.name} ` : ''}on ${op.table}${via(op)}: the previous release may insert duplicates and fail. Ship code that avoids duplicates one release earlier.`,
        });
      }
    }
  },
});
