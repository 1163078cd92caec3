import { defineMigrationRule, via } from './context';

export default defineMigrationRule({
  meta: {
    id: 'RG208',
    name: 'enum-change',
    severity: 'warning',
    rollbackClass: 'forward-only',
    layer: 'data',
    scope: 'migration',
    summary: '`ALTER TYPE … ADD VALUE` cannot be removed, `RENAME VALUE` breaks the previous binary, and a MySQL ENUM/SET redefinition can reorder or remove values.',
    help: 'Add enum values one release before the code that writes them, never rename or remove a value a running version uses, and prefer a lookup table or a CHECK constraint when values change often.',
  },
  check(ctx) {
    for (const op of ctx.upOps) {
      if (op.kind === 'enum-add-value') {
        ctx.report({
          span: op.span,
          reason: `adds '${op.value}' to enum ${op.type}`,
          message: `Adds '${op.value}' to enum ${op.type}${via(op)}: PostgreSQL cannot drop an enum value again. A down cannot undo it, and once rows hold '${op.value}' the previous binary may fail to read them. Ship the value before the code that writes it.`,
        });
      } else if (op.kind === 'enum-rename-value') {
        ctx.report({
          span: op.span,
          reason: `renames enum value ${op.type}.'${op.value}'`,
          message: `Renames enum value '${op.value}' of ${op.type} to '${op.to}'${via(op)}: the previous release still uses '${op.value}'. A code rollback fails on it. Add the new value, migrate rows, and retire the old value in a later release.`,
        });
      } else if (op.kind === 'enum-redefine' && !ctx.isNewColumn(op.table, op.column, op)) {
        ctx.report({
          span: op.span,
          reason: `redefines the ENUM ${op.table}.${op.column}`,
          message: `Redefines the ENUM/SET column ${op.table}.${op.column}${via(op)}: removing or reordering values rewrites stored data. Values the previous release writes may be rejected. Only append values, in a release before the code that uses them.`,
        });
      }
    }
  },
});
