import { defineMigrationRule, via } from './context';

const NAMES = { 'foreign-key': 'FOREIGN KEY', check: 'CHECK', unique: 'UNIQUE', 'primary-key': 'PRIMARY KEY', exclusion: 'EXCLUDE' } as const;

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
    for (const op of ctx.upOps) {
      // `USING INDEX` attaches a unique index that already enforces the rule: nothing tightens here.
      if (op.kind === 'add-constraint' && op.constraint !== 'primary-key' && !op.usingIndex && !ctx.isNewTable(op.table)) {
        const name = NAMES[op.constraint];
        ctx.report({
          span: op.span,
          reason: `adds a ${name} constraint on ${op.table}`,
          message: `Adds a ${name} constraint on ${op.table}${via(op)}: after a code rollback the previous release may write rows that violate it and fail. Ship code that satisfies it one release earlier.`,
        });
      } else if (op.kind === 'create-index' && op.unique && !ctx.isNewTable(op.table)) {
        ctx.report({
          span: op.span,
          reason: `adds a unique index on ${op.table}`,
          message: `Adds unique index ${op.name ?? ''}${op.name ? ' ' : ''}on ${op.table}${via(op)}: after a code rollback the previous release may insert duplicates and fail. Ship code that avoids duplicates one release earlier.`,
        });
      }
    }
  },
});
